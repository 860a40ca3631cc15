// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp KMS pipeline: primary plane and overlay planes -> CRTC ->
 * virtual encoder -> always connected virtual connector, and the hrtimer
 * that plays the vblank interrupt.
 *
 * What the atomic checks enforce (a commit that breaks one gets -EINVAL,
 * with TEST_ONLY as without):
 *   - the CRTC runs only one of the modes the connector offers, with the
 *     exact timings it offers them with;
 *   - nothing more of the planes an active CRTC has: with none at all, or
 *     with overlays and no primary plane, it shows black where no plane
 *     is, as vkms does;
 *   - no plane scales: the source is as large as the plane on the CRTC, at
 *     whole pixels (and at whole chroma samples for NV12 and YUYV);
 *   - the primary plane covers the whole mode; an overlay may be anywhere,
 *     even partly or wholly off the mode: DRM's helper clips it, and only
 *     its visible part is scanned out (a wholly hidden one is invisible);
 *   - zpos: the primary plane is at 0, immutable, below every overlay;
 *     overlays take 1..overlays (distinct defaults, settable), and DRM
 *     normalizes them (equal zpos: the lower plane id is below);
 *   - framebuffers (fb_create): one of our formats, linear, width and
 *     height whole chroma samples, pitch and offset whole pixels of their
 *     plane; a handle for each plane of the format and none for any other
 *     (DRM itself refuses the extra ones only with DRM_MODE_FB_MODIFIERS);
 *     each plane may be in a buffer object of its own (a dumb buffer or an
 *     imported dma-buf) or share one with others, and DRM's GEM helper
 *     checks that each plane's offset + pitch * (rows - 1) + its last
 *     row's bytes fit in that plane's own object.
 *
 * A plane's prepare_fb maps the buffers for the CPU and builds the frame
 * description (fakedisp-scanout.c); atomic_update stages it and the CRTC's
 * atomic_flush hands every staged frame of the commit to the scanout at
 * once (one commit, one flip), which reads them at each vblank. The
 * mapping lasts as long as the frame.
 *
 * The commit tail up to the flip, and the vblank tick, are what signal a
 * commit's completion (page-flip events, out-fences): they are annotated as
 * fence signalling sections, as the dma-fence rules ask, so that lockdep
 * reports a reservation lock or a memory allocation there. Nothing in them
 * puts a frame (which can unmap and free a buffer); that comes after.
 */
#include <linux/dma-fence.h>
#include <linux/hrtimer.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_blend.h>
#include <drm/drm_edid.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_modes.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_vblank.h>

#include "fakedisp.h"
#include "fakedisp-compat.h"

static const u32 fakedisp_formats[] = {
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,
	DRM_FORMAT_NV12,
	DRM_FORMAT_YUYV,
	DRM_FORMAT_NV21,
	DRM_FORMAT_NV16,
	DRM_FORMAT_YUV420,
	DRM_FORMAT_RGB565,
};

/* A cursor is an ARGB image over the rest, as on most display engines. */
static const u32 fakedisp_cursor_formats[] = {
	DRM_FORMAT_ARGB8888,
};

static const u64 fakedisp_modifiers[] = {
	DRM_FORMAT_MOD_LINEAR,
	DRM_FORMAT_MOD_INVALID,
};

/* The sizes the connector offers, all at fakedisp_refresh_hz. */
static const struct {
	u16 width;
	u16 height;
} fakedisp_sizes[] = {
	{ 640, 480 },	{ 800, 600 },	{ 1024, 768 },	{ 1280, 720 },
	{ 1280, 800 },	{ 1280, 1024 },	{ 1366, 768 },	{ 1440, 900 },
	{ 1600, 900 },	{ 1680, 1050 },	{ 1920, 1080 },	{ 1920, 1200 },
	{ 2560, 1440 },	{ 2560, 1600 },	{ 3840, 2160 },
};

