/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel version difference fakedisp meets, in one place. The rest of
 * the module calls the fakedisp_compat_* names and never tests a version.
 *
 * Kernels: 6.1 (Debian 12), 6.12 (Debian 12 backports), 7.x (Debian sid).
 */
#ifndef FAKEDISP_COMPAT_H
#define FAKEDISP_COMPAT_H

#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/rcupdate.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/version.h>

#include <drm/drm_fourcc.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_prime.h>

#include "fakedisp.h"

/* The one place that tests the kernel version: true before release a.b.c. */
#define FAKEDISP_KERNEL_BEFORE(a, b, c) (KERNEL_VERSION(a, b, c) > LINUX_VERSION_CODE)

/*
 * The dma-buf locking convention for importers. From 6.2 on, mapping an
 * attachment and vmap need the dma-buf's reservation lock, and the
 * _unlocked variants take it around the exporter's op for us. Before 6.2
 * the importer holds nothing: dma_buf_map_attachment() is called without
 * any lock (DRM's own import and videobuf2 do so on 6.1), so an exporter may
 * take its reservation lock itself in ->map_dma_buf, and dma_buf_vmap()
 * takes the dma-buf's own mutex. 6.1.y stable carries the _unlocked
 * helpers as a backport that takes the reservation lock anyway; calling
 * them on 6.1 would hold that lock around an exporter written for 6.1, so
 * on 6.1 we do what 6.1's own importers do.
 */
static inline struct sg_table *
fakedisp_compat_dma_buf_map(struct dma_buf_attachment *attach,
			    enum dma_data_direction dir)
{
#if FAKEDISP_KERNEL_BEFORE(6, 2, 0)
	return dma_buf_map_attachment(attach, dir);
#else
	return dma_buf_map_attachment_unlocked(attach, dir);
#endif
}

static inline void fakedisp_compat_dma_buf_unmap(struct dma_buf_attachment *attach,
						 struct sg_table *sgt,
						 enum dma_data_direction dir)
{
#if FAKEDISP_KERNEL_BEFORE(6, 2, 0)
	dma_buf_unmap_attachment(attach, sgt, dir);
#else
	dma_buf_unmap_attachment_unlocked(attach, sgt, dir);
#endif
}

static inline int fakedisp_compat_dma_buf_vmap(struct dma_buf *dmabuf,
					       struct iosys_map *map)
{
#if FAKEDISP_KERNEL_BEFORE(6, 2, 0)
	return dma_buf_vmap(dmabuf, map);
#else
	return dma_buf_vmap_unlocked(dmabuf, map);
#endif
}

static inline void fakedisp_compat_dma_buf_vunmap(struct dma_buf *dmabuf,
						  struct iosys_map *map)
{
#if FAKEDISP_KERNEL_BEFORE(6, 2, 0)
	dma_buf_vunmap(dmabuf, map);
#else
	dma_buf_vunmap_unlocked(dmabuf, map);
#endif
}

/*
 * 7.2 renamed struct drm_atomic_state to struct drm_atomic_commit; the
 * atomic callbacks and helpers take it under either name.
 */
#if FAKEDISP_KERNEL_BEFORE(7, 2, 0)
#define fakedisp_atomic_state drm_atomic_state
#else
#define fakedisp_atomic_state drm_atomic_commit
#endif

/*
 * The device the DRM device number @index hangs on. It stands for no
 * hardware, so from 6.14 it is a faux device (the bus vgem and vkms moved
 * to), bound to the faux bus's driver; before, a platform device no driver
 * binds to. Either way the first is named "fakedisp", as it was when
 * there was only one (importers' names show in dma-buf debugfs, and tests
 * look for it), and the others "fakedisp.<index>", as a platform device
 * with an id is.
 */
#if FAKEDISP_KERNEL_BEFORE(6, 14, 0)
static inline struct device *fakedisp_compat_device_create(unsigned int index)
{
	struct platform_device *pdev;

	pdev = platform_device_register_simple(FAKEDISP_NAME, index ? index : -1,
					       NULL, 0);
	return IS_ERR(pdev) ? ERR_CAST(pdev) : &pdev->dev;
}

static inline void fakedisp_compat_device_destroy(struct device *dev)
{
	platform_device_unregister(to_platform_device(dev));
}
#else
#include <linux/device/faux.h>

static inline struct device *fakedisp_compat_device_create(unsigned int index)
{
	struct faux_device *fdev;
	char name[24];

	if (index)
		snprintf(name, sizeof(name), FAKEDISP_NAME ".%u", index);
	else
		strscpy(name, FAKEDISP_NAME, sizeof(name));
	fdev = faux_device_create(name, NULL, NULL);
	return fdev ? &fdev->dev : ERR_PTR(-ENODEV);
}

static inline void fakedisp_compat_device_destroy(struct device *dev)
{
	faux_device_destroy(to_faux_device(dev));
}
#endif

