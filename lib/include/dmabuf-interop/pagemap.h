/* SPDX-License-Identifier: MIT */
/*
 * The zero-copy proof seen from user space: the page frames behind a
 * mapping of a buffer fd, read from /proc/self/pagemap (bit 63 present,
 * bits 0-54 the PFN), hashed as include/dmabuf-interop/pfn-hash.h defines
 * it (PFN_HASH_INIT, pfn_hash_add() over the PFNs in buffer order). For a
 * dma-buf it equals the hash its exporter and its importers print in
 * debugfs (fakecam's buffers and imports, fakedisp's buffers) when the
 * process maps the very pages the devices use.
 *
 * The PFNs need CAP_SYS_ADMIN: without it the kernel shows each present page
 * with PFN 0. A mapping the kernel's page walk skips (VM_PFNMAP:
 * remap_pfn_range() or vmf_insert_pfn(), as the system dma-heap and the DRM
 * shmem helpers map) shows no page at all. Both are reported, never hashed.
 *
 * Errors: DI_ERR_FIELD for size 0 or an address not page aligned; else
 * DI_ERR_SYS with err->sys_errno telling what failed, err->text naming the
 * fd, the page and the cause:
 *   ENODEV (or mmap's other errno)  mmap refused: the exporter has no mmap
 *   EPERM   a present page shows PFN 0: no CAP_SYS_ADMIN (run as root)
 *   ENXIO   the mapping is VM_PFNMAP: pagemap shows none of its frames
 *   EFAULT  a page is not present (or swapped out) after it was read
 *   other   open/pread of /proc/self/pagemap, DMA_BUF_IOCTL_SYNC
 */
#ifndef DMABUF_INTEROP_PAGEMAP_H
#define DMABUF_INTEROP_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

#include "dmabuf-interop/status.h"

/*
 * Maps size bytes of fd (a dma-buf, a memfd, any mmap-able fd) read-only
 * and shared, reads one byte of every page (between DMA_BUF_IOCTL_SYNC
 * START and END, READ, when fd is a dma-buf), unmaps, and gives the hash
 * of the PFNs of its size / page size pages (rounded up) in *hash.
 */
enum di_status di_pagemap_hash_fd(int fd, uint64_t size, uint64_t *hash, struct di_error *err);

/*
 * The same over size bytes already mapped at addr (page aligned). fd is the
 * fd the range maps, for the SYNC bracket when it is a dma-buf, or -1 (no
 * bracket). The range stays mapped.
 */
enum di_status di_pagemap_hash_mapped(const void *addr, size_t size, int fd, uint64_t *hash,
				      struct di_error *err);

#endif /* DMABUF_INTEROP_PAGEMAP_H */
