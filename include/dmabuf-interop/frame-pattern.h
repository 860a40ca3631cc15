/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The test pattern: every sample of a frame is a pure function of its
 * position and the frame's sequence number, so a checker that knows
 * (seq, format, width, height) can verify every byte of a frame without
 * having seen the producer. The pattern moves one step per frame, so a
 * stale or torn frame shows.
 *
 * Layouts (as V4L2 and DRM define them; the planes of a format may share a
 * buffer, NV12, or each have their own, V4L2's NV12M):
 *   XRGB8888  one u32 per pixel, frame_pattern_xrgb(x, y, seq)
 *   RGB565    one little-endian u16 per pixel, frame_pattern_rgb565(x, y, seq)
 *   YUYV      per pixel pair i of row y: Y(2i) U(i) Y(2i+1) V(i)
 *   NV12      Y plane, then a U,V-interleaved plane at half width and height
 *   NV21      as NV12 with V,U in the chroma plane
 *   NV16      as NV12 with the chroma plane at full height
 *   YUV420    Y plane, then a U plane and a V plane at half width and height
 * Chroma sample (cx, cy) is frame_pattern_cb(cx, cy, seq) and
 * frame_pattern_cr(cx, cy, seq) in every YUV format, cy counting chroma rows.
 * The first FRAME_STAMP_SIZE bytes of the first plane hold the stamp
 * (frame-stamp.h) instead of pattern.
 *
 * In "stamp only" mode the producer writes the stamp and the first
 * FRAME_PATTERN_STAMP_ONLY_ROWS rows of pattern and leaves the rest as it
 * was; a checker then verifies only those rows.
 */
#ifndef DMABUF_INTEROP_FRAME_PATTERN_H
#define DMABUF_INTEROP_FRAME_PATTERN_H

#include "frame-stamp.h"

#define FRAME_PATTERN_STAMP_ONLY_ROWS 4

static inline __u32 frame_pattern_xrgb(__u32 x, __u32 y, __u64 seq)
{
	__u32 b = (x + (__u32)seq * 3) & 0xff;
	__u32 g = (y + (__u32)seq) & 0xff;
	__u32 r = ((x >> 4) ^ (y >> 4)) & 1 ? 0xe0 : 0x20;

	return 0xff000000u | r << 16 | g << 8 | b;
}

/* frame_pattern_xrgb() with 5, 6 and 5 bits of red, green and blue. */
static inline __u16 frame_pattern_rgb565(__u32 x, __u32 y, __u64 seq)
{
	__u32 v = frame_pattern_xrgb(x, y, seq);

	return (__u16)((v >> 8 & 0xf800) | (v >> 5 & 0x07e0) | (v >> 3 & 0x001f));
}

static inline __u8 frame_pattern_luma(__u32 x, __u32 y, __u64 seq)
{
	return (__u8)(16 + ((x + y + (__u32)seq * 2) % 220));
}

/* Chroma sample (cx, cy): half horizontal resolution, half or full vertical. */
static inline __u8 frame_pattern_cb(__u32 cx, __u32 cy, __u64 seq)
{
	(void)cy;	/* Cb varies along the row, Cr down the column */
	return (__u8)(16 + ((cx * 2 + (__u32)seq) % 225));
}

static inline __u8 frame_pattern_cr(__u32 cx, __u32 cy, __u64 seq)
{
	(void)cx;
	return (__u8)(16 + ((cy * 2 + (__u32)seq) % 225));
}

#endif /* DMABUF_INTEROP_FRAME_PATTERN_H */
