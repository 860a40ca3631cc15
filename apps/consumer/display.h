/* SPDX-License-Identifier: MIT */
/*
 * The consumer's screen: one KMS pipeline (connector, CRTC, primary plane)
 * of a DRM card, driven with atomic commits. A frame is shown with a
 * non-blocking commit that asks for a page-flip event; the event says the
 * flip latched, i.e. the previous framebuffer is off screen and may go back
 * to its owner.
 */
#ifndef CONSUMER_DISPLAY_H
#define CONSUMER_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <xf86drmMode.h>

struct display {
	int fd;
	char path[32];
	char driver[32];
	uint32_t connector, crtc, plane;
	drmModeModeInfo mode;
	uint32_t mode_blob; /* 0: no mode chosen */
	bool active;	    /* the CRTC runs mode */
	/* property ids */
	uint32_t conn_crtc_id, crtc_mode_id, crtc_active;
	uint32_t plane_fb_id, plane_crtc_id, plane_src[4], plane_crtc[4];
	/* the last page-flip event */
	bool flipped;
	uint64_t flip_ns; /* CLOCK_MONOTONIC */
};

/*
 * Opens path, or with path NULL the first /dev/dri/card* whose driver is
 * driver; finds its pipeline (the first connector, CRTC and primary plane).
 */
int display_open(struct display *d, const char *path, const char *driver);

/* The connector's preferred mode (first one when none is marked). */
void display_preferred_size(const struct display *d, uint32_t *width, uint32_t *height);

/* Picks the connector's width x height mode for the next commits. */
int display_set_mode(struct display *d, uint32_t width, uint32_t height);

/*
 * Commits fb (the whole frame on the whole mode; a modeset the first time),
 * non-blocking, with a page-flip event. -errno.
 */
int display_show(struct display *d, uint32_t fb);

/* Waits up to timeout_ms for the page-flip event; 0, or -ETIMEDOUT / -errno. */
int display_wait_flip(struct display *d, int timeout_ms);

/* Turns the plane and the CRTC off (blocking), so that no framebuffer is in use. */
int display_off(struct display *d);

void display_close(struct display *d);

#endif /* CONSUMER_DISPLAY_H */
