/* SPDX-License-Identifier: MIT */
/*
 * The picture a display shows for a set of planes, computed exactly as
 * fakedisp does it for its CRC (kernel/importer/fakedisp-compose.c,
 * docs/fakedisp.md "The CRC"), so that a test can compare fakedisp's CRC
 * with the CRC of di_compose()'s output, and a consumer can snapshot the
 * composed screen.
 *
 * The definition, all integer arithmetic:
 *   - output: width x height, XRGB8888 little endian (bytes B, G, R, 0 per
 *     pixel), rows of width * 4 bytes, no padding, starting black;
 *   - planes blended bottom to top in ascending zpos (equal zpos: the one
 *     earlier in the array is below), each unscaled: output pixel
 *     (dst_x + i, dst_y + j) takes source pixel (src_x + i, src_y + j) for
 *     0 <= i < dst_w, 0 <= j < dst_h, clipped to the output;
 *   - XRGB8888: opaque, the X byte ignored;
 *   - ARGB8888: premultiplied alpha (DRM's default blend mode), per channel
 *     out = min(255, c + (out * (255 - a) + 127) / 255);
 *   - RGB565: opaque, a little-endian u16 per pixel, each channel widened
 *     to 8 bits by repeating its top bits: R = r5 << 3 | r5 >> 2,
 *     G = g6 << 2 | g6 >> 4, B = b5 << 3 | b5 >> 2;
 *   - YUYV, NV12, NV21, NV16, YUV420: opaque, BT.601 limited range, the
 *     chroma sample that covers the pixel (source column x / 2; row y / 2
 *     for NV12, NV21 and YUV420, row y for NV16 and YUYV; no
 *     interpolation), U and V where the format keeps them (NV12, NV16: U,V
 *     pairs in data[1]; NV21: V,U pairs; YUV420: U in data[1], V in
 *     data[2]); C = Y - 16, D = U - 128, E = V - 128,
 *     R = clamp((298 C + 409 E + 128) >> 8),
 *     G = clamp((298 C - 100 D - 208 E + 128) >> 8),
 *     B = clamp((298 C + 516 D + 128) >> 8), where clamp() gives 0 for a
 *     negative sum (before the shift) and at most 255;
 *   - CRC: zlib's crc32() of the whole output (di_crc32(0, out, size)).
 */
#ifndef DMABUF_INTEROP_COMPOSE_H
#define DMABUF_INTEROP_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "dmabuf-interop/layout.h"

#define DI_COMPOSE_CPP 4 /* bytes per output pixel */

/* One plane on the screen. */
struct di_compose_plane {
	uint32_t fourcc;	 /* DI_FOURCC_XRGB8888, _ARGB8888, _RGB565, _YUYV, _NV12,
				    _NV21, _NV16 or _YUV420 */
	const uint8_t *data[3];	 /* byte 0 of each colour plane (NV12: Y, then UV;
				    YUV420: Y, U, V); each may be in a buffer of its own */
	uint32_t pitches[3];	 /* bytes from one row of each plane to the next */
	uint32_t src_x, src_y;	   /* first source pixel shown (whole pixels) */
	int32_t dst_x, dst_y;	   /* where it goes on the screen; may be off it */
	uint32_t dst_w, dst_h;	   /* size on the screen = size read from the source */
	int zpos;		   /* lower is further back */
};

/*
 * Composes @count planes into @out, @width * @height * DI_COMPOSE_CPP bytes
 * (overwritten whole). @planes need not be sorted. The caller guarantees
 * the source rectangles lie inside their buffers. Returns 0, or -1 for an
 * unknown fourcc (then @out is unspecified).
 */
int di_compose(const struct di_compose_plane *planes, size_t count, uint8_t *out,
	       uint32_t width, uint32_t height);

/* zlib's crc32(): di_crc32(0, buf, len) is the CRC of @buf; chains. */
uint32_t di_crc32(uint32_t crc, const void *buf, size_t len);

/* The CRC fakedisp reports for a @width x @height screen of @count planes:
 * di_crc32(0, ...) of di_compose()'s output, into *@crc. Returns 0, or -1
 * (*@crc untouched) for an unknown fourcc or when out of memory. */
int di_compose_crc(const struct di_compose_plane *planes, size_t count, uint32_t width,
		   uint32_t height, uint32_t *crc);

#endif
