// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp registration: module parameters, the drm_driver (its feature
 * list), and `devices` independent DRM devices, each on a device of our own
 * (fakedisp-compat.h: faux or platform, depending on the kernel) named
 * fakedisp (the first) and fakedisp.<n>, each with its card, connector, CRTC, planes, vblank timer,
 * scanout worker and debugfs folder. The KMS
 * objects are in fakedisp-kms.c, buffers in fakedisp-gem.c and
 * fakedisp-prime.c, the scanout in fakedisp-scanout.c.
 *
 * No fbdev emulation: a display that tests dma-buf import has no console.
 * DRM syncobjs (binary and timeline) are DRM's own, as are the atomic
 * IN_FENCE_FD and OUT_FENCE_PTR properties; fakedisp-fence.c bounds the
 * wait for in-fences.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>

#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>
#include <drm/drm_vblank.h>

#include "fakedisp.h"
#include "fakedisp-compat.h"

#define FAKEDISP_MAX_REFRESH_HZ 1000

unsigned int fakedisp_refresh_hz = 60;
module_param_named(refresh_hz, fakedisp_refresh_hz, uint, 0444);
MODULE_PARM_DESC(refresh_hz,
		 "Refresh rate of every mode in Hz: the vblank rate (1-1000, default 60)");

/* The same name and default as fakecam's cap on its buffers. */
unsigned int fakedisp_max_memory_mb = 512;
module_param_named(max_memory_mb, fakedisp_max_memory_mb, uint, 0444);
MODULE_PARM_DESC(max_memory_mb,
		 "Most memory all dumb buffers together may take, in MiB (default 512)");

unsigned int fakedisp_overlays = 3;
module_param_named(overlays, fakedisp_overlays, uint, 0444);
MODULE_PARM_DESC(overlays,
		 "Overlay planes besides the primary plane, on each device (0-7, default 3)");

/*
 * The longest a commit waits for a plane's fence (fakedisp-fence.c). 5 s:
 * far above any frame's rendering, and well below DRM's own 10 s: a
 * blocking commit queued behind one that waits gives up waiting for it
 * after 10 s with an error ("commit wait timed out", "cleanup_done timed
 * out": drm_atomic_helper_wait_for_dependencies() and the commit stall),
 * so the bound plus a frame must stay under that. vgem's fences signal by
 * themselves after 10 s; a test of the bound sets a shorter one.
 */
unsigned int fakedisp_fence_timeout_ms = 5000;
module_param_named(fence_timeout_ms, fakedisp_fence_timeout_ms, uint, 0644);
MODULE_PARM_DESC(fence_timeout_ms,
		 "Longest wait of a commit for a plane's in-fence in ms, then it is shown regardless (0: no limit; default 5000)");

#define FAKEDISP_MAX_DEVICES 4

static unsigned int fakedisp_devices = 1;
module_param_named(devices, fakedisp_devices, uint, 0444);
MODULE_PARM_DESC(devices, "Independent displays (DRM devices) to create (1-4, default 1)");

static struct fakedisp_device *fakedisp[FAKEDISP_MAX_DEVICES];
/* DMA parameters for a device that has none of its own (faux, 6.14 on). */
static struct device_dma_parameters fakedisp_dma_parms;

DEFINE_DRM_GEM_FOPS(fakedisp_fops);

static const struct drm_driver fakedisp_driver = {
	.driver_features = DRIVER_GEM | DRIVER_MODESET | DRIVER_ATOMIC |
			   DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
	.fops = &fakedisp_fops,
	.dumb_create = fakedisp_dumb_create,
	/* Import: our own path (fakedisp-prime.c) behind DRM's fd lookup. */
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
	.gem_prime_import = fakedisp_gem_prime_import,
	/* Export: DRM's helpers over our objects' get_sg_table/vmap/mmap. */
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	FAKEDISP_COMPAT_DRIVER_FIELDS,
	.desc = FAKEDISP_DESC,
	.major = 1,
	.minor = 0,
};

static struct fakedisp_device *fakedisp_create(unsigned int index)
{
	struct fakedisp_device *fd;
	struct device *dev;
	int ret;

