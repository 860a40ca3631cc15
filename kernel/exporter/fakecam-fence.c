// SPDX-License-Identifier: GPL-2.0
/*
 * fakecam's write fences: what a camera with fences would give every other
 * user of a buffer while its DMA engine writes a frame there.
 *
 * The generator (fakecam-queue.c) publishes one fence per frame in the
 * reservation object of each plane of the buffer it is about to fill (the
 * imported dma-buf's, or the one every export of an MMAP buffer shares;
 * NV12M has two, locked together under one acquire context) as its
 * writer (DMA_RESV_USAGE_WRITE), and signals it once the frame is written
 * and the "Fill Latency (us)" is over; with an error set (-ECANCELED) when
 * STREAMOFF, close or REQBUFS cut the frame short. One fence context per
 * camera, the seqno grows by one per fence.
 *
 * The fence signalling rules (Documentation/driver-api/dma-buf.rst, "DMA
 * Fence Signalling Annotations"): every fence must signal in finite time,
 * and the code between its publication and its signal may neither
 * allocate with GFP_KERNEL (a shrinker may wait for the fence), nor take
 * a dma_resv lock (its holders may wait for the fence), nor wait for
 * another fence. So the fence is allocated and the slot reserved before;
 * fakecam_fence_publish() opens the critical section with
 * dma_fence_begin_signalling() as it installs the fence, with the
 * reservation lock held, as the rules ask: the section starts as soon as
 * the fence is visible, even before dma_resv_unlock(). fakecam_fence_signal()
 * closes it. Lockdep checks what runs in between against the order the
 * dma-buf core teaches it at boot (dma_resv lock, then memory reclaim,
 * then a fence wait).
 *
 * A fence may outlive the camera and the stream: it sits in other drivers'
 * reservation objects and in user space's sync_files, and the core calls
 * its ops (the names, for debugfs and SYNC_IOC_FILE_INFO; the release) as
 * long as it exists. Those ops are module code, so each fence holds a
 * module reference, dropped by its release; and the names live in the
 * fence itself, not in the camera.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "fakecam.h"

/**
 * struct fakecam_fence - one write fence
 * @base: the fence; first, dma_fence_free() frees the whole struct
 * @lock: the fence's lock (one per fence: nothing else to share it with)
 * @timeline: "fakecam-<camera>", what get_timeline_name returns
 */
struct fakecam_fence {
	struct dma_fence base;
	spinlock_t lock; /* the dma_fence lock */
	char timeline[16];
};

static struct fakecam_fence *to_fakecam_fence(struct dma_fence *f)
{
	return container_of(f, struct fakecam_fence, base);
}

static const char *fakecam_fence_driver_name(struct dma_fence *f)
{
	return FAKECAM_NAME;
}

static const char *fakecam_fence_timeline_name(struct dma_fence *f)
{
	return to_fakecam_fence(f)->timeline;
}

/*
 * The last reference is gone, in whatever context dropped it (possibly an
 * interrupt). dma_fence_free() frees the memory after an RCU grace period,
 * from the core; the module reference goes last.
 */
static void fakecam_fence_release(struct dma_fence *f)
{
	dma_fence_free(f);
	module_put(THIS_MODULE);
}

static const struct dma_fence_ops fakecam_fence_ops = {
	.get_driver_name = fakecam_fence_driver_name,
	.get_timeline_name = fakecam_fence_timeline_name,
	.release = fakecam_fence_release,
};

/* Before the frame (GFP_KERNEL): the fence is initialised at publication. */
struct fakecam_fence *fakecam_fence_alloc(struct fakecam_dev *cam)
{
	struct fakecam_fence *fence;

	fence = kzalloc(sizeof(*fence), GFP_KERNEL);
	if (!fence)
		return NULL;
	spin_lock_init(&fence->lock);
	snprintf(fence->timeline, sizeof(fence->timeline), "%s-%u",
		 FAKECAM_NAME, cam->index);
	return fence;
}

