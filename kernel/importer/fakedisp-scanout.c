// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp scanout: what a display engine does with the frames on screen,
 * done by the CPU through the importer's mapping.
 *
 * A frame (struct fakedisp_frame) describes what one commit puts on one
 * plane. fakedisp-kms.c builds it in prepare_fb, stages it in the plane's
 * atomic_update (fakedisp_scanout_stage()) and publishes the staged frames
 * of every plane of the commit at once in the CRTC's atomic_flush
 * (fakedisp_scanout_commit_locked()). At the next vblank
 * (fakedisp_scanout_flip_locked(), hard irq) all of them go on screen
 * together: one commit is one flip,
 * for all the planes in it, and a plane the commit did not touch keeps its
 * frame. It happens in the same timer tick that sends the commit's
 * page-flip event, and each frame a flip takes off its plane is
 * "released": it is no longer scanned out, and its producer may reuse the
 * buffer as soon as it sees the event.
 *
 * A frame holds a vmap reference on its buffers (fakedisp_bo_vmap(), taken
 * in prepare_fb where sleeping is allowed): a buffer is mapped for the CPU
 * exactly while a frame that shows it (or is about to) exists. Released
 * frames are only queued on fd->released, by the timer and by the commit
 * tail alike; they are put by the scanout worker or at the end of the
 * commit tail, outside its fence signalling section, because the last put
 * unmaps the buffers and may free them, which takes the exporter's
 * reservation lock.
 *
 * At each vblank the frames on screen are noted for the worker, which
 * reads them:
 *   - the frame stamp (include/dmabuf-interop/frame-stamp.h) at byte 0 of
 *     plane 0 of each frame: intact, matching the framebuffer's format and
 *     size, and not changed since the frame was first read (a producer must
 *     not write into a buffer that is on screen); with it, for a stamped
 *     frame, the start of every other colour plane (its first row, up to
 *     FAKEDISP_SAMPLE_BYTES, read from that plane's own buffer object):
 *     changed under an unchanged stamp, the frame was rewritten too;
 *     counted per plane, and summed for the screen (debugfs "planes" and
 *     "scanout");
 *   - when the CRC source "auto" is on, the CRC of the composed screen
 *     (fakedisp-compose.c defines it), reported for the vblank through
 *     DRM's CRC interface (debugfs crtc-0/crc/data).
 *
 * The worker must never hold up the vblank: if it is still busy when the
 * next vblank comes, that vblank is merged into the pending one when the
 * same frames are still on screen (its CRC entry reuses the read), or
 * skipped when a flip happened meanwhile. A read that overlaps a frame's
 * replacement is discarded for that plane, and its CRC is not reported,
 * since the producer may rewrite a released buffer. All of it is counted.
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/slab.h>

#include <drm/drm_crtc.h>
#include <drm/drm_debugfs_crc.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_vblank.h>

#include <dmabuf-interop/frame-stamp.h>

#include "fakedisp.h"

enum stamp_verdict {
	STAMP_OK,
	STAMP_NONE,
	STAMP_BAD,
	STAMP_BAD_CHECKSUM,
	STAMP_REWRITTEN,
};

/*
 * prepare_fb: a frame for the plane state, with a mapping of every buffer
 * of the framebuffer for the CPU.
 */
struct fakedisp_frame *fakedisp_frame_create(struct drm_plane_state *state)
{
	struct fakedisp_device *fd = to_fakedisp(state->plane->dev);
	struct drm_framebuffer *fb = state->fb;
	struct fakedisp_frame *frame;
	struct fakedisp_bo *bo;
	unsigned int i;
	u64 row;
	int ret;

	frame = kzalloc(sizeof(*frame), GFP_KERNEL);
	if (!frame)
		return ERR_PTR(-ENOMEM);
	kref_init(&frame->ref);
	frame->plane = to_fakedisp_plane(state->plane)->index;
	frame->zpos = state->normalized_zpos;
	frame->format = fb->format->format;
	/* The visible part (atomic_check clipped it to the mode); no scaling */
	frame->src_x = state->src.x1 >> 16;
	frame->src_y = state->src.y1 >> 16;
	frame->dst_x = state->dst.x1;
	frame->dst_y = state->dst.y1;
	frame->width = drm_rect_width(&state->dst);
	frame->height = drm_rect_height(&state->dst);
	frame->num_planes = fb->format->num_planes;
	for (i = 0; i < fb->format->num_planes; i++) {
		bo = to_fakedisp_bo(fb->obj[i]);
		ret = fakedisp_bo_vmap(bo);
		if (ret)
			goto err_vunmap;
		frame->bos[i] = bo;
		frame->planes[i] = (const u8 *)bo->map.vaddr + fb->offsets[i];
		frame->pitches[i] = fb->pitches[i];
		/* Within the plane's first row, which its object holds. */
		row = drm_format_info_min_pitch(fb->format, i,
						drm_format_info_plane_width(fb->format,
									    fb->width, i));
		frame->sample_len[i] = min_t(u64, row, FAKEDISP_SAMPLE_BYTES);
	}
	drm_framebuffer_get(fb);
	frame->fb = fb;
	frame->id = atomic64_inc_return(&fd->frame_seq);
	return frame;

err_vunmap:
	while (i--)
		fakedisp_bo_vunmap(frame->bos[i]);
	kfree(frame);
	return ERR_PTR(ret);
}

/* Unmaps the buffers, then lets go of the framebuffer (and maybe them). */
static void fakedisp_frame_release(struct kref *ref)
{
	struct fakedisp_frame *frame = container_of(ref, struct fakedisp_frame,
						    ref);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(frame->bos) && frame->bos[i]; i++)
		fakedisp_bo_vunmap(frame->bos[i]);
	drm_framebuffer_put(frame->fb);
	kfree(frame);
}