/*
 * Reduced blanking in the spirit of CVT-RB, and the pixel clock that makes
 * one frame last 1/refresh_hz: DRM derives the vblank period from it.
 */
static void fakedisp_fill_mode(struct drm_display_mode *mode, u16 width,
			       u16 height)
{
	mode->hdisplay = width;
	mode->hsync_start = width + 48;
	mode->hsync_end = width + 80;
	mode->htotal = width + 160;
	mode->vdisplay = height;
	mode->vsync_start = height + 3;
	mode->vsync_end = height + 8;
	mode->vtotal = height + 45;
	mode->clock = DIV_ROUND_CLOSEST_ULL((u64)mode->htotal * mode->vtotal *
					    fakedisp_refresh_hz, 1000);
	mode->flags = DRM_MODE_FLAG_PHSYNC | DRM_MODE_FLAG_NVSYNC;
	mode->type = DRM_MODE_TYPE_DRIVER;
	if (width == FAKEDISP_PREFERRED_WIDTH &&
	    height == FAKEDISP_PREFERRED_HEIGHT)
		mode->type |= DRM_MODE_TYPE_PREFERRED;
	drm_mode_set_name(mode);
}

/* True for exactly the modes fakedisp_conn_get_modes() offers. */
static bool fakedisp_mode_offered(const struct drm_display_mode *mode)
{
	struct drm_display_mode offered = {};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fakedisp_sizes); i++) {
		if (mode->hdisplay != fakedisp_sizes[i].width ||
		    mode->vdisplay != fakedisp_sizes[i].height)
			continue;
		fakedisp_fill_mode(&offered, fakedisp_sizes[i].width,
				   fakedisp_sizes[i].height);
		return drm_mode_match(mode, &offered,
				      DRM_MODE_MATCH_TIMINGS |
				      DRM_MODE_MATCH_CLOCK |
				      DRM_MODE_MATCH_FLAGS);
	}
	return false;
}

/* ---- connector and encoder ---- */

int fakedisp_conn_get_modes(struct drm_connector *connector)
{
	struct drm_display_mode *mode;
	unsigned int i;
	int count = 0;

	for (i = 0; i < ARRAY_SIZE(fakedisp_sizes); i++) {
		mode = drm_mode_create(connector->dev);
		if (!mode)
			break;
		fakedisp_fill_mode(mode, fakedisp_sizes[i].width,
				   fakedisp_sizes[i].height);
		drm_mode_probed_add(connector, mode);
		count++;
	}
	return count;
}

static const struct drm_connector_helper_funcs fakedisp_conn_helper_funcs = {
	.get_modes = fakedisp_conn_get_modes,
};

/* No .detect: a connector without one is always connected. */
static const struct drm_connector_funcs fakedisp_conn_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

static const struct drm_encoder_funcs fakedisp_encoder_funcs = {
};

/* ---- vblank ---- */

/*
 * The vblank "interrupt". It only signals: DRM's vblank bookkeeping and
 * flip events, then a note to the scanout worker. The timestamp is the
 * period boundary the timer was aiming at, not when it ran late. It is a
 * fence signalling section (as vkms marks its vblank timer): the flip
 * events and out-fences of commits complete here. In hard irq the
 * annotation is implied (dma_fence_begin_signalling() relies on the
 * atomic-context checks there); it documents the rule for this code.
 *
 * The timestamp, the latch and DRM's vblank handling happen under
 * scanout_lock, the lock under which the CRTC's atomic_flush publishes a
 * commit's frames and arms its event: a tick sees either both or neither,
 * so a commit's event, and the out-fence DRM signals with it, go out at
 * exactly the vblank that puts its frames on screen, never one later.
 */
static enum hrtimer_restart fakedisp_vblank_tick(struct hrtimer *timer)
{
	struct fakedisp_device *fd = container_of(timer, struct fakedisp_device,
						  vblank_timer);
	bool fence_cookie = dma_fence_begin_signalling();
	unsigned long flags;
	bool work;
	u64 periods;

