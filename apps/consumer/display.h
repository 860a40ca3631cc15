/* SPDX-License-Identifier: MIT */
/*
 * The consumer's screen: one KMS pipeline (connector, CRTC) of a DRM card
 * and the planes that can feed its CRTC, the primary plane first, then the
 * overlays, driven with atomic commits. A frame is shown with a
 * non-blocking commit that asks for a page-flip event; the event says the
 * flip latched, i.e. the framebuffers the commit replaced are off screen
 * and may go back to their owners.
 */
#ifndef CONSUMER_DISPLAY_H
#define CONSUMER_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <xf86drmMode.h>

#define DISPLAY_PLANES_MAX  8
#define DISPLAY_FORMATS_MAX 32

struct display_plane {
	uint32_t id;
	bool primary;
	uint32_t formats[DISPLAY_FORMATS_MAX]; /* what the plane scans out */
	uint32_t nformats;
	/* property ids */
	uint32_t fb_id, crtc_id, src[4], dst[4], in_fence_fd;
};

struct display {
	int fd;
	char path[32];
	char driver[32];
	uint32_t connector, crtc;
	struct display_plane plane[DISPLAY_PLANES_MAX]; /* [0] primary, then overlays */
	uint32_t nplanes;
	drmModeModeInfo mode;
	uint32_t mode_blob; /* 0: no mode chosen */
	bool active;	    /* the CRTC runs mode */
	/* property ids */
	uint32_t conn_crtc_id, crtc_mode_id, crtc_active, crtc_out_fence_ptr;
	/* the last non-blocking commit and its page-flip event */
	bool flip_pending;
	uint64_t flip_ns; /* CLOCK_MONOTONIC of the last event */
	uint64_t flips;	  /* events received */
};

/* What one commit sets on one plane: fb 0 turns the plane off. */
struct display_update {
	uint32_t plane; /* index into display.plane[] */
	uint32_t fb;
	int32_t x, y;  /* position on the CRTC */
	uint32_t w, h; /* size, also the source size (no scaling) */
	bool fenced;   /* IN_FENCE_FD: the display waits for fence_fd before the flip */
	int fence_fd;
};

/*
 * Opens path, or with path NULL the first /dev/dri/card* whose driver is
 * driver; finds its pipeline (the first connector and CRTC, its planes).
 */
int display_open(struct display *d, const char *path, const char *driver);

/* The connector's preferred mode (first one when none is marked). */
void display_preferred_size(const struct display *d, uint32_t *width, uint32_t *height);

/* Picks the connector's width x height mode for the next commits. */
int display_set_mode(struct display *d, uint32_t width, uint32_t height);

/* Whether plane index scans out fourcc. */
bool display_plane_has_format(const struct display *d, uint32_t plane, uint32_t fourcc);

/*
 * One atomic commit of n plane updates (a modeset the first time). Without
 * block: non-blocking with a page-flip event (flip_pending until
 * display_dispatch() sees it; -EBUSY while one is pending). With block:
 * returns when the new state is on screen, no event. With out_fence
 * (OUT_FENCE_PTR), *out_fence gets a sync_file that signals when this
 * commit is on screen, i.e. when what it replaced is off; the caller
 * closes it. -errno.
 */
int display_commit(struct display *d, const struct display_update *u, uint32_t n, bool block,
		   int *out_fence);

/* Reads the DRM events waiting on d->fd; 0, or -EIO. */
int display_dispatch(struct display *d);

/* Commits fb on the primary plane, whole frame on the whole mode, non-blocking. -errno. */
int display_show(struct display *d, uint32_t fb);

/* Waits up to timeout_ms for the pending page-flip event; 0, or -ETIMEDOUT / -errno. */
int display_wait_flip(struct display *d, int timeout_ms);

/* Turns every plane and the CRTC off (blocking), so that no framebuffer is in use. */
int display_off(struct display *d);

void display_close(struct display *d);

#endif /* CONSUMER_DISPLAY_H */
