// SPDX-License-Identifier: MIT
/*
 * Frame stamp and pattern verification: frames written as fakecam writes
 * them pass, and each kind of damage is found at the right plane/row/byte.
 * The expected samples are taken from the shared header directly, so that a
 * reading of the pattern that differs from frame-pattern.h fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmabuf-interop/frame-verify.h"
#include "fd-fixtures.h"

#include "dmabuf-interop/frame-pattern.h"

struct frame {
	struct di_layout layout;
	size_t size;
	uint8_t *map;
};

static struct frame make_frame(uint32_t fourcc, uint32_t w, uint32_t h, uint32_t align,
			       uint64_t seq)
{
	struct frame f;

	assert_int_equal(di_layout_init(&f.layout, fourcc, w, h, align, NULL), DI_OK);
	f.size = di_layout_size(&f.layout) + 4096;
	f.map = malloc(f.size);
	assert_non_null(f.map);
	memset(f.map, 0xee, f.size);
	assert_int_equal(di_frame_fill(f.map, f.size, &f.layout, seq, 123456789, NULL), DI_OK);
	return f;
}

static void test_every_format_verifies(void **state)
{
	static const uint32_t fourccs[] = {DI_FOURCC_XRGB8888, DI_FOURCC_ARGB8888, DI_FOURCC_NV12,
					   DI_FOURCC_YUYV,     DI_FOURCC_NV21,	   DI_FOURCC_NV16,
					   DI_FOURCC_YUV420,   DI_FOURCC_RGB565};
	struct frame_stamp s;
	struct di_error err;
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct frame f = make_frame(fourccs[i], 66, 50, 64, 41);

		assert_int_equal(di_stamp_verify(f.map, f.size, &f.layout, 41, &s, &err), DI_OK);
		assert_int_equal(s.seq, 41);
		assert_int_equal(s.timestamp_ns, 123456789);
		assert_int_equal(s.fourcc, fourccs[i]);
		assert_int_equal(s.width, 66);
		assert_int_equal(s.height, 50);
		assert_int_equal(di_pattern_verify(f.map, f.size, &f.layout, 41, 0, NULL, &err),
				 DI_OK);
		assert_int_equal(di_pattern_verify(f.map, f.size, &f.layout, 41,
						   FRAME_PATTERN_STAMP_ONLY_ROWS, NULL, &err),
				 DI_OK);
		/* The next frame's pattern differs. */
		expect_status(di_pattern_verify(f.map, f.size, &f.layout, 42, 0, NULL, &err), &err,
			      DI_ERR_PATTERN, "frame 42 differs from the pattern");
		free(f.map);
	}
}

/* Samples where frame-pattern.h says they are. */
static void test_sample_placement(void **state)
{
	struct frame f;
	uint32_t v;

	(void)state;
	f = make_frame(DI_FOURCC_XRGB8888, 64, 48, 256, 7);
	memcpy(&v, f.map + 5 * f.layout.pitch[0] + 4 * 33, 4);
	assert_int_equal(v, frame_pattern_xrgb(33, 5, 7));
	free(f.map);

	f = make_frame(DI_FOURCC_NV12, 64, 48, 1, 9);
	assert_int_equal(f.map[10 * 64 + 20], frame_pattern_luma(20, 10, 9));
	assert_int_equal(f.map[f.layout.offset[1] + 7 * 64 + 2 * 5], frame_pattern_cb(5, 7, 9));
	assert_int_equal(f.map[f.layout.offset[1] + 7 * 64 + 2 * 5 + 1], frame_pattern_cr(5, 7, 9));
	free(f.map);

	f = make_frame(DI_FOURCC_YUYV, 64, 48, 1, 3);
	assert_int_equal(f.map[12 * 128 + 4 * 6], frame_pattern_luma(12, 12, 3));
	assert_int_equal(f.map[12 * 128 + 4 * 6 + 1], frame_pattern_cb(6, 12, 3));
	assert_int_equal(f.map[12 * 128 + 4 * 6 + 2], frame_pattern_luma(13, 12, 3));
	assert_int_equal(f.map[12 * 128 + 4 * 6 + 3], frame_pattern_cr(6, 12, 3));
	free(f.map);

	f = make_frame(DI_FOURCC_RGB565, 64, 48, 1, 4);
	assert_int_equal(f.map[3 * 128 + 2 * 9] | f.map[3 * 128 + 2 * 9 + 1] << 8,
			 frame_pattern_rgb565(9, 3, 4));
	free(f.map);

	f = make_frame(DI_FOURCC_NV21, 64, 48, 1, 5);
	assert_int_equal(f.map[f.layout.offset[1] + 7 * 64 + 2 * 5], frame_pattern_cr(5, 7, 5));
	assert_int_equal(f.map[f.layout.offset[1] + 7 * 64 + 2 * 5 + 1], frame_pattern_cb(5, 7, 5));
	free(f.map);

	/* NV16: the chroma plane has a row per image row. */
	f = make_frame(DI_FOURCC_NV16, 64, 48, 1, 6);
	assert_int_equal(f.layout.offset[1], 64 * 48);
	assert_int_equal(di_layout_size(&f.layout), 2 * 64 * 48);
	assert_int_equal(f.map[f.layout.offset[1] + 40 * 64 + 2 * 5], frame_pattern_cb(5, 40, 6));
	free(f.map);

	/* YUV420: Cb then Cr, each 32 bytes by 24 rows. */
	f = make_frame(DI_FOURCC_YUV420, 64, 48, 1, 8);
	assert_int_equal(f.layout.offset[1], 64 * 48);
	assert_int_equal(f.layout.offset[2], 64 * 48 + 32 * 24);
	assert_int_equal(f.map[f.layout.offset[1] + 7 * 32 + 5], frame_pattern_cb(5, 7, 8));
	assert_int_equal(f.map[f.layout.offset[2] + 7 * 32 + 5], frame_pattern_cr(5, 7, 8));
	free(f.map);
}

