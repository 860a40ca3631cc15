// SPDX-License-Identifier: GPL-2.0
/*
 * The dma-buf exporter: how fakecam shares a frame's pages with any other
 * driver (fakedisp, vgem, a GPU) and with user space, without copying.
 *
 * VIDIOC_EXPBUF -> fakecam_export() wraps one struct fakecam_buffer (system
 * pages, see fakecam-memops.c) in a new dma-buf whose ops are below. Every
 * export of a buffer shares the buffer's reservation object, so a fence
 * added through one fd is seen through all of them and by the generator. Each
 * op says when the dma-buf core calls it. Every op logs an event (debugfs
 * "events" and the fakecam:fakecam_dmabuf tracepoint) with the buffer index
 * and the dma-buf's inode, so the life of a buffer can be watched.
 *
 * Locking: from 6.2 on the core holds dmabuf->resv around map/unmap and
 * vmap/vunmap (and, from 6.2 to 6.4 only, around mmap); before 6.2 it held
 * nothing around map/unmap and its own dmabuf->lock around vmap/vunmap. The
 * fakecam_dmabuf_assert_*_locked() helpers check whatever the kernel at
 * hand guarantees (fakecam-compat.h). Either way our own state is guarded
 * by our own mutexes, always taken after resv and never around a call back
 * into the core.
 */
#include <linux/dma-mapping.h>
#include <linux/iosys-map.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "fakecam.h"
#include "fakecam-compat.h"

/**
 * struct fakecam_attachment - one importer device attached to an export
 * @dev: the importer's device: the one the pages are DMA-mapped for
 * @sgt: the pages as a scatter list, private to this attachment because
 *	its DMA addresses belong to @dev
 * @dir: the direction of the current mapping
 * @mapped: @sgt is DMA-mapped for @dev
 * @node: entry in fakecam_export.attachments
 */
struct fakecam_attachment {
	struct device *dev;
	struct sg_table sgt;
	enum dma_data_direction dir;
	bool mapped;
	struct list_head node;
};

static void fakecam_export_event(struct fakecam_export *exp,
				 enum fakecam_event_op op, struct device *peer)
{
	fakecam_event(exp->buf->cam, op, exp->buf->index, exp->ino, peer);
}

/*
 * dma_buf_attach(): an importer announces its device. Builds a private
 * sg_table of our pages; nothing is DMA-mapped yet.
 */
static int attach_fakecam(struct dma_buf *dbuf,
			  struct dma_buf_attachment *attach)
{
	struct fakecam_export *exp = dbuf->priv;
	struct fakecam_buffer *buf = exp->buf;
	struct fakecam_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;

	/*
	 * Contiguous pages merge into one segment, but never beyond what the
	 * importer's device can take in one: a device without dma_parms (vgem's
	 * platform device) takes 64 KiB, and DMA-API debug reports a longer one.
	 */
	ret = sg_alloc_table_from_pages_segment(&a->sgt, buf->pages,
						buf->n_pages, 0, buf->size,
						dma_get_max_seg_size(attach->dev),
						GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attach->dev;
	a->dir = DMA_NONE;
	attach->priv = a;

	mutex_lock(&exp->lock);
	list_add_tail(&a->node, &exp->attachments);
	mutex_unlock(&exp->lock);

	fakecam_export_event(exp, FAKECAM_EV_ATTACH, attach->dev);
	return 0;
}

/* dma_buf_detach(): the importer is gone; its mapping was undone before. */
static void detach_fakecam(struct dma_buf *dbuf,
			   struct dma_buf_attachment *attach)
{
	struct fakecam_export *exp = dbuf->priv;
	struct fakecam_attachment *a = attach->priv;

	mutex_lock(&exp->lock);
	list_del(&a->node);
	mutex_unlock(&exp->lock);

	if (WARN_ON(a->mapped))
		dma_unmap_sgtable(a->dev, &a->sgt, a->dir, 0);
	sg_free_table(&a->sgt);
	kfree(a);
	fakecam_export_event(exp, FAKECAM_EV_DETACH, attach->dev);
}

/*
 * dma_buf_map_attachment(): the importer wants DMA addresses for its device.
 * dma_map_sgtable() programs the IOMMU (if any) for attach->dev; the sync
 * after it flushes the CPU caches so the device sees what the CPU wrote.
 * The mapping itself skips the CPU sync, as DRM's PRIME helpers do: several
 * attachments of one buffer for the same device are what dma-buf is for,
 * and DMA-API debug reports overlapping mappings that sync on their own
 * ("cacheline tracking EEXIST").
 */
static struct sg_table *map_fakecam(struct dma_buf_attachment *attach,
				    enum dma_data_direction dir)
{
	struct fakecam_export *exp = attach->dmabuf->priv;
	struct fakecam_attachment *a = attach->priv;
	int ret;

