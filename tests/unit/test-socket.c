// SPDX-License-Identifier: MIT
/*
 * Listening socket: default path, mode 0600, stale and live sockets, and the
 * SO_PEERCRED check (a peer of another uid is refused and told why).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/socket.h"
#include "fd-fixtures.h"

struct sock_dir {
	char dir[64];
	char path[128];
};

static void make_dir(struct sock_dir *d)
{
	strcpy(d->dir, "/tmp/di-test-socket-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->path, sizeof(d->path), "%s/%s", d->dir, DI_SOCKET_NAME);
}

static void remove_dir(struct sock_dir *d)
{
	unlink(d->path);
	assert_int_equal(rmdir(d->dir), 0);
}

static void test_default_path(void **state)
{
	char *saved = getenv("XDG_RUNTIME_DIR"), want[64], longdir[100], buf[PATH_MAX], small[8];
	struct di_error err;
	struct stat st;

	(void)state;
	saved = saved ? strdup(saved) : NULL;
	setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
	assert_int_equal(di_socket_default_path(buf, sizeof(buf), &err), DI_OK);
	assert_string_equal(buf, "/run/user/4242/dmabuf-interop.sock");
	expect_status(di_socket_default_path(small, sizeof(small), &err), &err, DI_ERR_FIELD,
		      "does not fit 8 bytes");

	snprintf(want, sizeof(want), "/tmp/dmabuf-interop-%u/dmabuf-interop.sock",
		 (unsigned int)geteuid());
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(di_socket_default_path(buf, sizeof(buf), &err), DI_OK);
	assert_string_equal(buf, want);
	/* The directory is ours and private; opened to others it is refused. */
	*strrchr(want, '/') = '\0';
	assert_int_equal(lstat(want, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(chmod(want, 0755), 0);
	expect_status(di_socket_default_path(buf, sizeof(buf), &err), &err, DI_ERR_STATE,
		      "is not a private directory");
	assert_int_equal(chmod(want, 0700), 0);
	strcat(want, "/dmabuf-interop.sock");
	setenv("XDG_RUNTIME_DIR", "relative/dir", 1);
	assert_int_equal(di_socket_default_path(buf, sizeof(buf), &err), DI_OK);
	assert_string_equal(buf, want);

	/* 99 + 20 bytes: fits buf, not sun_path. */
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	setenv("XDG_RUNTIME_DIR", longdir, 1);
	expect_status(di_socket_default_path(buf, sizeof(buf), &err), &err, DI_ERR_FIELD,
		      "does not fit sun_path");

	if (saved)
		setenv("XDG_RUNTIME_DIR", saved, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	free(saved);
}

static void test_listen_accept(void **state)
{
	struct sock_dir d;
	struct di_peer peer;
	struct di_error err;
	struct stat st;
	int lfd, cfd, afd;

	(void)state;
	make_dir(&d);
	umask(022); /* a umask that would leave the socket world-connectable */
	assert_int_equal(di_listen(d.path, &lfd, &err), DI_OK);
	assert_int_equal(lstat(d.path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(fcntl(lfd, F_GETFD) & FD_CLOEXEC);

	assert_int_equal(di_connect(d.path, &cfd, &err), DI_OK);
	assert_int_equal(di_accept(lfd, &afd, &peer, &err), DI_OK);
	assert_int_equal(peer.pid, getpid());
	assert_int_equal(peer.uid, getuid());
	assert_true(fcntl(afd, F_GETFD) & FD_CLOEXEC);
	{
		struct di_msg m = {.type = DI_MSG_BYE}, out;
		struct di_recv_ctx ctx = {.fs_magic = 0};
		unsigned int n;
		int fds[DI_FDS_PER_MSG];

		assert_int_equal(di_send_msg(cfd, &m, NULL, &err), DI_OK);
		assert_int_equal(di_recv_msg(afd, &ctx, &out, fds, &n, &err), DI_OK);
		assert_int_equal(out.type, DI_MSG_BYE);
	}
	close(cfd);
	close(afd);

	/* While it listens, a second listener is refused and the socket left alone. */
	expect_status(di_listen(d.path, &afd, &err), &err, DI_ERR_STATE,
		      "another process is listening on");
	assert_int_equal(afd, -1);
	close(lfd);

	/* Nobody listens any more: the stale socket is replaced. */
	assert_int_equal(di_listen(d.path, &lfd, &err), DI_OK);
	close(lfd);
	remove_dir(&d);
}

static void test_listen_errors(void **state)
{
	char longpath[200];
	struct sock_dir d;
	struct di_error err;
	struct stat st;
	int fd;

	(void)state;
	make_dir(&d);
	fd = open(d.path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	expect_status(di_listen(d.path, &fd, &err), &err, DI_ERR_STATE,
		      "exists and is not a socket; not replacing it");
	assert_int_equal(lstat(d.path, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	expect_status(di_listen(longpath, &fd, &err), &err, DI_ERR_FIELD,
		      "socket path of 199 bytes does not fit sun_path");
	expect_status(di_connect(longpath, &fd, &err), &err, DI_ERR_FIELD, "does not fit");
	expect_status(di_listen("", &fd, &err), &err, DI_ERR_FIELD, "socket path of 0 bytes");

	unlink(d.path);
	expect_status(di_connect(d.path, &fd, &err), &err, DI_ERR_SYS, "connect(");
	assert_int_equal(err.sys_errno, ENOENT);
	assert_int_equal(fd, -1);
	snprintf(longpath, sizeof(longpath), "%s/missing/dir.sock", d.dir);
	expect_status(di_listen(longpath, &fd, &err), &err, DI_ERR_SYS, "bind(");
	remove_dir(&d);
}

static void test_peer_rule(void **state)
{
	(void)state;
	assert_true(di_peer_allowed(1000, 1000));
	assert_true(di_peer_allowed(1000, 0));
	assert_true(di_peer_allowed(0, 0));
	assert_false(di_peer_allowed(1000, 1001));
	assert_false(di_peer_allowed(0, 1000));
}

/*
 * A peer of another uid that manages to connect (the file mode is relaxed
 * here on purpose, as a careless admin might) is refused by SO_PEERCRED,
 * and it receives an ERROR saying why.
 */
static void test_peer_of_other_uid_refused(void **state)
{
	struct sock_dir d;
	struct di_peer peer;
	struct di_error err;
	int lfd, afd, status;
	pid_t child;

	(void)state;
	if (geteuid() != 0)
		skip(); /* switching to another uid needs root */
	make_dir(&d);
	assert_int_equal(di_listen(d.path, &lfd, &err), DI_OK);
	assert_int_equal(chmod(d.dir, 0711), 0);
	assert_int_equal(chmod(d.path, 0666), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct di_recv_ctx ctx = {.fs_magic = 0};
		struct di_msg m;
		unsigned int n;
		int fd, fds[DI_FDS_PER_MSG];

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		if (di_connect(d.path, &fd, NULL) != DI_OK)
			_exit(11);
		if (di_recv_msg(fd, &ctx, &m, fds, &n, NULL) != DI_OK)
			_exit(12);
		if (m.type != DI_MSG_ERROR || m.error.code != DI_ERR_PEER_REFUSED ||
		    !strstr(m.error.text, "runs as uid 65534, only uid 0 or root"))
			_exit(13);
		_exit(0);
	}
	expect_status(di_accept(lfd, &afd, &peer, &err), &err, DI_ERR_PEER_REFUSED,
		      "it runs as uid 65534, only uid 0 or root may connect");
	assert_int_equal(afd, -1);
	assert_int_equal(peer.pid, child);
	assert_int_equal(peer.uid, 65534);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(lfd);
	remove_dir(&d);
}

/*
 * The lock file settles who owns the path: a second listener is refused
 * while the first holds it, and closing unlinks only the socket it bound.
 */
static void test_listener_lock(void **state)
{
	struct di_listener a, b;
	struct sock_dir d;
	struct di_error err;
	struct stat st;
	char lock[160];
	int other;

	(void)state;
	make_dir(&d);
	snprintf(lock, sizeof(lock), "%s.lock", d.path);
	assert_int_equal(di_listener_open(&a, d.path, &err), DI_OK);
	assert_true(fcntl(a.fd, F_GETFL) & O_NONBLOCK);
	expect_status(di_listener_open(&b, d.path, &err), &err, DI_ERR_STATE,
		      "another consumer holds");
	assert_int_equal(lstat(d.path, &st), 0); /* the live socket stayed */
	assert_int_equal(lstat(lock, &st), 0);

	/* Someone replaced our socket file: closing leaves theirs alone. */
	assert_int_equal(unlink(d.path), 0);
	assert_int_equal(di_listen(d.path, &other, &err), DI_OK);
	di_listener_close(&a);
	assert_int_equal(lstat(d.path, &st), 0);
	assert_int_equal(lstat(lock, &st), -1); /* the lock file went with our listener */
	close(other);

	/* Its own socket it unlinks. */
	assert_int_equal(di_listener_open(&a, d.path, &err), DI_OK);
	di_listener_close(&a);
	assert_int_equal(lstat(d.path, &st), -1);
	remove_dir(&d);
}

/* A socket or lock file of another uid at our path is a squatter: refused. */
static void test_squatters_refused(void **state)
{
	struct di_listener l;
	struct sock_dir d;
	struct di_error err;
	char lock[160];
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip(); /* giving files to another uid needs root */
	make_dir(&d);
	snprintf(lock, sizeof(lock), "%s.lock", d.path);
	assert_int_equal(di_listen(d.path, &fd, &err), DI_OK);
	close(fd);
	assert_int_equal(chown(d.path, 65534, 65534), 0);
	expect_status(di_listen(d.path, &fd, &err), &err, DI_ERR_STATE,
		      "is a socket of uid 65534, not ours");
	assert_int_equal(unlink(d.path), 0);

	fd = open(lock, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chown(lock, 65534, 65534), 0);
	expect_status(di_listener_open(&l, d.path, &err), &err, DI_ERR_STATE,
		      "is not a file of ours (uid 65534 owns it)");
	assert_int_equal(unlink(lock), 0);
	remove_dir(&d);
}

/* The connecting side checks the listener too, before it lends any fd. */
static void test_listener_of_other_uid_refused(void **state)
{
	struct sock_dir d;
	struct di_error err;
	int pipefd[2], fd, status;
	pid_t child;
	char c;

	(void)state;
	if (geteuid() != 0)
		skip();
	make_dir(&d);
	assert_int_equal(chmod(d.dir, 0777), 0);
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int lfd;

		close(pipefd[0]);
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		if (di_listen(d.path, &lfd, NULL) != DI_OK || chmod(d.path, 0666))
			_exit(11);
		if (write(pipefd[1], "l", 1) != 1)
			_exit(12);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	expect_status(di_connect(d.path, &fd, &err), &err, DI_ERR_PEER_REFUSED,
		      "runs as uid 65534; we lend buffers only to uid 0 or root");
	assert_int_equal(fd, -1);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	remove_dir(&d);
}

static void test_accept_nonblocking(void **state)
{
	struct sock_dir d;
	struct di_error err;
	int lfd, afd;

	(void)state;
	make_dir(&d);
	assert_int_equal(di_listen(d.path, &lfd, &err), DI_OK);
	assert_int_equal(fcntl(lfd, F_SETFL, O_NONBLOCK), 0);
	expect_status(di_accept(lfd, &afd, NULL, &err), &err, DI_ERR_AGAIN, "no peer waiting");
	close(lfd);
	remove_dir(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_default_path),
	    TEST_WITH_FD_CHECK(test_listen_accept),
	    TEST_WITH_FD_CHECK(test_listen_errors),
	    TEST_WITH_FD_CHECK(test_peer_rule),
	    TEST_WITH_FD_CHECK(test_peer_of_other_uid_refused),
	    TEST_WITH_FD_CHECK(test_accept_nonblocking),
	    TEST_WITH_FD_CHECK(test_listener_lock),
	    TEST_WITH_FD_CHECK(test_squatters_refused),
	    TEST_WITH_FD_CHECK(test_listener_of_other_uid_refused),
	};

	return cmocka_run_group_tests_name("socket", tests, NULL, NULL);
}
