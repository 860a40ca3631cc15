// SPDX-License-Identifier: GPL-2.0
/*
 * The capture queue (videobuf2) and the thread that plays the sensor.
 *
 * vb2 ops appear in the order the core calls them in a buffer's life. While
 * streaming, one kthread per camera takes the oldest queued buffer at every
 * frame interval (or as soon as one is queued, in unthrottled mode), writes
 * stamp and pattern (fakecam-pattern.c) through the plane's kernel mapping
 * (fakecam-memops.c) and hands it back with a sequence number and a
 * CLOCK_MONOTONIC timestamp.
 *
 * All ioctls, and so all of these ops, run under cam->lock (q->lock). The
 * thread does not hold it while it fills a frame: an imported buffer may
 * first have to wait for its fences, and STREAMOFF or close (which take
 * cam->lock) must not wait behind a fence. It takes the buffer off the
 * active list (its own spinlock) and keeps it as cam->filling, fills it,
 * and takes cam->lock only to hand it back (see fakecam_generator_lock()).
 * stop_streaming() cuts a fence wait short and waits for the thread to
 * end, then hands back cam->filling itself if the thread left it there.
 *
 * Fences: before it writes, the thread waits for every fence of the
 * buffer; as it starts writing it publishes its own write fence in the
 * buffer's reservation object (fakecam-fence.c) and signals it once the
 * frame is written. With the "Early Done" control the buffer goes back to
 * vb2 as soon as that fence is out, before the frame is written: user
 * space must wait for the fence before it reads.
 */
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "fakecam.h"
#include "fakecam-compat.h"

static struct fakecam_vb *to_fakecam_vb(struct vb2_buffer *vb)
{
	return container_of(to_vb2_v4l2_buffer(vb), struct fakecam_vb, vb);
}

/*
 * REQBUFS/CREATE_BUFS: how many planes and how big. With *nplanes set the
 * caller (CREATE_BUFS) proposes sizes, which must hold the current format
 * plane by plane and stay within reason.
 */
static int fakecam_queue_setup(struct vb2_queue *q, unsigned int *nbuffers,
			       unsigned int *nplanes, unsigned int sizes[],
			       struct device *alloc_devs[])
{
	struct fakecam_dev *cam = vb2_get_drv_priv(q);
	unsigned int i;

	if (*nplanes) {
		if (*nplanes != cam->pix.num_planes)
			return -EINVAL;
		for (i = 0; i < *nplanes; i++)
			if (sizes[i] < cam->pix.plane_fmt[i].sizeimage ||
			    sizes[i] > FAKECAM_MAX_BUFFER_SIZE)
				return -EINVAL;
		return 0;
	}
	*nplanes = cam->pix.num_planes;
	for (i = 0; i < *nplanes; i++)
		sizes[i] = cam->pix.plane_fmt[i].sizeimage;
	return 0;
}

/*
 * After REQBUFS/CREATE_BUFS allocated a buffer's planes (MMAP), or a QBUF
 * attached new dma-bufs to it (DMABUF): tells each plane's memory which
 * vb2 plane it is, for debugfs.
 */
static int fakecam_buf_init(struct vb2_buffer *vb)
{
	struct fakecam_dev *cam = vb2_get_drv_priv(vb->vb2_queue);
	unsigned int i;

	mutex_lock(&cam->buffers_lock);
	for (i = 0; i < vb->num_planes; i++) {
		if (vb->memory == VB2_MEMORY_DMABUF) {
			struct fakecam_import *imp = vb->planes[i].mem_priv;

			imp->plane = i;
		} else {
			struct fakecam_buffer *buf = vb->planes[i].mem_priv;

			buf->plane = i;
		}
	}
	mutex_unlock(&cam->buffers_lock);
	return 0;
}

/*
 * QBUF/PREPARE_BUF: each plane (ours or an imported dma-buf) must hold its
 * part of a frame of the current format.
 */
static int fakecam_buf_prepare(struct vb2_buffer *vb)
{
	struct fakecam_dev *cam = vb2_get_drv_priv(vb->vb2_queue);
	unsigned int i;

	for (i = 0; i < vb->num_planes; i++)
		if (vb2_plane_size(vb, i) < cam->pix.plane_fmt[i].sizeimage)
			return -EINVAL;
	for (i = 0; i < vb->num_planes; i++)
		vb2_set_plane_payload(vb, i, cam->pix.plane_fmt[i].sizeimage);
	return 0;
}

