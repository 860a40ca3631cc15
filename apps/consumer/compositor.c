// SPDX-License-Identifier: MIT
/* Planes, one commit per vblank, releases after the flip (compositor.h). */
#include "compositor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

void compositor_init(struct compositor *k, struct display *disp, const struct consumer_options *opt,
		     struct app_stats *stats)
{
	memset(k, 0, sizeof(*k));
	k->disp = disp;
	k->opt = opt;
	k->stats = stats;
}

bool compositor_busy(const struct compositor *k)
{
	for (uint32_t i = 0; i < k->disp->nplanes; i++)
		if (k->owner[i])
			return true;
	return false;
}

static bool overlaps(int32_t x, int32_t y, uint32_t w, uint32_t h, const struct client *o)
{
	return x < o->x + (int32_t)o->fbs.layout.width && o->x < x + (int32_t)w &&
	       y < o->y + (int32_t)o->fbs.layout.height && o->y < y + (int32_t)h;
}

/* Whether w x h at x, y is inside the mode and covers no overlay. */
static bool room_at(const struct compositor *k, int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	const drmModeModeInfo *m = &k->disp->mode;

	if (x < 0 || y < 0 || x + w > m->hdisplay || y + h > m->vdisplay)
		return false;
	for (uint32_t i = 1; i < k->disp->nplanes; i++)
		if (k->owner[i] && overlaps(x, y, w, h, k->owner[i]))
			return false;
	return true;
}

/*
 * The first free place, trying the top-left corner and the corners right
 * of and below each overlay on screen, top to bottom, then left to right.
 */
static bool find_room(const struct compositor *k, uint32_t w, uint32_t h, int32_t *x, int32_t *y)
{
	int32_t cx[1 + 2 * DISPLAY_PLANES_MAX] = {0}, cy[1 + 2 * DISPLAY_PLANES_MAX] = {0};
	uint32_t n = 1;
	bool found = false;

	for (uint32_t i = 1; i < k->disp->nplanes; i++) {
		const struct client *o = k->owner[i];

		if (!o)
			continue;
		cx[n] = o->x + (int32_t)o->fbs.layout.width;
		cy[n++] = o->y;
		cx[n] = o->x;
		cy[n++] = o->y + (int32_t)o->fbs.layout.height;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!room_at(k, cx[i], cy[i], w, h))
			continue;
		if (!found || cy[i] < *y || (cy[i] == *y && cx[i] < *x)) {
			*x = cx[i];
			*y = cy[i];
			found = true;
		}
	}
	return found;
}

int compositor_place(struct client *c, void *ctx, struct di_error *err)
{
	struct compositor *k = ctx;
	const struct di_layout *l = &c->fbs.layout;
	const struct consumer_options *o = k->opt;
	const drmModeModeInfo *m = &k->disp->mode;
	uint32_t free_planes = 0, plane = 0, w = o->mode_width, h = o->mode_height;
	bool placed;
	char name[5];
	int32_t x = 0, y = 0;

	/* Nobody on screen: the mode is --mode, or this producer's frame size. */
	if (!compositor_busy(k) && !k->disp->active) {
		if (!w) {
			w = l->width;
			h = l->height;
		}
		if (display_set_mode(k->disp, w, h))
			return di_error_set(err, DI_ERR_LAYOUT, 0, "the display has no %ux%u mode",
					    w, h);
	}
	/* The primary plane covers the mode: a producer of exactly its size. */
	if (!k->owner[0] && l->width == m->hdisplay && l->height == m->vdisplay &&
	    display_plane_has_format(k->disp, 0, l->fourcc)) {
		k->owner[0] = c;
		c->plane = 0;
		c->x = c->y = 0;
		return 0;
	}
	for (uint32_t i = 1; i < k->disp->nplanes; i++) {
		if (k->owner[i])
			continue;
		free_planes++;
		if (!plane && display_plane_has_format(k->disp, i, l->fourcc))
			plane = i;
	}
	if (!free_planes)
		return di_error_set(
		    err, DI_ERR_STATE, 0,
		    "no plane left for it: all %u planes of %s show other producers",
		    k->disp->nplanes, k->disp->path);
	if (!plane)
		return di_error_set(err, DI_ERR_LAYOUT, 0, "no free overlay plane scans out %s",
				    di_fourcc_str(l->fourcc, name));
	if (k->overlays_placed < o->nlayout) {
		x = o->layout_x[k->overlays_placed];
		y = o->layout_y[k->overlays_placed];
		placed = room_at(k, x, y, l->width, l->height);
	} else {
		placed = find_room(k, l->width, l->height, &x, &y);
	}
	if (!placed)
		return di_error_set(err, DI_ERR_LAYOUT, 0,
				    "no room for %ux%u frames%s on the %ux%u mode beside the "
				    "other producers",
				    l->width, l->height,
				    k->overlays_placed < o->nlayout ? " at the --layout position"
								    : "",
				    m->hdisplay, m->vdisplay);
	k->overlays_placed++;
	k->owner[plane] = c;
	c->plane = (int)plane;
	c->x = x;
	c->y = y;
	return 0;
}

