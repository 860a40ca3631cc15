// SPDX-License-Identifier: MIT
/*
 * The user-space page-frame hash (pagemap.h) on memfds: it is the FNV-1a 64
 * of pfn-hash.h over the PFNs /proc/self/pagemap shows (computed here
 * independently, byte by byte), it names the pages and not the mapping
 * (two mappings of one memfd agree, another memfd of the same size does
 * not, new pages behind the same offsets change it, new content does not),
 * and each failure is an error that says what went wrong: an fd without
 * mmap, an empty or unaligned range, no CAP_SYS_ADMIN. Reading PFNs needs
 * CAP_SYS_ADMIN: without it the tests that need PFNs say so and skip.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmabuf-interop/pagemap.h"
#include "fd-fixtures.h"

#define PAGES 600 /* more than one pread of pagemap entries (512) */

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* CAP_SYS_ADMIN in the effective set (/proc/self/status CapEff). */
static bool have_sys_admin(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff & (1ull << CAP_SYS_ADMIN);
}

#define NEED_SYS_ADMIN()                                                                           \
	do {                                                                                       \
		if (!have_sys_admin()) {                                                           \
			print_message("SKIP: reading PFNs from /proc/self/pagemap needs "          \
				      "CAP_SYS_ADMIN (run as root)\n");                            \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/*
 * The definition of pfn-hash.h written out again, not through its
 * pfn_hash_add(): FNV-1a 64 over each PFN's 8 little-endian bytes, the PFNs
 * read here from /proc/self/pagemap for the pages at addr.
 */
static uint64_t independent_hash(const void *addr, size_t pages)
{
	uint64_t h = 0xcbf29ce484222325ull;
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	assert_true(pm >= 0);
	for (size_t i = 0; i < pages; i++) {
		uint64_t e, pfn;
		unsigned char le[8];

		assert_int_equal(pread(pm, &e, 8, (off_t)(((uintptr_t)addr / page_size() + i) * 8)),
				 8);
		assert_true(e >> 63); /* present */
		pfn = e & ((1ull << 55) - 1);
		assert_true(pfn != 0);
		for (int b = 0; b < 8; b++)
			le[b] = (unsigned char)(pfn >> (8 * b));
		for (int b = 0; b < 8; b++) {
			h ^= le[b];
			h *= 0x100000001b3ull;
		}
	}
	close(pm);
	return h;
}

/* A memfd of PAGES pages, each written (so that each has its page now). */
static int filled_memfd(unsigned char value)
{
	size_t size = PAGES * page_size();
	int fd = test_memfd(size);
	unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	assert_true(p != MAP_FAILED);
	memset(p, value, size);
	munmap(p, size);
	return fd;
}

static void test_equals_independent_hash(void **state)
{
	size_t size = PAGES * page_size();
	uint64_t by_fd = 0, by_map = 0, by_ro = 0;
	struct di_error err;
	unsigned char *rw, *ro;
	int fd;

	(void)state;
	NEED_SYS_ADMIN();
	fd = filled_memfd(0x5a);
	rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(rw != MAP_FAILED);
	ro = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(ro != MAP_FAILED);

	assert_int_equal(di_pagemap_hash_fd(fd, size, &by_fd, &err), DI_OK);
	/* A memfd is no dma-buf: fd given, yet no SYNC bracket (it would fail). */
	assert_int_equal(di_pagemap_hash_mapped(rw, size, fd, &by_map, &err), DI_OK);
	assert_int_equal(di_pagemap_hash_mapped(ro, size, -1, &by_ro, &err), DI_OK);
	/* Both mappings exist now, faulted in by the calls above. */
	assert_int_equal(by_fd, independent_hash(rw, PAGES));
	assert_int_equal(by_map, independent_hash(ro, PAGES));
	assert_int_equal(by_map, by_fd);
	assert_int_equal(by_ro, by_fd);
	/* The mapped variant leaves the range mapped and readable. */
	assert_int_equal(ro[size - 1], 0x5a);

	munmap(rw, size);
	munmap(ro, size);
	close(fd);
}

static void test_names_the_pages(void **state)
{
	size_t size = PAGES * page_size();
	uint64_t a1 = 0, a2 = 0, a3 = 0, b = 0, half = 0, partial = 0, refilled = 0, moved = 0;
	struct di_error err;
	unsigned char *p;
	int fa, fb, fc;

	(void)state;
	NEED_SYS_ADMIN();
	fa = filled_memfd(1);
	fb = filled_memfd(1); /* the same size and content, other pages */

	assert_int_equal(di_pagemap_hash_fd(fa, size, &a1, &err), DI_OK);
	assert_int_equal(di_pagemap_hash_fd(fa, size, &a2, &err), DI_OK);
	assert_int_equal(di_pagemap_hash_fd(fb, size, &b, &err), DI_OK);
	assert_int_equal(a1, a2); /* stable: a new mapping each time, the same pages */
	assert_int_not_equal(a1, b);
	assert_int_not_equal(a1, 0xcbf29ce484222325ull); /* something was hashed */

	/* Fewer pages, another hash; a size within the last page rounds up. */
	assert_int_equal(di_pagemap_hash_fd(fa, size - page_size(), &half, &err), DI_OK);
	assert_int_not_equal(half, a1);
	assert_int_equal(di_pagemap_hash_fd(fa, size - page_size() + 1, &partial, &err), DI_OK);
	assert_int_equal(partial, a1);

	/* Other content in the same pages: the same hash. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fa, 0);
	assert_true(p != MAP_FAILED);
	memset(p, 0xee, size);
	munmap(p, size);
	assert_int_equal(di_pagemap_hash_fd(fa, size, &refilled, &err), DI_OK);
	assert_int_equal(refilled, a1);

	/*
	 * Page 3 freed and allocated anew: the same offsets, another hash. The
	 * freed page would most likely come straight back (the allocator's
	 * per-cpu lists are last in, first out): another memfd takes it first.
	 */
	assert_int_equal(fallocate(fa, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				   (off_t)(3 * page_size()), (off_t)page_size()),
			 0);
	fc = filled_memfd(2);
	assert_int_equal(di_pagemap_hash_fd(fa, size, &moved, &err), DI_OK);
	assert_int_not_equal(moved, a1);
	assert_int_equal(di_pagemap_hash_fd(fa, size, &a3, &err), DI_OK);
	assert_int_equal(a3, moved);

	close(fa);
	close(fb);
	close(fc);
}

static void test_errors(void **state)
{
	size_t ps = page_size();
	uint64_t hash = 42;
	struct di_error err;
	unsigned char *p;
	int pipefd[2], fd;

	(void)state;
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	expect_status(di_pagemap_hash_fd(pipefd[0], ps, &hash, &err), &err, DI_ERR_SYS,
		      "the exporter does not support mmap");
	assert_int_equal(err.sys_errno, ENODEV);
	close(pipefd[0]);
	close(pipefd[1]);
	assert_int_equal(hash, 42); /* untouched on failure */

	fd = filled_memfd(0);
	expect_status(di_pagemap_hash_fd(fd, 0, &hash, &err), &err, DI_ERR_FIELD,
		      "cannot hash 0 bytes of fd");
	p = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	expect_status(di_pagemap_hash_mapped(p + 1, ps, fd, &hash, &err), &err, DI_ERR_FIELD,
		      "not page aligned");
	expect_status(di_pagemap_hash_mapped(p, 0, fd, &hash, &err), &err, DI_ERR_FIELD,
		      "empty range");
	munmap(p, 2 * ps);
	close(fd);
	assert_int_equal(hash, 42);
}

/* Without CAP_SYS_ADMIN the kernel shows PFN 0: an error, never a hash. */
static void test_no_privilege(void **state)
{
	int status, fd;
	pid_t pid;

	(void)state;
	NEED_SYS_ADMIN();
	fd = filled_memfd(7);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct data[2];
		uint64_t hash = 42;
		struct di_error err;

		if (syscall(SYS_capget, &hdr, data))
			_exit(10);
		data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, data) || have_sys_admin())
			_exit(11);
		if (di_pagemap_hash_fd(fd, PAGES * page_size(), &hash, &err) != DI_ERR_SYS)
			_exit(12);
		if (err.sys_errno != EPERM || !strstr(err.text, "needs CAP_SYS_ADMIN") ||
		    !strstr(err.text, "PFN 0") || hash != 42)
			_exit(13);
		printf("without CAP_SYS_ADMIN: %s\n", err.text);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_equals_independent_hash),
	    TEST_WITH_FD_CHECK(test_names_the_pages),
	    TEST_WITH_FD_CHECK(test_errors),
	    TEST_WITH_FD_CHECK(test_no_privilege),
	};

	return cmocka_run_group_tests_name("pagemap", tests, NULL, NULL);
}
