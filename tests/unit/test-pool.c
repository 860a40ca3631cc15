// SPDX-License-Identifier: MIT
/*
 * Pools: split in parts of at most 253 fds on the way out, assembled and
 * checked part by part on the way in, everything closed on any fault.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/pool.h"
#include "fd-fixtures.h"

#define BUF_SIZE (64 * 4 * 48)

static struct di_layout xrgb_layout(void)
{
	struct di_layout l;

	assert_int_equal(di_layout_init(&l, DI_FOURCC_XRGB8888, 64, 48, 1, NULL), DI_OK);
	return l;
}

static int *make_memfds(unsigned int n)
{
	int *fds = calloc(n, sizeof(int));
	unsigned int i;

	assert_non_null(fds);
	for (i = 0; i < n; i++)
		fds[i] = test_memfd(BUF_SIZE);
	return fds;
}

static void free_memfds(int *fds, unsigned int n)
{
	di_close_fds(fds, n);
	free(fds);
}

static void expect_pool_empty(const struct di_pool *pool)
{
	unsigned int i;

	assert_int_equal(pool->count, 0);
	for (i = 0; i < DI_POOL_MAX; i++)
		assert_int_equal(pool->fds[i], -1);
}

/* 600 buffers: parts of 253, 253 and 94 fds, in order, reassembled. */
static void test_large_pool_is_split(void **state)
{
	struct di_layout layout = xrgb_layout();
	struct di_recv_ctx ctx = {.fs_magic = DI_FS_MAGIC_MEMFD};
	int sv[2], *sent = make_memfds(600), got[DI_FDS_PER_MSG];
	static const uint32_t parts[][2] = {{0, 253}, {253, 253}, {506, 94}};
	struct di_pool *pool = malloc(sizeof(*pool));
	struct di_error err;
	struct di_msg m;
	unsigned int i, n;

	(void)state;
	assert_non_null(pool);
	test_socketpair(sv, 0);
	assert_int_equal(di_pool_send(sv[0], 600, 0, &layout, sent, &err), DI_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(di_recv_msg(sv[1], &ctx, &m, got, &n, &err), DI_OK);
		assert_int_equal(m.type, DI_MSG_POOL);
		assert_int_equal(m.pool.count, 600);
		assert_int_equal(m.pool.first, parts[i][0]);
		assert_int_equal(m.pool.nfds, parts[i][1]);
		assert_int_equal(n, parts[i][1]);
		assert_true(same_file(got[0], sent[parts[i][0]]));
		di_close_fds(got, n);
	}

	assert_int_equal(di_pool_send(sv[0], 600, 0, &layout, sent, &err), DI_OK);
	assert_int_equal(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), DI_OK);
	assert_true(di_pool_complete(pool));
	assert_int_equal(pool->count, 600);
	assert_int_equal(pool->received, 600);
	for (i = 0; i < 600; i++)
		assert_true(same_file(pool->fds[i], sent[i]));
	ctx = di_pool_recv_ctx(pool, DI_FS_MAGIC_MEMFD);
	assert_int_equal(ctx.decode.pool_count, 600);
	assert_ptr_equal(ctx.layout, &pool->layout);
	di_pool_close(pool);
	expect_pool_empty(pool);
	free_memfds(sent, 600);
	free(pool);
	close(sv[0]);
	close(sv[1]);
}

static void test_fd_per_frame_pool(void **state)
{
	struct di_layout layout = xrgb_layout();
	struct di_pool *pool = malloc(sizeof(*pool));
	struct di_recv_ctx ctx;
	struct di_error err;
	int sv[2];

	(void)state;
	assert_non_null(pool);
	test_socketpair(sv, 0);
	assert_int_equal(di_pool_send(sv[0], 8, DI_POOL_FD_PER_FRAME, &layout, NULL, &err), DI_OK);
	assert_int_equal(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), DI_OK);
	assert_int_equal(pool->count, 8);
	assert_int_equal(pool->received, 0);
	ctx = di_pool_recv_ctx(pool, DI_FS_MAGIC_MEMFD);
	assert_int_equal(ctx.decode.pool_count, 8);
	assert_true(ctx.decode.fd_per_frame);
	di_pool_close(pool);
	free(pool);
	close(sv[0]);
	close(sv[1]);
}

/* Sends a raw POOL part (any first/nfds/layout) with fds from sent. */
static void send_part(int sock, uint32_t count, uint32_t first, uint32_t nfds,
		      const struct di_layout *layout, const int *sent)
{
	struct di_msg m = {.type = DI_MSG_POOL};

	m.pool.count = count;
	m.pool.first = first;
	m.pool.nfds = nfds;
	m.pool.layout = *layout;
	assert_int_equal(di_send_msg(sock, &m, sent, NULL), DI_OK);
}