/* The buffer now belongs to the driver: the generator may fill it. */
static void fakecam_buf_queue(struct vb2_buffer *vb)
{
	struct fakecam_dev *cam = vb2_get_drv_priv(vb->vb2_queue);
	struct fakecam_vb *buf = to_fakecam_vb(vb);
	unsigned long flags;

	spin_lock_irqsave(&cam->active_lock, flags);
	list_add_tail(&buf->node, &cam->active);
	spin_unlock_irqrestore(&cam->active_lock, flags);
	wake_up(&cam->generator_wq);
}

static struct fakecam_vb *fakecam_next_active(struct fakecam_dev *cam)
{
	struct fakecam_vb *buf;
	unsigned long flags;

	spin_lock_irqsave(&cam->active_lock, flags);
	buf = list_first_entry_or_null(&cam->active, struct fakecam_vb, node);
	if (buf)
		list_del(&buf->node);
	spin_unlock_irqrestore(&cam->active_lock, flags);
	return buf;
}

/* The generator's turn: the buffer is off the list but not handed back. */
static struct fakecam_vb *fakecam_take_active(struct fakecam_dev *cam)
{
	cam->filling = fakecam_next_active(cam);
	return cam->filling;
}

static bool fakecam_has_active(struct fakecam_dev *cam)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&cam->active_lock, flags);
	ret = !list_empty(&cam->active);
	spin_unlock_irqrestore(&cam->active_lock, flags);
	return ret;
}

/* Hands every buffer still owned by the driver back to vb2 in @state. */
static void fakecam_return_all(struct fakecam_dev *cam,
			       enum vb2_buffer_state state)
{
	struct fakecam_vb *buf;

	while ((buf = fakecam_next_active(cam)))
		vb2_buffer_done(&buf->vb.vb2_buf, state);
}

/* Why a frame could not be written, in debugfs and (rate limited) the log. */
static void fakecam_fill_failed(struct fakecam_dev *cam, struct vb2_buffer *vb,
				u32 seq, int err)
{
	switch (err) {
	case -ETIMEDOUT:
		atomic_inc(&cam->fence_timeouts);
		dev_warn_ratelimited(&cam->vdev.dev,
				     "buffer %u: fences unsignalled after %u ms, frame %u returned as an error\n",
				     vb->index, READ_ONCE(fakecam_fence_timeout_ms),
				     seq);
		break;
	case -ERESTARTSYS:
	case -EINTR:
		/* stop_streaming() cut the wait short: not the buffer's fault. */
		atomic_inc(&cam->waits_interrupted);
		break;
	default:
		atomic_inc(&cam->fill_errors);
		dev_warn_ratelimited(&cam->vdev.dev,
				     "buffer %u: frame %u not written (%d)\n",
				     vb->index, seq, err);
	}
}

/*
 * Sleeps until @deadline or kthread_stop() or stop_streaming()'s signal.
 * Returns false when cut short.
 */
static bool fakecam_sleep_until(ktime_t deadline)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop() || signal_pending(current)) {
			__set_current_state(TASK_RUNNING);
			return false;
		}
		if (!ktime_before(ktime_get(), deadline)) {
			__set_current_state(TASK_RUNNING);
			return true;
		}
		schedule_hrtimeout_range(&deadline, 50 * NSEC_PER_USEC,
					 HRTIMER_MODE_ABS);
	}
}

/*
 * Takes cam->lock to hand a buffer back, like an ioctl, so that no ioctl
 * sees a buffer change state under its feet (QBUF never returns a buffer
 * already DONE). Never blocks on it: stop_streaming() holds it while it
 * waits for this thread to stop.
 */
static bool fakecam_generator_lock(struct fakecam_dev *cam)
{
	while (!mutex_trylock(&cam->lock)) {
		if (kthread_should_stop())
			return false;
		schedule_timeout_uninterruptible(1);
	}
	return true;
}

/* Under cam->lock: the buffer is user space's again. */
static void fakecam_hand_back(struct fakecam_dev *cam, struct fakecam_vb *buf,
			      enum vb2_buffer_state state)
{
	lockdep_assert_held(&cam->lock);
	vb2_buffer_done(&buf->vb.vb2_buf, state);
	cam->filling = NULL;
}

