// SPDX-License-Identifier: GPL-2.0
/*
 * The V4L2 face of a camera: formats, frame sizes and intervals, the input,
 * the controls and the ioctl table. Buffer ioctls go straight to vb2
 * (fakecam-queue.c); every ioctl runs under cam->lock (vdev.lock).
 */
#include <linux/gcd.h>
#include <linux/math64.h>
#include <drm/drm_fourcc.h>
#include <media/v4l2-event.h>
#include <media/v4l2-ioctl.h>

#include "fakecam.h"

const struct fakecam_format fakecam_formats[] = {
	{
		/* B, G, R, X in memory: DRM's XRGB8888 on little endian */
		.fourcc = V4L2_PIX_FMT_XBGR32,
		.drm_fourcc = DRM_FORMAT_XRGB8888,
		.bpp = 4, .step_w = 1, .step_h = 1,
	}, {
		.fourcc = V4L2_PIX_FMT_NV12,
		.drm_fourcc = DRM_FORMAT_NV12,
		.bpp = 1, .step_w = 2, .step_h = 2, .chroma_rows_div = 2,
	}, {
		.fourcc = V4L2_PIX_FMT_YUYV,
		.drm_fourcc = DRM_FORMAT_YUYV,
		.bpp = 2, .step_w = 2, .step_h = 1,
	},
};

const unsigned int fakecam_n_formats = ARRAY_SIZE(fakecam_formats);

const struct fakecam_format *fakecam_find_format(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fakecam_formats); i++)
		if (fakecam_formats[i].fourcc == fourcc)
			return &fakecam_formats[i];
	return NULL;
}

/* Fills everything V4L2 derives from pixelformat, width and height. */
void fakecam_fill_pix(struct v4l2_pix_format *pix,
		      const struct fakecam_format *fmt)
{
	pix->pixelformat = fmt->fourcc;
	pix->width = clamp_t(u32, pix->width, FAKECAM_MIN_WIDTH,
			     FAKECAM_MAX_WIDTH);
	pix->height = clamp_t(u32, pix->height, FAKECAM_MIN_HEIGHT,
			      FAKECAM_MAX_HEIGHT);
	pix->width = round_down(pix->width, fmt->step_w);
	pix->height = round_down(pix->height, fmt->step_h);
	pix->field = V4L2_FIELD_NONE;
	pix->bytesperline = pix->width * fmt->bpp;
	pix->sizeimage = pix->bytesperline * pix->height;
	if (fmt->chroma_rows_div)
		pix->sizeimage += pix->bytesperline * pix->height /
				  fmt->chroma_rows_div;
	pix->colorspace = fmt->fourcc == V4L2_PIX_FMT_XBGR32 ?
			  V4L2_COLORSPACE_SRGB : V4L2_COLORSPACE_REC709;
	pix->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	pix->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	pix->quantization = V4L2_QUANTIZATION_DEFAULT;
	pix->flags = 0;
	pix->priv = 0;
}

static int fakecam_querycap(struct file *file, void *priv,
			    struct v4l2_capability *cap)
{
	struct fakecam_dev *cam = video_drvdata(file);

	strscpy(cap->driver, FAKECAM_NAME, sizeof(cap->driver));
	strscpy(cap->card, FAKECAM_NAME, sizeof(cap->card));
	snprintf(cap->bus_info, sizeof(cap->bus_info), "platform:%s",
		 dev_name(&cam->pdev->dev));
	return 0;
}

static int fakecam_enum_fmt(struct file *file, void *priv,
			    struct v4l2_fmtdesc *f)
{
	if (f->index >= ARRAY_SIZE(fakecam_formats))
		return -EINVAL;
	f->pixelformat = fakecam_formats[f->index].fourcc;
	return 0;
}

static int fakecam_g_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct fakecam_dev *cam = video_drvdata(file);

	f->fmt.pix = cam->pix;
	return 0;
}

/* An unknown pixel format is not an error: the first one is offered. */
static int fakecam_try_fmt(struct file *file, void *priv,
			   struct v4l2_format *f)
{
	const struct fakecam_format *fmt;