	spin_lock_irqsave(&fd->scanout_lock, flags);
	periods = hrtimer_forward_now(timer, fd->period_ns);
	WRITE_ONCE(fd->vblank_time,
		   ktime_sub(hrtimer_get_expires(timer), fd->period_ns));

	/* The flip first, then its event: a client that sees the event may
	 * reuse the buffer that went off screen.
	 */
	work = fakedisp_scanout_flip_locked(fd);
	drm_crtc_handle_vblank(&fd->crtc);
	work |= fakedisp_scanout_vblank_locked(fd, drm_crtc_vblank_count(&fd->crtc),
					       periods - 1);
	spin_unlock_irqrestore(&fd->scanout_lock, flags);
	if (work)
		queue_work(fd->scanout_wq, &fd->scanout_work);
	dma_fence_end_signalling(fence_cookie);
	return HRTIMER_RESTART;
}

/*
 * The timer runs for as long as the CRTC does (fakedisp_crtc_atomic_enable()
 * to _disable()), not between DRM's vblank enable and disable: those run
 * under DRM's vblank spinlocks, which the timer's own drm_crtc_handle_vblank()
 * takes, so waiting there for a running tick could deadlock. We hold a
 * vblank reference while the CRTC is on anyway.
 */
static int fakedisp_enable_vblank(struct drm_crtc *crtc)
{
	return 0;
}

static void fakedisp_disable_vblank(struct drm_crtc *crtc)
{
}

static bool fakedisp_get_vblank_timestamp(struct drm_crtc *crtc,
					  int *max_error, ktime_t *vblank_time,
					  bool in_vblank_irq)
{
	struct fakedisp_device *fd = to_fakedisp(crtc->dev);
	struct drm_vblank_crtc *vblank = &crtc->dev->vblank[drm_crtc_index(crtc)];

	if (!READ_ONCE(vblank->enabled))
		*vblank_time = ktime_get();
	else
		*vblank_time = READ_ONCE(fd->vblank_time);
	return true;
}

/* ---- CRTC ---- */

static enum drm_mode_status
fakedisp_crtc_mode_valid(struct drm_crtc *crtc,
			 const struct drm_display_mode *mode)
{
	return fakedisp_mode_offered(mode) ? MODE_OK : MODE_BAD;
}

static int fakedisp_crtc_atomic_check(struct drm_crtc *crtc,
				      struct fakedisp_atomic_state *state)
{
	struct drm_crtc_state *crtc_state =
		drm_atomic_get_new_crtc_state(state, crtc);

	if (!crtc_state->enable)
		return 0;
	if (!fakedisp_mode_offered(&crtc_state->mode)) {
		drm_dbg_kms(crtc->dev, "mode " DRM_MODE_FMT " not offered\n",
			    DRM_MODE_ARG(&crtc_state->mode));
		return -EINVAL;
	}
	return 0;
}

/* Vblank runs for as long as the CRTC does: the scanout reads every one. */
static void fakedisp_crtc_atomic_enable(struct drm_crtc *crtc,
					struct fakedisp_atomic_state *state)
{
	struct fakedisp_device *fd = to_fakedisp(crtc->dev);
	struct drm_vblank_crtc *vblank = &crtc->dev->vblank[drm_crtc_index(crtc)];
	ktime_t now = ktime_get();

	drm_calc_timestamping_constants(crtc, &crtc->state->adjusted_mode);
	fd->period_ns = ns_to_ktime(vblank->framedur_ns);
	WRITE_ONCE(fd->vblank_time, now);

	drm_crtc_vblank_on(crtc);
	fakedisp_scanout_on(fd, drm_crtc_vblank_count(crtc),
			    &crtc->state->mode);
	fd->vblank_held = !drm_crtc_vblank_get(crtc);
	if (!fd->vblank_held)
		drm_err(crtc->dev, "no vblank: the scanout will not run\n");
	hrtimer_start(&fd->vblank_timer, ktime_add(now, fd->period_ns),
		      HRTIMER_MODE_ABS);
}

