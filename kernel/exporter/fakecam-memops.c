// SPDX-License-Identifier: GPL-2.0
/*
 * fakecam's vb2_mem_ops: what a vb2 plane is made of.
 *
 * MMAP buffers are struct fakecam_buffer: system pages allocated one at a
 * time (so a buffer is scattered over physical memory, like most camera
 * buffers behind an IOMMU), mapped to user space page by page, and exported
 * as dma-bufs by fakecam-dmabuf.c.
 *
 * DMABUF buffers are struct fakecam_import: a dma-buf from another exporter
 * that the generator in fakecam-queue.c writes through dma_buf_vmap(),
 * between dma_buf_begin_cpu_access() and dma_buf_end_cpu_access(), once
 * the buffer's fences have signalled. The CPU never goes through the
 * sg_table of an import: its struct pages are the exporter's business
 * (CONFIG_DMABUF_DEBUG scrambles them), only its DMA addresses are ours.
 */
#include <linux/atomic.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <dmabuf-interop/pfn-hash.h>

#include "fakecam.h"
#include "fakecam-compat.h"

static atomic64_t fakecam_buffer_ids = ATOMIC64_INIT(0);

/*
 * Imports are mapped for both directions, not the capture queue's
 * DMA_FROM_DEVICE: exporters such as the system heap sync every mapped
 * attachment with the direction of a CPU access (FAKECAM_CPU_DIR, or user
 * space's DMA_BUF_IOCTL_SYNC), which DMA-API debug rejects unless it is the
 * mapping's or the mapping is bidirectional. DRM's import helper maps
 * BIDIRECTIONAL too.
 */
#define FAKECAM_IMPORT_DIR DMA_BIDIRECTIONAL
#define FAKECAM_CPU_DIR DMA_BIDIRECTIONAL

/* ---- MMAP: the camera's own page buffers ---- */

static void fakecam_buffer_free(struct fakecam_buffer *buf)
{
	unsigned int i;

	atomic_long_sub(buf->size, &buf->cam->allocated);

	/* Drops the references it holds on its fences, fakecam's included. */
	dma_resv_fini(&buf->resv);
	if (buf->vaddr)
		vunmap(buf->vaddr);
	for (i = 0; i < buf->n_pages; i++)
		if (buf->pages[i])
			__free_page(buf->pages[i]);
	kvfree(buf->pages);
	kfree(buf);
}

/*
 * vb2 calls alloc for each plane of each buffer at REQBUFS/CREATE_BUFS time
 * (V4L2_MEMORY_MMAP). The size is already page aligned. Past the camera's
 * memory cap, or when memory is short, it fails without waking the OOM
 * killer: vb2 then settles for the buffers it got.
 */
static void *fakecam_mem_alloc(struct vb2_buffer *vb, struct device *dev,
			       unsigned long size)
{
	struct fakecam_dev *cam = vb2_get_drv_priv(vb->vb2_queue);
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_RETRY_MAYFAIL |
		    __GFP_NOWARN | vb->vb2_queue->gfp_flags;
	struct fakecam_buffer *buf;
	unsigned int i;

	size = PAGE_ALIGN(size);
	if (atomic_long_add_return(size, &cam->allocated) > cam->max_allocated) {
		atomic_long_sub(size, &cam->allocated);
		return ERR_PTR(-ENOMEM);
	}

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		atomic_long_sub(size, &cam->allocated);
		return ERR_PTR(-ENOMEM);
	}

	dma_resv_init(&buf->resv);
	buf->cam = cam;
	buf->index = vb->index;
	buf->id = atomic64_inc_return(&fakecam_buffer_ids);
	buf->size = size;
	buf->n_pages = buf->size >> PAGE_SHIFT;
	buf->pages = kvcalloc(buf->n_pages, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages) {
		atomic_long_sub(size, &cam->allocated);
		dma_resv_fini(&buf->resv);
		kfree(buf);
		return ERR_PTR(-ENOMEM);
	}

	/* One page at a time: the buffer is scatter-gather by construction. */
	for (i = 0; i < buf->n_pages; i++) {
		buf->pages[i] = alloc_page(gfp);
		if (!buf->pages[i]) {
			fakecam_buffer_free(buf);
			return ERR_PTR(-ENOMEM);
		}
	}
	buf->pfn_hash = pfn_hash_pages(buf->pages, buf->n_pages);

	refcount_set(&buf->refcount, 1);
	buf->handler.refcount = &buf->refcount;
	buf->handler.put = fakecam_buffer_put;
	buf->handler.arg = buf;
	mutex_init(&buf->vmap_lock);
	mutex_init(&buf->exports_lock);
	INIT_LIST_HEAD(&buf->exports);

	mutex_lock(&cam->buffers_lock);
	list_add_tail(&buf->node, &cam->buffers);
	mutex_unlock(&cam->buffers_lock);
	return buf;
}

