/* SPDX-License-Identifier: MIT */
/*
 * The consumer's side of a pool: per buffer its dma-buf fd (one per plane
 * with a fd_per_plane layout), their GEM handles on the display
 * (drmPrimeFDToHandle), its framebuffer (drmModeAddFB2 with a handle per
 * plane) and its CPU mappings, made once and cached for the session (or per
 * frame in fd-per-frame mode).
 *
 * GEM handles are not reference counted by DRM: importing the same dma-buf
 * twice on one DRM fd returns the same handle, and closing it once drops it
 * for both. A peer may send two fds of one dma-buf, and two peers may send
 * the same dma-buf, so handles are counted per DRM fd (struct fb_handles,
 * shared by every client's table) and closed exactly once, when their last
 * user goes.
 */
#ifndef CONSUMER_FRAMEBUFFERS_H
#define CONSUMER_FRAMEBUFFERS_H

#include <stdbool.h>
#include <stdint.h>

#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/layout.h"
#include "dmabuf-interop/protocol.h"

/* Index i of fd, handle and map: the buffer's fd i (di_layout_fds()). */
struct fb_slot {
	int fd[DI_MAX_PLANES];	       /* the dma-bufs, owned; fd[0] -1: the slot is empty */
	uint32_t handle[DI_MAX_PLANES]; /* 0: not on the display */
	uint32_t fb_id;
	struct di_buffer_map map[DI_MAX_PLANES];
};

struct fb_handle_ref {
	uint32_t handle;
	uint32_t users;
};

/* The GEM handles open on one DRM fd, with their users. */
struct fb_handles {
	int drm;
	struct fb_handle_ref *ref;
	uint32_t n, cap;
	uint64_t imports; /* drmPrimeFDToHandle calls that succeeded */
	uint64_t closed;  /* GEM handles closed (each exactly once) */
};

struct framebuffers {
	int drm;		    /* -1: no display (--no-display), buffers are only mapped */
	struct fb_handles *handles; /* the DRM fd's; NULL without a display */
	bool map;
	struct di_layout layout;
	uint32_t count;
	struct fb_slot slot[DI_POOL_MAX];
};

/*
 * An empty table for count buffers of layout on the display of handles
 * (NULL: none); map: mmap each buffer for checks.
 */
void fbs_init(struct framebuffers *fbs, struct fb_handles *handles, bool map,
	      const struct di_layout *layout, uint32_t count);

/*
 * Takes fds (checked by the receive path; di_layout_fds() of them) as buffer
 * index: imports each, makes the framebuffer, maps them. On failure the fds
 * are closed and err says which step failed.
 */
int fbs_import(struct framebuffers *fbs, uint32_t index, const int *fds, struct di_error *err);

/*
 * Takes a buffer we allocated ourselves (--display-allocates): handle (a
 * dumb buffer's, which this table now closes) and fd (its export).
 */
int fbs_adopt(struct framebuffers *fbs, uint32_t index, uint32_t handle, int fd,
	      struct di_error *err);

/* Unmaps, removes the framebuffer, drops the handle, closes the fd. */
void fbs_drop(struct framebuffers *fbs, uint32_t index);

void fbs_drop_all(struct framebuffers *fbs);

#endif /* CONSUMER_FRAMEBUFFERS_H */
