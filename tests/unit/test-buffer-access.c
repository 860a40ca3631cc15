// SPDX-License-Identifier: MIT
/*
 * Mapping and the SYNC-bracketed frame check. A memfd has no
 * DMA_BUF_IOCTL_SYNC, so on the host the bracket's failure path is what is
 * checked (clean error, nothing left mapped or open); the success path runs
 * on real dma-bufs in the VM scenarios.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmabuf-interop/buffer-access.h"
#include "fd-fixtures.h"

static void test_map_and_check(void **state)
{
	struct di_buffer_map wmap, rmap;
	struct di_layout l;
	struct di_error err;
	int fd;

	(void)state;
	assert_int_equal(di_layout_init(&l, DI_FOURCC_NV12, 64, 48, 64, NULL), DI_OK);
	fd = test_memfd(di_layout_size(&l));
	assert_int_equal(di_buffer_map(fd, di_layout_size(&l), true, &wmap, &err), DI_OK);
	assert_true(wmap.writable);
	assert_int_equal(di_frame_fill(wmap.addr, wmap.size, &l, 5, 0, &err), DI_OK);
	assert_int_equal(di_buffer_map(fd, di_layout_size(&l), false, &rmap, &err), DI_OK);
	/* The reader sees what the writer wrote through the same pages. */
	assert_int_equal(di_pattern_verify(rmap.addr, rmap.size, &l, 5, 0, NULL, &err), DI_OK);

	assert_int_equal(di_frame_verify_mapped(&rmap, &l, 5, DI_VERIFY_NONE, 0, NULL, NULL, &err),
			 DI_OK);
	expect_status(di_frame_verify_mapped(&rmap, &l, 5, DI_VERIFY_FULL, 0, NULL, NULL, &err),
		      &err, DI_ERR_SYS, "DMA_BUF_IOCTL_SYNC(START|READ) on fd");
	assert_int_equal(err.sys_errno, ENOTTY);
	expect_status(di_buffer_sync(fd, false, true, &err), &err, DI_ERR_SYS,
		      "DMA_BUF_IOCTL_SYNC(END|RW)");

	di_buffer_unmap(&wmap);
	di_buffer_unmap(&rmap);
	di_buffer_unmap(&rmap);
	assert_null(rmap.addr);
	expect_status(di_frame_verify_mapped(&rmap, &l, 5, DI_VERIFY_STAMP, 0, NULL, NULL, &err),
		      &err, DI_ERR_STATE, "is not mapped");
	close(fd);
}

static void test_map_errors(void **state)
{
	struct di_buffer_map map;
	struct di_error err;
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	expect_status(di_buffer_map(p[0], 4096, false, &map, &err), &err, DI_ERR_SYS, "mmap(fd");
	assert_null(map.addr);
	expect_status(di_buffer_map(p[0], 0, false, &map, &err), &err, DI_ERR_FIELD,
		      "cannot map 0 bytes");
	close(p[0]);
	close(p[1]);
}

static void test_verify_parse(void **state)
{
	enum di_verify mode;
	struct di_error err;

	(void)state;
	assert_int_equal(di_verify_parse("none", &mode, &err), DI_OK);
	assert_int_equal(mode, DI_VERIFY_NONE);
	assert_int_equal(di_verify_parse("stamp", &mode, &err), DI_OK);
	assert_int_equal(mode, DI_VERIFY_STAMP);
	assert_int_equal(di_verify_parse("full", &mode, &err), DI_OK);
	assert_int_equal(mode, DI_VERIFY_FULL);
	expect_status(di_verify_parse("Full", &mode, &err), &err, DI_ERR_FIELD,
		      "verify mode 'Full' is none of none, stamp, full");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_map_and_check),
	    TEST_WITH_FD_CHECK(test_map_errors),
	    TEST_WITH_FD_CHECK(test_verify_parse),
	};

	return cmocka_run_group_tests_name("buffer-access", tests, NULL, NULL);
}