void fakecam_buffer_get(struct fakecam_buffer *buf)
{
	refcount_inc(&buf->refcount);
}

/*
 * Drops one reference: vb2's (at REQBUFS(0) or queue release), a user
 * mapping's (vb2_common_vm_ops close) or an exported dma-buf's (release).
 * The pages go back only with the last one.
 */
void fakecam_buffer_put(void *buf_priv)
{
	struct fakecam_buffer *buf = buf_priv;
	struct fakecam_dev *cam = buf->cam;

	if (!refcount_dec_and_test(&buf->refcount))
		return;

	mutex_lock(&cam->buffers_lock);
	list_del(&buf->node);
	mutex_unlock(&cam->buffers_lock);

	WARN_ON(!list_empty(&buf->exports));
	WARN_ON(buf->vmap_count > (buf->vb2_vmapped ? 1 : 0));
	mutex_destroy(&buf->vmap_lock);
	mutex_destroy(&buf->exports_lock);
	fakecam_buffer_free(buf);
}

/* A kernel mapping of the pages shared by the generator and dma_buf_vmap(). */
void *fakecam_buffer_vmap(struct fakecam_buffer *buf)
{
	void *vaddr;

	mutex_lock(&buf->vmap_lock);
	if (!buf->vaddr)
		buf->vaddr = vmap(buf->pages, buf->n_pages, VM_MAP, PAGE_KERNEL);
	if (buf->vaddr)
		buf->vmap_count++;
	vaddr = buf->vaddr;
	mutex_unlock(&buf->vmap_lock);
	return vaddr;
}

void fakecam_buffer_vunmap(struct fakecam_buffer *buf)
{
	mutex_lock(&buf->vmap_lock);
	if (!WARN_ON(!buf->vmap_count) && --buf->vmap_count == 0) {
		vunmap(buf->vaddr);
		buf->vaddr = NULL;
	}
	mutex_unlock(&buf->vmap_lock);
}

/* Maps the pages into a user VMA: V4L2 mmap() and dma-buf mmap() alike. */
int fakecam_buffer_map_user(struct fakecam_buffer *buf,
			    struct vm_area_struct *vma)
{
	fakecam_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return vm_map_pages(vma, buf->pages, buf->n_pages);
}

/*
 * mmap() of the video node. vb2 already checked the length and reset
 * vm_pgoff; the VMA holds a buffer reference until it is unmapped.
 */
static int fakecam_mem_mmap(void *buf_priv, struct vm_area_struct *vma)
{
	struct fakecam_buffer *buf = buf_priv;
	int ret;

	ret = fakecam_buffer_map_user(buf, vma);
	if (ret)
		return ret;

	vma->vm_private_data = &buf->handler;
	vma->vm_ops = &vb2_common_vm_ops;
	vma->vm_ops->open(vma);
	fakecam_event(buf->cam, FAKECAM_EV_MMAP, buf->index, 0, NULL);
	return 0;
}

static unsigned int fakecam_mem_num_users(void *buf_priv)
{
	struct fakecam_buffer *buf = buf_priv;

	return refcount_read(&buf->refcount);
}

/* VIDIOC_EXPBUF: each call makes a new dma-buf (see fakecam-dmabuf.c). */
static struct dma_buf *fakecam_mem_get_dmabuf(struct vb2_buffer *vb,
					      void *buf_priv,
					      unsigned long flags)
{
	return fakecam_export(buf_priv, flags);
}

