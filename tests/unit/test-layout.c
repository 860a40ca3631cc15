// SPDX-License-Identifier: MIT
/* Pixel formats and plane layouts: sizes, packed layouts and their checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dmabuf-interop/layout.h"
#include "fd-fixtures.h"

static void test_packed_layouts(void **state)
{
	struct di_layout l;

	(void)state;
	assert_int_equal(di_layout_init(&l, DI_FOURCC_XRGB8888, 1920, 1080, 1, NULL), DI_OK);
	assert_int_equal(l.num_planes, 1);
	assert_int_equal(l.pitch[0], 7680);
	assert_int_equal(di_layout_size(&l), 7680ull * 1080);

	assert_int_equal(di_layout_init(&l, DI_FOURCC_NV12, 640, 480, 1, NULL), DI_OK);
	assert_int_equal(l.num_planes, 2);
	assert_int_equal(l.pitch[0], 640);
	assert_int_equal(l.offset[1], 640 * 480);
	assert_int_equal(l.pitch[1], 640);
	assert_int_equal(di_layout_size(&l), 640 * 480 * 3 / 2);

	assert_int_equal(di_layout_init(&l, DI_FOURCC_YUYV, 642, 3, 64, NULL), DI_OK);
	assert_int_equal(l.pitch[0], 1344); /* 1284 rounded up to 64 */
	assert_int_equal(di_layout_size(&l), 1344 * 3);

	assert_int_equal(di_layout_init(&l, DI_FOURCC_NV12, 66, 2, 256, NULL), DI_OK);
	assert_int_equal(l.pitch[0], 256);
	assert_int_equal(l.offset[1], 512);
	assert_int_equal(di_layout_size(&l), 768);

	assert_int_equal(di_layout_init(&l, DI_FOURCC_ARGB8888, 16384, 16384, 1, NULL), DI_OK);
	assert_int_equal(di_layout_size(&l), 65536ull * 16384);
}

static void test_layout_errors(void **state)
{
	struct di_error err;
	struct di_layout l;

	(void)state;
	assert_int_equal(di_layout_init(&l, DI_FOURCC('B', 'G', '1', '6'), 64, 64, 1, &err),
			 DI_ERR_FIELD);
	assert_non_null(strstr(err.text, "unknown pixel format 'BG16'"));
	assert_int_equal(di_layout_init(&l, DI_FOURCC_NV12, 63, 64, 1, &err), DI_ERR_LAYOUT);
	assert_int_equal(di_layout_init(&l, DI_FOURCC_XRGB8888, 64, 64, 3, &err), DI_ERR_FIELD);
	assert_non_null(strstr(err.text, "not a power of two"));
	assert_int_equal(di_layout_init(&l, DI_FOURCC_XRGB8888, 0, 64, 1, &err), DI_ERR_FIELD);
	assert_int_equal(di_layout_init(&l, DI_FOURCC_XRGB8888, 64, 16385, 1, &err), DI_ERR_FIELD);

	/* Planes out of order are overlapping ones. */
	assert_int_equal(di_layout_init(&l, DI_FOURCC_NV12, 64, 64, 1, NULL), DI_OK);
	l.offset[0] = 8192;
	assert_int_equal(di_layout_check(&l, &err), DI_ERR_LAYOUT);
	assert_non_null(strstr(err.text, "plane 1 at offset 4096 overlaps"));
	/* An offset placing the plane far away is allowed and grows the size. */
	assert_int_equal(di_layout_init(&l, DI_FOURCC_NV12, 64, 64, 1, NULL), DI_OK);
	l.offset[1] = 1u << 20;
	assert_int_equal(di_layout_check(&l, &err), DI_OK);
	assert_int_equal(di_layout_size(&l), (1u << 20) + 64 * 32);
	/* Largest 32-bit pitch at the largest height does not overflow the size. */
	assert_int_equal(di_layout_init(&l, DI_FOURCC_XRGB8888, 64, 16384, 1, NULL), DI_OK);
	l.pitch[0] = UINT32_MAX;
	assert_int_equal(di_layout_check(&l, &err), DI_OK);
	assert_int_equal(di_layout_size(&l), (uint64_t)UINT32_MAX * 16384);
}

static void test_fourcc_names(void **state)
{
	char buf[5];

	(void)state;
	assert_string_equal(di_fourcc_str(DI_FOURCC_NV12, buf), "NV12");
	assert_string_equal(di_fourcc_str(0x01020341, buf), "A???");
	assert_string_equal(di_format_lookup(DI_FOURCC_YUYV)->name, "YUYV");
	assert_null(di_format_lookup(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_packed_layouts),
	    TEST_WITH_FD_CHECK(test_layout_errors),
	    TEST_WITH_FD_CHECK(test_fourcc_names),
	};

	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