/*
 * Process context only, and not in a fence signalling section: the last
 * put unmaps the buffers, and may free them and detach from the exporter,
 * both under the buffer's reservation lock. Every put tells lockdep so (as
 * xe_bo_put() does for its locks), not only the last one: which put is the
 * last depends on timing, and a put in the wrong place must be reported
 * whenever it runs, not on the rare run where it frees.
 */
void fakedisp_frame_put(struct fakedisp_frame *frame)
{
	might_sleep();
	might_lock(&frame->bos[0]->base.resv->lock.base);
	kref_put(&frame->ref, fakedisp_frame_release);
}

/*
 * @frame leaves the screen, or never got there: no read of it counts from
 * now on. Its reference moves to fd->released, for
 * fakedisp_scanout_put_released(). Any context, scanout_lock held.
 */
static void retire_locked(struct fakedisp_device *fd,
			  struct fakedisp_frame *frame)
{
	frame->retired = true;
	list_add_tail(&frame->release_link, &fd->released);
	fakedisp_event(fd, "frame-released", frame->bos[0]->id,
		       frame->bos[0]->ino, frame->id);
}

/*
 * Puts the frames taken off screen (they were logged then). The scanout
 * worker calls it, and the commit tail once its fence signalling section
 * is over.
 */
void fakedisp_scanout_put_released(struct fakedisp_device *fd)
{
	struct fakedisp_frame *frame, *tmp;
	LIST_HEAD(list);

	spin_lock_irq(&fd->scanout_lock);
	list_splice_init(&fd->released, &list);
	spin_unlock_irq(&fd->scanout_lock);
	list_for_each_entry_safe(frame, tmp, &list, release_link) {
		list_del(&frame->release_link);
		fakedisp_frame_put(frame);
	}
}

/*
 * The plane's atomic_update: @frame (NULL: nothing) is what this commit
 * shows on @plane. Only noted here, with a reference of its own; the
 * CRTC's flush publishes every plane's at once.
 */
void fakedisp_scanout_stage(struct fakedisp_device *fd,
			    struct fakedisp_plane *plane,
			    struct fakedisp_frame *frame)
{
	if (frame)
		kref_get(&frame->ref);
	if (plane->staged_set && plane->staged) {
		spin_lock_irq(&fd->scanout_lock);
		retire_locked(fd, plane->staged);
		spin_unlock_irq(&fd->scanout_lock);
	}
	plane->staged = frame;
	plane->staged_set = true;
}