	fmt = fakecam_find_format(f->fmt.pix.pixelformat);
	if (!fmt)
		fmt = &fakecam_formats[0];
	fakecam_fill_pix(&f->fmt.pix, fmt);
	return 0;
}

static int fakecam_s_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct fakecam_dev *cam = video_drvdata(file);

	fakecam_try_fmt(file, priv, f);
	/* Allocated buffers were sized for the current format. */
	if (vb2_is_busy(&cam->queue))
		return -EBUSY;
	cam->pix = f->fmt.pix;
	cam->fmt = fakecam_find_format(cam->pix.pixelformat);
	return 0;
}

static int fakecam_enum_framesizes(struct file *file, void *priv,
				   struct v4l2_frmsizeenum *fsize)
{
	const struct fakecam_format *fmt;

	fmt = fakecam_find_format(fsize->pixel_format);
	if (!fmt || fsize->index)
		return -EINVAL;

	fsize->type = V4L2_FRMSIZE_TYPE_STEPWISE;
	fsize->stepwise.min_width = FAKECAM_MIN_WIDTH;
	fsize->stepwise.max_width = FAKECAM_MAX_WIDTH;
	fsize->stepwise.step_width = fmt->step_w;
	fsize->stepwise.min_height = FAKECAM_MIN_HEIGHT;
	fsize->stepwise.max_height = FAKECAM_MAX_HEIGHT;
	fsize->stepwise.step_height = fmt->step_h;
	return 0;
}

static int fakecam_enum_frameintervals(struct file *file, void *priv,
				       struct v4l2_frmivalenum *fival)
{
	const struct fakecam_format *fmt;

	fmt = fakecam_find_format(fival->pixel_format);
	if (!fmt || fival->index)
		return -EINVAL;
	if (fival->width < FAKECAM_MIN_WIDTH ||
	    fival->width > FAKECAM_MAX_WIDTH ||
	    fival->height < FAKECAM_MIN_HEIGHT ||
	    fival->height > FAKECAM_MAX_HEIGHT ||
	    fival->width % fmt->step_w || fival->height % fmt->step_h)
		return -EINVAL;

	fival->type = V4L2_FRMIVAL_TYPE_CONTINUOUS;
	fival->stepwise.min.numerator = 1;
	fival->stepwise.min.denominator = FAKECAM_MAX_FPS;
	fival->stepwise.max.numerator = 1;
	fival->stepwise.max.denominator = FAKECAM_MIN_FPS;
	fival->stepwise.step.numerator = 1;
	fival->stepwise.step.denominator = 1;
	return 0;
}

/*
 * Brings @tpf into 1/FAKECAM_MAX_FPS .. 1/FAKECAM_MIN_FPS and lowest terms;
 * 0/x or x/0 means "the default" (1/30).
 */
void fakecam_set_interval(struct fakecam_dev *cam, struct v4l2_fract tpf)
{
	u64 ns;

	if (!tpf.numerator || !tpf.denominator) {
		tpf.numerator = 1;
		tpf.denominator = 30;
	}
	ns = div_u64((u64)tpf.numerator * NSEC_PER_SEC, tpf.denominator);
	if (ns < NSEC_PER_SEC / FAKECAM_MAX_FPS) {
		tpf.numerator = 1;
		tpf.denominator = FAKECAM_MAX_FPS;
	} else if (ns > NSEC_PER_SEC / FAKECAM_MIN_FPS) {
		tpf.numerator = 1;
		tpf.denominator = FAKECAM_MIN_FPS;
	} else {
		unsigned long d = gcd(tpf.numerator, tpf.denominator);

		tpf.numerator /= d;
		tpf.denominator /= d;
	}
	cam->timeperframe = tpf;
	WRITE_ONCE(cam->interval_ns,
		   div_u64((u64)tpf.numerator * NSEC_PER_SEC, tpf.denominator));
}

static int fakecam_g_parm(struct file *file, void *priv,
			  struct v4l2_streamparm *parm)
{
	struct fakecam_dev *cam = video_drvdata(file);

