// SPDX-License-Identifier: MIT
/* fd leak check and memfd stand-ins for the unit tests (fd-fixtures.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fd-fixtures.h"

#define FD_SNAPSHOT_MAX 4096

struct fd_snapshot {
	int count;
	int fds[FD_SNAPSHOT_MAX];
};

static void snapshot_take(struct fd_snapshot *s)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;

	assert_non_null(dir);
	s->count = 0;
	while ((de = readdir(dir))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(dir))
			continue;
		assert_true(s->count < FD_SNAPSHOT_MAX);
		s->fds[s->count++] = fd;
	}
	closedir(dir);
}

static bool snapshot_has(const struct fd_snapshot *s, int fd)
{
	int i;

	for (i = 0; i < s->count; i++)
		if (s->fds[i] == fd)
			return true;
	return false;
}

static void describe(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	buf[n < 0 ? 0 : n] = '\0';
}

int fd_leak_setup(void **state)
{
	struct fd_snapshot *s = malloc(sizeof(*s));

	if (!s)
		return -1;
	snapshot_take(s);
	*state = s;
	return 0;
}

int fd_leak_teardown(void **state)
{
	struct fd_snapshot *before = *state, *after = malloc(sizeof(*after));
	char what[256];
	int i, bad = 0;

	if (!after)
		return -1;
	snapshot_take(after);
	for (i = 0; i < after->count; i++) {
		if (snapshot_has(before, after->fds[i]))
			continue;
		describe(after->fds[i], what, sizeof(what));
		print_error("fd %d leaked (%s)\n", after->fds[i], what);
		bad++;
	}
	for (i = 0; i < before->count; i++) {
		if (snapshot_has(after, before->fds[i]))
			continue;
		print_error("fd %d was open before the test and is gone\n", before->fds[i]);
		bad++;
	}
	free(before);
	free(after);
	return bad ? -1 : 0;
}

int test_memfd(size_t size)
{
	int fd = memfd_create("di-test-buffer", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

void test_socketpair(int sv[2], int extra_flags)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | extra_flags, 0, sv),
			 0);
}

int same_file(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) || fstat(b, &sb))
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void expect_status(enum di_status got, const struct di_error *err, enum di_status want,
		   const char *text)
{
	if (got != want || !strstr(err->text, text)) {
		print_error("got %s \"%s\", want %s \"...%s...\"\n", di_status_name(got),
			    got == DI_OK ? "" : err->text, di_status_name(want), text);
		fail();
	}
}
