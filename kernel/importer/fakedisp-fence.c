// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp's bound on in-fences.
 *
 * A commit waits for the fences of each of its planes before the commit
 * tail touches the screen: DRM's commit_tail() calls
 * drm_atomic_helper_wait_for_fences(), which waits for plane_state->fence
 * uninterruptibly and without a time limit. That fence is the plane's
 * IN_FENCE_FD (an explicit fence from userspace) or, without one, the
 * buffer's implicit write fences, which prepare_fb merges into it
 * (drm_gem_plane_helper_prepare_fb()). A fence that never signals would
 * hold the commit worker forever, and with it every later commit on the
 * CRTC (they wait for this one's flip), and the device's teardown.
 *
 * So prepare_fb hands DRM a fence of ours instead, a proxy that signals
 * when the plane's fence does or when fence_timeout_ms (module parameter)
 * has passed, whichever comes first; on timeout with -ETIMEDOUT set as its
 * error. The commit then goes ahead: the display scans out the buffer as it
 * is at that moment, whatever its producer has or has not written. Each
 * timeout is counted (debugfs "fences") and logged, rate-limited, with the
 * plane and the driver and timeline of the fence that did not signal. The
 * device stays usable: the commit completes, and later ones with it.
 *
 * The proxy is allocated and armed in prepare_fb (a callback on the
 * plane's fence, and a delayed work for the timeout), where sleeping and
 * allocating are allowed; what signals it — the callback, in the context
 * of whoever signals the plane's fence, and the timeout work — only takes
 * spinlocks, never allocates and never takes a reservation lock (the
 * dma-fence signalling rules; the work is annotated as a signalling
 * section). Whichever comes first signals the proxy, exactly once.
 *
 * Lifetime: the plane state holds the proxy (DRM puts it after the wait, or
 * with the state); the callback and the work together hold one more
 * reference and the plane's fence, counted by @handlers, and the proxy is
 * on the device's list while either may still run. The device going away
 * (fakedisp_fences_teardown(), before its last commit) removes every
 * callback, cancels every timeout and signals what is left with -ENODEV:
 * after it nothing of ours runs on a fence's behalf, and no commit worker
 * is left waiting. The proxy has no release op: dma_fence_free() frees it
 * (it starts with its dma_fence), and kernels that detach a signalled
 * fence from its ops may do so.
 *
 * Locks: the signalling fence's lock (held around its callbacks), then the
 * proxy's own lock (dma_fence_signal()) or the device's fence_lock, never
 * the other way round: nothing of ours adds a callback to a fence or
 * signals one while holding fence_lock.
 */
#include <linux/dma-fence.h>
#include <linux/dma-fence-unwrap.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <drm/drm_framebuffer.h>
#include <drm/drm_plane.h>
#include <drm/drm_print.h>

#include "fakedisp.h"
#include "fakedisp-compat.h"

#define FAKEDISP_FENCE_NAME_LEN 32

/* fakedisp_fence.flags */
enum {
	FAKEDISP_FENCE_DONE, /* signalled, or being: the first path wins */
};

/**
 * struct fakedisp_fence - the proxy DRM waits for instead of a plane's fence
 * @base: the fence; first, so that dma_fence_free() frees the whole
 * @lock: @base's lock
 * @fd: the device (it outlives every @cb and @timeout, see teardown)
 * @plane: the plane whose commit waits
 * @wrapped: the plane's fence (explicit and implicit merged), referenced
 *	     until the last handler is done
 * @cb: on @wrapped: signals @base
 * @timeout: signals @base with -ETIMEDOUT, unless @wrapped came first
 * @link: entry in fd->fences while a handler is pending (fd->fence_lock)
 * @handlers: @cb (until it ran or was removed), @timeout (while queued or
 *	      running) and the teardown while it deals with the proxy; the
 *	      last one drops @wrapped and their reference on @base
 *	      (fd->fence_lock)
 * @flags: FAKEDISP_FENCE_DONE
 * @bo: id of the framebuffer's first buffer, for the event log
 * @ino: its dma-buf inode, for the event log
 * @timeout_ms: the bound, fence_timeout_ms when it was armed (0: none)
 * @start: when it was armed
 */
struct fakedisp_fence {
	struct dma_fence base;
	spinlock_t lock; /* base */
	struct fakedisp_device *fd;
	struct drm_plane *plane;
	struct dma_fence *wrapped;
	struct dma_fence_cb cb;
	struct delayed_work timeout;
	struct list_head link;
	unsigned int handlers;
	unsigned long flags;
	u32 bo;
	unsigned long ino;
	unsigned int timeout_ms;
	ktime_t start;
};

static const char *fakedisp_fence_driver_name(struct dma_fence *fence)
{
	return FAKEDISP_NAME;
}

static const char *fakedisp_fence_timeline_name(struct dma_fence *fence)
{
	return "in-fence-bound";
}

static const struct dma_fence_ops fakedisp_fence_ops = {
	.get_driver_name = fakedisp_fence_driver_name,
	.get_timeline_name = fakedisp_fence_timeline_name,
};

static unsigned int plane_index(const struct fakedisp_fence *f)
{
	return to_fakedisp_plane(f->plane)->index;
}

/* How a proxy came to signal. */
enum fakedisp_fence_end {
	FAKEDISP_FENCE_SIGNALLED,	/* the plane's fence did */
	FAKEDISP_FENCE_TIMED_OUT,	/* the bound expired: -ETIMEDOUT */
	FAKEDISP_FENCE_CANCELLED,	/* the device goes away: -ENODEV */
};

/*
 * Signals the proxy, once: whoever calls first; the others find it done and
 * get false. @error (0: none) is the plane fence's for @end SIGNALLED. The
 * counters and the event log have it before the commit can go on. Any
 * context; called by the signalling paths only.
 */
static bool fakedisp_fence_finish(struct fakedisp_fence *f,
				  enum fakedisp_fence_end end, int error)
{
	struct fakedisp_device *fd = f->fd;
	struct fakedisp_fence_stats *s = &fd->fence_stats;
	u64 waited = ktime_to_ns(ktime_sub(ktime_get(), f->start));
	unsigned long flags;

	if (test_and_set_bit(FAKEDISP_FENCE_DONE, &f->flags))
		return false;

	spin_lock_irqsave(&fd->fence_lock, flags);
	switch (end) {
	case FAKEDISP_FENCE_SIGNALLED:
		s->signalled++;
		if (error)
			s->errors++;
		s->max_wait_ns = max(s->max_wait_ns, waited);
		break;
	case FAKEDISP_FENCE_TIMED_OUT:
		s->timed_out++;
		s->last_timeout_plane = plane_index(f);
		error = -ETIMEDOUT;
		break;
	case FAKEDISP_FENCE_CANCELLED:
		s->cancelled++;
		error = -ENODEV;
		break;
	}
	spin_unlock_irqrestore(&fd->fence_lock, flags);

	switch (end) {
	case FAKEDISP_FENCE_SIGNALLED:
		fakedisp_event(fd, "fence-signalled", f->bo, f->ino,
			       div_u64(waited, NSEC_PER_USEC));
		break;
	case FAKEDISP_FENCE_TIMED_OUT:
		fakedisp_event(fd, "fence-timeout", f->bo, f->ino, plane_index(f));
		break;
	case FAKEDISP_FENCE_CANCELLED:
		fakedisp_event(fd, "fence-cancelled", f->bo, f->ino, plane_index(f));
		break;
	}

	if (error)
		dma_fence_set_error(&f->base, error);
	dma_fence_signal(&f->base);
	return true;
}

/*
 * One handler (the callback, the timeout work or the teardown) is done with
 * the proxy; the last one takes it off the device's list and lets go of the
 * plane's fence and of the handlers' reference. Any context.
 */
static void fakedisp_fence_put_handler(struct fakedisp_fence *f)
{
	struct fakedisp_device *fd = f->fd;
	unsigned long flags;
	bool last;

	spin_lock_irqsave(&fd->fence_lock, flags);
	last = !--f->handlers;
	if (last)
		list_del_init(&f->link);
	spin_unlock_irqrestore(&fd->fence_lock, flags);
	if (!last)
		return;
	dma_fence_put(f->wrapped);
	dma_fence_put(&f->base);
}

/*
 * The plane's fence signalled: in its signaller's context, under its lock
 * (or from prepare_fb when it had signalled by the time the callback was
 * to be added). Its error, if any, goes to the proxy.
 */
static void fakedisp_fence_cb(struct dma_fence *wrapped, struct dma_fence_cb *cb)
{
	struct fakedisp_fence *f = container_of(cb, struct fakedisp_fence, cb);

	fakedisp_fence_finish(f, FAKEDISP_FENCE_SIGNALLED,
			      wrapped->error < 0 ? wrapped->error : 0);
	/* A timeout that has not started will not: its handler is ours. */
	if (cancel_delayed_work(&f->timeout))
		fakedisp_fence_put_handler(f);
	fakedisp_fence_put_handler(f);
}

/*
 * For the message: the driver, timeline and seqno of the first fence
 * inside @fence (a container, or just a fence) that has not signalled.
 */
static void describe_late(struct dma_fence *fence, char *driver,
			  char *timeline, size_t len, u64 *seqno)
{
	struct dma_fence_unwrap cursor;
	struct dma_fence *f, *late = fence;

	dma_fence_unwrap_for_each(f, &cursor, fence) {
		if (!dma_fence_is_signaled(f)) {
			late = f;
			break;
		}
	}
	fakedisp_compat_fence_names(late, driver, timeline, len);
	*seqno = late->seqno;
	/* Left early: the cursor still holds its reference on the container. */
	if (f)
		dma_fence_put(cursor.chain);
}

static DEFINE_RATELIMIT_STATE(fakedisp_fence_ratelimit, 5 * HZ, 10);

/*
 * The bound expired: unless the plane's fence came first (then its callback
 * runs or ran, and signals), the proxy signals with -ETIMEDOUT and the
 * commit goes ahead. Process context, a fence signalling section.
 */
static void fakedisp_fence_timeout_work(struct work_struct *work)
{
	struct fakedisp_fence *f = container_of(to_delayed_work(work),
						struct fakedisp_fence, timeout);
	char driver[FAKEDISP_FENCE_NAME_LEN], timeline[FAKEDISP_FENCE_NAME_LEN];
	bool fence_cookie = dma_fence_begin_signalling();
	bool timed_out = false;
	u64 seqno = 0;

	if (dma_fence_remove_callback(f->wrapped, &f->cb)) {
		describe_late(f->wrapped, driver, timeline, sizeof(driver),
			      &seqno);
		timed_out = fakedisp_fence_finish(f, FAKEDISP_FENCE_TIMED_OUT, 0);
		/* The callback will not run: its handler is ours. */
		fakedisp_fence_put_handler(f);
	}
	if (timed_out && __ratelimit(&fakedisp_fence_ratelimit))
		drm_warn(f->plane->dev,
			 "[PLANE:%d:%s] in-fence %s:%s seqno %llu not signalled after %u ms: scanning out the buffer as it is\n",
			 f->plane->base.id, f->plane->name, driver, timeline,
			 seqno, f->timeout_ms);
	fakedisp_fence_put_handler(f);
	dma_fence_end_signalling(fence_cookie);
}

/**
 * fakedisp_fence_bound - prepare_fb: bound the wait for the plane's fence
 * @state: the plane state, whose fence DRM's helper set (explicit and
 *	   implicit merged)
 *
 * Replaces a fence that has not signalled by a proxy that signals with it
 * or after fence_timeout_ms, whichever comes first (never, without the
 * device going away, when fence_timeout_ms is 0). A signalled fence, or
 * none, is left as it is.
 *
 * Return: 0, -ENOMEM, or -ENODEV when the device is going away.
 */
int fakedisp_fence_bound(struct drm_plane_state *state)
{
	struct fakedisp_device *fd = to_fakedisp(state->plane->dev);
	unsigned int timeout_ms = READ_ONCE(fakedisp_fence_timeout_ms);
	struct dma_fence *wrapped = state->fence;
	struct fakedisp_bo *bo;
	struct fakedisp_fence *f;
	bool dying;

	if (!wrapped || dma_fence_is_signaled(wrapped))
		return 0;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	spin_lock_init(&f->lock);
	/* A context of its own: proxies of a plane may signal out of order. */
	dma_fence_init(&f->base, &fakedisp_fence_ops, &f->lock,
		       dma_fence_context_alloc(1), 1);
	f->fd = fd;
	f->plane = state->plane;
	f->wrapped = wrapped;
	bo = to_fakedisp_bo(state->fb->obj[0]);
	f->bo = bo->id;
	f->ino = bo->ino;
	f->timeout_ms = timeout_ms;
	f->start = ktime_get();
	INIT_DELAYED_WORK(&f->timeout, fakedisp_fence_timeout_work);
	INIT_LIST_HEAD(&f->link);
	/* The callback, and the timeout work if there is a bound. */
	f->handlers = timeout_ms ? 2 : 1;

	spin_lock_irq(&fd->fence_lock);
	dying = fd->fences_dying;
	if (!dying) {
		list_add_tail(&f->link, &fd->fences);
		fd->fence_stats.waits++;
	}
	spin_unlock_irq(&fd->fence_lock);
	if (dying) {
		/* Freed as it is: the plane's fence stays the state's. */
		dma_fence_put(&f->base);
		return -ENODEV;
	}

	/* The handlers' reference; the plane's fence is theirs now. */
	dma_fence_get(&f->base);
	state->fence = &f->base;
	fakedisp_event(fd, "fence-wait", f->bo, f->ino, plane_index(f));

	/* The timeout first: a callback that runs at once cancels it. */
	if (timeout_ms)
		schedule_delayed_work(&f->timeout, msecs_to_jiffies(timeout_ms));
	if (dma_fence_add_callback(wrapped, &f->cb, fakedisp_fence_cb))
		fakedisp_fence_cb(wrapped, &f->cb); /* signalled meanwhile */
	return 0;
}

/**
 * fakedisp_fences_teardown - the device goes away: end every bounded wait
 * @fd: the device, unregistered, before its last commit
 *
 * Removes the callbacks from the plane fences, cancels the timeouts and
 * signals every proxy not yet signalled with -ENODEV, so that no commit
 * worker is left waiting and nothing of ours runs for a fence afterwards.
 * No new proxy is made from now on (prepare_fb fails with -ENODEV); none is
 * being made either: the module unloads only once every file is closed,
 * and the device's own last commit shows nothing.
 */
void fakedisp_fences_teardown(struct fakedisp_device *fd)
{
	struct fakedisp_fence *f;
	unsigned int ended = 0;

	for (;;) {
		spin_lock_irq(&fd->fence_lock);
		fd->fences_dying = true;
		f = list_first_entry_or_null(&fd->fences, struct fakedisp_fence,
					     link);
		if (f) {
			/* Listed: some handler is pending, @wrapped held. */
			list_del_init(&f->link);
			f->handlers++;
		}
		spin_unlock_irq(&fd->fence_lock);
		if (!f)
			break;

		/* A callback running now holds the fence's lock: waits. */
		if (dma_fence_remove_callback(f->wrapped, &f->cb)) {
			if (fakedisp_fence_finish(f, FAKEDISP_FENCE_CANCELLED, 0))
				ended++;
			fakedisp_fence_put_handler(f);
		}
		if (cancel_delayed_work_sync(&f->timeout))
			fakedisp_fence_put_handler(f);
		fakedisp_fence_put_handler(f);
	}
	if (ended)
		drm_info(&fd->drm, "%u in-fence waits ended by the device going away\n",
			 ended);
}