/* ---- DMABUF: planes imported from another exporter ---- */

/*
 * QBUF with a new fd: vb2 hands us the dma-buf (it holds the reference).
 *
 * Nothing here can fail: in 6.12 (and since the attach/map rework of
 * __prepare_dmabuf()), when attach_dmabuf fails vb2 returns without putting
 * the reference it took on the fd's dma-buf, which leaks it (the fail-nth
 * sweep shows the file count growing by one per failed QBUF). A failed
 * map_dmabuf is cleaned up correctly (detach_dmabuf, then the put), so the
 * import lives in the vb2 buffer, and the size check and the attachment
 * for the camera's device, which a DMA engine would need, are made in
 * fakecam_mem_map_dmabuf(), right after this in the same QBUF.
 */
static void *fakecam_mem_attach_dmabuf(struct vb2_buffer *vb,
				       struct device *dev,
				       struct dma_buf *dbuf,
				       unsigned long size)
{
	struct fakecam_dev *cam = vb2_get_drv_priv(vb->vb2_queue);
	struct fakecam_vb *fvb = container_of(to_vb2_v4l2_buffer(vb),
					      struct fakecam_vb, vb);
	struct fakecam_import *imp = NULL;
	unsigned int i;

	/* vb2 attaches a buffer's planes in turn, each to a free import. */
	for (i = 0; i < ARRAY_SIZE(fvb->imports) && !imp; i++)
		if (!fvb->imports[i].dbuf)
			imp = &fvb->imports[i];
	if (WARN_ON(!imp))
		return ERR_PTR(-EINVAL);

	*imp = (struct fakecam_import) {
		.cam = cam,
		.index = vb->index,
		.dbuf = dbuf,
		.ino = file_inode(dbuf->file)->i_ino,
		.dev = dev,
		.dir = FAKECAM_IMPORT_DIR,
		.size = size,
	};

	mutex_lock(&cam->buffers_lock);
	list_add_tail(&imp->node, &cam->imports);
	mutex_unlock(&cam->buffers_lock);
	return imp;
}

static void fakecam_import_vunmap(struct fakecam_import *imp)
{
	if (imp->vmapped) {
		fakecam_dmabuf_vunmap(imp->dbuf, &imp->map);
		imp->vmapped = false;
	}
}

/*
 * The generator writes frames with the CPU, and the only CPU access to
 * another exporter's memory is its vmap: without one (or with __iomem
 * behind it, which plain stores cannot fill) the buffer is refused at QBUF,
 * as vb2-vmalloc does, rather than handed back empty frame after frame.
 */
static int fakecam_import_vmap(struct fakecam_import *imp)
{
	int ret;

	ret = fakecam_dmabuf_vmap(imp->dbuf, &imp->map);
	if (ret) {
		dev_warn_ratelimited(imp->attach->dev,
				     "dma-buf ino %llu from %s has no kernel mapping (dma_buf_vmap: %d): fakecam writes frames with the CPU\n",
				     imp->ino, imp->dbuf->exp_name, ret);
		return ret;
	}
	imp->vmapped = true;
	if (imp->map.is_iomem) {
		dev_warn_ratelimited(imp->attach->dev,
				     "dma-buf ino %llu from %s is I/O memory: fakecam writes frames with plain CPU stores\n",
				     imp->ino, imp->dbuf->exp_name);
		fakecam_import_vunmap(imp);
		return -EINVAL;
	}
	return 0;
}

/*
 * Before the buffer goes to the driver: map it for the camera's device, as a
 * DMA engine would need, and for the CPU, which fills it. The pfn hash of
 * the mapping is what debugfs shows next to the exporter's.
 */