	fakecam_dmabuf_assert_map_locked(attach->dmabuf);

	mutex_lock(&exp->lock);
	if (a->mapped) {
		/* One mapping per attachment: a second one is a caller bug. */
		mutex_unlock(&exp->lock);
		return ERR_PTR(-EBUSY);
	}
	ret = dma_map_sgtable(a->dev, &a->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (!ret) {
		dma_sync_sgtable_for_device(a->dev, &a->sgt, dir);
		a->dir = dir;
		a->mapped = true;
	}
	mutex_unlock(&exp->lock);
	if (ret)
		return ERR_PTR(ret);

	fakecam_export_event(exp, FAKECAM_EV_MAP, attach->dev);
	return &a->sgt;
}

/* dma_buf_unmap_attachment(): the importer's DMA is over. */
static void unmap_fakecam(struct dma_buf_attachment *attach,
			  struct sg_table *sgt, enum dma_data_direction dir)
{
	struct fakecam_export *exp = attach->dmabuf->priv;
	struct fakecam_attachment *a = attach->priv;

	fakecam_dmabuf_assert_map_locked(attach->dmabuf);

	mutex_lock(&exp->lock);
	if (!WARN_ON(!a->mapped || sgt != &a->sgt)) {
		dma_sync_sgtable_for_cpu(a->dev, &a->sgt, a->dir);
		dma_unmap_sgtable(a->dev, &a->sgt, a->dir, DMA_ATTR_SKIP_CPU_SYNC);
		a->dir = DMA_NONE;
		a->mapped = false;
	}
	mutex_unlock(&exp->lock);
	fakecam_export_event(exp, FAKECAM_EV_UNMAP, attach->dev);
}

/*
 * The last reference to the dma-buf's file went away (every fd closed,
 * every mmap unmapped, every importer detached): drop our buffer reference.
 * The pages are freed when vb2 has let go too; the module reference the
 * core took at export (exp_info.owner) is dropped after this returns.
 */
static void release_fakecam(struct dma_buf *dbuf)
{
	struct fakecam_export *exp = dbuf->priv;
	struct fakecam_buffer *buf = exp->buf;

	fakecam_export_event(exp, FAKECAM_EV_RELEASE, NULL);

	mutex_lock(&buf->exports_lock);
	list_del(&exp->node);
	mutex_unlock(&buf->exports_lock);

	WARN_ON(!list_empty(&exp->attachments));
	mutex_destroy(&exp->lock);
	kfree(exp);
	fakecam_buffer_put(buf);
}

/*
 * DMA_BUF_IOCTL_SYNC(START) or dma_buf_begin_cpu_access(): the CPU is about
 * to read or write. Every device mapping is synced for the CPU, so what
 * devices wrote becomes visible (a no-op on cache-coherent x86, real cache
 * maintenance on arm64 and friends).
 */
static int begin_cpu_fakecam(struct dma_buf *dbuf,
			     enum dma_data_direction dir)
{
	struct fakecam_export *exp = dbuf->priv;
	struct fakecam_attachment *a;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_cpu(a->dev, &a->sgt, a->dir);
	mutex_unlock(&exp->lock);

