// SPDX-License-Identifier: MIT
/*
 * fd passing over socketpair(AF_UNIX, SOCK_SEQPACKET) with memfds standing in
 * for dma-bufs: what arrives, and every way it can go wrong (MSG_CTRUNC,
 * RLIMIT_NOFILE, wrong kind of fd, short buffers, truncated packets, a closed
 * peer, EINTR). The fixture fails any test that leaves an fd behind.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/fd-passing.h"
#include "fd-fixtures.h"

#define BUF_W	 64
#define BUF_H	 48
#define BUF_SIZE (BUF_W * 4 * BUF_H)

static struct di_layout xrgb_layout(void)
{
	struct di_layout l;

	assert_int_equal(di_layout_init(&l, DI_FOURCC_XRGB8888, BUF_W, BUF_H, 1, NULL), DI_OK);
	return l;
}

static struct di_msg pool_msg(uint32_t count, uint32_t nfds)
{
	struct di_msg m = {.type = DI_MSG_POOL};

	m.pool.count = count;
	m.pool.nfds = nfds;
	m.pool.layout = xrgb_layout();
	return m;
}

static struct di_recv_ctx memfd_ctx(const struct di_layout *layout, uint32_t pool_count)
{
	return (struct di_recv_ctx){
	    .decode = {.pool_count = pool_count},
	    .layout = layout,
	    .fs_magic = DI_FS_MAGIC_MEMFD,
	};
}

static void make_memfds(int *fds, unsigned int n, size_t size)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fds[i] = test_memfd(size);
}

static void test_pool_fds_arrive(void **state)
{
	struct di_layout layout = xrgb_layout();
	struct di_recv_ctx ctx = memfd_ctx(NULL, 0);
	struct di_msg m = pool_msg(3, 3), out;
	int sv[2], sent[3], got[DI_FDS_PER_MSG];
	unsigned int n, i;
	struct di_error err;

	(void)state;
	test_socketpair(sv, 0);
	make_memfds(sent, 3, BUF_SIZE);
	assert_int_equal(di_send_msg(sv[0], &m, sent, &err), DI_OK);
	assert_int_equal(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), DI_OK);
	assert_int_equal(out.type, DI_MSG_POOL);
	assert_memory_equal(&out.pool.layout, &layout, sizeof(layout));
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_true(same_file(sent[i], got[i]));
		assert_int_not_equal(sent[i], got[i]);
		assert_true(fcntl(got[i], F_GETFD) & FD_CLOEXEC);
	}
	di_close_fds(got, n);
	di_close_fds(sent, 3);
	close(sv[0]);
	close(sv[1]);
}

static void test_frame_with_fd(void **state)
{
	struct di_layout layout = xrgb_layout();
	struct di_recv_ctx ctx = memfd_ctx(&layout, 4);
	struct di_msg m = {.type = DI_MSG_FRAME}, out;
	int sv[2], good, small, got[DI_FDS_PER_MSG];
	struct di_error err;
	unsigned int n;

	(void)state;
	ctx.decode.fd_per_frame = true;
	test_socketpair(sv, 0);
	good = test_memfd(BUF_SIZE);
	small = test_memfd(BUF_SIZE - 1);
	m.frame.index = 2;
	m.frame.flags = DI_FRAME_FD;
	m.frame.seq = 9;
	assert_int_equal(di_send_msg(sv[0], &m, &good, &err), DI_OK);
	assert_int_equal(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), DI_OK);
	assert_int_equal(n, 1);
	assert_true(same_file(good, got[0]));
	assert_int_equal(out.frame.seq, 9);
	di_close_fds(got, n);

	assert_int_equal(di_send_msg(sv[0], &m, &small, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_FD_SIZE,
		      "FRAME buffer 2: fd");
	assert_non_null(strstr(err.text, "holds 12287 bytes, the layout needs 12288"));
	assert_int_equal(n, 0);

	/* Without a pool layout an fd that comes with a FRAME cannot be checked. */
	ctx.layout = NULL;
	assert_int_equal(di_send_msg(sv[0], &m, &good, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_STATE,
		      "no pool layout is known");
	close(good);
	close(small);
	close(sv[0]);
	close(sv[1]);
}