static void fakedisp_crtc_atomic_disable(struct drm_crtc *crtc,
					 struct fakedisp_atomic_state *state)
{
	struct fakedisp_device *fd = to_fakedisp(crtc->dev);

	/* No DRM lock held here: waiting for a running tick is safe. */
	hrtimer_cancel(&fd->vblank_timer);
	fakedisp_scanout_off(fd);
	if (fd->vblank_held)
		drm_crtc_vblank_put(crtc);
	fd->vblank_held = false;
	drm_crtc_vblank_off(crtc);
}

/*
 * The planes' frames go to the scanout together, and the event is armed,
 * under scanout_lock (see fakedisp_vblank_tick()): the page-flip event,
 * and the CRTC's out-fence DRM signals with it (OUT_FENCE_PTR), go out at
 * the vblank that puts the frames on screen, with that vblank's sequence
 * and timestamp. A CRTC that is off sends them at once.
 */
static void fakedisp_crtc_atomic_flush(struct drm_crtc *crtc,
				       struct fakedisp_atomic_state *state)
{
	struct drm_pending_vblank_event *event = crtc->state->event;
	struct fakedisp_device *fd = to_fakedisp(crtc->dev);
	bool active = crtc->state->active;

	crtc->state->event = NULL;
	spin_lock_irq(&fd->scanout_lock);
	fakedisp_scanout_commit_locked(fd, active);
	if (fd->wb_queued) {
		fd->wb_staged = fd->wb_queued;
		fd->wb_queued = NULL;
	}
	if (event) {
		spin_lock(&crtc->dev->event_lock);
		if (active && drm_crtc_vblank_get(crtc) == 0)
			drm_crtc_arm_vblank_event(crtc, event);
		else
			drm_crtc_send_vblank_event(crtc, event);
		spin_unlock(&crtc->dev->event_lock);
	}
	spin_unlock_irq(&fd->scanout_lock);
}

static const struct drm_crtc_helper_funcs fakedisp_crtc_helper_funcs = {
	.mode_valid = fakedisp_crtc_mode_valid,
	.atomic_check = fakedisp_crtc_atomic_check,
	.atomic_flush = fakedisp_crtc_atomic_flush,
	.atomic_enable = fakedisp_crtc_atomic_enable,
	.atomic_disable = fakedisp_crtc_atomic_disable,
};

static const struct drm_crtc_funcs fakedisp_crtc_funcs = {
	.set_config = drm_atomic_helper_set_config,
	.page_flip = drm_atomic_helper_page_flip,
	.reset = drm_atomic_helper_crtc_reset,
	.atomic_duplicate_state = drm_atomic_helper_crtc_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_crtc_destroy_state,
	.enable_vblank = fakedisp_enable_vblank,
	.disable_vblank = fakedisp_disable_vblank,
	.get_vblank_timestamp = fakedisp_get_vblank_timestamp,
	.get_crc_sources = fakedisp_get_crc_sources,
	.verify_crc_source = fakedisp_verify_crc_source,
	.set_crc_source = fakedisp_set_crc_source,
};

/* ---- planes ---- */

static int fakedisp_plane_atomic_check(struct drm_plane *plane,
				       struct fakedisp_atomic_state *state)
{
	struct drm_plane_state *ps = drm_atomic_get_new_plane_state(state, plane);
	bool primary = plane->type == DRM_PLANE_TYPE_PRIMARY;
	const struct drm_display_mode *mode;
	struct drm_crtc_state *crtc_state;
	const struct drm_format_info *info;
	u32 src_w, src_h;

	if (!ps->crtc || !ps->fb)
		return 0;
	crtc_state = drm_atomic_get_crtc_state(state, ps->crtc);
	if (IS_ERR(crtc_state))
		return PTR_ERR(crtc_state);
	mode = &crtc_state->mode;
	info = ps->fb->format;

