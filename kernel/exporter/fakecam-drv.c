// SPDX-License-Identifier: GPL-2.0
/*
 * fakecam: module parameters and the life of each camera.
 *
 * Every camera is a platform device (its struct device is what the camera
 * attaches to imported dma-bufs with, and what DMA-maps them), a
 * v4l2_device and one video node (fakecam-v4l2.c). Cameras are created at
 * module load and unregistered at module unload; open files and exported
 * dma-bufs hold a module reference, so no camera is unregistered while
 * anything uses it.
 *
 * Unregistering is not freeing: the video node's struct device lives until
 * its last reference is dropped, which may be later (CONFIG_DEBUG_KOBJECT_
 * RELEASE delays every kobject release by seconds to show who gets this
 * wrong). Its release (v4l2-dev.c) still reads the video_device and the
 * v4l2_device, both inside struct fakecam_dev, and then drops the
 * v4l2_device reference the node holds. So, as vivid does, a camera is
 * freed by its v4l2_device release callback, fakecam_release(), and that
 * is module code: module exit waits until every camera's has run.
 */
#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "fakecam.h"
#include "fakecam-compat.h"

static unsigned int devices = 1;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "number of cameras, 1.." __stringify(FAKECAM_MAX_DEVICES) " (default 1)");

static char *format = "XR24";
module_param(format, charp, 0444);
MODULE_PARM_DESC(format, "default pixel format: XR24, NV12, YUYV, NV21, NV16, YU12 or RGBP; NM12 or NM21 on a multi-planar camera (default XR24)");

/*
 * One flag per camera: mplane=0,1 makes camera 1 multi-planar (the _mplane
 * ioctls, NV12M and NV21M beside the one-buffer formats); missing entries
 * are 0.
 */
static bool mplane[FAKECAM_MAX_DEVICES];
module_param_array(mplane, bool, NULL, 0444);
MODULE_PARM_DESC(mplane, "per camera: 1 makes it a multi-planar capture device (default 0,0,...)");

static unsigned int width = 640;
module_param(width, uint, 0444);
MODULE_PARM_DESC(width, "default width (default 640)");

static unsigned int height = 480;
module_param(height, uint, 0444);
MODULE_PARM_DESC(height, "default height (default 480)");

static unsigned int fps = 30;
module_param(fps, uint, 0444);
MODULE_PARM_DESC(fps, "default frame rate, 1..240 (default 30)");

static unsigned int max_memory_mb = 512;
module_param(max_memory_mb, uint, 0444);
MODULE_PARM_DESC(max_memory_mb, "most memory the buffers of one camera may take, in MiB (default 512)");

unsigned int fakecam_fence_timeout_ms = 1000;
module_param_named(fence_timeout_ms, fakecam_fence_timeout_ms, uint, 0644);
MODULE_PARM_DESC(fence_timeout_ms, "longest wait for the fences of a buffer before its frame is given up as an error, in ms (default 1000)");

/*
 * For tests only: with N the generator writes into a buffer without
 * waiting for its fences (its own write fences are still published and
 * signalled), the negative control that shows a pipeline test can see
 * frames rewritten while they are read.
 */
bool fakecam_fence_wait = true;
module_param_named(fence_wait, fakecam_fence_wait, bool, 0644);
MODULE_PARM_DESC(fence_wait, "test only: N writes frames without waiting for the buffer's fences (default Y)");

static struct fakecam_dev *fakecam_cams[FAKECAM_MAX_DEVICES];

/*
 * Cameras whose release callback has not run yet, plus one for the module
 * itself, so that the count reaches zero only once the module is going
 * away and the last camera has been released.
 */
static atomic_t fakecam_unreleased = ATOMIC_INIT(1);
static DECLARE_COMPLETION(fakecam_all_released);

static void fakecam_unreleased_put(void)
{
	if (atomic_dec_and_test(&fakecam_unreleased))
		complete(&fakecam_all_released);
}

/*
 * Called when the last reference to the camera's v4l2_device is dropped:
 * ours in fakecam_destroy() or, usually later, the video node's in its
 * struct device release. Nothing looks at the camera any more.
 */
static void fakecam_release(struct v4l2_device *v4l2_dev)
{
	struct fakecam_dev *cam = container_of(v4l2_dev, struct fakecam_dev,
					       v4l2_dev);

	v4l2_ctrl_handler_free(&cam->ctrls);
	mutex_destroy(&cam->buffers_lock);
	mutex_destroy(&cam->lock);
	kfree(cam);
	/*
	 * Last: module exit may return as soon as this completes, and what is
	 * left of this function (two returns) then races with freeing the
	 * module's text. free_module() has a lot to do first (sysfs teardown,
	 * an RCU grace period); no driver whose release callback is module
	 * code can do better without help from the core.
	 */
	fakecam_unreleased_put();
}

/* Module exit (or a failed init): every camera must be released first. */
static void fakecam_wait_released(void)
{
	fakecam_unreleased_put();
	wait_for_completion(&fakecam_all_released);
}

