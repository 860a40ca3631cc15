/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The CRC fakedisp reports for a screen whose only plane is one frame that
 * covers the whole mode (docs/fakedisp.md, "The CRC"), recomputed from the
 * same bytes: lib/compose's blend of that plane over black, then CRC-32
 * (zlib's) of the XRGB8888 output.
 */
#ifndef FRAME_CRC_H
#define FRAME_CRC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <dmabuf-interop/compose.h>

/* @base: the mapped buffer; the plane covers the whole @width x @height. */
static inline uint32_t frame_crc(const uint8_t *base, uint32_t fourcc, uint32_t width,
				 uint32_t height, const uint32_t *pitches, const uint32_t *offsets)
{
	struct di_compose_plane p = {
		.fourcc = fourcc,
		.data = { base + offsets[0], base + offsets[1], base + offsets[2] },
		.pitches = { pitches[0], pitches[1], pitches[2] },
		.dst_w = width,
		.dst_h = height,
	};
	uint32_t crc = 0;

	if (di_compose_crc(&p, 1, width, height, &crc)) {
		fprintf(stderr, "frame_crc: cannot compose %.4s %ux%u\n", (const char *)&fourcc,
			width, height);
		exit(1);
	}
	return crc;
}

#endif
