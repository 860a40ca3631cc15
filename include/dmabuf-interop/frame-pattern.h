/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The test pattern: every sample of a frame is a pure function of its
 * position and the frame's sequence number, so a checker that knows
 * (seq, format, width, height) can verify every byte of a frame without
 * having seen the producer. The pattern moves one step per frame, so a
 * stale or torn frame shows.
 *
 * Layouts (as V4L2 and DRM define them, single buffer for NV12):
 *   XRGB8888  one u32 per pixel, frame_pattern_xrgb(x, y, seq)
 *   YUYV      per pixel pair i of row y: Y(2i) U(i) Y(2i+1) V(i)
 *   NV12      Y plane then interleaved U,V plane at half resolution
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

static inline fs_u32 frame_pattern_xrgb(fs_u32 x, fs_u32 y, fs_u64 seq)
{
	fs_u32 b = (x + (fs_u32)seq * 3) & 0xff;
	fs_u32 g = (y + (fs_u32)seq) & 0xff;
	fs_u32 r = ((x >> 4) ^ (y >> 4)) & 1 ? 0xe0 : 0x20;

	return 0xff000000u | r << 16 | g << 8 | b;
}

static inline fs_u8 frame_pattern_luma(fs_u32 x, fs_u32 y, fs_u64 seq)
{
	return (fs_u8)(16 + ((x + y + (fs_u32)seq * 2) % 220));
}

/* Chroma sample (cx, cy) at half horizontal (and for NV12 vertical) resolution. */
static inline fs_u8 frame_pattern_cb(fs_u32 cx, fs_u32 cy, fs_u64 seq)
{
	return (fs_u8)(16 + ((cx * 2 + (fs_u32)seq) % 225));
}

static inline fs_u8 frame_pattern_cr(fs_u32 cx, fs_u32 cy, fs_u64 seq)
{
	return (fs_u8)(16 + ((cy * 2 + (fs_u32)seq) % 225));
}

#endif /* DMABUF_INTEROP_FRAME_PATTERN_H */