static int fakecam_default_format(struct fakecam_dev *cam)
{
	const struct fakecam_format *fmt;
	u32 fourcc;

	if (strlen(format) != 4) {
		pr_err("fakecam: format=%s is not a fourcc\n", format);
		return -EINVAL;
	}
	fourcc = v4l2_fourcc(format[0], format[1], format[2], format[3]);
	fmt = fakecam_find_format(fourcc, cam->mplane);
	if (!fmt) {
		pr_err("fakecam: format=%s is not a format of %s camera %u\n",
		       format, cam->mplane ? "multi-planar" : "single-planar",
		       cam->index);
		return -EINVAL;
	}
	cam->pix.width = width;
	cam->pix.height = height;
	fakecam_fill_pix_mp(&cam->pix, fmt);
	cam->fmt = fmt;
	fakecam_set_interval(cam, (struct v4l2_fract){ 1, fps });
	return 0;
}

static struct fakecam_dev *fakecam_create(unsigned int index)
{
	struct fakecam_dev *cam;
	int ret;

	cam = kzalloc(sizeof(*cam), GFP_KERNEL);
	if (!cam)
		return ERR_PTR(-ENOMEM);
	cam->index = index;
	cam->mplane = mplane[index];
	mutex_init(&cam->lock);
	mutex_init(&cam->buffers_lock);
	INIT_LIST_HEAD(&cam->buffers);
	INIT_LIST_HEAD(&cam->imports);
	atomic_long_set(&cam->allocated, 0);
	cam->max_allocated = (unsigned long)max_memory_mb << 20;

	ret = fakecam_default_format(cam);
	if (ret)
		goto free_cam;

	cam->pdev = platform_device_register_simple(FAKECAM_NAME, index,
						    NULL, 0);
	if (IS_ERR(cam->pdev)) {
		ret = PTR_ERR(cam->pdev);
		goto free_cam;
	}
	/* No real DMA engine: any page of system memory is reachable. */
	ret = dma_coerce_mask_and_coherent(&cam->pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto unregister_pdev;
	/*
	 * Nor a segment limit: an importer's mapping for this device (a
	 * V4L2_MEMORY_DMABUF buffer) may merge contiguous pages into segments
	 * longer than the 64 KiB a device that says nothing is held to, which
	 * CONFIG_DMA_API_DEBUG reports (fakedisp's dumb buffers did).
	 */
	dma_set_max_seg_size(&cam->pdev->dev, UINT_MAX);
	dma_set_seg_boundary(&cam->pdev->dev, ULONG_MAX);

	snprintf(cam->v4l2_dev.name, sizeof(cam->v4l2_dev.name), "%s-%u",
		 FAKECAM_NAME, index);
	cam->v4l2_dev.release = fakecam_release;
	ret = v4l2_device_register(&cam->pdev->dev, &cam->v4l2_dev);
	if (ret)
		goto unregister_pdev;
	/* From here on fakecam_release() frees the camera, controls included. */
	atomic_inc(&fakecam_unreleased);

	ret = fakecam_video_register(cam);
	if (ret)
		goto put_v4l2;

	fakecam_debugfs_add(cam);
	v4l2_info(&cam->v4l2_dev, "camera %u is %s%s\n", index,
		  video_device_node_name(&cam->vdev),
		  cam->mplane ? " (multi-planar)" : "");
	return cam;

put_v4l2:
	v4l2_device_unregister(&cam->v4l2_dev);
	platform_device_unregister(cam->pdev);
	v4l2_device_put(&cam->v4l2_dev);
	return ERR_PTR(ret);
unregister_pdev:
	platform_device_unregister(cam->pdev);
free_cam:
	kfree(cam);
	return ERR_PTR(ret);
}

/*
 * Unregisters the camera and drops our v4l2_device reference. The memory
 * stays until the video node lets go too (fakecam_release()).
 */
static void fakecam_destroy(struct fakecam_dev *cam)
{
	WARN_ON(!list_empty(&cam->buffers));
	WARN_ON(!list_empty(&cam->imports));
	video_unregister_device(&cam->vdev);
	v4l2_device_unregister(&cam->v4l2_dev);
	platform_device_unregister(cam->pdev);
	v4l2_device_put(&cam->v4l2_dev);
}

static void fakecam_destroy_all(void)
{
	unsigned int i;

	for (i = 0; i < FAKECAM_MAX_DEVICES; i++) {
		if (fakecam_cams[i])
			fakecam_destroy(fakecam_cams[i]);
		fakecam_cams[i] = NULL;
	}
}

static int __init fakecam_init(void)
{
	unsigned int i;

	if (devices < 1 || devices > FAKECAM_MAX_DEVICES) {
		pr_err("fakecam: devices=%u is outside 1..%u\n", devices,
		       FAKECAM_MAX_DEVICES);
		return -EINVAL;
	}

	fakecam_debugfs_init();
	for (i = 0; i < devices; i++) {
		struct fakecam_dev *cam = fakecam_create(i);

		if (IS_ERR(cam)) {
			fakecam_debugfs_exit();
			fakecam_destroy_all();
			fakecam_wait_released();
			return PTR_ERR(cam);
		}
		fakecam_cams[i] = cam;
	}
	return 0;
}

static void __exit fakecam_exit(void)
{
	/* The folders first: their files look at the cameras. */
	fakecam_debugfs_exit();
	fakecam_destroy_all();
	fakecam_wait_released();
}

module_init(fakecam_init);
module_exit(fakecam_exit);

MODULE_DESCRIPTION("Fake V4L2 camera exporting its frames as dma-bufs");
MODULE_AUTHOR("dmabuf-interop");
MODULE_LICENSE("GPL");
FAKECAM_IMPORT_DMA_BUF_NS();