/* A black XRGB8888 framebuffer of the mode's size (dumb buffers start zeroed). */
static int make_background(struct compositor *k)
{
	struct display *d = k->disp;
	struct drm_mode_create_dumb create = {
	    .width = d->mode.hdisplay, .height = d->mode.vdisplay, .bpp = 32};
	uint32_t handles[4] = {0}, pitches[4] = {0}, offsets[4] = {0};

	if (k->background_fb)
		return 0;
	if (drmIoctl(d->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	handles[0] = create.handle;
	pitches[0] = create.pitch;
	if (drmModeAddFB2(d->fd, create.width, create.height, DI_FOURCC_XRGB8888, handles, pitches,
			  offsets, &k->background_fb, 0)) {
		int ret = -errno;

		drmCloseBufferHandle(d->fd, create.handle);
		return ret;
	}
	k->background_handle = create.handle;
	return 0;
}

static void free_background(struct compositor *k)
{
	if (k->background_fb)
		drmModeRmFB(k->disp->fd, k->background_fb);
	if (k->background_handle)
		drmCloseBufferHandle(k->disp->fd, k->background_handle);
	k->background_fb = k->background_handle = 0;
}

static struct display_update update_for(const struct client *c, const struct client_frame *f)
{
	return (struct display_update){.plane = (uint32_t)c->plane,
				       .fb = c->fbs.slot[f->index].fb_id,
				       .x = c->x,
				       .y = c->y,
				       .w = c->fbs.layout.width,
				       .h = c->fbs.layout.height,
				       .fenced = f->fence >= 0,
				       .fence_fd = f->fence};
}

/* Whether c's frames on screen go back with the out-fence of the commit replacing them. */
static bool fenced_release(const struct client *c)
{
	return c->sync != DI_SYNC_PROTOCOL;
}

void compositor_flush(struct compositor *k)
{
	struct display_update u[DISPLAY_PLANES_MAX];
	int out_fence = -1;
	bool fenced = false;
	uint32_t n = 0;
	int ret;

	if (k->failed || k->disp->flip_pending)
		return;
	for (uint32_t i = 0; i < k->disp->nplanes; i++) {
		struct client *c = k->owner[i];

		if (c && c->latest.set && c->state == CLIENT_STREAMING) {
			u[n++] = update_for(c, &c->latest);
			fenced |= fenced_release(c) && c->shown.set;
		}
	}
	if (!n)
		return;
	/* A modeset needs the primary plane: its client's frame, or the background. */
	if (!k->disp->active && !(k->owner[0] && k->owner[0]->latest.set)) {
		if (k->owner[0])
			return; /* its first frame will come */
		ret = make_background(k);
		if (ret)
			goto failed;
		u[n++] = (struct display_update){.fb = k->background_fb,
						 .w = k->disp->mode.hdisplay,
						 .h = k->disp->mode.vdisplay};
	}
	ret = display_commit(k->disp, u, n, false, fenced ? &out_fence : NULL);
	if (ret)
		goto failed;
	k->commits++;
	for (uint32_t i = 0; i < k->disp->nplanes; i++) {
		struct client *c = k->owner[i];

		if (!c || !c->latest.set || c->state != CLIENT_STREAMING)
			continue;
		/* With fences, what this commit replaces goes back now, fenced. */
		if (fenced_release(c))
			client_release(c, &c->shown, 0, out_fence);
		c->committed = c->latest;
		c->latest = CLIENT_NO_FRAME;
	}
	if (out_fence >= 0)
		close(out_fence);
	return;

failed:
	k->failed = true;
	snprintf(k->fault, sizeof(k->fault), "the display refused a commit of %u planes: %s", n,
		 strerror(-ret));
	fprintf(stderr, "consumer: %s\n", k->fault);
}

void compositor_flipped(struct compositor *k)
{
	/*
	 * When the event arrived, not the vblank time it carries: a late vblank
	 * timer reports the time the vblank was due, which can precede capture.
	 */
	uint64_t now = app_now_ns();

	for (uint32_t i = 0; i < k->disp->nplanes; i++) {
		struct client *c = k->owner[i];

		if (!c || !c->committed.set)
			continue;
		client_release(c, &c->shown, 0, -1);
		c->shown = c->committed;
		c->committed = CLIENT_NO_FRAME;
		/* On screen: the display waited for its acquire fence. */
		client_check_ready(c, &c->shown);
		c->displayed++;
		k->shown++;
		app_stats_latency(k->stats,
				  now > c->shown.timestamp_ns ? now - c->shown.timestamp_ns : 1);
	}
}

void compositor_remove(struct compositor *k, struct client *c)
{
	struct display *d = k->disp;
	struct display_update u = {.plane = (uint32_t)c->plane};
	int ret = 0;

	if (c->plane < 0)
		return;
	k->owner[c->plane] = NULL;
	c->plane = -1;
	if (!d->active || (!c->shown.set && !c->committed.set)) {
		/* Nothing of it is on screen. */
	} else if (!compositor_busy(k)) {
		ret = display_off(d);
		free_background(k);
	} else {
		if (u.plane == 0) {
			ret = make_background(k);
			u.fb = k->background_fb;
			u.w = d->mode.hdisplay;
			u.h = d->mode.vdisplay;
		}
		if (!ret)
			ret = display_commit(d, &u, 1, true, NULL);
	}
	if (ret) {
		/* Its buffers must not go while on screen: turn everything off. */
		fprintf(stderr,
			"consumer: taking producer pid %d off screen failed (%s); "
			"turning the display off\n",
			(int)c->peer.pid, strerror(-ret));
		display_off(d);
	}
	/* Off screen now: what it lent us goes back, oldest first. */
	client_release(c, &c->shown, 0, -1);
	client_release(c, &c->committed, 0, -1);
	client_release(c, &c->latest, DI_RELEASE_SKIPPED, -1);
}

void compositor_fini(struct compositor *k)
{
	free_background(k);
}
