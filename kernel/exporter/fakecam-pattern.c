// SPDX-License-Identifier: GPL-2.0
/*
 * Frame content: the shared test pattern (include/dmabuf-interop/
 * frame-pattern.h) and the frame stamp (frame-stamp.h), written by the CPU
 * into a mapped frame. fakecam-queue.c calls this once per frame; user space
 * checkers compute the same functions and compare every byte.
 */
#include <linux/sched.h>
#include <linux/string.h>

#include <dmabuf-interop/frame-pattern.h>
#include <dmabuf-interop/frame-stamp.h>

#include "fakecam.h"

static void fakecam_fill_xrgb(u8 *frame, const struct v4l2_pix_format *pix,
			      unsigned int rows, u32 seq)
{
	unsigned int x, y;

	for (y = 0; y < rows; y++) {
		u32 *line = (u32 *)(frame + y * pix->bytesperline);

		for (x = 0; x < pix->width; x++)
			line[x] = frame_pattern_xrgb(x, y, seq);
		cond_resched();
	}
}

/* Per pixel pair i: Y(2i) U(i) Y(2i+1) V(i), chroma at full height. */
static void fakecam_fill_yuyv(u8 *frame, const struct v4l2_pix_format *pix,
			      unsigned int rows, u32 seq)
{
	unsigned int i, y;

	for (y = 0; y < rows; y++) {
		u8 *line = frame + y * pix->bytesperline;

		for (i = 0; i < pix->width / 2; i++) {
			line[4 * i + 0] = frame_pattern_luma(2 * i, y, seq);
			line[4 * i + 1] = frame_pattern_cb(i, y, seq);
			line[4 * i + 2] = frame_pattern_luma(2 * i + 1, y, seq);
			line[4 * i + 3] = frame_pattern_cr(i, y, seq);
		}
		cond_resched();
	}
}

/*
 * Luma plane, then the half-size interleaved Cb,Cr plane; @rows image rows
 * cover (@rows + 1) / 2 chroma rows.
 */
static void fakecam_fill_nv12(u8 *frame, const struct v4l2_pix_format *pix,
			      unsigned int rows, u32 seq)
{
	u8 *uv = frame + pix->bytesperline * pix->height;
	unsigned int x, y;

	for (y = 0; y < rows; y++) {
		u8 *line = frame + y * pix->bytesperline;

		for (x = 0; x < pix->width; x++)
			line[x] = frame_pattern_luma(x, y, seq);
		cond_resched();
	}
	for (y = 0; y < (rows + 1) / 2; y++) {
		u8 *line = uv + y * pix->bytesperline;

		for (x = 0; x < pix->width / 2; x++) {
			line[2 * x + 0] = frame_pattern_cb(x, y, seq);
			line[2 * x + 1] = frame_pattern_cr(x, y, seq);
		}
		cond_resched();
	}
}

/**
 * fakecam_pattern_fill() - write frame @seq into @vaddr
 * @vaddr: kernel address of the first plane
 * @pix: the frame's format
 * @fmt: its description
 * @seq: the V4L2 sequence number (the pattern moves with it)
 * @timestamp_ns: the V4L2 timestamp, CLOCK_MONOTONIC
 * @stamp_only: write only the stamp and the first FRAME_PATTERN_STAMP_ONLY_ROWS
 *	image rows (for NV12 their chroma rows too), as a benchmark of the
 *	transport wants
 */
void fakecam_pattern_fill(void *vaddr, const struct v4l2_pix_format *pix,
			  const struct fakecam_format *fmt, u32 seq,
			  u64 timestamp_ns, bool stamp_only)
{
	unsigned int rows = pix->height;
	struct frame_stamp stamp;

	if (stamp_only)
		rows = min_t(unsigned int, rows, FRAME_PATTERN_STAMP_ONLY_ROWS);

	switch (fmt->fourcc) {
	case V4L2_PIX_FMT_XBGR32:
		fakecam_fill_xrgb(vaddr, pix, rows, seq);
		break;
	case V4L2_PIX_FMT_YUYV:
		fakecam_fill_yuyv(vaddr, pix, rows, seq);
		break;
	case V4L2_PIX_FMT_NV12:
		fakecam_fill_nv12(vaddr, pix, rows, seq);
		break;
	}

	/* The stamp goes last: it overwrites the first bytes of row 0. */
	frame_stamp_fill(&stamp, seq, timestamp_ns, fmt->drm_fourcc,
			 pix->width, pix->height);
	memcpy(vaddr, &stamp, sizeof(stamp));
}
