// SPDX-License-Identifier: MIT
/*
 * The composed screen (lib/compose.c), from known values: what fakedisp's
 * CRC is defined over (docs/fakedisp.md, "The CRC").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dmabuf-interop/compose.h"
#include "fd-fixtures.h"

#define W 4
#define H 4

/* Output pixel (x, y) of a W-wide screen as 0xRRGGBB; asserts X is 0. */
static uint32_t px(const uint8_t *out, unsigned int x, unsigned int y)
{
	const uint8_t *p = out + (y * W + x) * DI_COMPOSE_CPP;

	assert_int_equal(p[3], 0);
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* A W x H XRGB8888 buffer of one colour, X byte 0xff (it must not show). */
static void fill_xrgb(uint8_t *buf, unsigned int n, uint8_t r, uint8_t g, uint8_t b, uint8_t a)
{
	for (unsigned int i = 0; i < n; i++) {
		buf[i * 4 + 0] = b;
		buf[i * 4 + 1] = g;
		buf[i * 4 + 2] = r;
		buf[i * 4 + 3] = a;
	}
}

static struct di_compose_plane plane(uint32_t fourcc, const uint8_t *data, uint32_t pitch,
				     int32_t x, int32_t y, uint32_t w, uint32_t h, int zpos)
{
	struct di_compose_plane p = {
		.fourcc = fourcc,
		.data = { data },
		.pitches = { pitch },
		.dst_x = x,
		.dst_y = y,
		.dst_w = w,
		.dst_h = h,
		.zpos = zpos,
	};
	return p;
}

static void test_crc32_is_zlibs(void **state)
{
	(void)state;
	assert_int_equal(di_crc32(0, "123456789", 9), 0xcbf43926u);
	assert_int_equal(di_crc32(di_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
	assert_int_equal(di_crc32(0, "", 0), 0);
}

static void test_opaque_overlay_over_primary(void **state)
{
	uint8_t primary[W * H * 4], overlay[2 * 2 * 4], out[W * H * 4];
	struct di_compose_plane p[2];

	(void)state;
	fill_xrgb(primary, W * H, 10, 20, 30, 0xff);
	fill_xrgb(overlay, 4, 200, 100, 50, 0x7f);
	/* The overlay first in the array: zpos, not order, puts it on top. */
	p[0] = plane(DI_FOURCC_XRGB8888, overlay, 8, 1, 1, 2, 2, 1);
	p[1] = plane(DI_FOURCC_XRGB8888, primary, W * 4, 0, 0, W, H, 0);
	assert_int_equal(di_compose(p, 2, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0x0a141e);
	assert_int_equal(px(out, 1, 1), 0xc86432);
	assert_int_equal(px(out, 2, 2), 0xc86432);
	assert_int_equal(px(out, 3, 2), 0x0a141e);
	assert_int_equal(px(out, 1, 3), 0x0a141e);

	/* Below the primary, the overlay is hidden. */
	p[0].zpos = -1;
	assert_int_equal(di_compose(p, 2, out, W, H), 0);
	assert_int_equal(px(out, 1, 1), 0x0a141e);
	/* Equal zpos: the later in the array is on top. */
	p[0].zpos = 0;
	assert_int_equal(di_compose(p, 2, out, W, H), 0);
	assert_int_equal(px(out, 1, 1), 0x0a141e);
}

static void test_argb_blend(void **state)
{
	uint8_t primary[W * H * 4], overlay[3 * 4], out[W * H * 4];
	struct di_compose_plane p[2];

	(void)state;
	fill_xrgb(primary, W * H, 200, 100, 40, 0);
	/* Premultiplied: alpha 0 (transparent), 128 (half), 255 (opaque). */
	fill_xrgb(overlay + 0, 1, 0, 0, 0, 0);
	fill_xrgb(overlay + 4, 1, 64, 32, 0, 128);
	fill_xrgb(overlay + 8, 1, 1, 2, 3, 255);
	p[0] = plane(DI_FOURCC_XRGB8888, primary, W * 4, 0, 0, W, H, 0);
	p[1] = plane(DI_FOURCC_ARGB8888, overlay, 12, 0, 0, 3, 1, 1);
	assert_int_equal(di_compose(p, 2, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0xc86428);
	/* c + (under * 127 + 127) / 255: 64 + 100, 32 + 50, 0 + 20 */
	assert_int_equal(px(out, 1, 0), 0xa45214);
	assert_int_equal(px(out, 2, 0), 0x010203);
	assert_int_equal(px(out, 3, 0), 0xc86428);

	/* Not premultiplied (colour above alpha): the sum saturates. */
	fill_xrgb(overlay + 4, 1, 255, 200, 255, 128);
	assert_int_equal(di_compose(p, 2, out, W, H), 0);
	assert_int_equal(px(out, 1, 0), 0xfffaff); /* 255+100, 200+50, 255+20 */
}

static void test_yuv_colours(void **state)
{
	/* NV12 4x2: Y row 0 white white black black, row 1 red red grey grey;
	 * chroma per 2x2 block: (128, 128) then red's (90, 240). */
	uint8_t nv12[4 * 2 + 4] = { 235, 235, 16, 16, 81, 81, 126, 126, 128, 128, 90, 240 };
	/* YUYV 4x1: white, then red: Y0 U Y1 V. */
	uint8_t yuyv[8] = { 235, 128, 16, 128, 81, 90, 81, 240 };
	uint8_t out[W * H * 4];
	struct di_compose_plane p;

	(void)state;
	p = plane(DI_FOURCC_NV12, nv12, 4, 0, 0, 4, 2, 0);
	p.data[1] = nv12 + 8;
	p.pitches[1] = 4;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0xffffff);
	assert_int_equal(px(out, 1, 0), 0xffffff);
	/* Y 16 with red's chroma: R = (409 * 112 + 128) >> 8, B < 0 -> 0. */
	assert_int_equal(px(out, 2, 0), 0xb30000);
	assert_int_equal(px(out, 0, 1), 0x4c4c4c); /* (65 * 298 + 128) >> 8 = 76 */
	/* Y 126, red's chroma: R saturates, G 13412 >> 8, B 13300 >> 8. */
	assert_int_equal(px(out, 2, 1), 0xff3433);
	/* Nothing outside the plane: the background stays black. */
	assert_int_equal(px(out, 0, 2), 0);

	p = plane(DI_FOURCC_YUYV, yuyv, 8, 0, 0, 4, 1, 0);
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0xffffff);
	assert_int_equal(px(out, 1, 0), 0);
	assert_int_equal(px(out, 2, 0), 0xff0000);
	assert_int_equal(px(out, 3, 0), 0xff0000);

	/* Chroma is the sample's, also from an odd first column. */
	p.src_x = 1;
	p.dst_w = 3;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0);
	assert_int_equal(px(out, 1, 0), 0xff0000);
	assert_int_equal(px(out, 3, 0), 0);
}

/* The 4:2:0 formats: one picture (test_yuv_colours' NV12) in NV21 and in
 * YUV420, each plane from a buffer of its own, composes to the very same
 * output; NV21's bytes read as NV12 (U and V swapped) do not. */
static void test_nv21_yuv420(void **state)
{
	const uint8_t luma[8] = { 235, 235, 16, 16, 81, 81, 126, 126 };
	const uint8_t uv[4] = { 128, 128, 90, 240 }, vu[4] = { 128, 128, 240, 90 };
	/* YUV420's chroma planes with a pitch past their width: junk after. */
	const uint8_t u[4] = { 128, 90, 0xee, 0xee }, v[4] = { 128, 240, 0x11, 0x11 };
	uint8_t want[W * H * 4], out[W * H * 4];
	struct di_compose_plane p;

	(void)state;
	p = plane(DI_FOURCC_NV12, luma, 4, 0, 0, 4, 2, 0);
	p.data[1] = uv;
	p.pitches[1] = 4;
	assert_int_equal(di_compose(&p, 1, want, W, H), 0);
	assert_int_equal(px(want, 0, 0), 0xffffff);
	assert_int_equal(px(want, 2, 0), 0xb30000);
	assert_int_equal(px(want, 2, 1), 0xff3433);

	p.fourcc = DI_FOURCC_NV21;
	p.data[1] = vu;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_memory_equal(out, want, sizeof(want));
	/* Negative control: NV21's chroma as NV12's: U 240, V 90 at column 2. */
	p.fourcc = DI_FOURCC_NV12;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 2, 0), 0x0000e2);

	p = plane(DI_FOURCC_YUV420, luma, 4, 0, 0, 4, 2, 0);
	p.data[1] = u;
	p.data[2] = v;
	p.pitches[1] = 4;
	p.pitches[2] = 4;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_memory_equal(out, want, sizeof(want));
	/* U and V planes swapped: another picture. */
	p.data[1] = v;
	p.data[2] = u;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 2, 0), 0x0000e2);

	/* From an odd first column: the chroma of the sample still. */
	p.data[1] = u;
	p.data[2] = v;
	p.src_x = 1;
	p.dst_w = 3;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0xffffff);
	assert_int_equal(px(out, 1, 0), 0xb30000);
	assert_int_equal(px(out, 3, 0), 0);
}