/*
 * One frame into one buffer, without cam->lock but to hand it back.
 * Returns false when the stream is stopping and the buffer was left in
 * cam->filling for stop_streaming() to hand back.
 *
 * The steps, and where each may block:
 *  1. the generator's references to the buffer (fakecam_target_get());
 *  2. every fence of the buffer, at most fence_timeout_ms, interruptible;
 *  3. an import's CPU access bracket opens (may wait and lock);
 *  4. the write fence is allocated (GFP_KERNEL), the reservation lock
 *     taken (interruptible), the slot reserved, the fence installed:
 *     the signalling section begins (fakecam_fence_publish());
 *  5. with "Early Done", the buffer goes back to vb2 right away;
 *  6. the frame is written, an MMAP buffer's exports synced for device;
 *  7. the "Fill Latency (us)" passes, or stop_streaming() cuts it short;
 *  8. the fence signals (-ECANCELED when stopping): the section ends;
 *  9. an import's CPU access bracket closes, the references go;
 * 10. without "Early Done", the buffer goes back to vb2.
 * Between 4 and 8 nothing allocates, takes a reservation lock, waits for
 * a fence or takes cam->lock: a QBUF holds cam->lock while it maps an
 * import, which takes the import's reservation lock, whose holders may
 * wait for our fence. With "Early Done" the generator takes cam->lock
 * before 4 instead and drops it in 5: an unlock inside the section is
 * harmless, and cam->lock before the reservation lock is the order every
 * vb2 ioctl takes them in.
 *
 * A buffer that could not be written (its fences did not signal in time,
 * say) still gets its sequence number and timestamp: the frame was lost,
 * not skipped, and DQBUF reports it with V4L2_BUF_FLAG_ERROR. No fence is
 * published for it.
 */
static bool fakecam_frame(struct fakecam_dev *cam, struct fakecam_vb *buf)
{
	unsigned long timeout =
		msecs_to_jiffies(READ_ONCE(fakecam_fence_timeout_ms));
	u32 latency_us = READ_ONCE(cam->fill_latency_us);
	bool early = READ_ONCE(cam->early_done);
	bool wait = READ_ONCE(fakecam_fence_wait);
	struct vb2_buffer *vb = &buf->vb.vb2_buf;
	struct fakecam_fence *fence = NULL;
	struct fakecam_target t;
	bool locked = false;
	bool cookie;
	int ret, err;
	u64 now;

	ret = fakecam_target_get(vb, &t);
	if (!ret)
		ret = fakecam_target_wait(cam, &t, timeout, wait);
	if (!ret)
		ret = fakecam_target_begin_cpu(&t, wait);
	/* The sensor starts writing now, after any wait for the buffer. */
	now = ktime_get_ns();
	vb->timestamp = now;
	buf->vb.sequence = cam->sequence;
	buf->vb.field = V4L2_FIELD_NONE;
	if (!ret) {
		fence = fakecam_fence_alloc(cam);
		if (!fence)
			ret = -ENOMEM;
	}
	if (!ret && early) {
		locked = fakecam_generator_lock(cam);
		if (!locked) {
			/* Stopping: cam->filling is stop_streaming()'s. */
			fakecam_fence_free(fence);
			fakecam_target_end_cpu(&t);
			fakecam_target_put(&t);
			return false;
		}
	}
	if (!ret)
		ret = fakecam_fence_publish(cam, fence, t.resv, t.n_resv,
					    &cookie);
	if (ret) {
		fakecam_fence_free(fence);
		fakecam_fill_failed(cam, vb, cam->sequence, ret);
		fakecam_target_end_cpu(&t);
		fakecam_target_put(&t);
		if (!locked && !fakecam_generator_lock(cam))
			return false;
		fakecam_hand_back(cam, buf, VB2_BUF_STATE_ERROR);
		mutex_unlock(&cam->lock);
		return true;
	}

	/* The fence is out: the signalling section runs to its signal. */
	if (early) {
		fakecam_hand_back(cam, buf, VB2_BUF_STATE_DONE);
		mutex_unlock(&cam->lock);
	}
	fakecam_pattern_fill(t.vaddr, &cam->pix, cam->fmt, cam->sequence, now,
			     READ_ONCE(cam->pattern_mode) ==
				     FAKECAM_PATTERN_STAMP_ONLY);
	fakecam_target_flush(&t);
	err = 0;
	if (latency_us &&
	    !fakecam_sleep_until(ktime_add_us(ktime_get(), latency_us)))
		err = -ECANCELED;
	if (kthread_should_stop() || fatal_signal_pending(current))
		err = -ECANCELED;
	fakecam_fence_signal(cam, fence, err, cookie);

	fakecam_target_end_cpu(&t);
	fakecam_target_put(&t);
	if (early)
		return true;
	/* Stopping: stop_streaming() hands cam->filling back, as an error. */
	if (!fakecam_generator_lock(cam))
		return false;
	fakecam_hand_back(cam, buf, err ? VB2_BUF_STATE_ERROR :
					  VB2_BUF_STATE_DONE);
	mutex_unlock(&cam->lock);
	return true;
}