	if (parm->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	parm->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
	parm->parm.capture.timeperframe = cam->timeperframe;
	parm->parm.capture.readbuffers = 0;
	return 0;
}

/* Allowed while streaming: the generator picks the new interval up. */
static int fakecam_s_parm(struct file *file, void *priv,
			  struct v4l2_streamparm *parm)
{
	struct fakecam_dev *cam = video_drvdata(file);

	if (parm->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	fakecam_set_interval(cam, parm->parm.capture.timeperframe);
	return fakecam_g_parm(file, priv, parm);
}

static int fakecam_enum_input(struct file *file, void *priv,
			      struct v4l2_input *inp)
{
	if (inp->index)
		return -EINVAL;
	inp->type = V4L2_INPUT_TYPE_CAMERA;
	strscpy(inp->name, "Test Pattern", sizeof(inp->name));
	return 0;
}

static int fakecam_g_input(struct file *file, void *priv, unsigned int *i)
{
	*i = 0;
	return 0;
}

static int fakecam_s_input(struct file *file, void *priv, unsigned int i)
{
	return i ? -EINVAL : 0;
}

static const struct v4l2_ioctl_ops fakecam_ioctl_ops = {
	.vidioc_querycap		= fakecam_querycap,
	.vidioc_enum_fmt_vid_cap	= fakecam_enum_fmt,
	.vidioc_g_fmt_vid_cap		= fakecam_g_fmt,
	.vidioc_try_fmt_vid_cap		= fakecam_try_fmt,
	.vidioc_s_fmt_vid_cap		= fakecam_s_fmt,
	.vidioc_enum_framesizes		= fakecam_enum_framesizes,
	.vidioc_enum_frameintervals	= fakecam_enum_frameintervals,
	.vidioc_g_parm			= fakecam_g_parm,
	.vidioc_s_parm			= fakecam_s_parm,
	.vidioc_enum_input		= fakecam_enum_input,
	.vidioc_g_input			= fakecam_g_input,
	.vidioc_s_input			= fakecam_s_input,

	.vidioc_reqbufs			= vb2_ioctl_reqbufs,
	.vidioc_create_bufs		= vb2_ioctl_create_bufs,
	.vidioc_prepare_buf		= vb2_ioctl_prepare_buf,
	.vidioc_querybuf		= vb2_ioctl_querybuf,
	.vidioc_qbuf			= vb2_ioctl_qbuf,
	.vidioc_dqbuf			= vb2_ioctl_dqbuf,
	.vidioc_expbuf			= vb2_ioctl_expbuf,
	.vidioc_streamon		= vb2_ioctl_streamon,
	.vidioc_streamoff		= vb2_ioctl_streamoff,

	.vidioc_log_status		= v4l2_ctrl_log_status,
	.vidioc_subscribe_event		= v4l2_ctrl_subscribe_event,
	.vidioc_unsubscribe_event	= v4l2_event_unsubscribe,
};

static const struct v4l2_file_operations fakecam_fops = {
	.owner		= THIS_MODULE,
	.open		= v4l2_fh_open,
	.release	= vb2_fop_release,
	.poll		= vb2_fop_poll,
	.mmap		= vb2_fop_mmap,
	.unlocked_ioctl	= video_ioctl2,
};

/*
 * Control values are copied for the generator, which never takes locks; it
 * sees a change at its next frame.
 */
static int fakecam_s_ctrl(struct v4l2_ctrl *ctrl)
{
	struct fakecam_dev *cam = container_of(ctrl->handler,
					       struct fakecam_dev, ctrls);

	switch (ctrl->id) {
	case FAKECAM_CID_UNTHROTTLED:
		WRITE_ONCE(cam->unthrottled, ctrl->val);
		return 0;
	case FAKECAM_CID_PATTERN:
		WRITE_ONCE(cam->pattern_mode, ctrl->val);
		return 0;
	case FAKECAM_CID_FILL_LATENCY:
		WRITE_ONCE(cam->fill_latency_us, ctrl->val);
		return 0;
	case FAKECAM_CID_EARLY_DONE:
		WRITE_ONCE(cam->early_done, ctrl->val);
		return 0;
	}
	return -EINVAL;
}

static const struct v4l2_ctrl_ops fakecam_ctrl_ops = {
	.s_ctrl = fakecam_s_ctrl,
};

static const struct v4l2_ctrl_config fakecam_ctrl_unthrottled = {
	.ops = &fakecam_ctrl_ops,
	.id = FAKECAM_CID_UNTHROTTLED,
	.name = "Unthrottled",
	.type = V4L2_CTRL_TYPE_BOOLEAN,
	.max = 1,
	.step = 1,
};

static const char * const fakecam_pattern_menu[] = {
	[FAKECAM_PATTERN_FULL] = "Full Pattern",
	[FAKECAM_PATTERN_STAMP_ONLY] = "Stamp Only",
	NULL,
};

static const struct v4l2_ctrl_config fakecam_ctrl_pattern = {
	.ops = &fakecam_ctrl_ops,
	.id = FAKECAM_CID_PATTERN,
	.name = "Pattern Mode",
	.type = V4L2_CTRL_TYPE_MENU,
	.max = FAKECAM_PATTERN_STAMP_ONLY,
	.qmenu = fakecam_pattern_menu,
};

/*
 * How long a frame's write fence stays unsignalled after the frame is
 * written, and (without "Early Done") the buffer with the driver: lets a
 * test hold a fence busy. STREAMOFF cuts it short.
 */
static const struct v4l2_ctrl_config fakecam_ctrl_fill_latency = {
	.ops = &fakecam_ctrl_ops,
	.id = FAKECAM_CID_FILL_LATENCY,
	.name = "Fill Latency (us)",
	.type = V4L2_CTRL_TYPE_INTEGER,
	.max = FAKECAM_MAX_FILL_LATENCY_US,
	.step = 1,
};

/*
 * A buffer goes back to vb2 (DQBUF) as soon as its write fence is
 * published, before the frame is written, as a hardware pipeline with
 * fences would; beyond mainline V4L2, where a dequeued buffer is complete.
 */
static const struct v4l2_ctrl_config fakecam_ctrl_early_done = {
	.ops = &fakecam_ctrl_ops,
	.id = FAKECAM_CID_EARLY_DONE,
	.name = "Early Done",
	.type = V4L2_CTRL_TYPE_BOOLEAN,
	.max = 1,
	.step = 1,
};

static int fakecam_ctrls_init(struct fakecam_dev *cam)
{
	struct v4l2_ctrl_handler *hdl = &cam->ctrls;

	v4l2_ctrl_handler_init(hdl, 4);
	v4l2_ctrl_new_custom(hdl, &fakecam_ctrl_unthrottled, NULL);
	v4l2_ctrl_new_custom(hdl, &fakecam_ctrl_pattern, NULL);
	v4l2_ctrl_new_custom(hdl, &fakecam_ctrl_fill_latency, NULL);
	v4l2_ctrl_new_custom(hdl, &fakecam_ctrl_early_done, NULL);
	if (hdl->error) {
		int ret = hdl->error;

		v4l2_ctrl_handler_free(hdl);
		return ret;
	}
	cam->v4l2_dev.ctrl_handler = hdl;
	return 0;
}

/*
 * Controls, queue and video node of a camera whose v4l2_dev is registered.
 * On failure too the controls are left to fakecam_release(), which frees
 * them with the camera.
 */
int fakecam_video_register(struct fakecam_dev *cam)
{
	struct video_device *vdev = &cam->vdev;
	int ret;

	ret = fakecam_ctrls_init(cam);
	if (ret)
		return ret;

	ret = fakecam_queue_init(cam);
	if (ret)
		return ret;

	strscpy(vdev->name, FAKECAM_NAME, sizeof(vdev->name));
	vdev->v4l2_dev = &cam->v4l2_dev;
	vdev->fops = &fakecam_fops;
	vdev->ioctl_ops = &fakecam_ioctl_ops;
	/*
	 * The node is part of the camera, which its v4l2_device release frees
	 * (fakecam-drv.c); that runs after this callback, from the node's own
	 * release, which drops the node's v4l2_device reference last.
	 */
	vdev->release = video_device_release_empty;
	vdev->lock = &cam->lock;
	vdev->queue = &cam->queue;
	vdev->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	video_set_drvdata(vdev, cam);

	return video_register_device(vdev, VFL_TYPE_VIDEO, -1);
}
