/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The CRC fakedisp reports for a frame (docs/fakedisp.md, "The CRC"),
 * recomputed from the same bytes: CRC-32 (zlib's crc32(): reflected,
 * polynomial 0xedb88320, init and final xor 0xffffffff) over the visible
 * bytes of each plane, row by row.
 */
#ifndef FRAME_CRC_H
#define FRAME_CRC_H

#include <stddef.h>
#include <stdint.h>

#include <drm_fourcc.h>

static inline uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	static uint32_t table[256];

	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

/* @base: the mapped buffer; the plane covers the whole @width x @height. */
static inline uint32_t frame_crc(const uint8_t *base, uint32_t fourcc, uint32_t width,
				 uint32_t height, const uint32_t *pitches, const uint32_t *offsets)
{
	uint32_t crc = 0xffffffffu;
	/* bytes per row and rows, per plane */
	uint32_t bytes[2] = { width * 4, 0 }, rows[2] = { height, 0 };
	int planes = 1;

	if (fourcc == DRM_FORMAT_YUYV) {
		bytes[0] = width * 2;
	} else if (fourcc == DRM_FORMAT_NV12) {
		bytes[0] = width;
		bytes[1] = width / 2 * 2;
		rows[1] = height / 2;
		planes = 2;
	}
	for (int p = 0; p < planes; p++)
		for (uint32_t y = 0; y < rows[p]; y++)
			crc = crc32_update(crc, base + offsets[p] + (size_t)y * pitches[p], bytes[p]);
	return ~crc;
}

#endif
