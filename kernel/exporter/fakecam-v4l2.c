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

/* Colour planes: one, or luma and a chroma plane, or luma and two. */
#define FAKECAM_PACKED		.n_planes = 1, .planes = { { 1, 1 } }
#define FAKECAM_SEMI(rows)	.n_planes = 2, .planes = { { 1, 1 }, { 1, rows } }
#define FAKECAM_PLANAR		.n_planes = 3, .planes = { { 1, 1 }, { 2, 2 }, { 2, 2 } }
#define FAKECAM_BOTH		(FAKECAM_SPLANE | FAKECAM_MPLANE)

/* XR24 first: the format an unknown pixelformat falls back to. */
const struct fakecam_format fakecam_formats[] = {
	{
		/* B, G, R, X in memory: DRM's XRGB8888 on little endian */
		.fourcc = V4L2_PIX_FMT_XBGR32, .drm_fourcc = DRM_FORMAT_XRGB8888,
		.bpp = 4, .step_w = 1, .step_h = 1, .modes = FAKECAM_BOTH,
		.mem_planes = 1, FAKECAM_PACKED,
	}, {
		.fourcc = V4L2_PIX_FMT_NV12, .drm_fourcc = DRM_FORMAT_NV12,
		.bpp = 1, .step_w = 2, .step_h = 2, .modes = FAKECAM_BOTH,
		.mem_planes = 1, FAKECAM_SEMI(2),
	}, {
		.fourcc = V4L2_PIX_FMT_YUYV, .drm_fourcc = DRM_FORMAT_YUYV,
		.bpp = 2, .step_w = 2, .step_h = 1, .modes = FAKECAM_BOTH,
		.mem_planes = 1, FAKECAM_PACKED,
	}, {
		.fourcc = V4L2_PIX_FMT_NV21, .drm_fourcc = DRM_FORMAT_NV21,
		.bpp = 1, .step_w = 2, .step_h = 2, .modes = FAKECAM_BOTH,
		.mem_planes = 1, FAKECAM_SEMI(2),
	}, {
		.fourcc = V4L2_PIX_FMT_NV16, .drm_fourcc = DRM_FORMAT_NV16,
		.bpp = 1, .step_w = 2, .step_h = 1, .modes = FAKECAM_BOTH,
		.mem_planes = 1, FAKECAM_SEMI(1),
	}, {
		/* 'YU12': Y, then U, then V at half width and height */
		.fourcc = V4L2_PIX_FMT_YUV420, .drm_fourcc = DRM_FORMAT_YUV420,
		.bpp = 1, .step_w = 2, .step_h = 2, .modes = FAKECAM_BOTH,
		.mem_planes = 1, FAKECAM_PLANAR,
	}, {
		/* 'RGBP': little-endian u16, DRM's RGB565 */
		.fourcc = V4L2_PIX_FMT_RGB565, .drm_fourcc = DRM_FORMAT_RGB565,
		.bpp = 2, .step_w = 1, .step_h = 1, .modes = FAKECAM_BOTH,
		.mem_planes = 1, FAKECAM_PACKED,
	}, {
		/* NV12 with the chroma plane in a buffer (vb2 plane) of its own */
		.fourcc = V4L2_PIX_FMT_NV12M, .drm_fourcc = DRM_FORMAT_NV12,
		.bpp = 1, .step_w = 2, .step_h = 2, .modes = FAKECAM_MPLANE,
		.mem_planes = 2, FAKECAM_SEMI(2),
	}, {
		.fourcc = V4L2_PIX_FMT_NV21M, .drm_fourcc = DRM_FORMAT_NV21,
		.bpp = 1, .step_w = 2, .step_h = 2, .modes = FAKECAM_MPLANE,
		.mem_planes = 2, FAKECAM_SEMI(2),
	},
};

const unsigned int fakecam_n_formats = ARRAY_SIZE(fakecam_formats);

static bool fakecam_format_in(const struct fakecam_format *fmt, bool mplane)
{
	return fmt->modes & (mplane ? FAKECAM_MPLANE : FAKECAM_SPLANE);
}

/* The format of @fourcc, if the single- or multi-planar API offers it. */
const struct fakecam_format *fakecam_find_format(u32 fourcc, bool mplane)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fakecam_formats); i++)
		if (fakecam_formats[i].fourcc == fourcc &&
		    fakecam_format_in(&fakecam_formats[i], mplane))
			return &fakecam_formats[i];
	return NULL;
}

/*
 * Fills everything V4L2 derives from pixelformat, width and height, for
 * either API: colour plane i has the first plane's bytes per line divided
 * by its bpl_div and height / rows_div rows; with one memory plane they
 * follow each other in it, else each is a vb2 plane of its own.
 */
