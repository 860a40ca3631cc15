// SPDX-License-Identifier: MIT
/* The page-frame hash of a mapping, from /proc/self/pagemap (pagemap.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dmabuf-interop/buffer-access.h"
#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/pagemap.h"
#include "dmabuf-interop/pfn-hash.h"

#define PM_PRESENT  (1ull << 63)
#define PM_SWAPPED  (1ull << 62)
#define PM_PFN_MASK ((1ull << 55) - 1)
#define PM_CHUNK    512 /* entries per pread */

/* Whether the VMA holding addr has VM_PFNMAP ("pf" in smaps' VmFlags). */
static bool vma_is_pfnmap(const void *addr)
{
	unsigned long a = (unsigned long)addr, start, end;
	bool in_vma = false, pf = false;
	char line[512], *save;
	FILE *f = fopen("/proc/self/smaps", "re");
	int n;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %n", &start, &end, &n) == 2 && n > 0) {
			if (in_vma)
				break;
			in_vma = start <= a && a < end;
		} else if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			for (char *t = strtok_r(line + 8, " \n", &save); t;
			     t = strtok_r(NULL, " \n", &save))
				pf |= !strcmp(t, "pf");
			break;
		}
	}
	fclose(f);
	return pf;
}

static enum di_status hash_pages(const unsigned char *base, size_t pages, size_t ps, int fd,
				 uint64_t *hash, struct di_error *err)
{
	uint64_t entries[PM_CHUNK], h = PFN_HASH_INIT;
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	enum di_status st = DI_OK;

	if (pm < 0)
		return di_error_set(err, DI_ERR_SYS, errno, "open /proc/self/pagemap: %s",
				    strerror(errno));
	for (size_t i = 0; i < pages && st == DI_OK; i += PM_CHUNK) {
		size_t n = pages - i < PM_CHUNK ? pages - i : PM_CHUNK;
		off_t off = (off_t)((uintptr_t)(base + i * ps) / ps * sizeof(uint64_t));
		ssize_t got = pread(pm, entries, n * sizeof(uint64_t), off);

		if (got != (ssize_t)(n * sizeof(uint64_t))) {
			st = di_error_set(err, DI_ERR_SYS, got < 0 ? errno : EIO,
					  "pread of /proc/self/pagemap at page %zu of fd %d: %s", i,
					  fd, got < 0 ? strerror(errno) : "short read");
			break;
		}
		for (size_t j = 0; j < n; j++) {
			uint64_t e = entries[j];

			if ((!(e & PM_PRESENT) || (e & PM_SWAPPED)) && vma_is_pfnmap(base)) {
				st = di_error_set(
				    err, DI_ERR_SYS, ENXIO,
				    "fd %d is mapped VM_PFNMAP (remap_pfn_range or "
				    "vmf_insert_pfn): /proc/self/pagemap shows none of its "
				    "frames (page %zu)",
				    fd, i + j);
				break;
			}
			if (!(e & PM_PRESENT) || (e & PM_SWAPPED)) {
				st = di_error_set(
				    err, DI_ERR_SYS, EFAULT,
				    "page %zu of fd %d is not present in /proc/self/pagemap "
				    "after it was read",
				    i + j, fd);
				break;
			}
			if (!(e & PM_PFN_MASK)) {
				st = di_error_set(
				    err, DI_ERR_SYS, EPERM,
				    "page %zu of fd %d shows PFN 0 in /proc/self/pagemap: "
				    "reading PFNs needs CAP_SYS_ADMIN (run as root)",
				    i + j, fd);
				break;
			}
			h = pfn_hash_add(h, e & PM_PFN_MASK);
		}
	}
	close(pm);
	if (st == DI_OK)
		*hash = h;
	return st;
}

static bool is_dmabuf(int fd)
{
	struct statfs sfs;

	return fd >= 0 && !fstatfs(fd, &sfs) && (uint32_t)sfs.f_type == DI_FS_MAGIC_DMABUF;
}

enum di_status di_pagemap_hash_mapped(const void *addr, size_t size, int fd, uint64_t *hash,
				      struct di_error *err)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), pages = (size + ps - 1) / ps;
	const volatile unsigned char *p = addr;
	bool sync = is_dmabuf(fd);
	enum di_status st;

	if (size == 0 || (uintptr_t)addr % ps)
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "cannot hash %zu bytes at %p of fd %d: %s", size, addr, fd,
				    size ? "not page aligned" : "empty range");
	if (sync && (st = di_buffer_sync(fd, true, false, err)) != DI_OK)
		return st;
	/* Fault every page in: the walk shows only pages that are mapped now. */
	for (size_t i = 0; i < pages; i++)
		(void)p[i * ps];
	if (sync && (st = di_buffer_sync(fd, false, false, err)) != DI_OK)
		return st;
	return hash_pages(addr, pages, ps, fd, hash, err);
}

enum di_status di_pagemap_hash_fd(int fd, uint64_t size, uint64_t *hash, struct di_error *err)
{
	enum di_status st;
	void *addr;

	if (size == 0 || size > SIZE_MAX)
		return di_error_set(err, DI_ERR_FIELD, 0, "cannot hash %llu bytes of fd %d",
				    (unsigned long long)size, fd);
	addr = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		int e = errno;

		return di_error_set(err, DI_ERR_SYS, e,
				    "mmap(fd %d, %llu bytes, read-only, shared): %s%s", fd,
				    (unsigned long long)size, strerror(e),
				    e == ENODEV ? ": the exporter does not support mmap" : "");
	}
	st = di_pagemap_hash_mapped(addr, (size_t)size, fd, hash, err);
	munmap(addr, (size_t)size);
	return st;
}
