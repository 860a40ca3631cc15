// SPDX-License-Identifier: GPL-2.0
/*
 * Frame content: the shared test pattern (include/dmabuf-interop/
 * frame-pattern.h) and the frame stamp (frame-stamp.h), written by the CPU
 * into a mapped frame. fakecam-queue.c calls this once per frame; user space
 * checkers compute the same functions and compare every byte.
 */
#include <linux/sched.h>
#include <linux/string.h>
#include <drm/drm_fourcc.h>

#include <dmabuf-interop/frame-pattern.h>
#include <dmabuf-interop/frame-stamp.h>

#include "fakecam.h"

static void fakecam_fill_xrgb(u8 *frame, u32 bpl, u32 width, u32 rows,
			      u32 seq)
{
	unsigned int x, y;

	for (y = 0; y < rows; y++) {
		u32 *line = (u32 *)(frame + y * bpl);

		for (x = 0; x < width; x++)
			line[x] = frame_pattern_xrgb(x, y, seq);
		cond_resched();
	}
}

static void fakecam_fill_rgb565(u8 *frame, u32 bpl, u32 width, u32 rows,
				u32 seq)
{
	unsigned int x, y;

	for (y = 0; y < rows; y++) {
		__le16 *line = (__le16 *)(frame + y * bpl);

		for (x = 0; x < width; x++)
			line[x] = cpu_to_le16(frame_pattern_rgb565(x, y, seq));
		cond_resched();
	}
}

/* Per pixel pair i: Y(2i) U(i) Y(2i+1) V(i), chroma at full height. */
static void fakecam_fill_yuyv(u8 *frame, u32 bpl, u32 width, u32 rows,
			      u32 seq)
{
	unsigned int i, y;

	for (y = 0; y < rows; y++) {
		u8 *line = frame + y * bpl;

		for (i = 0; i < width / 2; i++) {
			line[4 * i + 0] = frame_pattern_luma(2 * i, y, seq);
			line[4 * i + 1] = frame_pattern_cb(i, y, seq);
			line[4 * i + 2] = frame_pattern_luma(2 * i + 1, y, seq);
			line[4 * i + 3] = frame_pattern_cr(i, y, seq);
		}
		cond_resched();
	}
}

static void fakecam_fill_luma(u8 *plane, u32 bpl, u32 width, u32 rows,
			      u32 seq)
{
	unsigned int x, y;

	for (y = 0; y < rows; y++) {
		u8 *line = plane + y * bpl;

		for (x = 0; x < width; x++)
			line[x] = frame_pattern_luma(x, y, seq);
		cond_resched();
	}
}

/* @cw chroma samples a row: Cb,Cr pairs (NV12, NV16), Cr,Cb with @swap. */
static void fakecam_fill_chroma_pairs(u8 *plane, u32 bpl, u32 cw, u32 rows,
				      u32 seq, bool swap)
{
	unsigned int x, y;

	for (y = 0; y < rows; y++) {
		u8 *line = plane + y * bpl;

		for (x = 0; x < cw; x++) {
			line[2 * x + swap] = frame_pattern_cb(x, y, seq);
			line[2 * x + !swap] = frame_pattern_cr(x, y, seq);
		}
		cond_resched();
	}
}

/* One chroma component alone: the U or (@cr) the V plane of YUV420. */
static void fakecam_fill_chroma(u8 *plane, u32 bpl, u32 cw, u32 rows,
				u32 seq, bool cr)
{
	unsigned int x, y;

	for (y = 0; y < rows; y++) {
		u8 *line = plane + y * bpl;

		for (x = 0; x < cw; x++)
			line[x] = cr ? frame_pattern_cr(x, y, seq) :
				       frame_pattern_cb(x, y, seq);
		cond_resched();
	}
}

/**
 * fakecam_pattern_fill() - write frame @seq into a buffer
 * @vaddr: kernel address of each vb2 plane
 * @pix: the frame's format (multi-planar form, whatever the node's API)
 * @fmt: its description
 * @seq: the V4L2 sequence number (the pattern moves with it)
 * @timestamp_ns: the V4L2 timestamp, CLOCK_MONOTONIC
 * @stamp_only: write only the stamp and the first FRAME_PATTERN_STAMP_ONLY_ROWS
 *	image rows (and the chroma rows they cover), as a benchmark of the
 *	transport wants
 *
 * Colour plane i starts its vb2 plane (one vb2 plane per colour plane) or
 * follows plane i - 1 (one vb2 plane for all), as fakecam_fill_pix_mp()
 * lays them out.
 */
void fakecam_pattern_fill(void * const vaddr[],
			  const struct v4l2_pix_format_mplane *pix,
			  const struct fakecam_format *fmt, u32 seq,
			  u64 timestamp_ns, bool stamp_only)
{
	u32 bpl[FAKECAM_MAX_COLOUR_PLANES], rows[FAKECAM_MAX_COLOUR_PLANES];
	u8 *plane[FAKECAM_MAX_COLOUR_PLANES];
	u32 w = pix->width;
	struct frame_stamp stamp;
	unsigned int i;

	for (i = 0; i < fmt->n_planes; i++) {
		const struct fakecam_plane_desc *d = &fmt->planes[i];
		u32 all = pix->height / d->rows_div;

		bpl[i] = pix->plane_fmt[0].bytesperline / d->bpl_div;
		if (fmt->mem_planes > 1)
			plane[i] = vaddr[i];
		else
			plane[i] = i ? plane[i - 1] + bpl[i - 1] *
				       (pix->height / fmt->planes[i - 1].rows_div) :
				       vaddr[0];
		rows[i] = all;
		if (stamp_only)
			rows[i] = min(all, DIV_ROUND_UP(FRAME_PATTERN_STAMP_ONLY_ROWS,
							d->rows_div));
	}

	switch (fmt->drm_fourcc) {
	case DRM_FORMAT_XRGB8888:
		fakecam_fill_xrgb(plane[0], bpl[0], w, rows[0], seq);
		break;
	case DRM_FORMAT_RGB565:
		fakecam_fill_rgb565(plane[0], bpl[0], w, rows[0], seq);
		break;
	case DRM_FORMAT_YUYV:
		fakecam_fill_yuyv(plane[0], bpl[0], w, rows[0], seq);
		break;
	case DRM_FORMAT_NV12:
	case DRM_FORMAT_NV21:
	case DRM_FORMAT_NV16:
		fakecam_fill_luma(plane[0], bpl[0], w, rows[0], seq);
		fakecam_fill_chroma_pairs(plane[1], bpl[1], w / 2, rows[1], seq,
					  fmt->drm_fourcc == DRM_FORMAT_NV21);
		break;
	case DRM_FORMAT_YUV420:
		fakecam_fill_luma(plane[0], bpl[0], w, rows[0], seq);
		fakecam_fill_chroma(plane[1], bpl[1], w / 2, rows[1], seq, false);
		fakecam_fill_chroma(plane[2], bpl[2], w / 2, rows[2], seq, true);
		break;
	}

	/* The stamp goes last: it overwrites the first bytes of row 0. */
	frame_stamp_fill(&stamp, seq, timestamp_ns, fmt->drm_fourcc,
			 pix->width, pix->height);
	memcpy(vaddr[0], &stamp, sizeof(stamp));
}