static int fakecam_mem_map_dmabuf(void *buf_priv)
{
	struct fakecam_import *imp = buf_priv;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	u64 hash;
	int ret;

	if (WARN_ON(imp->sgt))
		return 0;

	if (!imp->attach) {
		if (imp->dbuf->size < imp->size)
			return -EFAULT;
		attach = dma_buf_attach(imp->dbuf, imp->dev);
		if (IS_ERR(attach))
			return PTR_ERR(attach);
		mutex_lock(&imp->cam->buffers_lock);
		imp->attach = attach;
		mutex_unlock(&imp->cam->buffers_lock);
		fakecam_event(imp->cam, FAKECAM_EV_IMPORT_ATTACH, imp->index,
			      imp->ino, imp->dev);
	}

	sgt = fakecam_dmabuf_map(imp->attach, imp->dir);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	ret = fakecam_import_vmap(imp);
	if (ret) {
		fakecam_dmabuf_unmap(imp->attach, sgt, imp->dir);
		return ret;
	}
	/* Only the DMA addresses: the sg_table's pages are not ours to read. */
	hash = pfn_hash_sgt_dma(sgt);

	mutex_lock(&imp->cam->buffers_lock);
	imp->sgt = sgt;
	imp->pfn_hash = hash;
	imp->hashed = true;
	mutex_unlock(&imp->cam->buffers_lock);
	fakecam_event(imp->cam, FAKECAM_EV_IMPORT_MAP, imp->index, imp->ino,
		      imp->attach->dev);
	return 0;
}

static void fakecam_mem_unmap_dmabuf(void *buf_priv)
{
	struct fakecam_import *imp = buf_priv;

	if (WARN_ON(!imp->sgt))
		return;

	fakecam_import_vunmap(imp);
	fakecam_dmabuf_unmap(imp->attach, imp->sgt, imp->dir);
	mutex_lock(&imp->cam->buffers_lock);
	imp->sgt = NULL;
	mutex_unlock(&imp->cam->buffers_lock);
	fakecam_event(imp->cam, FAKECAM_EV_IMPORT_UNMAP, imp->index, imp->ino,
		      imp->attach->dev);
}

static void fakecam_mem_detach_dmabuf(void *buf_priv)
{
	struct fakecam_import *imp = buf_priv;

	if (imp->sgt)
		fakecam_mem_unmap_dmabuf(imp);
	mutex_lock(&imp->cam->buffers_lock);
	list_del(&imp->node);
	mutex_unlock(&imp->cam->buffers_lock);
	/* Never attached when the first map failed before it could. */
	if (imp->attach) {
		fakecam_event(imp->cam, FAKECAM_EV_IMPORT_DETACH, imp->index,
			      imp->ino, imp->dev);
		dma_buf_detach(imp->dbuf, imp->attach);
	}
	imp->dbuf = NULL; /* the slot is free again */
}

/* ---- both kinds ---- */

static void *fakecam_mem_vaddr(struct vb2_buffer *vb, void *buf_priv)
{
	struct fakecam_buffer *buf = buf_priv;
	void *vaddr;

	if (vb->memory == VB2_MEMORY_DMABUF) {
		struct fakecam_import *imp = buf_priv;

		/* Mapped with the plane, in fakecam_mem_map_dmabuf(). */
		return imp->vmapped ? imp->map.vaddr : NULL;
	}

	if (buf->vb2_vmapped)
		return buf->vaddr;
	vaddr = fakecam_buffer_vmap(buf);
	buf->vb2_vmapped = !!vaddr;
	return vaddr;
}

/*
 * ---- the generator's view of a buffer ----
 *
 * fakecam-queue.c writes one frame into one buffer in these steps, the
 * fence's publication and signal (fakecam-fence.c) in between:
 *
 *   fakecam_target_get()        its own references and the kernel address
 *   fakecam_target_wait()       every fence of the buffer, bounded
 *   fakecam_target_begin_cpu()  an import's CPU access bracket opens
 *     -- the write fence is published: no allocation, no reservation lock,
 *        no fence wait from here --
 *   (the frame is written)
 *   fakecam_target_flush()      an MMAP buffer's exports synced for device
 *     -- the write fence is signalled --
 *   fakecam_target_end_cpu()    an import's CPU access bracket closes
 *   fakecam_target_put()
 */

/* Drops the generator's references on one plane. */
static void fakecam_target_plane_put(struct fakecam_target_plane *tp)
{
	if (tp->dbuf) {
		fakecam_dmabuf_vunmap(tp->dbuf, &tp->map);
		dma_buf_put(tp->dbuf);
	}
	if (tp->buf)
		fakecam_buffer_put(tp->buf);
	memset(tp, 0, sizeof(*tp));
}