/*
 * The CRTC's atomic_flush: the frames staged on the planes of the commit go
 * on screen at the next vblank, all of them in the same tick, like a flip
 * latched by the hardware. A frame committed and replaced before any
 * vblank was never shown and is released at once; so is everything staged
 * for a CRTC that is off. scanout_lock held: the flush arms the commit's
 * event under it too.
 */
void fakedisp_scanout_commit_locked(struct fakedisp_device *fd, bool active)
{
	unsigned int i;

	lockdep_assert_held(&fd->scanout_lock);
	for (i = 0; i < fd->num_planes; i++) {
		struct fakedisp_plane *plane = &fd->planes[i];

		if (!plane->staged_set)
			continue;
		plane->staged_set = false;
		if (!active) {
			if (plane->staged)
				retire_locked(fd, plane->staged);
		} else {
			if (plane->flip && plane->next)
				retire_locked(fd, plane->next);
			plane->next = plane->staged;
			plane->flip = true;
		}
		plane->staged = NULL;
	}
}

/*
 * The commit tail turns the CRTC off: nothing is scanned out any more, on
 * any plane.
 */
void fakedisp_scanout_off(struct fakedisp_device *fd)
{
	unsigned int i, jobs;

	spin_lock_irq(&fd->scanout_lock);
	for (i = 0; i < fd->num_planes; i++) {
		struct fakedisp_plane *plane = &fd->planes[i];

		if (plane->flip && plane->next)
			retire_locked(fd, plane->next);
		if (plane->on_screen)
			retire_locked(fd, plane->on_screen);
		plane->next = NULL;
		plane->on_screen = NULL;
		plane->flip = false;
	}
	fd->mode_width = 0;
	fd->mode_height = 0;
	/* A writeback job not yet given to the worker will not be written. */
	jobs = !!fd->wb_staged + !!fd->wb_ready;
	fd->wb_staged = NULL;
	fd->wb_ready = NULL;
	spin_unlock_irq(&fd->scanout_lock);
	while (jobs--)
		fakedisp_wb_complete(fd, -ECANCELED);
}

/* The CRTC goes on with @mode at DRM vblank count @vblank. */
void fakedisp_scanout_on(struct fakedisp_device *fd, u64 vblank,
			 const struct drm_display_mode *mode)
{
	spin_lock_irq(&fd->scanout_lock);
	fd->last_vblank = vblank;
	fd->mode_width = mode->hdisplay;
	fd->mode_height = mode->vdisplay;
	spin_unlock_irq(&fd->scanout_lock);
}

/* FNV-1a, 32 bit, of the start of colour plane @i of @frame. */
static u32 sample_hash(const struct fakedisp_frame *frame, unsigned int i)
{
	const u8 *p = frame->planes[i];
	u32 h = 0x811c9dc5u, n;

	for (n = 0; n < frame->sample_len[i]; n++) {
		h ^= p[n];
		h *= 0x01000193u;
	}
	return h;
}

/* Every colour plane after the first as it was when the stamp was seen. */
static bool samples_unchanged(const struct fakedisp_frame *frame)
{
	unsigned int i;

	for (i = 1; i < frame->num_planes; i++)
		if (sample_hash(frame, i) != frame->sample_hash[i])
			return false;
	return true;
}

/*
 * The last look at a frame in the tick that takes it off screen: up to this
 * vblank it was being scanned out, so a stamp other than the one the
 * worker read first (or another start of a chroma plane) means its
 * producer wrote into it while it was on screen, after the worker's last
 * read, where no read of the worker can see it (the buffer came back with
 * the fence of the commit replacing it, and the writer did not wait for
 * that fence). The flip event and the out-fence come after this. Only the
 * stamp and the chroma samples are read, through the frame's CPU mapping
 * (no sleeping, no cache maintenance: a few bytes, like the scanout's own
 * reads on cache-coherent machines).
 */
static void last_look_locked(struct fakedisp_device *fd, struct fakedisp_plane *plane,
			     struct fakedisp_frame *frame)
{
	struct frame_stamp stamp;