	/* Sources are 16.16 fixed point; we fetch whole pixels only. */
	if ((ps->src_x | ps->src_y | ps->src_w | ps->src_h) & 0xffff) {
		drm_dbg_kms(plane->dev, "fractional source rectangle\n");
		return -EINVAL;
	}
	src_w = ps->src_w >> 16;
	src_h = ps->src_h >> 16;

	if (primary && crtc_state->enable &&
	    (ps->crtc_x || ps->crtc_y || ps->crtc_w != mode->hdisplay ||
	     ps->crtc_h != mode->vdisplay)) {
		drm_dbg_kms(plane->dev, "plane %ux%u%+d%+d must cover the %ux%u mode\n",
			    ps->crtc_w, ps->crtc_h, ps->crtc_x, ps->crtc_y,
			    mode->hdisplay, mode->vdisplay);
		return -EINVAL;
	}
	if (plane->type == DRM_PLANE_TYPE_CURSOR &&
	    (ps->crtc_w > FAKEDISP_CURSOR_MAX || ps->crtc_h > FAKEDISP_CURSOR_MAX)) {
		drm_dbg_kms(plane->dev, "cursor %ux%u larger than %ux%u\n",
			    ps->crtc_w, ps->crtc_h, FAKEDISP_CURSOR_MAX,
			    FAKEDISP_CURSOR_MAX);
		return -EINVAL;
	}
	if (src_w != ps->crtc_w || src_h != ps->crtc_h) {
		drm_dbg_kms(plane->dev, "no scaling: source %ux%u, plane %ux%u\n",
			    src_w, src_h, ps->crtc_w, ps->crtc_h);
		return -EINVAL;
	}
	if ((ps->src_x >> 16) % info->hsub || src_w % info->hsub ||
	    (ps->src_y >> 16) % info->vsub || src_h % info->vsub) {
		drm_dbg_kms(plane->dev, "source not on whole chroma samples\n");
		return -EINVAL;
	}

	/*
	 * Computes visible, src and dst the way the helpers expect them,
	 * clipped to the mode: an overlay may hang over its edges.
	 */
	return drm_atomic_helper_check_plane_state(ps, crtc_state,
						   DRM_PLANE_NO_SCALING,
						   DRM_PLANE_NO_SCALING,
						   !primary, true);
}

/*
 * Before the commit tail (sleeping allowed, no fence signalling section
 * yet): pick up the implicit fences (the buffers' write fences, or with an
 * IN_FENCE_FD only the kernel's: DRM's helper lets the explicit fence
 * overrule implicit sync), bound the commit's wait for the plane's fence
 * (fakedisp-fence.c), and describe the frame the scanout
 * will read, which maps every buffer of the framebuffer for the CPU
 * (fakedisp_frame_create()). A buffer the CPU cannot map (an exporter
 * without vmap) fails the commit here. The frame, and with it the mapping,
 * goes with the plane state or, once shown, when it is off screen. A plane
 * that will not be scanned out (CRTC inactive, plane invisible) gets no
 * frame, hence holds no mapping.
 */
static int fakedisp_plane_prepare_fb(struct drm_plane *plane,
				     struct drm_plane_state *state)
{
	struct fakedisp_plane_state *fps = to_fakedisp_plane_state(state);
	struct drm_framebuffer *fb = state->fb;
	struct drm_crtc_state *crtc_state;
	struct fakedisp_frame *frame;
	int ret;

	if (!fb)
		return 0;
	ret = drm_gem_plane_helper_prepare_fb(plane, state);
	if (ret)
		return ret;
	/* Whatever it is, the commit waits for it a bounded time. */
	ret = fakedisp_fence_bound(state);
	if (ret)
		return ret;
	if (!state->crtc || !state->visible || fps->frame)
		return 0;
	/* atomic_check added the CRTC to the commit. */
	crtc_state = drm_atomic_get_new_crtc_state(state->state, state->crtc);
	if (crtc_state && !crtc_state->active)
		return 0;
	frame = fakedisp_frame_create(state);
	if (IS_ERR(frame))
		return PTR_ERR(frame);
	fps->frame = frame;
	return 0;
}