void fakecam_fill_pix_mp(struct v4l2_pix_format_mplane *pix,
			 const struct fakecam_format *fmt)
{
	unsigned int i;
	u32 bpl;

	pix->pixelformat = fmt->fourcc;
	pix->width = clamp_t(u32, pix->width, FAKECAM_MIN_WIDTH,
			     FAKECAM_MAX_WIDTH);
	pix->height = clamp_t(u32, pix->height, FAKECAM_MIN_HEIGHT,
			      FAKECAM_MAX_HEIGHT);
	pix->width = round_down(pix->width, fmt->step_w);
	pix->height = round_down(pix->height, fmt->step_h);
	pix->field = V4L2_FIELD_NONE;
	pix->num_planes = fmt->mem_planes;
	memset(pix->plane_fmt, 0, sizeof(pix->plane_fmt));
	bpl = pix->width * fmt->bpp;
	for (i = 0; i < fmt->n_planes; i++) {
		const struct fakecam_plane_desc *d = &fmt->planes[i];
		struct v4l2_plane_pix_format *p =
			&pix->plane_fmt[min_t(unsigned int, i,
					      fmt->mem_planes - 1)];

		if (!p->bytesperline)
			p->bytesperline = bpl / d->bpl_div;
		p->sizeimage += bpl / d->bpl_div * (pix->height / d->rows_div);
	}
	pix->colorspace = fmt->drm_fourcc == DRM_FORMAT_XRGB8888 ||
			  fmt->drm_fourcc == DRM_FORMAT_RGB565 ?
			  V4L2_COLORSPACE_SRGB : V4L2_COLORSPACE_REC709;
	pix->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	pix->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	pix->quantization = V4L2_QUANTIZATION_DEFAULT;
	pix->flags = 0;
	memset(pix->reserved, 0, sizeof(pix->reserved));
}

/* The single-planar form of a one-buffer format. */
static void fakecam_pix_from_mp(struct v4l2_pix_format *pix,
				const struct v4l2_pix_format_mplane *mp)
{
	*pix = (struct v4l2_pix_format) {
		.width = mp->width,
		.height = mp->height,
		.pixelformat = mp->pixelformat,
		.field = mp->field,
		.bytesperline = mp->plane_fmt[0].bytesperline,
		.sizeimage = mp->plane_fmt[0].sizeimage,
		.colorspace = mp->colorspace,
		.flags = mp->flags,
		.ycbcr_enc = mp->ycbcr_enc,
		.quantization = mp->quantization,
		.xfer_func = mp->xfer_func,
	};
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
	struct fakecam_dev *cam = video_drvdata(file);
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(fakecam_formats); i++) {
		if (!fakecam_format_in(&fakecam_formats[i], cam->mplane))
			continue;
		if (n++ == f->index) {
			f->pixelformat = fakecam_formats[i].fourcc;
			return 0;
		}
	}
	return -EINVAL;
}

/* An unknown pixel format is not an error: the first one is offered. */
static const struct fakecam_format *
fakecam_try_pix_mp(struct fakecam_dev *cam, struct v4l2_pix_format_mplane *pix)
{
	const struct fakecam_format *fmt;

	fmt = fakecam_find_format(pix->pixelformat, cam->mplane);
	if (!fmt)
		fmt = &fakecam_formats[0];
	fakecam_fill_pix_mp(pix, fmt);
	return fmt;
}

static int fakecam_set_pix_mp(struct fakecam_dev *cam,
			      struct v4l2_pix_format_mplane *pix)
{
	const struct fakecam_format *fmt = fakecam_try_pix_mp(cam, pix);

	/* Allocated buffers were sized for the current format. */
	if (vb2_is_busy(&cam->queue))
		return -EBUSY;
	cam->pix = *pix;
	cam->fmt = fmt;
	return 0;
}

/* Single-planar: the same, through a one-plane v4l2_pix_format_mplane. */
static int fakecam_g_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct fakecam_dev *cam = video_drvdata(file);

	fakecam_pix_from_mp(&f->fmt.pix, &cam->pix);
	return 0;
}

static int fakecam_try_fmt(struct file *file, void *priv,
			   struct v4l2_format *f)
{
	struct fakecam_dev *cam = video_drvdata(file);
	struct v4l2_pix_format_mplane mp = {
		.width = f->fmt.pix.width,
		.height = f->fmt.pix.height,
		.pixelformat = f->fmt.pix.pixelformat,
	};

	fakecam_try_pix_mp(cam, &mp);
	fakecam_pix_from_mp(&f->fmt.pix, &mp);
	return 0;
}

static int fakecam_s_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct fakecam_dev *cam = video_drvdata(file);
	struct v4l2_pix_format_mplane mp = {
		.width = f->fmt.pix.width,
		.height = f->fmt.pix.height,
		.pixelformat = f->fmt.pix.pixelformat,
	};
	int ret;

	ret = fakecam_set_pix_mp(cam, &mp);
	fakecam_pix_from_mp(&f->fmt.pix, &mp);
	return ret;
}