/* One plane of fakecam_target_get(): its address, references and resv. */
static int fakecam_target_plane_get(struct vb2_buffer *vb, unsigned int plane,
				    struct fakecam_target *t)
{
	struct fakecam_target_plane *tp = &t->planes[plane];
	struct fakecam_buffer *buf = vb->planes[plane].mem_priv;
	struct fakecam_import *imp = vb->planes[plane].mem_priv;
	void *vaddr = vb2_plane_vaddr(vb, plane);
	struct dma_resv *resv;
	unsigned int i;
	int ret;

	/* The plane's own mapping (fakecam_mem_vaddr()): it must have one. */
	if (!vaddr)
		return -ENOMEM;

	if (vb->memory != VB2_MEMORY_DMABUF) {
		fakecam_buffer_get(buf);
		tp->buf = buf;
		t->vaddr[plane] = vaddr;
		resv = &buf->resv;
	} else {
		get_dma_buf(imp->dbuf);
		ret = fakecam_dmabuf_vmap(imp->dbuf, &tp->map);
		if (!ret && tp->map.is_iomem) {
			fakecam_dmabuf_vunmap(imp->dbuf, &tp->map);
			ret = -EINVAL;
		}
		if (ret) {
			dma_buf_put(imp->dbuf);
			return ret;
		}
		tp->dbuf = imp->dbuf;
		t->vaddr[plane] = tp->map.vaddr;
		resv = imp->dbuf->resv;
	}
	/* The same dma-buf imported for two planes: one resv to lock. */
	for (i = 0; i < t->n_resv; i++)
		if (t->resv[i] == resv)
			return 0;
	t->resv[t->n_resv++] = resv;
	return 0;
}

/*
 * The buffer the generator is about to fill, with references of its own:
 * with "Early Done" the vb2 buffer goes back to user space before the
 * frame is written, and a QBUF of it with another fd would unmap and
 * detach a plane's import under the generator's feet. For an import
 * that is a reference on the dma-buf and a vmap of it (the core counts
 * vmaps per dma-buf: the same address as the plane's); for an MMAP buffer
 * a buffer reference (its kernel mapping stays until the buffer is freed).
 * One of each per vb2 plane.
 */
int fakecam_target_get(struct vb2_buffer *vb, struct fakecam_target *t)
{
	unsigned int i;
	int ret;

	memset(t, 0, sizeof(*t));
	if (WARN_ON(vb->num_planes > FAKECAM_MAX_PLANES))
		return -EINVAL;
	for (i = 0; i < vb->num_planes; i++) {
		ret = fakecam_target_plane_get(vb, i, t);
		if (ret) {
			fakecam_target_put(t);
			return ret;
		}
		t->n_planes = i + 1;
	}
	return 0;
}

/*
 * A writer waits for readers and writers alike (DMA_RESV_USAGE_READ: every
 * fence), and for at most @timeout jiffies in all, since a fence that never
 * signals must cost one frame, not the stream. For an MMAP buffer these
 * are the fences added through any of its exports (user space's
 * DMA_BUF_IOCTL_IMPORT_SYNC_FILE, an importer's) and fakecam's own write
 * fence of the frame before, which has signalled by now. The wait is
 * interruptible: stop_streaming() signals the thread. With @wait false
 * (module parameter fence_wait=N, for tests only) nothing is waited for.
 *
 * Returns 0, -ETIMEDOUT when the fences did not signal in time, or
 * -ERESTARTSYS when the wait was interrupted.
 */
int fakecam_target_wait(struct fakecam_dev *cam, struct fakecam_target *t,
			unsigned long timeout, bool wait)
{
	bool counted = false;
	unsigned int i;
	long ret;

	for (i = 0; wait && i < t->n_resv; i++) {
		if (dma_resv_test_signaled(t->resv[i], DMA_RESV_USAGE_READ))
			continue;
		if (!counted)
			atomic_inc(&cam->fence_waits);
		counted = true;
		ret = dma_resv_wait_timeout(t->resv[i], DMA_RESV_USAGE_READ,
					    true, timeout);
		if (ret < 0)
			return ret;
		if (!ret)
			return -ETIMEDOUT;
		timeout = ret;
	}
	return 0;
}

