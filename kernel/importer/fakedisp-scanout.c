// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp scanout: what a display engine does with the frame on screen,
 * done by the CPU through the importer's mapping.
 *
 * A frame (struct fakedisp_frame) describes one commit's primary plane.
 * fakedisp-kms.c builds it in prepare_fb and hands it over here in
 * atomic_update (fakedisp_scanout_show()). At the next vblank
 * (fakedisp_scanout_vblank(), hard irq) it goes on screen, in the same
 * timer tick that sends the commit's page-flip event, and the frame it
 * replaces is "released": it is no longer scanned out, and its producer may
 * reuse the buffer as soon as it sees the event.
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
 * At each vblank the frame on screen is noted for the worker, which reads
 * it:
 *   - the frame stamp (include/dmabuf-interop/frame-stamp.h) at byte 0 of
 *     plane 0: intact, matching the framebuffer's format and size, and not
 *     changed since the frame was first read (a producer must not write
 *     into a buffer that is on screen);
 *   - when the CRC source "auto" is on, the CRC below, reported for the
 *     vblank through DRM's CRC interface (debugfs crtc-0/crc/data).
 *
 * CRC definition (what a test recomputes from the same bytes via mmap):
 *   CRC-32 as zlib's crc32() computes it (reflected, polynomial 0xedb88320,
 *   initial value and final xor 0xffffffff), over the visible bytes of each
 *   colour plane in plane order, row by row from the top: for plane p with
 *   subsampling (hsub, vsub) (1 for plane 0) and cpp bytes per sample,
 *   rows src_y/vsub .. (src_y+height)/vsub - 1, and in each row the
 *   width/hsub*cpp bytes from byte offset + row*pitch + src_x/hsub*cpp.
 *   For XRGB8888 at 0,0 that is crc32(0, row 0..height-1, width*4 bytes).
 *
 * The worker must never hold up the vblank: if it is still busy when the
 * next vblank comes, that vblank is merged into the pending one when the
 * same frame is still on screen (its CRC entry reuses the read), or
 * skipped when a newer frame was committed meanwhile. A read that overlaps
 * the frame's replacement is discarded, since the producer may rewrite a
 * released buffer. All of it is counted (debugfs "scanout").
 */