static int fakecam_g_fmt_mp(struct file *file, void *priv,
			    struct v4l2_format *f)
{
	struct fakecam_dev *cam = video_drvdata(file);

	f->fmt.pix_mp = cam->pix;
	return 0;
}

static int fakecam_try_fmt_mp(struct file *file, void *priv,
			      struct v4l2_format *f)
{
	fakecam_try_pix_mp(video_drvdata(file), &f->fmt.pix_mp);
	return 0;
}

static int fakecam_s_fmt_mp(struct file *file, void *priv,
			    struct v4l2_format *f)
{
	return fakecam_set_pix_mp(video_drvdata(file), &f->fmt.pix_mp);
}

static int fakecam_enum_framesizes(struct file *file, void *priv,
				   struct v4l2_frmsizeenum *fsize)
{
	struct fakecam_dev *cam = video_drvdata(file);
	const struct fakecam_format *fmt;

	fmt = fakecam_find_format(fsize->pixel_format, cam->mplane);
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
	struct fakecam_dev *cam = video_drvdata(file);
	const struct fakecam_format *fmt;

	fmt = fakecam_find_format(fival->pixel_format, cam->mplane);
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

	if (parm->type != cam->queue.type)
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

	if (parm->type != cam->queue.type)
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

/* What both nodes share; each has the format ioctls of its one API. */
#define FAKECAM_IOCTL_OPS						\
	.vidioc_querycap		= fakecam_querycap,		\
	.vidioc_enum_framesizes		= fakecam_enum_framesizes,	\
	.vidioc_enum_frameintervals	= fakecam_enum_frameintervals,	\
	.vidioc_g_parm			= fakecam_g_parm,		\
	.vidioc_s_parm			= fakecam_s_parm,		\
	.vidioc_enum_input		= fakecam_enum_input,		\
	.vidioc_g_input			= fakecam_g_input,		\
	.vidioc_s_input			= fakecam_s_input,		\
									\
	.vidioc_reqbufs			= vb2_ioctl_reqbufs,		\
	.vidioc_create_bufs		= vb2_ioctl_create_bufs,	\
	.vidioc_prepare_buf		= vb2_ioctl_prepare_buf,	\
	.vidioc_querybuf		= vb2_ioctl_querybuf,		\
	.vidioc_qbuf			= vb2_ioctl_qbuf,		\
	.vidioc_dqbuf			= vb2_ioctl_dqbuf,		\
	.vidioc_expbuf			= vb2_ioctl_expbuf,		\
	.vidioc_streamon		= vb2_ioctl_streamon,		\
	.vidioc_streamoff		= vb2_ioctl_streamoff,		\
									\
	.vidioc_log_status		= v4l2_ctrl_log_status,		\
	.vidioc_subscribe_event		= v4l2_ctrl_subscribe_event,	\
	.vidioc_unsubscribe_event	= v4l2_event_unsubscribe

static const struct v4l2_ioctl_ops fakecam_ioctl_ops = {
	.vidioc_enum_fmt_vid_cap	= fakecam_enum_fmt,
	.vidioc_g_fmt_vid_cap		= fakecam_g_fmt,
	.vidioc_try_fmt_vid_cap		= fakecam_try_fmt,
	.vidioc_s_fmt_vid_cap		= fakecam_s_fmt,
	FAKECAM_IOCTL_OPS,
};

static const struct v4l2_ioctl_ops fakecam_ioctl_ops_mplane = {
	.vidioc_enum_fmt_vid_cap	= fakecam_enum_fmt,
	.vidioc_g_fmt_vid_cap_mplane	= fakecam_g_fmt_mp,
	.vidioc_try_fmt_vid_cap_mplane	= fakecam_try_fmt_mp,
	.vidioc_s_fmt_vid_cap_mplane	= fakecam_s_fmt_mp,
	FAKECAM_IOCTL_OPS,
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
	vdev->ioctl_ops = cam->mplane ? &fakecam_ioctl_ops_mplane :
					&fakecam_ioctl_ops;
	/*
	 * The node is part of the camera, which its v4l2_device release frees
	 * (fakecam-drv.c); that runs after this callback, from the node's own
	 * release, which drops the node's v4l2_device reference last.
	 */
	vdev->release = video_device_release_empty;
	vdev->lock = &cam->lock;
	vdev->queue = &cam->queue;
	vdev->device_caps = V4L2_CAP_STREAMING |
			    (cam->mplane ? V4L2_CAP_VIDEO_CAPTURE_MPLANE :
					   V4L2_CAP_VIDEO_CAPTURE);
	video_set_drvdata(vdev, cam);

	return video_register_device(vdev, VFL_TYPE_VIDEO, -1);
}
