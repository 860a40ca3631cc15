/* SPDX-License-Identifier: MIT */
/*
 * The consumer as a small compositor: every streaming client owns one plane
 * of the display, and one atomic commit per vblank carries every client's
 * newest frame.
 *
 * Placement: the mode is --mode, or else the frame size of the first
 * client while nobody is on screen. The primary plane covers the whole
 * mode (no scaling), so it goes to a client whose frames have exactly the
 * mode's size; every other client takes an overlay plane that scans out its
 * format, at the position --layout gives for it or else the first place,
 * top to bottom and left to right, where it fits inside the mode without
 * covering another overlay. While no client is on the primary plane it
 * shows a black background. A client that finds no plane or no room gets
 * an ERROR.
 *
 * Frames: a FRAME waits as the client's latest until no flip is pending;
 * then one non-blocking commit takes every latest frame (committed). Its
 * page-flip event puts them on screen (shown) and releases what they
 * replaced: each buffer is released after the flip that took it off its
 * plane. With fences (implicit or explicit sync) the commit itself waits
 * for each frame's acquire fence (IN_FENCE_FD, or the buffer's implicit
 * fence), and what it replaces is released right after it is made, with
 * its out-fence (OUT_FENCE_PTR): the producer's camera waits for that
 * fence, not for our flip event. A latest frame that a newer one replaces
 * before any commit took it is released at once, as skipped (client.c).
 *
 * A client that leaves has its plane taken off screen by a blocking commit
 * before its buffers go: an overlay is turned off; the primary plane, which
 * an active CRTC needs, shows a black background while other clients are
 * on screen; the last client turns the display off.
 */
#ifndef CONSUMER_COMPOSITOR_H
#define CONSUMER_COMPOSITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "app-args.h"
#include "app-stats.h"
#include "client.h"
#include "display.h"

#define COMPOSITOR_LAYOUT_MAX 16

struct compositor {
	struct display *disp;
	const struct consumer_options *opt;
	struct app_stats *stats; /* capture->flip latency of every frame shown */
	uint64_t shown;		 /* frames that reached the screen */
	struct client *owner[DISPLAY_PLANES_MAX];
	uint32_t overlays_placed;		   /* overlay clients so far, for --layout */
	uint32_t background_handle, background_fb; /* black, on the primary plane */
	uint64_t commits;
	bool failed; /* a commit failed: the display is not usable */
	char fault[160];
};

void compositor_init(struct compositor *k, struct display *disp, const struct consumer_options *opt,
		     struct app_stats *stats);

/* client_env.place: a plane and a position for c's layout, or an error. */
int compositor_place(struct client *c, void *ctx, struct di_error *err);

/* When no flip is pending: one commit of every client's latest frame. */
void compositor_flush(struct compositor *k);

/* After the display's page-flip event: committed frames are on screen. */
void compositor_flipped(struct compositor *k);

/* Takes c's plane off screen (blocking) and frees the plane. */
void compositor_remove(struct compositor *k, struct client *c);

/* Whether any client is on a plane. */
bool compositor_busy(const struct compositor *k);

/* Frees the background; the display must be off. */
void compositor_fini(struct compositor *k);

#endif /* CONSUMER_COMPOSITOR_H */