static void fakedisp_plane_atomic_update(struct drm_plane *plane,
					 struct fakedisp_atomic_state *state)
{
	struct drm_plane_state *ps = drm_atomic_get_new_plane_state(state, plane);
	struct fakedisp_frame *frame = to_fakedisp_plane_state(ps)->frame;
	struct fakedisp_device *fd = to_fakedisp(plane->dev);
	struct drm_crtc_state *crtc_state = NULL;

	if (ps->crtc)
		crtc_state = drm_atomic_get_new_crtc_state(state, ps->crtc);
	if (!crtc_state || !crtc_state->active || !ps->visible)
		frame = NULL;
	/* On screen from the vblank after the CRTC's flush; NULL: off then. */
	fakedisp_scanout_stage(fd, to_fakedisp_plane(plane), frame);
}

static const struct drm_plane_helper_funcs fakedisp_plane_helper_funcs = {
	.prepare_fb = fakedisp_plane_prepare_fb,
	.atomic_check = fakedisp_plane_atomic_check,
	.atomic_update = fakedisp_plane_atomic_update,
};

static void fakedisp_plane_destroy_state(struct drm_plane *plane,
					 struct drm_plane_state *state)
{
	struct fakedisp_plane_state *fps = to_fakedisp_plane_state(state);

	if (fps->frame)
		fakedisp_frame_put(fps->frame);
	__drm_atomic_helper_plane_destroy_state(state);
	kfree(fps);
}

static struct drm_plane_state *
fakedisp_plane_duplicate_state(struct drm_plane *plane)
{
	struct fakedisp_plane_state *fps;

	fps = kzalloc(sizeof(*fps), GFP_KERNEL);
	if (!fps)
		return NULL;
	/* The frame is per commit: prepare_fb makes a new one. */
	__drm_atomic_helper_plane_duplicate_state(plane, &fps->base);
	return &fps->base;
}

static void fakedisp_plane_reset(struct drm_plane *plane)
{
	struct fakedisp_plane_state *fps;

	if (plane->state) {
		fakedisp_plane_destroy_state(plane, plane->state);
		plane->state = NULL;
	}
	fps = kzalloc(sizeof(*fps), GFP_KERNEL);
	if (fps)
		__drm_atomic_helper_plane_reset(plane, &fps->base);
}

static const struct drm_plane_funcs fakedisp_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.destroy = drm_plane_cleanup,
	.reset = fakedisp_plane_reset,
	.atomic_duplicate_state = fakedisp_plane_duplicate_state,
	.atomic_destroy_state = fakedisp_plane_destroy_state,
};

/* ---- framebuffers ---- */

static void fakedisp_fb_destroy(struct drm_framebuffer *fb)
{
	struct fakedisp_bo *bo = to_fakedisp_bo(fb->obj[0]);

	fakedisp_event(to_fakedisp(fb->dev), "fb-destroy", bo->id, bo->ino,
		       fb->base.id);
	drm_gem_fb_destroy(fb);
}

static const struct drm_framebuffer_funcs fakedisp_fb_funcs = {
	.destroy = fakedisp_fb_destroy,
	.create_handle = drm_gem_fb_create_handle,
};