static void test_bad_part_sequences(void **state)
{
	struct di_layout layout = xrgb_layout(), other = layout;
	struct di_pool *pool = malloc(sizeof(*pool));
	int sv[2], *sent = make_memfds(300);
	struct di_msg m;
	struct di_error err;

	(void)state;
	assert_non_null(pool);
	test_socketpair(sv, 0);

	/* Second part skips buffers. */
	send_part(sv[0], 300, 0, 253, &layout, sent);
	send_part(sv[0], 300, 260, 40, &layout, sent);
	expect_status(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), &err, DI_ERR_STATE,
		      "POOL part starts at buffer 260, expected 253");
	expect_pool_empty(pool);

	/* Second part changes the layout. */
	other.fourcc = DI_FOURCC_ARGB8888; /* same size, so the fd checks pass */
	send_part(sv[0], 300, 0, 253, &layout, sent);
	send_part(sv[0], 300, 253, 47, &other, sent);
	expect_status(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), &err, DI_ERR_STATE,
		      "POOL part changes the layout's format");

	/* Second part changes the count. */
	send_part(sv[0], 300, 0, 253, &layout, sent);
	send_part(sv[0], 301, 253, 47, &layout, sent);
	expect_status(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), &err, DI_ERR_STATE,
		      "changes count/flags from 300/0x0 to 301/0x0");

	/* First part not at buffer 0. */
	send_part(sv[0], 300, 253, 47, &layout, sent);
	expect_status(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), &err, DI_ERR_STATE,
		      "first POOL part starts at buffer 253, not 0");

	/* A FRAME in the middle of the pool: refused by the decoder (no complete pool yet). */
	send_part(sv[0], 300, 0, 253, &layout, sent);
	m = (struct di_msg){.type = DI_MSG_FRAME, .frame = {.index = 1}};
	assert_int_equal(di_send_msg(sv[0], &m, NULL, NULL), DI_OK);
	expect_status(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), &err, DI_ERR_STATE,
		      "FRAME for buffer 1 before any POOL");

	/* Another message type instead of the rest of the pool. */
	send_part(sv[0], 300, 0, 253, &layout, sent);
	m = (struct di_msg){.type = DI_MSG_BYE};
	assert_int_equal(di_send_msg(sv[0], &m, NULL, NULL), DI_OK);
	expect_status(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), &err, DI_ERR_STATE,
		      "BYE while the pool is incomplete (253 of 300 buffers)");

	/* The peer gives up with an ERROR. */
	di_msg_error(&m, DI_ERR_SYS, "VIDIOC_EXPBUF failed");
	assert_int_equal(di_send_msg(sv[0], &m, NULL, NULL), DI_OK);
	expect_status(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), &err, DI_ERR_REMOTE,
		      "peer reported DI_ERR_SYS: VIDIOC_EXPBUF failed");

	/* The peer leaves half way. */
	send_part(sv[0], 300, 0, 253, &layout, sent);
	close(sv[0]);
	expect_status(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), &err,
		      DI_ERR_PEER_CLOSED, "peer closed");
	expect_pool_empty(pool);

	free_memfds(sent, 300);
	free(pool);
	close(sv[1]);
}

/* di_pool_add on its own: parts after completion, ownership of fds on failure. */
static void test_pool_add(void **state)
{
	struct di_pool *pool = malloc(sizeof(*pool));
	struct di_pool_msg part = {.count = 2, .nfds = 2, .layout = xrgb_layout()};
	struct di_error err;
	int fds[2];

	(void)state;
	assert_non_null(pool);
	di_pool_init(pool);
	assert_false(di_pool_complete(pool));
	fds[0] = test_memfd(BUF_SIZE);
	fds[1] = test_memfd(BUF_SIZE);
	assert_int_equal(di_pool_add(pool, &part, fds, &err), DI_OK);
	assert_true(di_pool_complete(pool));
	fds[0] = test_memfd(BUF_SIZE);
	fds[1] = test_memfd(BUF_SIZE);
	/* The extra part's fds and the pool's are all closed (the fixture checks). */
	expect_status(di_pool_add(pool, &part, fds, &err), &err, DI_ERR_STATE,
		      "after the pool of 2 was complete");
	expect_pool_empty(pool);

	/* A hand-made part that does not fit its own count is refused too. */
	part.count = 2;
	part.first = 1;
	part.nfds = 2;
	fds[0] = test_memfd(BUF_SIZE);
	fds[1] = test_memfd(BUF_SIZE);
	expect_status(di_pool_add(pool, &part, fds, &err), &err, DI_ERR_COUNT,
		      "POOL part of 2 fds from buffer 1 does not fit a pool of 2");
	expect_pool_empty(pool);
	free(pool);
}