#include <linux/crc32.h>
#include <linux/dma-buf.h>
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
	int ret;

	frame = kzalloc(sizeof(*frame), GFP_KERNEL);
	if (!frame)
		return ERR_PTR(-ENOMEM);
	kref_init(&frame->ref);
	frame->format = fb->format->format;
	frame->src_x = state->src_x >> 16;
	frame->src_y = state->src_y >> 16;
	frame->width = state->src_w >> 16;
	frame->height = state->src_h >> 16;
	for (i = 0; i < fb->format->num_planes; i++) {
		bo = to_fakedisp_bo(fb->obj[i]);
		ret = fakedisp_bo_vmap(bo);
		if (ret)
			goto err_vunmap;
		frame->bos[i] = bo;
		frame->planes[i] = (const u8 *)bo->map.vaddr + fb->offsets[i];
		frame->pitches[i] = fb->pitches[i];
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
 * The commit tail takes @frame off screen (or it never got there): logged
 * now, put later by fakedisp_scanout_put_released(). Its reference moves to
 * fd->released.
 */
static void release_frame(struct fakedisp_device *fd,
			  struct fakedisp_frame *frame)
{
	fakedisp_event(fd, "frame-released", frame->bos[0]->id,
		       frame->bos[0]->ino, frame->id);
	spin_lock_irq(&fd->scanout_lock);
	frame->retired = true;
	list_add_tail(&frame->release_link, &fd->released);
	spin_unlock_irq(&fd->scanout_lock);
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
 * The commit tail hands over its frame: it goes on screen at the next
 * vblank, like a flip latched by the hardware. A frame committed and
 * replaced before any vblank was never shown and is released at once.
 */
void fakedisp_scanout_show(struct fakedisp_device *fd,
			   struct fakedisp_frame *frame)
{
	struct fakedisp_frame *unshown;

	kref_get(&frame->ref);
	spin_lock_irq(&fd->scanout_lock);
	unshown = fd->next;
	fd->next = frame;
	spin_unlock_irq(&fd->scanout_lock);
	if (unshown)
		release_frame(fd, unshown);
}

/*
 * The commit tail turns the CRTC or the plane off: nothing is scanned out
 * any more.
 */
void fakedisp_scanout_off(struct fakedisp_device *fd)
{
	struct fakedisp_frame *old, *unshown;

	spin_lock_irq(&fd->scanout_lock);
	old = fd->on_screen;
	unshown = fd->next;
	fd->on_screen = NULL;
	fd->next = NULL;
	if (old)
		old->retired = true;
	spin_unlock_irq(&fd->scanout_lock);
	if (unshown)
		release_frame(fd, unshown);
	if (old)
		release_frame(fd, old);
}

/* The CRTC goes on at DRM vblank count @vblank. */
void fakedisp_scanout_on(struct fakedisp_device *fd, u64 vblank)
{
	spin_lock_irq(&fd->scanout_lock);
	fd->last_vblank = vblank;
	spin_unlock_irq(&fd->scanout_lock);
}

/*
 * Hard irq, the vblank timer, before DRM sends the flip events: latches
 * the committed frame; the frame it replaces is released.
 */
void fakedisp_scanout_flip(struct fakedisp_device *fd)
{
	struct fakedisp_frame *old, *frame;
	unsigned long flags, ino = 0, old_ino = 0;
	u64 id = 0, old_id = 0;
	u32 bo = 0, old_bo = 0;

	spin_lock_irqsave(&fd->scanout_lock, flags);
	frame = fd->next;
	old = frame ? fd->on_screen : NULL;
	if (old) {
		old->retired = true;
		old_id = old->id;
		old_bo = old->bos[0]->id;
		old_ino = old->bos[0]->ino;
		list_add_tail(&old->release_link, &fd->released);
	}
	if (frame) {
		fd->on_screen = frame;
		fd->next = NULL;
		id = frame->id;
		bo = frame->bos[0]->id;
		ino = frame->bos[0]->ino;
	}
	spin_unlock_irqrestore(&fd->scanout_lock, flags);

	/* Only tested, not dereferenced: the worker may have put them. */
	if (old) {
		fakedisp_event(fd, "frame-released", old_bo, old_ino, old_id);
		queue_work(fd->scanout_wq, &fd->scanout_work);
	}
	if (frame)
		fakedisp_event(fd, "frame-shown", bo, ino, id);
}

/*
 * Hard irq, the vblank timer, after DRM counted the vblank (@vblank is its
 * count): notes the frame on screen for the worker, for every vblank since
 * the previous tick (more than one when the timer came late, by
 * @overruns periods).
 */
void fakedisp_scanout_vblank(struct fakedisp_device *fd, u64 vblank,
			     u64 overruns)
{
	struct fakedisp_frame *frame;
	bool queue = false;
	unsigned long flags;
	u64 first, count;

	spin_lock_irqsave(&fd->scanout_lock, flags);
	fd->stats.timer_overruns += overruns;
	first = fd->last_vblank + 1;
	if (vblank < first)
		goto out;	/* DRM saw no new vblank */
	fd->last_vblank = vblank;
	count = vblank - first + 1;
	frame = fd->on_screen;
	if (!frame)
		goto out;
	fd->stats.vblanks += count;
	if (!fd->pending) {
		kref_get(&frame->ref);
		fd->pending = frame;
		fd->pending_first = first;
		fd->pending_last = vblank;
		queue = true;
	} else if (fd->pending == frame) {
		fd->pending_last = vblank;
		fd->stats.merged += count;
	} else {
		fd->stats.skipped += count;
	}
out:
	spin_unlock_irqrestore(&fd->scanout_lock, flags);
	if (queue)
		queue_work(fd->scanout_wq, &fd->scanout_work);
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
	if (frame->stamp_seen && frame->stamp_seq != stamp.seq)
		return STAMP_REWRITTEN;
	frame->stamp_seen = true;
	frame->stamp_seq = stamp.seq;
	return STAMP_OK;
}

/* The CRC defined at the top of this file. */
static u32 frame_crc(const struct fakedisp_frame *frame)
{
	const struct drm_format_info *info = frame->fb->format;
	u32 crc = ~0u;
	unsigned int p, y;

	for (p = 0; p < info->num_planes; p++) {
		unsigned int hsub = p ? info->hsub : 1;
		unsigned int vsub = p ? info->vsub : 1;
		unsigned int bytes = frame->width / hsub * info->cpp[p];
		unsigned int rows = frame->height / vsub;
		const u8 *row = frame->planes[p] +
				(size_t)(frame->src_y / vsub) * frame->pitches[p] +
				frame->src_x / hsub * info->cpp[p];

		for (y = 0; y < rows; y++, row += frame->pitches[p]) {
			crc = crc32_le(crc, row, bytes);
			if (!(y & 63))
				cond_resched();
		}
	}
	return ~crc;
}

/*
 * Brackets the CPU read for imported buffers: the exporter flushes caches
 * if it must and DRM waits for its write fences.
 */
static void cpu_access(struct fakedisp_frame *frame, bool begin)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(frame->bos) && frame->bos[i]; i++) {
		struct fakedisp_bo *bo = frame->bos[i];

		for (j = 0; j < i; j++)
			if (frame->bos[j] == bo)
				break;
		if (j < i || !bo->dmabuf)
			continue;
		if (begin)
			dma_buf_begin_cpu_access(bo->dmabuf, DMA_FROM_DEVICE);
		else
			dma_buf_end_cpu_access(bo->dmabuf, DMA_FROM_DEVICE);
	}
}