static void test_stamp_damage(void **state)
{
	struct frame f = make_frame(DI_FOURCC_XRGB8888, 64, 48, 1, 5);
	struct frame_stamp s, saved;
	struct di_layout other = f.layout;
	struct di_error err;

	(void)state;
	memcpy(&saved, f.map, sizeof(saved));
	expect_status(di_stamp_verify(f.map, f.size, &f.layout, 6, &s, &err), &err, DI_ERR_STAMP,
		      "stamp is frame 5, expected frame 6");
	assert_int_equal(s.seq, 5);

	other.width = 32;
	other.pitch[0] = 128;
	expect_status(di_stamp_verify(f.map, f.size, &other, 5, NULL, &err), &err, DI_ERR_STAMP,
		      "stamp says XR24 64x48, the pool is XR24 32x48");

	f.map[8] ^= 1; /* seq changed behind the checksum's back */
	expect_status(di_stamp_verify(f.map, f.size, &f.layout, 5, NULL, &err), &err, DI_ERR_STAMP,
		      "checksum");
	memcpy(f.map, &saved, sizeof(saved));
	f.map[0] = 0;
	expect_status(di_stamp_read(f.map, f.size, &f.layout, &s, &err), &err, DI_ERR_STAMP,
		      "no frame stamp: magic 0x504d5400");
	memcpy(f.map, &saved, sizeof(saved));
	f.map[6] = 41; /* size field */
	expect_status(di_stamp_read(f.map, f.size, &f.layout, &s, &err), &err, DI_ERR_STAMP,
		      "size 41, expected version 1 size 40");
	memcpy(f.map, &saved, sizeof(saved));
	assert_int_equal(di_stamp_verify(f.map, f.size, &f.layout, 5, NULL, &err), DI_OK);

	expect_status(di_stamp_read(f.map, 39, &f.layout, &s, &err), &err, DI_ERR_LAYOUT,
		      "mapping of 39 bytes is smaller than the frame's 12288");
	/* Stamp bytes are not pattern: damaging them is the stamp check's business. */
	f.map[20] ^= 0xff;
	assert_int_equal(di_pattern_verify(f.map, f.size, &f.layout, 5, 0, NULL, &err), DI_OK);
	free(f.map);
}

