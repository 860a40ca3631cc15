/* SPDX-License-Identifier: MIT */
/*
 * What every unit test of the library shares: the fd leak check (a cmocka
 * setup/teardown pair comparing /proc/self/fd before and after each test),
 * the stand-ins for dma-bufs (memfds of a given size) and the check of a
 * returned status with its message.
 */
#ifndef DMABUF_INTEROP_TEST_FD_FIXTURES_H
#define DMABUF_INTEROP_TEST_FD_FIXTURES_H

#include <stddef.h>

#include "dmabuf-interop/status.h"

/*
 * cmocka setup/teardown: the teardown fails the test when an fd is open
 * that was not before (leaked) or one that was open is gone (closed by
 * someone who did not own it), and prints each with what it points to.
 */
int fd_leak_setup(void **state);
int fd_leak_teardown(void **state);

/* A memfd of size bytes, close-on-exec; fails the test if it cannot be made. */
int test_memfd(size_t size);

/* Both ends of socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | extra_flags). */
void test_socketpair(int sv[2], int extra_flags);

/* Same file? (st_dev and st_ino equal.) */
int same_file(int a, int b);

/*
 * Fails the test unless got is want and err's text contains text (the
 * library's messages must name what was wrong, not only return a code).
 */
void expect_status(enum di_status got, const struct di_error *err, enum di_status want,
		   const char *text);

#define TEST_WITH_FD_CHECK(f) cmocka_unit_test_setup_teardown(f, fd_leak_setup, fd_leak_teardown)

#endif /* DMABUF_INTEROP_TEST_FD_FIXTURES_H */