static int fakedisp_fb_check(struct drm_device *dev,
			     const struct drm_format_info *info,
			     const struct drm_mode_fb_cmd2 *cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fakedisp_formats); i++)
		if (info && info->format == fakedisp_formats[i])
			break;
	if (i == ARRAY_SIZE(fakedisp_formats)) {
		drm_dbg_kms(dev, "format %p4cc not supported\n", &cmd->pixel_format);
		return -EINVAL;
	}
	if ((cmd->flags & DRM_MODE_FB_MODIFIERS) &&
	    cmd->modifier[0] != DRM_FORMAT_MOD_LINEAR) {
		drm_dbg_kms(dev, "only linear buffers\n");
		return -EINVAL;
	}
	if (cmd->width % info->hsub || cmd->height % info->vsub) {
		drm_dbg_kms(dev, "size not on whole chroma samples\n");
		return -EINVAL;
	}
	for (i = info->num_planes; i < ARRAY_SIZE(cmd->handles); i++) {
		if (cmd->handles[i]) {
			drm_dbg_kms(dev, "%p4cc has %u planes: a handle for plane %u\n",
				    &cmd->pixel_format, info->num_planes, i);
			return -EINVAL;
		}
	}
	for (i = 0; i < info->num_planes; i++) {
		if (cmd->pitches[i] % info->cpp[i] ||
		    cmd->offsets[i] % info->cpp[i]) {
			drm_dbg_kms(dev, "plane %u: pitch %u or offset %u not whole pixels\n",
				    i, cmd->pitches[i], cmd->offsets[i]);
			return -EINVAL;
		}
	}
	return 0;
}

struct drm_framebuffer *
fakedisp_fb_create_checked(struct drm_device *dev, struct drm_file *file,
			   const struct drm_format_info *info,
			   const struct drm_mode_fb_cmd2 *cmd)
{
	struct drm_framebuffer *fb;
	struct fakedisp_bo *bo;
	int ret;

	ret = fakedisp_fb_check(dev, info, cmd);
	if (ret)
		return ERR_PTR(ret);
	/* Looks the handles up and checks the buffers are large enough. */
	fb = fakedisp_compat_gem_fb_create(dev, file, info, cmd,
					   &fakedisp_fb_funcs);
	if (IS_ERR(fb))
		return fb;
	bo = to_fakedisp_bo(fb->obj[0]);
	fakedisp_event(to_fakedisp(dev), "fb-create", bo->id, bo->ino,
		       fb->base.id);
	return fb;
}

/* ---- the device ---- */

/*
 * The helpers' tail, waiting for the flip (not merely a vblank) before the
 * old framebuffers are cleaned up. Up to the flip it is a fence signalling
 * section (as komeda's and tegra's tails mark theirs): it must neither
 * allocate memory nor take a reservation lock, since fences this commit
 * completes may be what a holder of that lock waits for. Our CRTC and
 * plane callbacks only queue the frames they take off screen; they are put
 * after the section, with the old framebuffers, where the last reference to
 * an imported buffer may go (unmap and detach take its reservation lock).
 */
static void fakedisp_atomic_commit_tail(struct fakedisp_atomic_state *state)
{
	struct drm_device *dev = state->dev;
	bool fence_cookie = dma_fence_begin_signalling();

	/*
	 * The CRTC on before the planes (as the helpers' _rpm tail): the
	 * atomic_flush of a commit that turns it on then arms the event for
	 * the first vblank, the one that latches its frames, instead of
	 * sending it at once because vblanks were still off.
	 */
	drm_atomic_helper_commit_modeset_disables(dev, state);
	drm_atomic_helper_commit_modeset_enables(dev, state);
	drm_atomic_helper_commit_planes(dev, state, 0);
	drm_atomic_helper_fake_vblank(state);
	drm_atomic_helper_commit_hw_done(state);
	drm_atomic_helper_wait_for_flip_done(dev, state);
	dma_fence_end_signalling(fence_cookie);

	drm_atomic_helper_cleanup_planes(dev, state);
	fakedisp_scanout_put_released(to_fakedisp(dev));
}