/* The receiver accepts fewer fds than the sender passes: the kernel sets MSG_CTRUNC. */
static void test_ctrunc_too_many_fds(void **state)
{
	uint8_t buf[64];
	int sv[2], sent[8], got[8];
	unsigned int n;
	struct di_error err;
	size_t len;

	(void)state;
	test_socketpair(sv, 0);
	make_memfds(sent, 8, 4096);
	assert_int_equal(di_send_packet(sv[0], "x", 1, sent, 8, &err), DI_OK);
	expect_status(di_recv_packet(sv[1], buf, sizeof(buf), &len, got, 2, &n, &err), &err,
		      DI_ERR_CTRUNC, "MSG_CTRUNC): 2 arrived and were closed");
	assert_int_equal(n, 0);
	assert_int_equal(len, 0);

	/* One fd of room leaves space for two in the aligned control buffer: caught anyway. */
	assert_int_equal(di_send_packet(sv[0], "x", 1, sent, 2, &err), DI_OK);
	expect_status(di_recv_packet(sv[1], buf, sizeof(buf), &len, got, 1, &n, &err), &err,
		      DI_ERR_FDS, "packet carried 2 fds, at most 1 accepted here");

	/* fds where none are expected. */
	assert_int_equal(di_send_packet(sv[0], "x", 1, sent, 5, &err), DI_OK);
	expect_status(di_recv_packet(sv[1], buf, sizeof(buf), &len, got, 0, &n, &err), &err,
		      DI_ERR_CTRUNC, "MSG_CTRUNC");

	/* The maximum in one message passes, one more is refused before sendmsg. */
	{
		int many[DI_FDS_PER_MSG + 1], in[DI_FDS_PER_MSG];
		unsigned int i;

		for (i = 0; i < DI_FDS_PER_MSG + 1; i++)
			many[i] = sent[i % 8];
		expect_status(di_send_packet(sv[0], "x", 1, many, DI_FDS_PER_MSG + 1, &err), &err,
			      DI_ERR_COUNT, "254 fds do not fit one message (at most 253)");
		assert_int_equal(di_send_packet(sv[0], "x", 1, many, DI_FDS_PER_MSG, &err), DI_OK);
		assert_int_equal(
		    di_recv_packet(sv[1], buf, sizeof(buf), &len, in, DI_FDS_PER_MSG, &n, &err),
		    DI_OK);
		assert_int_equal(n, DI_FDS_PER_MSG);
		assert_true(same_file(in[252], sent[252 % 8]));
		di_close_fds(in, n);
	}
	di_close_fds(sent, 8);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A receiver at its RLIMIT_NOFILE gets fewer fds than were sent: the kernel
 * drops the rest and sets MSG_CTRUNC. The fds that did arrive must be closed
 * and the message refused, not read with garbage in place of the missing fds.
 */
static void test_rlimit_nofile(void **state)
{
	struct di_recv_ctx ctx = memfd_ctx(NULL, 0);
	struct di_msg m = pool_msg(4, 4), out;
	int sv[2], sent[4], got[DI_FDS_PER_MSG], filler[64];
	struct rlimit saved, low;
	unsigned int n, nfill = 0;
	struct di_error err;
	enum di_status st;

	(void)state;
	test_socketpair(sv, 0);
	make_memfds(sent, 4, BUF_SIZE);
	assert_int_equal(di_send_msg(sv[0], &m, sent, &err), DI_OK);

	/* Fill every free slot below a low limit, then free exactly two. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = (rlim_t)fcntl(sv[0], F_DUPFD, 0); /* lowest free fd */
	close((int)low.rlim_cur);
	low.rlim_cur += 40;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (nfill < 64) {
		int fd = dup(sv[0]);

		if (fd < 0) {
			assert_int_equal(errno, EMFILE);
			break;
		}
		filler[nfill++] = fd;
	}
	assert_true(nfill > 2 && nfill < 64);
	close(filler[--nfill]);
	close(filler[--nfill]);

	st = di_recv_msg(sv[1], &ctx, &out, got, &n, &err);

	di_close_fds(filler, nfill);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	expect_status(st, &err, DI_ERR_CTRUNC, "2 arrived and were closed");
	assert_non_null(strstr(err.text, "RLIMIT_NOFILE"));
	assert_int_equal(n, 0);
	assert_int_equal(out.type, 0);
	di_close_fds(sent, 4);
	close(sv[0]);
	close(sv[1]);
}

static void test_fd_count_disagrees(void **state)
{
	struct di_layout layout = xrgb_layout();
	struct di_recv_ctx ctx = memfd_ctx(&layout, 4);
	uint8_t buf[DI_MSG_MAX];
	int sv[2], sent[4], got[DI_FDS_PER_MSG];
	struct di_msg m = pool_msg(4, 4), out;
	struct di_error err;
	unsigned int n;
	size_t len;

	(void)state;
	test_socketpair(sv, 0);
	make_memfds(sent, 4, BUF_SIZE);

	/* A POOL declaring four fds that arrives with three. */
	assert_int_equal(di_msg_encode(&m, buf, sizeof(buf), &len, &err), DI_OK);
	assert_int_equal(di_send_packet(sv[0], buf, len, sent, 3, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_FDS,
		      "POOL declares 4 fd(s) but 3 arrived");

	/* A BYE with an fd attached. */
	m = (struct di_msg){.type = DI_MSG_BYE};
	assert_int_equal(di_msg_encode(&m, buf, sizeof(buf), &len, &err), DI_OK);
	assert_int_equal(di_send_packet(sv[0], buf, len, sent, 1, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_FDS,
		      "BYE declares 0 fd(s) but 1 arrived");

	/* A FRAME that says it carries its fd but does not. */
	m = (struct di_msg){.type = DI_MSG_FRAME, .frame = {.index = 1, .flags = DI_FRAME_FD}};
	ctx.decode.fd_per_frame = true;
	assert_int_equal(di_msg_encode(&m, buf, sizeof(buf), &len, &err), DI_OK);
	assert_int_equal(di_send_packet(sv[0], buf, len, NULL, 0, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_FDS,
		      "FRAME declares 1 fd(s) but 0 arrived");

	/* Garbage bytes with fds: rejected by the decoder, fds closed. */
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(di_send_packet(sv[0], buf, 40, sent, 4, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_MAGIC,
		      "bad magic 0xa5a5a5a5");
	di_close_fds(sent, 4);
	close(sv[0]);
	close(sv[1]);
}

/* A fence that is not a sync_file: named, and every fd of the message closed. */
static void test_not_a_fence(void **state)
{
	struct di_layout layout = xrgb_layout();
	struct di_recv_ctx ctx = memfd_ctx(&layout, 4);
	int sv[2], sent[2], got[DI_FDS_PER_MSG];
	struct di_msg m = {.type = DI_MSG_FRAME,
			   .frame = {.index = 1, .flags = DI_FRAME_FD | DI_FRAME_FENCE}},
		      out;
	struct di_error err;
	unsigned int n;

	(void)state;
	test_socketpair(sv, 0);
	make_memfds(sent, 2, BUF_SIZE);
	ctx.decode.fd_per_frame = true;
	ctx.decode.explicit_sync = true;
	assert_int_equal(di_send_msg(sv[0], &m, sent, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_NOT_FENCE,
		      "FRAME buffer 1, acquire fence: fd");
	assert_non_null(strstr(err.text, "is not a sync_file"));
	assert_int_equal(n, 0);

	m = (struct di_msg){.type = DI_MSG_RELEASE,
			    .release = {.index = 2, .flags = DI_RELEASE_FENCE}};
	assert_int_equal(di_send_msg(sv[0], &m, sent, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_NOT_FENCE,
		      "RELEASE buffer 2, release fence: fd");
	di_close_fds(sent, 2);
	close(sv[0]);
	close(sv[1]);
}

static void test_not_a_dmabuf(void **state)
{
	struct di_recv_ctx ctx = memfd_ctx(NULL, 0);
	struct di_msg m = pool_msg(3, 3), out;
	int sv[2], p[2], sent[3], got[DI_FDS_PER_MSG];
	struct di_error err;
	unsigned int n;

	(void)state;
	test_socketpair(sv, 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	sent[0] = test_memfd(BUF_SIZE);
	sent[1] = p[0];
	sent[2] = test_memfd(BUF_SIZE);
	assert_int_equal(di_send_msg(sv[0], &m, sent, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_NOT_DMABUF,
		      "POOL buffer 1: fd");
	assert_non_null(strstr(err.text, "is a pipe (filesystem magic 0x50495045), expected a "
					 "tmpfs/memfd file (0x1021994)"));

	/* The real policy refuses memfds: they are not dma-bufs. */
	ctx.fs_magic = DI_FS_MAGIC_DMABUF;
	sent[1] = test_memfd(BUF_SIZE);
	assert_int_equal(di_send_msg(sv[0], &m, sent, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_NOT_DMABUF,
		      "POOL buffer 0: fd");
	assert_non_null(strstr(err.text, "expected a dma-buf (0x444d4142)"));

	/* Direct checks: a socket, and a buffer one byte short. */
	expect_status(di_check_buffer_fd(sv[0], 1, DI_FS_MAGIC_DMABUF, &err), &err,
		      DI_ERR_NOT_DMABUF, "is a socket");
	expect_status(di_check_buffer_fd(sent[2], BUF_SIZE + 1, DI_FS_MAGIC_MEMFD, &err), &err,
		      DI_ERR_FD_SIZE, "holds 12288 bytes, the layout needs 12289");
	assert_int_equal(di_check_buffer_fd(sent[2], BUF_SIZE, DI_FS_MAGIC_MEMFD, &err), DI_OK);
	assert_int_equal(lseek(sent[2], 0, SEEK_CUR), 0);
	expect_status(di_check_buffer_fd(-1, 1, DI_FS_MAGIC_MEMFD, &err), &err, DI_ERR_SYS,
		      "fstatfs(fd -1)");
	assert_int_equal(err.sys_errno, EBADF);
	close(p[0]);
	close(p[1]);
	di_close_fds(sent, 3);
	close(sv[0]);
	close(sv[1]);
}

static void test_truncated_and_oversized(void **state)
{
	struct di_recv_ctx ctx = memfd_ctx(NULL, 0);
	struct di_msg m = pool_msg(2, 2), out;
	uint8_t buf[512];
	int sv[2], sent[2], got[DI_FDS_PER_MSG];
	struct di_error err;
	unsigned int n;
	size_t len;

	(void)state;
	test_socketpair(sv, 0);
	make_memfds(sent, 2, BUF_SIZE);
	assert_int_equal(di_msg_encode(&m, buf, sizeof(buf), &len, &err), DI_OK);

	assert_int_equal(di_send_packet(sv[0], buf, 40, sent, 2, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_SHORT,
		      "POOL truncated: header says 88 bytes, 40 arrived");
	assert_int_equal(di_send_packet(sv[0], buf, 10, sent, 2, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_SHORT,
		      "message of 10 bytes");

	/* Longer than any message: the kernel truncates the packet (MSG_TRUNC). */
	memset(buf + len, 0, sizeof(buf) - len);
	assert_int_equal(di_send_packet(sv[0], buf, 300, sent, 2, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_LENGTH,
		      "packet longer than 152 bytes (MSG_TRUNC)");

	/* An empty packet with fds. */
	assert_int_equal(di_send_packet(sv[0], buf, 0, sent, 1, &err), DI_OK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_SHORT,
		      "message of 0 bytes");
	di_close_fds(sent, 2);
	close(sv[0]);
	close(sv[1]);
}

static void test_closed_peer(void **state)
{
	struct di_recv_ctx ctx = memfd_ctx(NULL, 0);
	struct di_msg m = {.type = DI_MSG_BYE}, out;
	int sv[2], got[DI_FDS_PER_MSG], fd;
	struct di_error err;
	unsigned int n;

	(void)state;
	test_socketpair(sv, 0);
	fd = test_memfd(BUF_SIZE);
	assert_int_equal(di_send_msg(sv[0], &m, NULL, &err), DI_OK);
	close(sv[0]);
	/* What was sent before the close still arrives, then the end. */
	assert_int_equal(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), DI_OK);
	assert_int_equal(out.type, DI_MSG_BYE);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_PEER_CLOSED,
		      "peer closed");
	/* Sending to it neither raises SIGPIPE nor succeeds. */
	m = pool_msg(1, 1);
	expect_status(di_send_msg(sv[1], &m, &fd, &err), &err, DI_ERR_PEER_CLOSED,
		      "sendmsg: peer closed");
	assert_int_equal(err.sys_errno, EPIPE);
	close(sv[1]);
	close(fd);
}

static void test_nonblocking_and_errors(void **state)
{
	struct di_recv_ctx ctx = memfd_ctx(NULL, 0);
	struct di_msg m = {.type = DI_MSG_ERROR}, out;
	int sv[2], got[DI_FDS_PER_MSG];
	struct di_error err;
	unsigned int n;

	(void)state;
	test_socketpair(sv, SOCK_NONBLOCK);
	expect_status(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), &err, DI_ERR_AGAIN,
		      "no message ready");

	/* An ERROR is a message like any other; the caller decides. */
	di_msg_error(&m, DI_ERR_INDEX, "RELEASE of buffer 9");
	assert_int_equal(di_send_msg(sv[0], &m, NULL, &err), DI_OK);
	assert_int_equal(di_recv_msg(sv[1], &ctx, &out, got, &n, &err), DI_OK);
	assert_int_equal(out.error.code, DI_ERR_INDEX);
	assert_string_equal(out.error.text, "RELEASE of buffer 9");

	/* An invalid fd to pass is the sender's own error. */
	m = pool_msg(1, 1);
	got[0] = 999;
	expect_status(di_send_msg(sv[0], &m, got, &err), &err, DI_ERR_SYS, "sendmsg: ");
	assert_int_equal(err.sys_errno, EBADF);
	expect_status(di_send_msg(-1, &m, got, &err), &err, DI_ERR_SYS, "sendmsg");
	close(sv[0]);
	close(sv[1]);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* A signal without SA_RESTART interrupts recvmsg; the library retries. */
static void test_eintr_retried(void **state)
{
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	struct itimerval tick = {.it_interval = {0, 20000}, .it_value = {0, 20000}};
	struct itimerval off = {0};
	struct di_recv_ctx ctx = memfd_ctx(NULL, 0);
	struct di_msg out;
	int sv[2], got[DI_FDS_PER_MSG], status;
	struct di_error err;
	unsigned int n;
	enum di_status st;
	pid_t child;

	(void)state;
	test_socketpair(sv, 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct di_msg bye = {.type = DI_MSG_BYE};

		usleep(200000);
		_exit(di_send_msg(sv[0], &bye, NULL, NULL) == DI_OK ? 0 : 1);
	}
	sigemptyset(&sa.sa_mask);
	alarms = 0;
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &tick, NULL), 0);
	st = di_recv_msg(sv[1], &ctx, &out, got, &n, &err);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(st, DI_OK);
	assert_int_equal(out.type, DI_MSG_BYE);
	assert_true(alarms >= 2);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_pool_fds_arrive),
	    TEST_WITH_FD_CHECK(test_frame_with_fd),
	    TEST_WITH_FD_CHECK(test_ctrunc_too_many_fds),
	    TEST_WITH_FD_CHECK(test_rlimit_nofile),
	    TEST_WITH_FD_CHECK(test_fd_count_disagrees),
	    TEST_WITH_FD_CHECK(test_not_a_fence),
	    TEST_WITH_FD_CHECK(test_not_a_dmabuf),
	    TEST_WITH_FD_CHECK(test_truncated_and_oversized),
	    TEST_WITH_FD_CHECK(test_closed_peer),
	    TEST_WITH_FD_CHECK(test_nonblocking_and_errors),
	    TEST_WITH_FD_CHECK(test_eintr_retried),
	};

	return cmocka_run_group_tests_name("fd-passing", tests, NULL, NULL);
}