/* 6.13 turned symbol namespaces into strings. */
#if FAKEDISP_KERNEL_BEFORE(6, 13, 0)
#define FAKEDISP_COMPAT_DMA_BUF_NS DMA_BUF
#else
#define FAKEDISP_COMPAT_DMA_BUF_NS "DMA_BUF"
#endif

/* 6.3 made vma->vm_flags read-only behind accessors. */
static inline void fakedisp_compat_vm_flags_set(struct vm_area_struct *vma,
						vm_flags_t flags)
{
#if FAKEDISP_KERNEL_BEFORE(6, 3, 0)
	vma->vm_flags |= flags;
#else
	vm_flags_set(vma, flags);
#endif
}

/* 6.13 added hrtimer_setup(); 6.15 removed hrtimer_init(). */
static inline void
fakedisp_compat_hrtimer_setup(struct hrtimer *timer,
			      enum hrtimer_restart (*fn)(struct hrtimer *))
{
#if FAKEDISP_KERNEL_BEFORE(6, 13, 0)
	hrtimer_init(timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	timer->function = fn;
#else
	hrtimer_setup(timer, fn, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
#endif
}

/*
 * drm_driver fields only older kernels have: until 6.5 an exported dma-buf
 * is mmap'ed through .gem_prime_mmap (since, through the object's mmap);
 * .date is unused from 6.14 on and gone soon after. The name is always
 * there, so that the macro never expands to nothing.
 */
#if FAKEDISP_KERNEL_BEFORE(6, 6, 0)
#define FAKEDISP_COMPAT_DRIVER_FIELDS \
	.name = FAKEDISP_NAME, .date = FAKEDISP_DATE, .gem_prime_mmap = drm_gem_prime_mmap
#elif FAKEDISP_KERNEL_BEFORE(6, 14, 0)
#define FAKEDISP_COMPAT_DRIVER_FIELDS .name = FAKEDISP_NAME, .date = FAKEDISP_DATE
#else
#define FAKEDISP_COMPAT_DRIVER_FIELDS .name = FAKEDISP_NAME
#endif

/*
 * 6.17 passes the format info to .fb_create and to the GEM framebuffer
 * helpers: fakedisp_compat_fb_create() is our .fb_create for this kernel,
 * calling fakedisp_fb_create_checked() (fakedisp-kms.c), which creates the
 * framebuffer through fakedisp_compat_gem_fb_create().
 */
#if FAKEDISP_KERNEL_BEFORE(6, 17, 0)
static inline struct drm_framebuffer *
fakedisp_compat_fb_create(struct drm_device *dev, struct drm_file *file,
			  const struct drm_mode_fb_cmd2 *cmd)
{
	return fakedisp_fb_create_checked(dev, file,
					  drm_get_format_info(dev, cmd), cmd);
}

static inline struct drm_framebuffer *
fakedisp_compat_gem_fb_create(struct drm_device *dev, struct drm_file *file,
			      const struct drm_format_info *info,
			      const struct drm_mode_fb_cmd2 *cmd,
			      const struct drm_framebuffer_funcs *funcs)
{
	return drm_gem_fb_create_with_funcs(dev, file, cmd, funcs);
}
#else
static inline struct drm_framebuffer *
fakedisp_compat_fb_create(struct drm_device *dev, struct drm_file *file,
			  const struct drm_format_info *info,
			  const struct drm_mode_fb_cmd2 *cmd)
{
	return fakedisp_fb_create_checked(dev, file, info, cmd);
}

static inline struct drm_framebuffer *
fakedisp_compat_gem_fb_create(struct drm_device *dev, struct drm_file *file,
			      const struct drm_format_info *info,
			      const struct drm_mode_fb_cmd2 *cmd,
			      const struct drm_framebuffer_funcs *funcs)
{
	return drm_gem_fb_create_with_funcs(dev, file, info, cmd, funcs);
}
#endif

/*
 * The names of a fence's driver and timeline, copied into @driver and
 * @timeline (@len bytes each), for a message. 6.17 made them safe to read
 * only through dma_fence_driver_name() and dma_fence_timeline_name() under
 * RCU (a signalled fence may have let go of its driver); before, the ops
 * give them, valid while we hold a reference.
 */
static inline void fakedisp_compat_fence_names(struct dma_fence *fence,
					       char *driver, char *timeline,
					       size_t len)
{
#if FAKEDISP_KERNEL_BEFORE(6, 17, 0)
	strscpy(driver, fence->ops->get_driver_name(fence), len);
	strscpy(timeline, fence->ops->get_timeline_name(fence), len);
#else
	const char __rcu *name;

	rcu_read_lock();
	name = dma_fence_driver_name(fence);
	strscpy(driver, rcu_dereference(name), len);
	name = dma_fence_timeline_name(fence);
	strscpy(timeline, rcu_dereference(name), len);
	rcu_read_unlock();
#endif
}

#endif /* FAKEDISP_COMPAT_H */