	fakecam_export_event(exp, FAKECAM_EV_BEGIN_CPU, NULL);
	return 0;
}

/* DMA_BUF_IOCTL_SYNC(END): CPU writes are handed back to every device. */
static int end_cpu_fakecam(struct dma_buf *dbuf, enum dma_data_direction dir)
{
	struct fakecam_export *exp = dbuf->priv;

	fakecam_export_sync_for_device(exp);
	fakecam_export_event(exp, FAKECAM_EV_END_CPU, NULL);
	return 0;
}

/*
 * mmap() of the dma-buf fd, or dma_buf_mmap() from a driver forwarding a
 * mapping: the same pages as the V4L2 mmap. Whether resv is held depends on
 * the kernel (fakecam-compat.h); nothing here needs it, the pages of a
 * buffer never change.
 */
static int mmap_fakecam(struct dma_buf *dbuf, struct vm_area_struct *vma)
{
	struct fakecam_export *exp = dbuf->priv;
	int ret;

	fakecam_dmabuf_assert_mmap_locked(dbuf);

	ret = fakecam_buffer_map_user(exp->buf, vma);
	if (!ret)
		fakecam_export_event(exp, FAKECAM_EV_MMAP, NULL);
	return ret;
}

/*
 * dma_buf_vmap(): a kernel importer wants a CPU address. The core counts
 * vmap users per dma-buf; we count per buffer because the generator shares
 * the same mapping.
 */
static int vmap_fakecam(struct dma_buf *dbuf, struct iosys_map *map)
{
	struct fakecam_export *exp = dbuf->priv;
	void *vaddr;

	fakecam_dmabuf_assert_vmap_locked(dbuf);

	vaddr = fakecam_buffer_vmap(exp->buf);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	fakecam_export_event(exp, FAKECAM_EV_VMAP, NULL);
	return 0;
}

static void vunmap_fakecam(struct dma_buf *dbuf, struct iosys_map *map)
{
	struct fakecam_export *exp = dbuf->priv;

	fakecam_dmabuf_assert_vmap_locked(dbuf);

	fakecam_buffer_vunmap(exp->buf);
	fakecam_export_event(exp, FAKECAM_EV_VUNMAP, NULL);
}

static const struct dma_buf_ops fakecam_dmabuf_ops = {
	.attach			= attach_fakecam,
	.detach			= detach_fakecam,
	.map_dma_buf		= map_fakecam,
	.unmap_dma_buf		= unmap_fakecam,
	.release		= release_fakecam,
	.begin_cpu_access	= begin_cpu_fakecam,
	.end_cpu_access		= end_cpu_fakecam,
	.mmap			= mmap_fakecam,
	.vmap			= vmap_fakecam,
	.vunmap			= vunmap_fakecam,
};

/* After a CPU write: make it visible to every device that has it mapped. */
void fakecam_export_sync_for_device(struct fakecam_export *exp)
{
	struct fakecam_attachment *a;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_device(a->dev, &a->sgt, a->dir);
	mutex_unlock(&exp->lock);
}

/* One debugfs line per export, one per attached device (fakecam-debugfs.c). */
void fakecam_export_show(struct seq_file *m, struct fakecam_export *exp)
{
	struct fakecam_attachment *a;

	seq_printf(m, "  dmabuf ino=%llu size=%zu\n", exp->ino, exp->dbuf->size);
	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node)
		seq_printf(m, "    attached %s mapped=%d\n", dev_name(a->dev),
			   a->mapped);
	mutex_unlock(&exp->lock);
}

/*
 * VIDIOC_EXPBUF: a new dma-buf for the buffer, holding a reference on it.
 * exp_info.owner pins this module while the dma-buf lives, so rmmod fails
 * with "in use" until its last user is gone. exp_info.resv is the buffer's
 * own reservation object, shared by all its exports: the buffer reference
 * keeps it alive until release_fakecam(), after which the core no longer
 * touches it (dma_buf_release() only finalises a resv it embedded itself).
 */
struct dma_buf *fakecam_export(struct fakecam_buffer *buf, unsigned long flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct fakecam_export *exp;
	struct dma_buf *dbuf;
	char *name;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	exp->buf = buf;
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->attachments);

	exp_info.owner = THIS_MODULE;
	exp_info.exp_name = FAKECAM_NAME;
	exp_info.ops = &fakecam_dmabuf_ops;
	exp_info.size = buf->size;
	exp_info.flags = flags;
	exp_info.priv = exp;
	exp_info.resv = &buf->resv;

	fakecam_buffer_get(buf);
	dbuf = dma_buf_export(&exp_info);
	if (IS_ERR(dbuf)) {
		fakecam_buffer_put(buf);
		mutex_destroy(&exp->lock);
		kfree(exp);
		return dbuf;
	}
	exp->dbuf = dbuf;
	exp->ino = file_inode(dbuf->file)->i_ino;

	/*
	 * The name bufinfo and fdinfo show; DMA_BUF_SET_NAME may replace it.
	 * A second plane (NV12M's chroma) adds its number.
	 */
	if (buf->plane)
		name = kasprintf(GFP_KERNEL, "%s:%u:%u:%u", FAKECAM_NAME,
				 buf->cam->index, buf->index, buf->plane);
	else
		name = kasprintf(GFP_KERNEL, "%s:%u:%u", FAKECAM_NAME,
				 buf->cam->index, buf->index);
	if (name) {
		spin_lock(&dbuf->name_lock);
		dbuf->name = name;
		spin_unlock(&dbuf->name_lock);
	}

	mutex_lock(&buf->exports_lock);
	list_add_tail(&exp->node, &buf->exports);
	mutex_unlock(&buf->exports_lock);

	fakecam_export_event(exp, FAKECAM_EV_EXPORT, NULL);
	return dbuf;
}
