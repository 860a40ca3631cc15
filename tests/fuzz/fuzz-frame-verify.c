// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the frame readers: a layout built from the first
 * bytes, the rest taken as the mapped frame. Reading a frame of any valid
 * layout and any content must stay inside the mapping (AddressSanitizer
 * watches), and a frame written by di_frame_fill() must verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf-interop/frame-verify.h"

#define HEADER 12

static const uint32_t fourccs[] = {DI_FOURCC_XRGB8888, DI_FOURCC_ARGB8888, DI_FOURCC_NV12,
				   DI_FOURCC_YUYV};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct di_mismatch where;
	struct frame_stamp stamp;
	struct di_layout l;
	uint8_t *copy;
	uint64_t need, seq;
	uint32_t i, rows;

	if (size < HEADER)
		return 0;
	if (di_layout_init(&l, fourccs[data[0] % 4], 2 + 2 * (data[1] % 40), 2 + 2 * (data[2] % 20),
			   1u << (data[3] % 7), NULL) != DI_OK)
		return 0;
	/* Pitches and offsets moved around, as a peer may declare them. */
	for (i = 0; i < l.num_planes; i++) {
		l.pitch[i] += data[4 + i] % 64;
		l.offset[i] += (uint32_t)data[6 + i] * 16;
	}
	if (i == 2)
		l.offset[1] +=
		    l.pitch[0] * l.height - (l.offset[1] - l.offset[0]) + (uint32_t)data[7] * 16;
	if (di_layout_check(&l, NULL) != DI_OK)
		return 0;

	seq = data[8];
	rows = data[9] % 8;
	data += HEADER;
	size -= HEADER;
	di_stamp_read(data, size, &l, &stamp, NULL);
	di_stamp_verify(data, size, &l, seq, &stamp, NULL);
	di_pattern_verify(data, size, &l, seq, rows, &where, NULL);

	need = di_layout_size(&l) + FRAME_STAMP_SIZE;
	copy = malloc(need);
	if (!copy)
		return 0;
	if (di_frame_fill(copy, need, &l, seq, 7, NULL) != DI_OK ||
	    di_stamp_verify(copy, need, &l, seq, &stamp, NULL) != DI_OK ||
	    di_pattern_verify(copy, need, &l, seq, 0, NULL, NULL) != DI_OK)
		abort();
	free(copy);
	return 0;
}