	/* Pairs with check_stamp()'s release: a seen stamp has its seq. */
	if (!smp_load_acquire(&frame->stamp_seen))
		return;
	memcpy(&stamp, frame->planes[0], sizeof(stamp));
	if (stamp.magic == FRAME_STAMP_MAGIC && stamp.seq == frame->stamp_seq &&
	    samples_unchanged(frame))
		return;
	plane->stats.rewritten++;
	fd->stats.rewritten++;
}

/*
 * Hard irq, the vblank timer, scanout_lock held, before DRM sends the flip
 * events: latches the committed frame of every plane of the last commits;
 * the frames they replace are released. Returns true when the worker must
 * run to put them.
 */
bool fakedisp_scanout_flip_locked(struct fakedisp_device *fd)
{
	bool released = false, flipped = false;
	unsigned int i;

	lockdep_assert_held(&fd->scanout_lock);
	for (i = 0; i < fd->num_planes; i++) {
		struct fakedisp_plane *plane = &fd->planes[i];
		struct fakedisp_frame *frame = plane->next;

		if (!plane->flip)
			continue;
		if (plane->on_screen) {
			last_look_locked(fd, plane, plane->on_screen);
			retire_locked(fd, plane->on_screen);
			released = true;
		}
		plane->on_screen = frame;
		plane->next = NULL;
		plane->flip = false;
		flipped = true;
		if (frame) {
			plane->stats.shown++;
			fakedisp_event(fd, "frame-shown", frame->bos[0]->id,
				       frame->bos[0]->ino, frame->id);
		}
	}
	if (flipped)
		fd->flips++;
	/* The writeback job flushed with this vblank's frames. */
	if (fd->wb_staged && !fd->wb_ready) {
		fd->wb_ready = fd->wb_staged;
		fd->wb_staged = NULL;
	}
	return released;
}

/*
 * Hard irq, the vblank timer, scanout_lock held, after DRM counted the
 * vblank (@vblank is its count): notes the frames on screen for the
 * worker, for every vblank since the previous tick (more than one when the
 * timer came late, by @overruns periods). Returns true when the worker must
 * run to read them.
 */
bool fakedisp_scanout_vblank_locked(struct fakedisp_device *fd, u64 vblank,
				    u64 overruns)
{
	struct fakedisp_screen *pending = &fd->pending;
	bool any = false;
	u64 first, count;
	unsigned int i;

	lockdep_assert_held(&fd->scanout_lock);
	fd->stats.timer_overruns += overruns;
	first = fd->last_vblank + 1;
	if (vblank < first)
		return false;	/* DRM saw no new vblank */
	fd->last_vblank = vblank;
	count = vblank - first + 1;
	for (i = 0; i < fd->num_planes; i++) {
		if (fd->planes[i].on_screen) {
			fd->planes[i].stats.vblanks += count;
			any = true;
		}
	}
	/* An empty screen is read only for its CRC and writeback (black). */
	if (any)
		fd->stats.vblanks += count;
	else if (!fd->crc_enabled && !fd->wb_ready)
		return false;
	if (fd->pending_set) {
		if (pending->flips == fd->flips) {
			pending->last = vblank;
			fd->stats.merged += count;
		} else {
			fd->stats.skipped += count;
		}
		return false;
	}
	pending->count = 0;
	for (i = 0; i < fd->num_planes; i++) {
		struct fakedisp_frame *frame = fd->planes[i].on_screen;

		if (!frame)
			continue;
		kref_get(&frame->ref);
		pending->frames[pending->count++] = frame;
	}
	pending->wb = fd->wb_ready;
	fd->wb_ready = NULL;
	pending->width = fd->mode_width;
	pending->height = fd->mode_height;
	pending->flips = fd->flips;
	pending->first = first;
	pending->last = vblank;
	fd->pending_set = true;
	return true;
}

/* XRGB and ARGB share their memory layout. */
static bool same_layout(u32 a, u32 b)
{
	if (a == DRM_FORMAT_ARGB8888)
		a = DRM_FORMAT_XRGB8888;
	if (b == DRM_FORMAT_ARGB8888)
		b = DRM_FORMAT_XRGB8888;
	return a == b;
}