/*
 * The sensor: a frame starts every interval (at once in unthrottled mode)
 * into the oldest queued buffer. With no buffer queued the sensor waits for
 * one and starts the frame an interval after it came, so frames are never
 * dropped and sequence numbers have no gaps.
 */
static int fakecam_generator(void *data)
{
	struct fakecam_dev *cam = data;
	ktime_t next = ktime_get();
	struct fakecam_vb *buf;

	/*
	 * stop_streaming() sends SIGKILL to end a fence wait at once: both
	 * ours and the one inside dma_buf_begin_cpu_access() are interruptible,
	 * and only a signal interrupts them. The thread exits right after.
	 */
	allow_signal(SIGKILL);

	while (!kthread_should_stop()) {
		if (!READ_ONCE(cam->unthrottled))
			fakecam_sleep_until(next);

		buf = fakecam_take_active(cam);
		if (!buf) {
			wait_event_interruptible(cam->generator_wq,
						 kthread_should_stop() ||
						 fakecam_has_active(cam));
			next = ktime_add_ns(ktime_get(),
					    READ_ONCE(cam->interval_ns));
			continue;
		}

		if (!fakecam_frame(cam, buf))
			break;
		cam->sequence++;

		/* Running late (slow machine): no burst to catch up. */
		next = ktime_add_ns(next, READ_ONCE(cam->interval_ns));
		if (ktime_before(next, ktime_get()))
			next = ktime_get();
		cond_resched();
	}
	return 0;
}

/* STREAMON, once enough buffers are queued (min_queued_buffers). */
static int fakecam_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct fakecam_dev *cam = vb2_get_drv_priv(q);
	struct task_struct *thread;

	cam->sequence = 0;
	cam->filling = NULL;
	thread = kthread_run(fakecam_generator, cam, "fakecam-%u", cam->index);
	if (IS_ERR(thread)) {
		fakecam_return_all(cam, VB2_BUF_STATE_QUEUED);
		return PTR_ERR(thread);
	}
	cam->generator = thread;
	return 0;
}

/*
 * STREAMOFF, close or REQBUFS while streaming: stop the thread first, so no
 * buffer is being filled, then hand back every buffer we still hold. The
 * thread may be waiting for a buffer's fences, up to fence_timeout_ms or,
 * inside dma_buf_begin_cpu_access(), without a bound, or for a reservation
 * lock, or sleeping out the fill latency with its write fence published:
 * the signal ends each of these at once, and kthread_stop() then waits for
 * no more than the rest of that frame. A published fence is signalled by
 * the thread itself on its way out, with -ECANCELED (fakecam_frame()), so
 * no fence of the camera is left unsignalled once this returns. The buffer
 * the thread had in hand, if it did not hand it back, is ours to return.
 */
static void fakecam_stop_streaming(struct vb2_queue *q)
{
	struct fakecam_dev *cam = vb2_get_drv_priv(q);

	send_sig(SIGKILL, cam->generator, 1);
	kthread_stop(cam->generator);
	cam->generator = NULL;
	if (cam->filling) {
		vb2_buffer_done(&cam->filling->vb.vb2_buf, VB2_BUF_STATE_ERROR);
		cam->filling = NULL;
	}
	fakecam_return_all(cam, VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops fakecam_vb2_ops = {
	.queue_setup		= fakecam_queue_setup,
	.buf_init		= fakecam_buf_init,
	.buf_prepare		= fakecam_buf_prepare,
	.buf_queue		= fakecam_buf_queue,
	.start_streaming	= fakecam_start_streaming,
	.stop_streaming		= fakecam_stop_streaming,
	FAKECAM_VB2_WAIT_OPS
};

int fakecam_queue_init(struct fakecam_dev *cam)
{
	struct vb2_queue *q = &cam->queue;

	spin_lock_init(&cam->active_lock);
	INIT_LIST_HEAD(&cam->active);
	init_waitqueue_head(&cam->generator_wq);
	/* One timeline per camera for its write fences (fakecam-fence.c). */
	cam->fence_context = dma_fence_context_alloc(1);

	q->type = cam->mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
				V4L2_BUF_TYPE_VIDEO_CAPTURE;
	q->io_modes = VB2_MMAP | VB2_DMABUF;
	q->drv_priv = cam;
	q->buf_struct_size = sizeof(struct fakecam_vb);
	q->ops = &fakecam_vb2_ops;
	q->mem_ops = &fakecam_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
	q->lock = &cam->lock;
	q->dev = &cam->pdev->dev;
	/* The generator needs a buffer to fill before it is worth starting. */
	fakecam_vb2_set_min_queued(q, 1);
	return vb2_queue_init(q);
}