/* A fence that was never published (never initialised either). */
void fakecam_fence_free(struct fakecam_fence *fence)
{
	kfree(fence);
}

/* Unlocks @resv[0..@n-1] but @skip (-1: none). */
static void fakecam_resv_unlock(struct dma_resv **resv, int n, int skip)
{
	int i;

	for (i = 0; i < n; i++)
		if (i != skip)
			dma_resv_unlock(resv[i]);
}

/*
 * Locks every reservation object of a frame (one per vb2 plane) under one
 * acquire context, interruptibly, backing off on -EDEADLK as the wound/wait
 * protocol asks (the contended one first, slowly, then the others again).
 */
static int fakecam_resv_lock_all(struct dma_resv **resv, int n,
				 struct ww_acquire_ctx *ctx)
{
	int contended = -1;
	int i, ret;

	ww_acquire_init(ctx, &reservation_ww_class);
retry:
	if (contended != -1) {
		ret = dma_resv_lock_slow_interruptible(resv[contended], ctx);
		if (ret) {
			ww_acquire_fini(ctx);
			return ret;
		}
	}
	for (i = 0; i < n; i++) {
		if (i == contended)
			continue;
		ret = dma_resv_lock_interruptible(resv[i], ctx);
		if (!ret)
			continue;
		fakecam_resv_unlock(resv, i, -1);
		if (contended >= i)
			dma_resv_unlock(resv[contended]);
		if (ret == -EDEADLK) {
			contended = i;
			goto retry;
		}
		ww_acquire_fini(ctx);
		return ret;
	}
	ww_acquire_done(ctx);
	return 0;
}

/*
 * Makes @fence the writer of every one of the @n_resv reservation objects
 * of a frame. Takes the reservation locks interruptibly (stop_streaming()
 * signals the generator), reserves a slot in each, initialises the fence
 * (the next seqno of the camera's context, a module reference) and
 * installs it, opening the signalling critical section: *@cookie is for
 * fakecam_fence_signal(), which must follow with nothing in between that
 * allocates, locks a reservation object or waits for a fence. On error the
 * fence was not published and is still the caller's to free.
 */
int fakecam_fence_publish(struct fakecam_dev *cam,
			  struct fakecam_fence *fence, struct dma_resv **resv,
			  unsigned int n_resv, bool *cookie)
{
	struct ww_acquire_ctx ctx;
	unsigned int i;
	int ret;

	ret = fakecam_resv_lock_all(resv, n_resv, &ctx);
	if (ret)
		return ret;
	for (i = 0; i < n_resv; i++) {
		ret = dma_resv_reserve_fences(resv[i], 1);
		if (ret) {
			fakecam_resv_unlock(resv, n_resv, -1);
			ww_acquire_fini(&ctx);
			return ret;
		}
	}

	/* From here on the release drops it (fakecam_fence_release()). */
	__module_get(THIS_MODULE);
	dma_fence_init(&fence->base, &fakecam_fence_ops, &fence->lock,
		       cam->fence_context, ++cam->fence_seqno);

	*cookie = dma_fence_begin_signalling();
	for (i = 0; i < n_resv; i++)
		dma_resv_add_fence(resv[i], &fence->base, DMA_RESV_USAGE_WRITE);
	fakecam_resv_unlock(resv, n_resv, -1);
	ww_acquire_fini(&ctx);
	atomic_inc(&cam->fences_published);
	return 0;
}

/*
 * The frame is written (or cut short: @error, e.g. -ECANCELED): signals the
 * fence, closes the critical section and drops the generator's reference
 * (the reservation object holds its own for as long as it keeps the fence).
 */
void fakecam_fence_signal(struct fakecam_dev *cam,
			  struct fakecam_fence *fence, int error, bool cookie)
{
	if (error) {
		dma_fence_set_error(&fence->base, error);
		atomic_inc(&cam->fences_signalled_error);
	}
	dma_fence_signal(&fence->base);
	atomic_inc(&cam->fences_signalled);
	dma_fence_end_signalling(cookie);
	dma_fence_put(&fence->base);
}