	dev = fakedisp_compat_device_create(index);
	if (IS_ERR(dev))
		return ERR_CAST(dev);
	if (!devres_open_group(dev, NULL, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_dev;
	}

	fd = devm_drm_dev_alloc(dev, &fakedisp_driver, struct fakedisp_device,
				drm);
	if (IS_ERR(fd)) {
		ret = PTR_ERR(fd);
		goto err_devres;
	}
	fd->index = index;
	spin_lock_init(&fd->scanout_lock);
	spin_lock_init(&fd->log_lock);
	spin_lock_init(&fd->fence_lock);
	INIT_LIST_HEAD(&fd->fences);
	fd->fence_stats.last_timeout_plane = -1;
	mutex_init(&fd->buffers_lock);
	INIT_LIST_HEAD(&fd->buffers);
	INIT_LIST_HEAD(&fd->released);
	INIT_WORK(&fd->scanout_work, fakedisp_scanout_work);
	atomic_long_set(&fd->dumb_bytes, 0);
	fd->dumb_max = (unsigned long)fakedisp_max_memory_mb << 20;

	/*
	 * Exporters DMA-map their buffers for this device. It stands for no
	 * hardware, so it reaches all memory: with a 64-bit mask (as vgem
	 * sets) dma-direct maps every page where it is, and no swiotlb bounce
	 * buffer (a hidden copy, which the pfn hash would give away) comes in
	 * between. Without it a platform device has a 32-bit mask, a faux
	 * device none at all.
	 */
	ret = dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_devres;
	/*
	 * Nor does it limit DMA segments. The segments of an sg_table mapped
	 * for a device must fit its dma_get_max_seg_size() and
	 * dma_get_seg_boundary(), 64 KiB and 4 GiB for a device that says
	 * nothing; exporters merge contiguous pages into longer ones (vgem,
	 * fakecam), which CONFIG_DMA_API_DEBUG reports. A platform device has
	 * DMA parameters to set, a faux device none.
	 */
	if (!dev->dma_parms)
		dev->dma_parms = &fakedisp_dma_parms;
	dma_set_max_seg_size(dev, UINT_MAX);
	dma_set_seg_boundary(dev, ULONG_MAX);

	/* One output row for the CRC, the widest mode's (the worker's). */
	fd->compose_row = devm_kmalloc_array(dev, FAKEDISP_MAX_WIDTH,
					     FAKEDISP_COMPOSE_CPP, GFP_KERNEL);
	if (!fd->compose_row) {
		ret = -ENOMEM;
		goto err_devres;
	}
	fd->scanout_wq = alloc_ordered_workqueue("fakedisp%u-scanout", 0, index);
	if (!fd->scanout_wq) {
		ret = -ENOMEM;
		goto err_devres;
	}
	ret = drm_vblank_init(&fd->drm, 1);
	if (ret)
		goto err_wq;
	ret = fakedisp_kms_init(fd);
	if (ret)
		goto err_wq;
	fakedisp_debugfs_init(fd);
	ret = drm_dev_register(&fd->drm, 0);
	if (ret)
		goto err_debugfs;

	return fd;

err_debugfs:
	fakedisp_debugfs_fini(fd);
err_wq:
	destroy_workqueue(fd->scanout_wq);
err_devres:
	devres_release_group(dev, NULL);
err_dev:
	fakedisp_compat_device_destroy(dev);
	return ERR_PTR(ret);
}

static void fakedisp_destroy(struct fakedisp_device *fd)
{
	struct device *dev = fd->drm.dev;

	drm_dev_unregister(&fd->drm);
	/* No commit may wait for an in-fence any longer, the last included. */
	fakedisp_fences_teardown(fd);
	/* Turns the CRTC off: the timer stops, the frame on screen goes. */
	drm_atomic_helper_shutdown(&fd->drm);
	hrtimer_cancel(&fd->vblank_timer);
	/* The worker may still hold a frame; it lets go of it here. */
	destroy_workqueue(fd->scanout_wq);
	fakedisp_scanout_put_released(fd);
	fakedisp_debugfs_fini(fd);
	devres_release_group(dev, NULL);
	fakedisp_compat_device_destroy(dev);
}

/* The devices in reverse order of creation, from @count down. */
static void fakedisp_destroy_all(unsigned int count)
{
	while (count--) {
		fakedisp_destroy(fakedisp[count]);
		fakedisp[count] = NULL;
	}
}

static int __init fakedisp_init(void)
{
	unsigned int i;

	if (!fakedisp_refresh_hz || fakedisp_refresh_hz > FAKEDISP_MAX_REFRESH_HZ) {
		pr_err("fakedisp: refresh_hz=%u is outside 1-%u\n",
		       fakedisp_refresh_hz, FAKEDISP_MAX_REFRESH_HZ);
		return -EINVAL;
	}
	if (fakedisp_overlays > FAKEDISP_MAX_OVERLAYS) {
		pr_err("fakedisp: overlays=%u is outside 0-%u\n",
		       fakedisp_overlays, FAKEDISP_MAX_OVERLAYS);
		return -EINVAL;
	}
	if (!fakedisp_devices || fakedisp_devices > FAKEDISP_MAX_DEVICES) {
		pr_err("fakedisp: devices=%u is outside 1-%u\n",
		       fakedisp_devices, FAKEDISP_MAX_DEVICES);
		return -EINVAL;
	}
	for (i = 0; i < fakedisp_devices; i++) {
		struct fakedisp_device *fd = fakedisp_create(i);

		if (IS_ERR(fd)) {
			/* The ones before it are registered: undo them. */
			fakedisp_destroy_all(i);
			return PTR_ERR(fd);
		}
		fakedisp[i] = fd;
	}
	return 0;
}

static void __exit fakedisp_exit(void)
{
	fakedisp_destroy_all(fakedisp_devices);
}

module_init(fakedisp_init);
module_exit(fakedisp_exit);

MODULE_DESCRIPTION(FAKEDISP_DESC);
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(FAKEDISP_COMPAT_DMA_BUF_NS);