static void count_verdict(struct fakedisp_scanout_stats *stats,
			  enum stamp_verdict verdict, u64 seq)
{
	switch (verdict) {
	case STAMP_OK:
		stats->stamped_ok++;
		stats->last_seq = seq;
		break;
	case STAMP_NONE:
		stats->unstamped++;
		break;
	case STAMP_BAD:
		stats->bad_stamp++;
		break;
	case STAMP_BAD_CHECKSUM:
		stats->bad_checksum++;
		break;
	case STAMP_REWRITTEN:
		stats->rewritten++;
		break;
	}
}

void fakedisp_scanout_work(struct work_struct *work)
{
	struct fakedisp_device *fd = container_of(work, struct fakedisp_device,
						  scanout_work);
	enum stamp_verdict verdict;
	struct fakedisp_frame *frame;
	u64 first, last, seq = 0, t0, dt;
	bool crc_on, retired;
	u32 crc = 0;

	fakedisp_scanout_put_released(fd);

	spin_lock_irq(&fd->scanout_lock);
	frame = fd->pending;
	first = fd->pending_first;
	last = fd->pending_last;
	fd->pending = NULL;
	crc_on = fd->crc_enabled;
	spin_unlock_irq(&fd->scanout_lock);
	if (!frame)
		return;

	t0 = ktime_get_ns();
	cpu_access(frame, true);
	verdict = check_stamp(frame, &seq);
	if (crc_on)
		crc = frame_crc(frame);
	cpu_access(frame, false);
	dt = ktime_get_ns() - t0;

	spin_lock_irq(&fd->scanout_lock);
	retired = frame->retired;
	fd->stats.scanned++;
	fd->stats.last_read_ns = dt;
	fd->stats.max_read_ns = max(fd->stats.max_read_ns, dt);
	if (retired)
		fd->stats.discarded++;
	else
		count_verdict(&fd->stats, verdict, seq);
	spin_unlock_irq(&fd->scanout_lock);

	if (!retired && verdict != STAMP_OK && verdict != STAMP_NONE)
		fakedisp_event(fd, "bad-stamp", frame->bos[0]->id,
			       frame->bos[0]->ino, verdict);

	if (!retired && crc_on) {
		u64 v, added = 0;

		for (v = first; v <= last; v++)
			if (!drm_crtc_add_crc_entry(&fd->crtc, true, (u32)v, &crc))
				added++;
		spin_lock_irq(&fd->scanout_lock);
		fd->stats.crc_entries += added;
		spin_unlock_irq(&fd->scanout_lock);
	}
	fakedisp_frame_put(frame);
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