static void test_send_refuses_bad_pools(void **state)
{
	struct di_layout layout = xrgb_layout();
	struct di_error err;
	int sv[2], fd;

	(void)state;
	test_socketpair(sv, 0);
	fd = test_memfd(BUF_SIZE);
	expect_status(di_pool_send(sv[0], 0, 0, &layout, &fd, &err), &err, DI_ERR_COUNT,
		      "POOL count 0");
	expect_status(di_pool_send(sv[0], DI_POOL_MAX + 1, 0, &layout, &fd, &err), &err,
		      DI_ERR_COUNT, "POOL count 1025");
	layout.pitch[0] = 1;
	expect_status(di_pool_send(sv[0], 1, 0, &layout, &fd, &err), &err, DI_ERR_LAYOUT,
		      "POOL layout: plane 0 pitch 1");
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* YUV420 of 64x48: Y 3072 bytes, Cb and Cr 768 each, an fd per plane. */
static struct di_layout yuv420m_layout(void)
{
	struct di_layout l;

	assert_int_equal(
	    di_layout_init_fd_per_plane(&l, DI_FOURCC_YUV420, 64, 48, 1, NULL), DI_OK);
	return l;
}

/* 100 buffers of 3 fds: parts of 84 and 16 whole buffers, reassembled. */
static void test_fd_per_plane_pool(void **state)
{
	struct di_layout layout = yuv420m_layout();
	struct di_pool *pool = malloc(sizeof(*pool));
	int sv[2], *sent = make_memfds(300);
	struct di_error err;
	unsigned int i;

	(void)state;
	assert_non_null(pool);
	test_socketpair(sv, 0);
	assert_int_equal(di_pool_send(sv[0], 100, 0, &layout, sent, &err), DI_OK);
	assert_int_equal(di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, &err), DI_OK);
	assert_int_equal(pool->count, 100);
	assert_int_equal(pool->received, 100);
	assert_true(pool->flags & DI_POOL_FD_PER_PLANE);
	assert_true(pool->layout.fd_per_plane);
	for (i = 0; i < 300; i++)
		assert_true(same_file(pool->fds[i], sent[i]));
	di_pool_close(pool);
	free_memfds(sent, 300);
	free(pool);
	close(sv[0]);
	close(sv[1]);
}

/* Sends one buffer of planes fds[0..3) and returns what receiving said. */
static enum di_status send_one(const struct di_layout *l, const int *fds, struct di_error *err)
{
	struct di_pool *pool = malloc(sizeof(*pool));
	enum di_status st;
	int sv[2];

	assert_non_null(pool);
	test_socketpair(sv, 0);
	assert_int_equal(di_pool_send(sv[0], 1, 0, l, fds, err), DI_OK);
	st = di_pool_receive(sv[1], DI_FS_MAGIC_MEMFD, pool, err);
	di_pool_close(pool);
	free(pool);
	close(sv[0]);
	close(sv[1]);
	return st;
}

/* The fd checks of a buffer of several fds: each plane's size, shared files. */
static void test_fd_per_plane_checks(void **state)
{
	struct di_layout l = yuv420m_layout();
	int fds[3] = {test_memfd(3072), test_memfd(768), test_memfd(767)};
	struct di_error err;

	(void)state;
	expect_status(send_one(&l, fds, &err), &err, DI_ERR_FD_SIZE,
		      "POOL buffer 0 plane 2: fd");
	assert_non_null(strstr(err.text, "holds 767 bytes, the layout needs 768"));
	close(fds[2]);
	fds[2] = test_memfd(768);
	assert_int_equal(send_one(&l, fds, &err), DI_OK);

	/* One file for Cb and Cr, both at offset 0: they overlap. */
	expect_status(send_one(&l, (int[]){fds[0], fds[1], fds[1]}, &err), &err, DI_ERR_LAYOUT,
		      "POOL buffer 0: planes 1 and 2 are one file");
	/* One file for all three, one plane after the other: allowed. */
	close(fds[2]);
	fds[2] = test_memfd(3072 + 768 + 768);
	l.offset[1] = 3072;
	l.offset[2] = 3072 + 768;
	assert_int_equal(send_one(&l, (int[]){fds[2], fds[2], fds[2]}, &err), DI_OK);
	/* ... but not when Cr starts inside Cb. */
	l.offset[2] = 3072 + 767;
	expect_status(send_one(&l, (int[]){fds[2], fds[2], fds[2]}, &err), &err, DI_ERR_LAYOUT,
		      "planes 1 and 2 are one file");
	di_close_fds(fds, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_large_pool_is_split),
	    TEST_WITH_FD_CHECK(test_fd_per_frame_pool),
	    TEST_WITH_FD_CHECK(test_fd_per_plane_pool),
	    TEST_WITH_FD_CHECK(test_fd_per_plane_checks),
	    TEST_WITH_FD_CHECK(test_bad_part_sequences),
	    TEST_WITH_FD_CHECK(test_pool_add),
	    TEST_WITH_FD_CHECK(test_send_refuses_bad_pools),
	};

	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
