// SPDX-License-Identifier: MIT
/*
 * A whole session through the library, as the apps will run it: a producer
 * process connects to a listening consumer, they exchange HELLOs, the
 * producer sends its pool of memfds and 200 frames, each waiting for its
 * buffer's RELEASE before reuse; the consumer checks every frame's stamp and
 * pattern and releases a frame when the next one "is on screen". Both sides
 * keep a ledger; both modes (pool fds once, fd with every frame).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/ledger.h"
#include "dmabuf-interop/pool.h"
#include "dmabuf-interop/session.h"
#include "dmabuf-interop/socket.h"
#include "fd-fixtures.h"

#define BUFFERS 4
#define FRAMES	200

static void producer_fail(const char *what, const struct di_error *err)
{
	fprintf(stderr, "producer: %s: %s\n", what, err->text);
	_exit(1);
}

/* The camera side; runs in the child and exits with 0 when all went well. */
static void run_producer(const char *path, uint32_t pool_flags)
{
	struct di_ledger *lent = malloc(sizeof(*lent));
	struct di_buffer_map maps[BUFFERS];
	struct di_recv_ctx ctx = {.decode = {.pool_count = BUFFERS}, .fs_magic = 0};
	struct di_layout l;
	struct di_hello peer;
	struct di_error err;
	int sock, fds[BUFFERS], in[DI_FDS_PER_MSG];
	uint64_t seq;
	uint32_t i;

	if (!lent || di_connect(path, &sock, &err) ||
	    di_handshake(sock, DI_ROLE_PRODUCER, DI_CAP_FD_PER_FRAME, &peer, NULL, &err) ||
	    di_layout_init(&l, DI_FOURCC_YUYV, 64, 48, 64, &err))
		producer_fail("setup", &err);
	for (i = 0; i < BUFFERS; i++) {
		fds[i] = test_memfd(di_layout_size(&l));
		if (di_buffer_map(fds[i], di_layout_size(&l), true, &maps[i], &err))
			producer_fail("map", &err);
	}
	if (di_pool_send(sock, BUFFERS, pool_flags, &l, fds, &err))
		producer_fail("POOL", &err);
	di_ledger_init(lent, BUFFERS);
	for (seq = 0; seq <= FRAMES; seq++) {
		uint32_t index = seq % BUFFERS;
		struct di_msg m = {.type = DI_MSG_FRAME};

		/*
		 * Wait until the buffer is back, as QBUF must; after the last
		 * frame, until all but the one on screen are back.
		 */
		while (seq < FRAMES ? di_ledger_holds(lent, index) : lent->depth > 1) {
			unsigned int n;
			bool in_order;

			if (di_recv_msg(sock, &ctx, &m, in, &n, &err))
				producer_fail("receive", &err);
			if (m.type != DI_MSG_RELEASE ||
			    di_ledger_release(lent, m.release.index, m.release.seq, &in_order,
					      &err))
				producer_fail("RELEASE", &err);
			if (!in_order)
				_exit(2);
		}
		if (seq == FRAMES)
			break;
		di_frame_fill(maps[index].addr, maps[index].size, &l, seq, 1000 + seq, &err);
		if (di_ledger_lend(lent, index, seq, &err))
			producer_fail("lend", &err);
		m = (struct di_msg){.type = DI_MSG_FRAME};
		m.frame = (struct di_frame){.index = index, .seq = seq, .timestamp_ns = 1000 + seq};
		if (pool_flags & DI_POOL_FD_PER_FRAME)
			m.frame.flags = DI_FRAME_FD;
		if (di_send_msg(sock, &m, &fds[index], &err))
			producer_fail("FRAME", &err);
	}
	{
		struct di_msg bye = {.type = DI_MSG_BYE};

		if (di_send_msg(sock, &bye, NULL, &err))
			producer_fail("BYE", &err);
	}
	_exit(lent->depth == 1 && lent->released == FRAMES - 1 ? 0 : 3);
}