/* Only the worker touches frame->stamp_*: it is ordered, one at a time. */
static enum stamp_verdict check_stamp(struct fakedisp_frame *frame,
				      u64 *seq)
{
	struct frame_stamp stamp;
	unsigned int i;

	memcpy(&stamp, frame->planes[0], sizeof(stamp));
	if (stamp.magic != FRAME_STAMP_MAGIC)
		return STAMP_NONE;
	if (stamp.checksum != frame_stamp_checksum(&stamp))
		return STAMP_BAD_CHECKSUM;
	if (!frame_stamp_valid(&stamp) ||
	    !same_layout(stamp.fourcc, frame->format) ||
	    stamp.width != frame->fb->width || stamp.height != frame->fb->height)
		return STAMP_BAD;
	*seq = stamp.seq;
	if (frame->stamp_seen)
		return frame->stamp_seq == stamp.seq && samples_unchanged(frame) ?
		       STAMP_OK : STAMP_REWRITTEN;
	for (i = 1; i < frame->num_planes; i++)
		frame->sample_hash[i] = sample_hash(frame, i);
	frame->stamp_seq = stamp.seq;
	/* Published after the seq: the vblank tick reads both (last_look_locked()). */
	smp_store_release(&frame->stamp_seen, true);
	return STAMP_OK;
}

/*
 * Brackets the CPU read for imported buffers: the exporter flushes caches
 * if it must. dma_buf_begin_cpu_access() also waits for the buffer's write
 * fences, without a bound, which a display never does at scanout: a frame
 * shown after its in-fence timed out (fakedisp-fence.c) would hold the
 * worker, and with it the device's teardown, for as long as that fence
 * does. So a buffer with a write fence not yet signalled is read as it is,
 * without the bracket, and counted (debugfs "fences": unsynced); a fence
 * added between the test and the bracket is still waited for. Returns the
 * buffers bracketed, by index in @frame->bos, for cpu_access_end().
 */
static unsigned int cpu_access_begin(struct fakedisp_device *fd,
				     struct fakedisp_frame *frame)
{
	unsigned int i, j, mask = 0, unsynced = 0;

	for (i = 0; i < ARRAY_SIZE(frame->bos) && frame->bos[i]; i++) {
		struct fakedisp_bo *bo = frame->bos[i];

		for (j = 0; j < i; j++)
			if (frame->bos[j] == bo)
				break;
		if (j < i || !bo->dmabuf)
			continue;
		if (!dma_resv_test_signaled(bo->base.resv, DMA_RESV_USAGE_WRITE)) {
			unsynced++;
			continue;
		}
		dma_buf_begin_cpu_access(bo->dmabuf, DMA_FROM_DEVICE);
		mask |= BIT(i);
	}
	if (unsynced) {
		spin_lock_irq(&fd->fence_lock);
		fd->fence_stats.unsynced += unsynced;
		spin_unlock_irq(&fd->fence_lock);
	}
	return mask;
}

static void cpu_access_end(struct fakedisp_frame *frame, unsigned int mask)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(frame->bos); i++)
		if (mask & BIT(i))
			dma_buf_end_cpu_access(frame->bos[i]->dmabuf, DMA_FROM_DEVICE);
}

static void count_verdict(struct fakedisp_scanout_stats *stats,
			  struct fakedisp_plane_stats *ps,
			  enum stamp_verdict verdict, u64 seq)
{
	ps->scanned++;
	switch (verdict) {
	case STAMP_OK:
		ps->stamped_ok++;
		ps->last_seq = seq;
		stats->stamped_ok++;
		stats->last_seq = seq;
		break;
	case STAMP_NONE:
		ps->unstamped++;
		stats->unstamped++;
		break;
	case STAMP_BAD:
		ps->bad_stamp++;
		stats->bad_stamp++;
		break;
	case STAMP_BAD_CHECKSUM:
		ps->bad_checksum++;
		stats->bad_checksum++;
		break;
	case STAMP_REWRITTEN:
		ps->rewritten++;
		stats->rewritten++;
		break;
	}
}

/*
 * Reads the screen noted at the last vblank: every frame's stamp, and the
 * CRC of the composed screen for each vblank the read stands for.
 */
