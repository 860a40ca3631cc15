// SPDX-License-Identifier: MIT
#include "snapshot.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t clamp8(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

static void yuv_to_rgb(int y, int cb, int cr, uint8_t *rgb)
{
	int c = 298 * (y - 16), d = cb - 128, e = cr - 128;

	rgb[0] = clamp8((c + 409 * e + 128) >> 8);
	rgb[1] = clamp8((c - 100 * d - 208 * e + 128) >> 8);
	rgb[2] = clamp8((c + 516 * d + 128) >> 8);
}

/* One image row of the frame as RGB. */
static void convert_row(const uint8_t *base, const struct di_layout *l, uint32_t y, uint8_t *out)
{
	const uint8_t *row = base + l->offset[0] + (size_t)y * l->pitch[0];
	uint32_t x;

	switch (l->fourcc) {
	case DI_FOURCC_NV12: {
		const uint8_t *uv = base + l->offset[1] + (size_t)(y / 2) * l->pitch[1];

		for (x = 0; x < l->width; x++)
			yuv_to_rgb(row[x], uv[x & ~1u], uv[x | 1u], out + 3 * x);
		break;
	}
	case DI_FOURCC_YUYV:
		for (x = 0; x < l->width; x++) {
			const uint8_t *pair = row + (x / 2) * 4;

			yuv_to_rgb(pair[(x & 1) * 2], pair[1], pair[3], out + 3 * x);
		}
		break;
	default: /* XRGB8888, ARGB8888: B, G, R, X in memory */
		for (x = 0; x < l->width; x++) {
			out[3 * x] = row[4 * x + 2];
			out[3 * x + 1] = row[4 * x + 1];
			out[3 * x + 2] = row[4 * x];
		}
		break;
	}
}

static int write_png(FILE *f, const uint8_t *base, const struct di_layout *l, uint8_t *row,
		     struct di_error *err)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;

	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return di_error_set(err, DI_ERR_SYS, ENOMEM, "libpng: out of memory");
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return di_error_set(err, DI_ERR_SYS, EIO, "libpng failed to write the snapshot");
	}
	png_init_io(png, f);
	png_set_compression_level(png, 1);
	png_set_IHDR(png, info, l->width, l->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < l->height; y++) {
		convert_row(base, l, y, row);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return DI_OK;
}

int snapshot_png(const char *path, int fd, const struct di_layout *layout, struct di_error *err)
{
	struct di_buffer_map map = {.fd = -1};
	uint8_t *row = malloc((size_t)layout->width * 3);
	enum di_status st;
	FILE *f;

	if (!row)
		return di_error_set(err, DI_ERR_SYS, ENOMEM, "no memory for a snapshot row");
	f = fopen(path, "wb");
	if (!f) {
		free(row);
		return di_error_set(err, DI_ERR_SYS, errno, "cannot create %s: %s", path,
				    strerror(errno));
	}
	st = di_buffer_map(fd, di_layout_size(layout), false, &map, err);
	if (st == DI_OK)
		st = di_buffer_sync(fd, true, false, err);
	if (st == DI_OK) {
		st = write_png(f, map.addr, layout, row, err);
		enum di_status end = di_buffer_sync(fd, false, false, st == DI_OK ? err : NULL);

		if (st == DI_OK)
			st = end;
	}
	di_buffer_unmap(&map);
	if (fclose(f) && st == DI_OK)
		st = di_error_set(err, DI_ERR_SYS, errno, "cannot write %s: %s", path,
				  strerror(errno));
	free(row);
	return st;
}