static void stream(uint32_t pool_flags)
{
	char dir[] = "/tmp/di-test-stream-XXXXXX", path[128];
	struct di_ledger *held = malloc(sizeof(*held));
	struct di_pool *pool = malloc(sizeof(*pool));
	struct di_buffer_map maps[BUFFERS];
	struct di_recv_ctx ctx;
	struct di_hello peer;
	struct di_error err;
	int lfd, sock, status, frame_fds[BUFFERS];
	uint64_t verified = 0, prev_seq = 0;
	uint32_t i, prev = UINT32_MAX;
	pid_t child;

	assert_non_null(held);
	assert_non_null(pool);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	assert_int_equal(di_listen(path, &lfd, &err), DI_OK);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		run_producer(path, pool_flags);

	assert_int_equal(di_accept(lfd, &sock, NULL, &err), DI_OK);
	assert_int_equal(
	    di_handshake(sock, DI_ROLE_CONSUMER, DI_CAP_FD_PER_FRAME, &peer, NULL, &err), DI_OK);
	assert_int_equal(di_pool_receive(sock, DI_FS_MAGIC_MEMFD, pool, &err), DI_OK);
	assert_int_equal(pool->count, BUFFERS);
	for (i = 0; i < BUFFERS; i++) {
		frame_fds[i] = -1;
		if (!(pool_flags & DI_POOL_FD_PER_FRAME))
			assert_int_equal(di_buffer_map(pool->fds[i], di_layout_size(&pool->layout),
						       false, &maps[i], &err),
					 DI_OK);
	}
	di_ledger_init(held, BUFFERS);
	ctx = di_pool_recv_ctx(pool, DI_FS_MAGIC_MEMFD);
	for (;;) {
		struct di_msg m;
		int fds[DI_FDS_PER_MSG];
		unsigned int n;
		uint32_t index;

		assert_int_equal(di_recv_msg(sock, &ctx, &m, fds, &n, &err), DI_OK);
		if (m.type == DI_MSG_BYE)
			break;
		assert_int_equal(m.type, DI_MSG_FRAME);
		index = m.frame.index;
		assert_int_equal(di_ledger_lend(held, index, m.frame.seq, &err), DI_OK);
		if (n) {
			/* fd with every frame: map it for this frame only. */
			frame_fds[index] = fds[0];
			assert_int_equal(di_buffer_map(fds[0], di_layout_size(&pool->layout), false,
						       &maps[index], &err),
					 DI_OK);
		}
		assert_int_equal(di_stamp_verify(maps[index].addr, maps[index].size, &pool->layout,
						 m.frame.seq, NULL, &err),
				 DI_OK);
		assert_int_equal(di_pattern_verify(maps[index].addr, maps[index].size,
						   &pool->layout, m.frame.seq, 0, NULL, &err),
				 DI_OK);
		verified++;
		/* The new frame is on screen: the previous one goes back. */
		if (prev != UINT32_MAX) {
			struct di_msg r = {.type = DI_MSG_RELEASE};

			r.release = (struct di_release){.index = prev, .seq = prev_seq};
			assert_int_equal(di_ledger_release(held, prev, prev_seq, NULL, &err),
					 DI_OK);
			if (frame_fds[prev] >= 0) {
				di_buffer_unmap(&maps[prev]);
				di_close_fds(&frame_fds[prev], 1);
			}
			assert_int_equal(di_send_msg(sock, &r, NULL, &err), DI_OK);
		}
		prev = index;
		prev_seq = m.frame.seq;
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(verified, FRAMES);
	assert_int_equal(held->out_of_order, 0);
	for (i = 0; i < BUFFERS; i++) {
		if (pool_flags & DI_POOL_FD_PER_FRAME) {
			if (frame_fds[i] >= 0)
				di_buffer_unmap(&maps[i]);
			di_close_fds(&frame_fds[i], 1);
		} else {
			di_buffer_unmap(&maps[i]);
		}
	}
	di_pool_close(pool);
	close(sock);
	close(lfd);
	unlink(path);
	rmdir(dir);
	free(pool);
	free(held);
}

static void test_stream_pool_fds(void **state)
{
	(void)state;
	stream(0);
}

static void test_stream_fd_per_frame(void **state)
{
	(void)state;
	stream(DI_POOL_FD_PER_FRAME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_stream_pool_fds),
	    TEST_WITH_FD_CHECK(test_stream_fd_per_frame),
	};

	return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