/* NV16: a chroma row for every row; NV12 with the same bytes repeats row
 * 0's chroma on row 1. */
static void test_nv16(void **state)
{
	const uint8_t luma[8] = { 235, 235, 16, 16, 81, 81, 126, 126 };
	/* Row 0: neutral then red's chroma; row 1: red's then neutral. */
	const uint8_t uv[8] = { 128, 128, 90, 240, 90, 240, 128, 128 };
	uint8_t out[W * H * 4];
	struct di_compose_plane p = plane(DI_FOURCC_NV16, luma, 4, 0, 0, 4, 2, 0);

	(void)state;
	p.data[1] = uv;
	p.pitches[1] = 4;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0xffffff);
	assert_int_equal(px(out, 2, 0), 0xb30000);
	/* Y 81 with red's chroma: R 65306 >> 8 = 255, G 2 >> 8 = 0, B < 0. */
	assert_int_equal(px(out, 0, 1), 0xff0000);
	assert_int_equal(px(out, 2, 1), 0x808080); /* (110 * 298 + 128) >> 8 */
	p.fourcc = DI_FOURCC_NV12;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 0, 1), 0x4c4c4c);
}

/* RGB565: little-endian u16, channels widened by bit replication. */
static void test_rgb565(void **state)
{
	const uint16_t pix[8] = { 0xffff, 0xf800, 0x07e0, 0x001f, 0x8410, 0x0821, 0x0000, 0x7bef };
	uint8_t buf[16], out[W * H * 4];
	struct di_compose_plane p = plane(DI_FOURCC_RGB565, buf, 8, 0, 0, 4, 2, 0);

	(void)state;
	for (int i = 0; i < 8; i++) {
		buf[i * 2] = (uint8_t)(pix[i] & 0xff);
		buf[i * 2 + 1] = (uint8_t)(pix[i] >> 8);
	}
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0xffffff);
	assert_int_equal(px(out, 1, 0), 0xff0000);
	assert_int_equal(px(out, 2, 0), 0x00ff00);
	assert_int_equal(px(out, 3, 0), 0x0000ff);
	/* r5 16 -> 128 | 4, g6 32 -> 128 | 2, b5 16 -> 0x84 */
	assert_int_equal(px(out, 0, 1), 0x848284);
	assert_int_equal(px(out, 1, 1), 0x080408); /* 1 -> 8, 1 -> 4, 1 -> 8 */
	assert_int_equal(px(out, 2, 1), 0);
	/* r5 15 -> 0x7b, g6 31 -> 0x7d, b5 15 -> 0x7b */
	assert_int_equal(px(out, 3, 1), 0x7b7d7b);
	/* From column 1: pixel 1 at output column 0. */
	p.src_x = 1;
	p.dst_w = 3;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0xff0000);
	assert_int_equal(px(out, 2, 1), 0x7b7d7b);
	assert_int_equal(px(out, 3, 1), 0);
}