void fakedisp_scanout_work(struct work_struct *work)
{
	struct fakedisp_device *fd = container_of(work, struct fakedisp_device,
						  scanout_work);
	enum stamp_verdict verdicts[FAKEDISP_MAX_PLANES];
	unsigned int bracketed[FAKEDISP_MAX_PLANES];
	u64 seqs[FAKEDISP_MAX_PLANES] = {};
	struct fakedisp_screen screen;
	bool crc_on, pending, retired = false;
	unsigned int i;
	u64 t0, dt;
	u32 crc = 0;

	fakedisp_scanout_put_released(fd);

	spin_lock_irq(&fd->scanout_lock);
	screen = fd->pending;
	pending = fd->pending_set;
	fd->pending_set = false;
	crc_on = fd->crc_enabled;
	spin_unlock_irq(&fd->scanout_lock);
	if (!pending)
		return;

	t0 = ktime_get_ns();
	for (i = 0; i < screen.count; i++) {
		bracketed[i] = cpu_access_begin(fd, screen.frames[i]);
		verdicts[i] = check_stamp(screen.frames[i], &seqs[i]);
	}
	if (crc_on || screen.wb)
		crc = fakedisp_compose(screen.frames, screen.count,
				       screen.width, screen.height,
				       fd->compose_row, screen.wb);
	for (i = 0; i < screen.count; i++)
		cpu_access_end(screen.frames[i], bracketed[i]);
	dt = ktime_get_ns() - t0;

	spin_lock_irq(&fd->scanout_lock);
	if (screen.count) {
		fd->stats.scanned++;
		fd->stats.last_read_ns = dt;
		fd->stats.max_read_ns = max(fd->stats.max_read_ns, dt);
	}
	for (i = 0; i < screen.count; i++) {
		struct fakedisp_frame *frame = screen.frames[i];
		struct fakedisp_plane_stats *ps = &fd->planes[frame->plane].stats;

		if (frame->retired) {
			ps->discarded++;
			retired = true;
			verdicts[i] = STAMP_OK; /* nothing to report */
		} else {
			count_verdict(&fd->stats, ps, verdicts[i], seqs[i]);
		}
	}
	if (retired)
		fd->stats.discarded++;
	spin_unlock_irq(&fd->scanout_lock);

	for (i = 0; i < screen.count; i++)
		if (verdicts[i] != STAMP_OK && verdicts[i] != STAMP_NONE)
			fakedisp_event(fd, "bad-stamp",
				       screen.frames[i]->bos[0]->id,
				       screen.frames[i]->bos[0]->ino, verdicts[i]);

	if (!retired && crc_on) {
		u64 v, added = 0;

		for (v = screen.first; v <= screen.last; v++)
			if (!drm_crtc_add_crc_entry(&fd->crtc, true, (u32)v, &crc))
				added++;
		spin_lock_irq(&fd->scanout_lock);
		fd->stats.crc_entries += added;
		spin_unlock_irq(&fd->scanout_lock);
	}
	if (screen.wb)
		fakedisp_wb_complete(fd, 0);
	for (i = 0; i < screen.count; i++)
		fakedisp_frame_put(screen.frames[i]);
}

static const char *const fakedisp_crc_sources[] = { "auto" };

const char *const *fakedisp_get_crc_sources(struct drm_crtc *crtc,
					    size_t *count)
{
	*count = ARRAY_SIZE(fakedisp_crc_sources);
	return fakedisp_crc_sources;
}

int fakedisp_verify_crc_source(struct drm_crtc *crtc, const char *source,
			       size_t *values_cnt)
{
	if (source && strcmp(source, "auto"))
		return -EINVAL;
	*values_cnt = 1;
	return 0;
}

/* NULL turns the CRC off; "auto" turns it on. */
int fakedisp_set_crc_source(struct drm_crtc *crtc, const char *source)
{
	struct fakedisp_device *fd = to_fakedisp(crtc->dev);

	if (source && strcmp(source, "auto"))
		return -EINVAL;
	spin_lock_irq(&fd->scanout_lock);
	fd->crc_enabled = !!source;
	spin_unlock_irq(&fd->scanout_lock);
	return 0;
}