static void test_pattern_damage_located(void **state)
{
	struct frame f = make_frame(DI_FOURCC_NV12, 64, 48, 128, 11);
	struct di_mismatch where;
	struct di_error err;
	size_t off;

	(void)state;
	/* Chroma plane, row 17, byte 9. */
	off = f.layout.offset[1] + 17 * f.layout.pitch[1] + 9;
	f.map[off] ^= 0x40;
	expect_status(di_pattern_verify(f.map, f.size, &f.layout, 11, 0, &where, &err), &err,
		      DI_ERR_PATTERN, "at plane 1 row 17 byte 9");
	assert_int_equal(where.plane, 1);
	assert_int_equal(where.row, 17);
	assert_int_equal(where.byte, 9);
	assert_int_equal(where.offset, off);
	assert_int_equal(where.actual, where.expected ^ 0x40);
	/* Stamp-only frames check the first rows only: row 17 of chroma is image row 34. */
	assert_int_equal(di_pattern_verify(f.map, f.size, &f.layout, 11,
					   FRAME_PATTERN_STAMP_ONLY_ROWS, NULL, &err),
			 DI_OK);
	f.map[off] ^= 0x40;

	/* Chroma row 1 covers image rows 2-3, inside a 4-row check. */
	off = f.layout.offset[1] + 1 * f.layout.pitch[1] + 63;
	f.map[off] ^= 1;
	expect_status(di_pattern_verify(f.map, f.size, &f.layout, 11, FRAME_PATTERN_STAMP_ONLY_ROWS,
					&where, &err),
		      &err, DI_ERR_PATTERN, "plane 1 row 1 byte 63");
	f.map[off] ^= 1;

	/* Luma right after the stamp. */
	f.map[FRAME_STAMP_SIZE] ^= 1;
	expect_status(di_pattern_verify(f.map, f.size, &f.layout, 11, 1, &where, &err), &err,
		      DI_ERR_PATTERN, "plane 0 row 0 byte 40 (buffer offset 40)");
	f.map[FRAME_STAMP_SIZE] ^= 1;

	/* Padding between a row's end (64) and its pitch (128) is not pattern. */
	f.map[5 * f.layout.pitch[0] + 100] ^= 0xff;
	assert_int_equal(di_pattern_verify(f.map, f.size, &f.layout, 11, 0, NULL, &err), DI_OK);

	/* The last byte of the frame. */
	off = di_layout_size(&f.layout) - f.layout.pitch[1] + 63;
	f.map[off] ^= 2;
	expect_status(di_pattern_verify(f.map, f.size, &f.layout, 11, 0, &where, &err), &err,
		      DI_ERR_PATTERN, "plane 1 row 23 byte 63");
	assert_int_equal(where.offset, off);
	free(f.map);
}

/* A stamp longer than the first row continues on the next one. */
static void test_narrow_frame(void **state)
{
	struct frame f = make_frame(DI_FOURCC_YUYV, 8, 4, 1, 2); /* 16-byte rows */
	struct di_error err;

	(void)state;
	assert_int_equal(di_stamp_verify(f.map, f.size, &f.layout, 2, NULL, &err), DI_OK);
	assert_int_equal(di_pattern_verify(f.map, f.size, &f.layout, 2, 0, NULL, &err), DI_OK);
	f.map[40] ^= 1; /* first pattern byte after the stamp: row 2, byte 8 */
	expect_status(di_pattern_verify(f.map, f.size, &f.layout, 2, 0, NULL, &err), &err,
		      DI_ERR_PATTERN, "plane 0 row 2 byte 8");
	expect_status(di_frame_fill(f.map, 63, &f.layout, 2, 0, &err), &err, DI_ERR_LAYOUT,
		      "mapping of 63 bytes is smaller than the frame's 64");
	free(f.map);
}

/* NV12 in two buffers (NV12M): each plane verified in its own mapping. */
static void test_fd_per_plane(void **state)
{
	struct di_layout l;
	uint8_t *y = malloc(64 * 48), *uv = malloc(64 * 24);
	void *maps[2] = {y, uv};
	size_t sizes[2] = {64 * 48, 64 * 24};
	struct di_mismatch where;
	struct di_error err;

	(void)state;
	assert_non_null(y);
	assert_non_null(uv);
	assert_int_equal(di_layout_init_fd_per_plane(&l, DI_FOURCC_NV12, 64, 48, 1, NULL), DI_OK);
	assert_int_equal(di_frame_fill_fds(maps, sizes, &l, 12, 1000, &err), DI_OK);
	assert_int_equal(di_stamp_verify_fds((const void *const *)maps, sizes, &l, 12, NULL, &err),
			 DI_OK);
	assert_int_equal(
	    di_pattern_verify_fds((const void *const *)maps, sizes, &l, 12, 0, NULL, &err), DI_OK);
	assert_int_equal(uv[2 * 3 + 1], frame_pattern_cr(3, 0, 12));

	uv[64 * 5 + 7] ^= 1;
	assert_int_equal(
	    di_pattern_verify_fds((const void *const *)maps, sizes, &l, 12, 0, &where, &err),
	    DI_ERR_PATTERN);
	assert_int_equal(where.plane, 1);
	assert_int_equal(where.row, 5);
	assert_int_equal(where.offset, 64 * 5 + 7);
	uv[64 * 5 + 7] ^= 1;

	/* A chroma mapping one byte short is refused, naming the plane. */
	sizes[1]--;
	expect_status(di_pattern_verify_fds((const void *const *)maps, sizes, &l, 12, 0, NULL,
					    &err),
		      &err, DI_ERR_LAYOUT, "smaller than plane 1's 1536");
	free(y);
	free(uv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_every_format_verifies),
	    TEST_WITH_FD_CHECK(test_sample_placement),
	    TEST_WITH_FD_CHECK(test_stamp_damage),
	    TEST_WITH_FD_CHECK(test_pattern_damage_located),
	    TEST_WITH_FD_CHECK(test_narrow_frame),
	    TEST_WITH_FD_CHECK(test_fd_per_plane),
	};

	return cmocka_run_group_tests_name("frame-verify", tests, NULL, NULL);
}
