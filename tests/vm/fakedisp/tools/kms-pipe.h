/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The test side of fakedisp's KMS pipeline: find the card by driver name,
 * its connector, CRTC and primary plane and their property ids, and commit
 * atomically (modeset, flip, disable), with page-flip events.
 */
#ifndef KMS_PIPE_H
#define KMS_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include <xf86drmMode.h>

struct kms_pipe {
	int fd;
	int minor; /* N of /dev/dri/cardN and /sys/kernel/debug/dri/N */
	uint32_t connector, crtc, plane;
	drmModeModeInfo mode;
	/* property ids */
	uint32_t conn_crtc_id;
	uint32_t crtc_mode_id, crtc_active;
	uint32_t plane_fb_id, plane_crtc_id, plane_src[4], plane_crtc[4];
	uint32_t mode_blob;
	/* the last page-flip event */
	bool flipped;
	unsigned int flip_seq;
	uint64_t flip_usec;
};

/* Opens the card whose driver is @driver; -1 and a message if none. */
int kms_open_driver(const char *driver, int *minor);

/* Fills @pipe for fakedisp with the mode @width x @height; false if none. */
bool kms_pipe_init(struct kms_pipe *pipe, int fd, int minor, unsigned int width,
		   unsigned int height);

/* A commit showing @fb; src is @src_w x @src_h at 0,0, dst the whole mode.
 * @flags: DRM_MODE_ATOMIC_* and DRM_MODE_PAGE_FLIP_EVENT. Returns -errno. */
int kms_commit_fb(struct kms_pipe *pipe, uint32_t fb, unsigned int src_w, unsigned int src_h,
		  unsigned int dst_w, unsigned int dst_h, uint32_t flags);

/* A modeset to an arbitrary mode (the check must refuse unknown ones). */
int kms_commit_mode(struct kms_pipe *pipe, const drmModeModeInfo *mode, uint32_t fb,
		    uint32_t flags);

/* Turns the CRTC and the plane off. Returns -errno. */
int kms_disable(struct kms_pipe *pipe);

/* Waits up to @timeout_ms for one page-flip event; its vblank sequence and
 * time (us) go to @seq and @usec. Returns false on timeout. */
bool kms_wait_flip(struct kms_pipe *pipe, int timeout_ms, unsigned int *seq, uint64_t *usec);

#endif