static const struct drm_mode_config_funcs fakedisp_mode_config_funcs = {
	.fb_create = fakedisp_compat_fb_create,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

static const struct drm_mode_config_helper_funcs fakedisp_mode_config_helpers = {
	.atomic_commit_tail = fakedisp_atomic_commit_tail,
};

/*
 * Plane @index: 0 the primary plane, at zpos 0 for good (the bottom of the
 * picture); then the overlays, above it, each with its own default zpos,
 * settable within 1..overlays; last the cursor, on top of them all for
 * good, ARGB8888 only. The primary plane and the overlays take the same
 * formats; the CRTC is the only one (index 0).
 */
static int fakedisp_plane_init(struct fakedisp_device *fd, unsigned int index)
{
	struct fakedisp_plane *fp = &fd->planes[index];
	bool cursor = index == fd->num_planes - 1;
	enum drm_plane_type type = !index ? DRM_PLANE_TYPE_PRIMARY :
				   cursor ? DRM_PLANE_TYPE_CURSOR :
					    DRM_PLANE_TYPE_OVERLAY;
	int ret;

	fp->index = index;
	ret = drm_universal_plane_init(&fd->drm, &fp->base, BIT(0),
				       &fakedisp_plane_funcs,
				       cursor ? fakedisp_cursor_formats :
						fakedisp_formats,
				       cursor ? ARRAY_SIZE(fakedisp_cursor_formats) :
						ARRAY_SIZE(fakedisp_formats),
				       fakedisp_modifiers, type, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(&fp->base, &fakedisp_plane_helper_funcs);
	if (type != DRM_PLANE_TYPE_OVERLAY)
		return drm_plane_create_zpos_immutable_property(&fp->base,
								cursor ? fakedisp_overlays + 1 : 0);
	return drm_plane_create_zpos_property(&fp->base, index, 1,
					      fakedisp_overlays);
}

int fakedisp_kms_init(struct fakedisp_device *fd)
{
	struct drm_device *drm = &fd->drm;
	unsigned int i;
	int ret;

	ret = drmm_mode_config_init(drm);
	if (ret)
		return ret;
	/* Framebuffers may be any size; modes are the connector's list. */
	drm->mode_config.min_width = 1;
	drm->mode_config.min_height = 1;
	drm->mode_config.max_width = FAKEDISP_FB_MAX_WIDTH;
	drm->mode_config.max_height = FAKEDISP_FB_MAX_HEIGHT;
	drm->mode_config.cursor_width = FAKEDISP_CURSOR_MAX;
	drm->mode_config.cursor_height = FAKEDISP_CURSOR_MAX;
	drm->mode_config.preferred_depth = 24;
	drm->mode_config.funcs = &fakedisp_mode_config_funcs;
	drm->mode_config.helper_private = &fakedisp_mode_config_helpers;
	/* drm_atomic_helper_check() computes every normalized_zpos. */
	drm->mode_config.normalize_zpos = true;

	fd->num_planes = 2 + fakedisp_overlays;
	for (i = 0; i < fd->num_planes; i++) {
		ret = fakedisp_plane_init(fd, i);
		if (ret)
			return ret;
	}

	ret = drmm_crtc_init_with_planes(drm, &fd->crtc, &fd->planes[0].base,
					 &fd->planes[fd->num_planes - 1].base,
					 &fakedisp_crtc_funcs, NULL);
	if (ret)
		return ret;
	drm_crtc_helper_add(&fd->crtc, &fakedisp_crtc_helper_funcs);
	fakedisp_compat_hrtimer_setup(&fd->vblank_timer, fakedisp_vblank_tick);

	ret = drmm_encoder_init(drm, &fd->encoder, &fakedisp_encoder_funcs,
				DRM_MODE_ENCODER_VIRTUAL, NULL);
	if (ret)
		return ret;
	fd->encoder.possible_crtcs = drm_crtc_mask(&fd->crtc);

	ret = drmm_connector_init(drm, &fd->connector, &fakedisp_conn_funcs,
				  DRM_MODE_CONNECTOR_VIRTUAL, NULL);
	if (ret)
		return ret;
	drm_connector_helper_add(&fd->connector, &fakedisp_conn_helper_funcs);
	ret = drm_connector_attach_encoder(&fd->connector, &fd->encoder);
	if (ret)
		return ret;
	ret = fakedisp_writeback_init(fd);
	if (ret)
		return ret;

	drm_mode_config_reset(drm);
	return 0;
}
