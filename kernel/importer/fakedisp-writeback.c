// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp's writeback connector: a client attaches it to the CRTC, gives
 * it a framebuffer of the mode's size (WRITEBACK_FB_ID, XRGB8888) and gets
 * the composed screen written into it, the very rows the CRC is computed
 * over (fakedisp-compose.c), with an out-fence (WRITEBACK_OUT_FENCE_PTR)
 * that signals once they are written.
 *
 * A job's life: prepare_writeback_job maps its buffer for the CPU (any
 * fakedisp buffer: a dumb buffer or an import); the connector's
 * atomic_commit, in the commit tail, queues it to DRM and to the CRTC's
 * atomic_flush, which hands it to the scanout with the commit's frames;
 * the vblank that latches them passes it to the worker's next read of the
 * screen, which composes into it and signals its completion; DRM then
 * calls cleanup_writeback_job (from a worker), which unmaps it. A CRTC
 * turned off before that completes the job with -ECANCELED. One job at a
 * time: a commit with another job while one is in flight gets -EBUSY.
 */
#include <linux/slab.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_writeback.h>

#include "fakedisp.h"
#include "fakedisp-compat.h"

static const u32 fakedisp_wb_formats[] = {
	DRM_FORMAT_XRGB8888,
};

static int fakedisp_wb_atomic_check(struct drm_connector *connector,
				    struct fakedisp_atomic_state *state)
{
	struct drm_connector_state *cs =
		drm_atomic_get_new_connector_state(state, connector);
	struct fakedisp_device *fd = to_fakedisp(connector->dev);
	struct drm_crtc_state *crtc_state;
	struct drm_framebuffer *fb;

	if (!cs->writeback_job || !cs->writeback_job->fb || !cs->crtc)
		return 0;
	fb = cs->writeback_job->fb;
	/* In the commit, so that its atomic_flush hands the job over. */
	crtc_state = drm_atomic_get_crtc_state(state, cs->crtc);
	if (IS_ERR(crtc_state))
		return PTR_ERR(crtc_state);
	if (!crtc_state->active) {
		drm_dbg_kms(connector->dev, "writeback needs an active CRTC\n");
		return -EINVAL;
	}
	if (fb->format->format != DRM_FORMAT_XRGB8888) {
		drm_dbg_kms(connector->dev, "writeback format %p4cc not supported\n",
			    &fb->format->format);
		return -EINVAL;
	}
	if (fb->width != crtc_state->mode.hdisplay ||
	    fb->height != crtc_state->mode.vdisplay) {
		drm_dbg_kms(connector->dev, "writeback %ux%u, mode %ux%u\n",
			    fb->width, fb->height, crtc_state->mode.hdisplay,
			    crtc_state->mode.vdisplay);
		return -EINVAL;
	}
	if (atomic_read(&fd->wb_jobs)) {
		drm_dbg_kms(connector->dev, "a writeback job is still in flight\n");
		return -EBUSY;
	}
	return 0;
}

static int fakedisp_wb_prepare_job(struct drm_writeback_connector *wb,
				   struct drm_writeback_job *job)
{
	struct fakedisp_wb_job *wj;
	struct fakedisp_bo *bo;
	int ret;

	if (!job->fb)
		return 0;
	wj = kzalloc(sizeof(*wj), GFP_KERNEL);
	if (!wj)
		return -ENOMEM;
	bo = to_fakedisp_bo(job->fb->obj[0]);
	ret = fakedisp_bo_vmap(bo);
	if (ret) {
		kfree(wj);
		return ret;
	}
	wj->bo = bo;
	wj->rows = (u8 *)bo->map.vaddr + job->fb->offsets[0];
	wj->pitch = job->fb->pitches[0];
	job->priv = wj;
	return 0;
}

static void fakedisp_wb_cleanup_job(struct drm_writeback_connector *wb,
				    struct drm_writeback_job *job)
{
	struct fakedisp_wb_job *wj = job->priv;

	if (!wj)
		return;
	fakedisp_bo_vunmap(wj->bo);
	kfree(wj);
}

/* Commit tail: the job goes to DRM's queue, and to the CRTC's flush. */
static void fakedisp_wb_atomic_commit(struct drm_connector *connector,
				      struct fakedisp_atomic_state *state)
{
	struct drm_connector_state *cs =
		drm_atomic_get_new_connector_state(state, connector);
	struct fakedisp_device *fd = to_fakedisp(connector->dev);

	if (!cs->writeback_job || !cs->writeback_job->fb)
		return;
	atomic_inc(&fd->wb_jobs);
	fd->wb_queued = cs->writeback_job->priv;
	drm_writeback_queue_job(&fd->wb, cs);
}

/* Any context: the job's rows are written (0) or never will be. */
void fakedisp_wb_complete(struct fakedisp_device *fd, int status)
{
	drm_writeback_signal_completion(&fd->wb, status);
	atomic_dec(&fd->wb_jobs);
}

/* The same modes as the display's connector: the job is the mode's size. */
static int fakedisp_wb_get_modes(struct drm_connector *connector)
{
	return fakedisp_conn_get_modes(connector);
}

static const struct drm_connector_helper_funcs fakedisp_wb_helper_funcs = {
	.get_modes = fakedisp_wb_get_modes,
	.atomic_check = fakedisp_wb_atomic_check,
	.atomic_commit = fakedisp_wb_atomic_commit,
	.prepare_writeback_job = fakedisp_wb_prepare_job,
	.cleanup_writeback_job = fakedisp_wb_cleanup_job,
};

static const struct drm_connector_funcs fakedisp_wb_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

int fakedisp_writeback_init(struct fakedisp_device *fd)
{
	int ret;

	drm_connector_helper_add(&fd->wb.base, &fakedisp_wb_helper_funcs);
	ret = drm_writeback_connector_init(&fd->drm, &fd->wb, &fakedisp_wb_funcs,
					   NULL, fakedisp_wb_formats,
					   ARRAY_SIZE(fakedisp_wb_formats),
					   drm_crtc_mask(&fd->crtc));
	if (ret)
		return ret;
	/* The display and the writeback take the CRTC's output together. */
	fd->encoder.possible_clones = drm_encoder_mask(&fd->encoder) |
				      drm_encoder_mask(&fd->wb.encoder);
	fd->wb.encoder.possible_clones = fd->encoder.possible_clones;
	return 0;
}