static void test_clipping(void **state)
{
	uint8_t overlay[2 * 2 * 4], out[W * H * 4], again[W * H * 4];
	struct di_compose_plane p;
	uint32_t crc;

	(void)state;
	for (int i = 0; i < 4; i++)
		fill_xrgb(overlay + i * 4, 1, (uint8_t)(i + 1), 0, 0, 0);
	/* Hanging over the top left corner: only source (1, 1) shows, at 0,0. */
	p = plane(DI_FOURCC_XRGB8888, overlay, 8, -1, -1, 2, 2, 0);
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 0, 0), 0x040000);
	assert_int_equal(px(out, 1, 0), 0);
	assert_int_equal(px(out, 0, 1), 0);
	/* Over the bottom right corner: source (0, 0) at 3,3. */
	p.dst_x = 3;
	p.dst_y = 3;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_int_equal(px(out, 3, 3), 0x010000);
	assert_int_equal(px(out, 2, 3), 0);
	/* Wholly off screen: black, and the CRC of black. */
	p.dst_x = 40;
	assert_int_equal(di_compose_crc(&p, 1, W, H, &crc), 0);
	memset(again, 0, sizeof(again));
	assert_int_equal(crc, di_crc32(0, again, sizeof(again)));
	p.dst_x = -2;
	assert_int_equal(di_compose(&p, 1, out, W, H), 0);
	assert_memory_equal(out, again, sizeof(again));
}

static void test_bad_fourcc(void **state)
{
	uint8_t buf[16] = { 0 }, out[W * H * 4];
	struct di_compose_plane p = plane(DI_FOURCC('B', 'G', '2', '4'), buf, 8, 0, 0, 1, 1, 0);
	uint32_t crc = 7;

	(void)state;
	assert_int_equal(di_compose(&p, 1, out, W, H), -1);
	assert_int_equal(di_compose_crc(&p, 1, W, H, &crc), -1);
	assert_int_equal(crc, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crc32_is_zlibs, fd_leak_setup,
						fd_leak_teardown),
		cmocka_unit_test_setup_teardown(test_opaque_overlay_over_primary, fd_leak_setup,
						fd_leak_teardown),
		cmocka_unit_test_setup_teardown(test_argb_blend, fd_leak_setup, fd_leak_teardown),
		cmocka_unit_test_setup_teardown(test_yuv_colours, fd_leak_setup, fd_leak_teardown),
		cmocka_unit_test_setup_teardown(test_nv21_yuv420, fd_leak_setup, fd_leak_teardown),
		cmocka_unit_test_setup_teardown(test_nv16, fd_leak_setup, fd_leak_teardown),
		cmocka_unit_test_setup_teardown(test_rgb565, fd_leak_setup, fd_leak_teardown),
		cmocka_unit_test_setup_teardown(test_clipping, fd_leak_setup, fd_leak_teardown),
		cmocka_unit_test_setup_teardown(test_bad_fourcc, fd_leak_setup, fd_leak_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
