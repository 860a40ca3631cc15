// SPDX-License-Identifier: MIT
/*
 * pfn hashes of mapped pages from /proc/self/pagemap (pagemap-hash.h).
 * A pagemap entry is 64 bits per virtual page: bit 63 "present", bits 0-54
 * the page frame number (Documentation/admin-guide/mm/pagemap.rst).
 */
#include "pagemap-hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dmabuf-interop/pfn-hash.h"

#define PM_PRESENT  (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

static int fail(struct pagemap_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	return -1;
}

int pagemap_hash(const void *addr, size_t size, struct pagemap_result *res)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = (size + page - 1) / page, i;
	uint64_t hash = PFN_HASH_INIT;
	int fd;

	*res = (struct pagemap_result){0};
	if ((uintptr_t)addr % page)
		return fail(res, "mapping at %p is not page aligned", addr);
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(res, "cannot open /proc/self/pagemap: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		const volatile uint8_t *p = (const volatile uint8_t *)addr + i * page;
		uint64_t entry;
		off_t off = (off_t)((uintptr_t)p / page * sizeof(entry));

		(void)*p; /* fault the page in: pagemap shows only mapped pages */
		if (pread(fd, &entry, sizeof(entry), off) != (ssize_t)sizeof(entry)) {
			close(fd);
			return fail(res, "reading pagemap at page %zu: %s", i, strerror(errno));
		}
		if (!(entry & PM_PRESENT)) {
			close(fd);
			return fail(res, "page %zu of the mapping is not present after a read", i);
		}
		if (!(entry & PM_PFN_MASK)) {
			close(fd);
			return fail(res, "pagemap shows PFN 0: page frame numbers are hidden "
					 "without CAP_SYS_ADMIN, run as root");
		}
		hash = pfn_hash_add(hash, entry & PM_PFN_MASK);
	}
	close(fd);
	res->hash = hash;
	res->pages = n;
	return 0;
}

int pagemap_hash_memfd(size_t size, struct pagemap_result *res)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), i;
	uint8_t *map;
	int fd, ret;

	*res = (struct pagemap_result){0};
	fd = memfd_create("pfn-hash-control", MFD_CLOEXEC);
	if (fd < 0)
		return fail(res, "memfd_create: %s", strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return fail(res, "ftruncate(memfd, %zu): %s", size, strerror(errno));
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return fail(res, "mmap(memfd, %zu): %s", size, strerror(errno));
	for (i = 0; i < size; i += page)
		map[i] = 1; /* a written page: its own, not the shared zero page */
	ret = pagemap_hash(map, size, res);
	munmap(map, size);
	return ret;
}
