// SPDX-License-Identifier: MIT
#include "snapshot.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf-interop/compose.h"

#define SNAPSHOT_PLANES_MAX 8

static int write_png(FILE *f, const uint8_t *xrgb, uint32_t width, uint32_t height,
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
	png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	/* XRGB8888 in memory is B, G, R, X: libpng takes it as BGR with a filler. */
	png_set_bgr(png);
	png_set_filler(png, 0, PNG_FILLER_AFTER);
	for (uint32_t y = 0; y < height; y++)
		png_write_row(png, (png_const_bytep)(xrgb + (size_t)y * width * DI_COMPOSE_CPP));
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return DI_OK;
}

/* Unmaps the n fds of one screen plane after SYNC_END. */
static void unmap_plane(struct di_buffer_map *map, uint32_t n)
{
	for (uint32_t f = 0; f < n; f++) {
		di_buffer_sync(map[f].fd, false, false, NULL);
		di_buffer_unmap(&map[f]);
	}
}

/* Maps and SYNC_STARTs every fd of every plane; *mapped says how many planes succeeded. */
static enum di_status map_planes(const struct snapshot_plane *p, uint32_t n,
				 struct di_buffer_map (*map)[DI_MAX_PLANES],
				 struct di_compose_plane *cp, uint32_t *mapped, struct di_error *err)
{
	for (*mapped = 0; *mapped < n; (*mapped)++) {
		uint32_t i = *mapped;
		const struct di_layout *l = p[i].layout;
		const uint8_t *base[DI_MAX_PLANES];

		for (uint32_t f = 0; f < di_layout_fds(l); f++) {
			if (di_buffer_map(p[i].fds[f], di_layout_fd_size(l, f), false, &map[i][f],
					  err)) {
				unmap_plane(map[i], f);
				return err->status;
			}
			if (di_buffer_sync(p[i].fds[f], true, false, err)) {
				di_buffer_unmap(&map[i][f]);
				unmap_plane(map[i], f);
				return err->status;
			}
			base[f] = map[i][f].addr;
		}
		cp[i] = (struct di_compose_plane){.fourcc = l->fourcc,
						  .dst_x = p[i].x,
						  .dst_y = p[i].y,
						  .dst_w = l->width,
						  .dst_h = l->height,
						  .zpos = p[i].zpos};
		for (uint32_t k = 0; k < l->num_planes && k < 3; k++) {
			cp[i].data[k] = base[di_layout_plane_fd(l, k)] + l->offset[k];
			cp[i].pitches[k] = l->pitch[k];
		}
	}
	return DI_OK;
}

int snapshot_png(const char *path, const struct snapshot_plane *planes, uint32_t n, uint32_t width,
		 uint32_t height, struct di_error *err)
{
	struct di_buffer_map map[SNAPSHOT_PLANES_MAX][DI_MAX_PLANES];
	struct di_compose_plane cp[SNAPSHOT_PLANES_MAX] = {0};
	uint8_t *screen = malloc((size_t)width * height * DI_COMPOSE_CPP);
	enum di_status st;
	uint32_t mapped;
	FILE *f;

	if (!screen)
		return di_error_set(err, DI_ERR_SYS, ENOMEM, "no memory for a %ux%u snapshot",
				    width, height);
	if (n > SNAPSHOT_PLANES_MAX)
		n = SNAPSHOT_PLANES_MAX;
	st = map_planes(planes, n, map, cp, &mapped, err);
	if (st == DI_OK && di_compose(cp, n, screen, width, height))
		st = di_error_set(err, DI_ERR_LAYOUT, 0, "a plane's format cannot be composed");
	for (uint32_t i = 0; i < mapped; i++)
		unmap_plane(map[i], di_layout_fds(planes[i].layout));
	f = st == DI_OK ? fopen(path, "wb") : NULL;
	if (st == DI_OK && !f)
		st = di_error_set(err, DI_ERR_SYS, errno, "cannot create %s: %s", path,
				  strerror(errno));
	if (f) {
		st = write_png(f, screen, width, height, err);
		if (fclose(f) && st == DI_OK)
			st = di_error_set(err, DI_ERR_SYS, errno, "cannot write %s: %s", path,
					  strerror(errno));
	}
	free(screen);
	return st;
}
