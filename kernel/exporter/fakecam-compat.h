/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference fakecam meets, in one place. The rest of
 * the module calls these names and never tests LINUX_VERSION_CODE itself.
 *
 *   6.2   dma-buf locking convention: importers call the *_unlocked
 *         variants, exporters' map/unmap/vmap/vunmap ops run with
 *         dmabuf->resv held by the core (before, the core held nothing
 *         around a static exporter's map and its own dmabuf->lock around
 *         vmap). attach, detach and the CPU-access ops run unlocked.
 *   6.5   mmap runs unlocked too (commit 8021fa16b7ec, "dma-buf: Change
 *         locking policy for mmap()"); from 6.2 to 6.4 the core held resv
 *         around it, in mmap() of the fd and in dma_buf_mmap().
 *   6.3   vm_flags became read-only: vm_flags_set().
 *   6.8   vb2 min_buffers_needed became min_queued_buffers.
 *   6.13  MODULE_IMPORT_NS() takes a string literal.
 *   7.0   vb2 wait_prepare/wait_finish are gone: the core drops q->lock
 *         itself while it waits (before, drivers set the vb2_ops_wait_*
 *         helpers to get that behaviour).
 */
#ifndef FAKECAM_COMPAT_H
#define FAKECAM_COMPAT_H

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/version.h>
#include <media/videobuf2-v4l2.h>

/* The only place the module looks at the kernel version. */
#define FAKECAM_KERNEL_AT_LEAST(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

#if FAKECAM_KERNEL_AT_LEAST(6, 13)
#define FAKECAM_IMPORT_DMA_BUF_NS()	MODULE_IMPORT_NS("DMA_BUF")
#else
#define FAKECAM_IMPORT_DMA_BUF_NS()	MODULE_IMPORT_NS(DMA_BUF)
#endif

#if FAKECAM_KERNEL_AT_LEAST(6, 3)
static inline void fakecam_vm_flags_set(struct vm_area_struct *vma,
					vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}
#else
static inline void fakecam_vm_flags_set(struct vm_area_struct *vma,
					vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

#if FAKECAM_KERNEL_AT_LEAST(6, 8)
static inline void fakecam_vb2_set_min_queued(struct vb2_queue *q,
					      unsigned int n)
{
	q->min_queued_buffers = n;
}
#else
static inline void fakecam_vb2_set_min_queued(struct vb2_queue *q,
					      unsigned int n)
{
	q->min_buffers_needed = n;
}
#endif

#if FAKECAM_KERNEL_AT_LEAST(7, 0)
#define FAKECAM_VB2_WAIT_OPS
#else
#define FAKECAM_VB2_WAIT_OPS				\
	.wait_prepare = vb2_ops_wait_prepare,		\
	.wait_finish = vb2_ops_wait_finish,
#endif

/*
 * Exporter side: what the core holds around our ops, asserted where the
 * kernel guarantees it (Documentation/driver-api/dma-buf.rst, "locking
 * convention").
 */
#if FAKECAM_KERNEL_AT_LEAST(6, 2)
/* dma_buf_map_attachment() and dma_buf_unmap_attachment() hold resv. */
static inline void fakecam_dmabuf_assert_map_locked(struct dma_buf *dbuf)
{
	dma_resv_assert_held(dbuf->resv);
}

/* dma_buf_vmap() and dma_buf_vunmap() hold resv. */
static inline void fakecam_dmabuf_assert_vmap_locked(struct dma_buf *dbuf)
{
	dma_resv_assert_held(dbuf->resv);
}

/* Importer side: we hold no reservation lock, so the core takes it. */
static inline struct sg_table *
fakecam_dmabuf_map(struct dma_buf_attachment *attach,
		   enum dma_data_direction dir)
{
	return dma_buf_map_attachment_unlocked(attach, dir);
}

static inline void fakecam_dmabuf_unmap(struct dma_buf_attachment *attach,
					struct sg_table *sgt,
					enum dma_data_direction dir)
{
	dma_buf_unmap_attachment_unlocked(attach, sgt, dir);
}

static inline int fakecam_dmabuf_vmap(struct dma_buf *dbuf,
				      struct iosys_map *map)
{
	return dma_buf_vmap_unlocked(dbuf, map);
}

static inline void fakecam_dmabuf_vunmap(struct dma_buf *dbuf,
					 struct iosys_map *map)
{
	dma_buf_vunmap_unlocked(dbuf, map);
}
#else
/*
 * Before 6.2 the core takes resv around map/unmap only for dynamic
 * exporters, which fakecam is not (no pin/unpin).
 */
static inline void fakecam_dmabuf_assert_map_locked(struct dma_buf *dbuf)
{
}

/* dma_buf_vmap() and dma_buf_vunmap() hold the dma-buf's own lock. */
static inline void fakecam_dmabuf_assert_vmap_locked(struct dma_buf *dbuf)
{
	lockdep_assert_held(&dbuf->lock);
}

static inline struct sg_table *
fakecam_dmabuf_map(struct dma_buf_attachment *attach,
		   enum dma_data_direction dir)
{
	return dma_buf_map_attachment(attach, dir);
}

static inline void fakecam_dmabuf_unmap(struct dma_buf_attachment *attach,
					struct sg_table *sgt,
					enum dma_data_direction dir)
{
	dma_buf_unmap_attachment(attach, sgt, dir);
}

static inline int fakecam_dmabuf_vmap(struct dma_buf *dbuf,
				      struct iosys_map *map)
{
	return dma_buf_vmap(dbuf, map);
}

static inline void fakecam_dmabuf_vunmap(struct dma_buf *dbuf,
					 struct iosys_map *map)
{
	dma_buf_vunmap(dbuf, map);
}
#endif

/*
 * mmap: held only from 6.2 to 6.4. Since 6.5 the convention lists mmap
 * with the ops called unlocked (the exporter may take resv itself), and
 * neither mmap() of the fd nor dma_buf_mmap() takes it: an assertion there
 * would fire on every mapping.
 */
#if FAKECAM_KERNEL_AT_LEAST(6, 2) && !FAKECAM_KERNEL_AT_LEAST(6, 5)
static inline void fakecam_dmabuf_assert_mmap_locked(struct dma_buf *dbuf)
{
	dma_resv_assert_held(dbuf->resv);
}
#else
static inline void fakecam_dmabuf_assert_mmap_locked(struct dma_buf *dbuf)
{
}
#endif

#endif /* FAKECAM_COMPAT_H */