/*
 * An import's CPU access bracket, before the write fence is published: the
 * core's dma_buf_begin_cpu_access() waits (interruptibly, without a bound)
 * for the buffer's fences, which by now have signalled unless new ones
 * came in, and would wait for ever for our own; it may also take the
 * exporter's locks. With @wait false the bracket is left out altogether,
 * since its wait cannot be: on x86 the exporter's cache maintenance
 * changes nothing (fence_wait=N is for tests only). One bracket per
 * imported plane; on failure the ones opened are closed by
 * fakecam_target_end_cpu(). The CPU only writes, yet the bracket says both
 * directions (as DMA_BUF_SYNC_RW does): udmabuf maps its own sg_table once,
 * with the direction of the first CPU access, and syncs it later with each
 * access's, which DMA-API debug accepts only on a bidirectional mapping.
 */
int fakecam_target_begin_cpu(struct fakecam_target *t, bool wait)
{
	unsigned int i;
	int ret;

	for (i = 0; wait && i < t->n_planes; i++) {
		struct fakecam_target_plane *tp = &t->planes[i];

		if (!tp->dbuf)
			continue;
		ret = dma_buf_begin_cpu_access(tp->dbuf, FAKECAM_CPU_DIR);
		if (ret)
			return ret;
		tp->cpu_access = true;
	}
	return 0;
}

/*
 * The frame is written, the write fence not signalled yet: for an MMAP
 * buffer, importers that have it mapped get it synced for their device,
 * as after a DMA write by real hardware. Only fakecam's own locks
 * (exports_lock, export->lock), which no path holds while it allocates,
 * takes a reservation lock or waits for a fence: allowed in the
 * signalling section.
 */
void fakecam_target_flush(struct fakecam_target *t)
{
	struct fakecam_export *exp;
	unsigned int i;

	for (i = 0; i < t->n_planes; i++) {
		struct fakecam_buffer *buf = t->planes[i].buf;

		if (!buf)
			continue;
		mutex_lock(&buf->exports_lock);
		list_for_each_entry(exp, &buf->exports, node)
			fakecam_export_sync_for_device(exp);
		mutex_unlock(&buf->exports_lock);
	}
}

/*
 * An import's CPU access bracket closes after the fence has signalled:
 * dma_buf_end_cpu_access() may take the exporter's locks (the core
 * announces the reservation lock with might_lock(); i915's takes the
 * object lock), none of which the signalling section may take. So on a
 * machine without cache-coherent DMA, a device that reads the buffer as
 * soon as the fence signals could miss the exporter's cache maintenance;
 * on x86 (every guest here) that maintenance is a no-op.
 */
void fakecam_target_end_cpu(struct fakecam_target *t)
{
	unsigned int i;

	for (i = 0; i < t->n_planes; i++) {
		struct fakecam_target_plane *tp = &t->planes[i];

		if (tp->cpu_access)
			dma_buf_end_cpu_access(tp->dbuf, FAKECAM_CPU_DIR);
		tp->cpu_access = false;
	}
}

/* Drops the generator's references, outside the signalling section. */
void fakecam_target_put(struct fakecam_target *t)
{
	unsigned int i;

	for (i = 0; i < FAKECAM_MAX_PLANES; i++)
		fakecam_target_plane_put(&t->planes[i]);
	memset(t, 0, sizeof(*t));
}

const struct vb2_mem_ops fakecam_memops = {
	.alloc		= fakecam_mem_alloc,
	.put		= fakecam_buffer_put,
	.get_dmabuf	= fakecam_mem_get_dmabuf,
	.mmap		= fakecam_mem_mmap,
	.num_users	= fakecam_mem_num_users,
	.vaddr		= fakecam_mem_vaddr,
	.attach_dmabuf	= fakecam_mem_attach_dmabuf,
	.detach_dmabuf	= fakecam_mem_detach_dmabuf,
	.map_dmabuf	= fakecam_mem_map_dmabuf,
	.unmap_dmabuf	= fakecam_mem_unmap_dmabuf,
};
