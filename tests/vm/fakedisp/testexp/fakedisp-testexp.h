/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The interface of fakedisp_testexp.ko, a test-only dma-buf exporter: the
 * module and the test programs under tests/vm/fakedisp/tools/ share it.
 *
 * TESTEXP_IOC_CREATE on /dev/fakedisp_testexp makes a dma-buf of zeroed
 * system pages and returns its fd. /sys/kernel/debug/fakedisp_testexp/
 * has "buffers" (one line per buffer, see TESTEXP_BUFFERS_HEADER) and
 * "cpu_access_delay_ms", which every begin_cpu_access sleeps for (0 at
 * load): a reader that brackets its reads, like fakedisp's scanout worker,
 * then stalls for as long as a test needs.
 */
#ifndef FAKEDISP_TESTEXP_H
#define FAKEDISP_TESTEXP_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define TESTEXP_DEV "/dev/fakedisp_testexp"
#define TESTEXP_DEBUGFS "/sys/kernel/debug/fakedisp_testexp"

/* No vmap op: importers cannot map the buffer for the CPU. */
#define TESTEXP_NO_VMAP 0x1u

/**
 * struct testexp_create - argument of TESTEXP_IOC_CREATE
 * @size: in: bytes, a whole number of pages, at most 64 MiB
 * @flags: in: TESTEXP_*
 * @fd: out: the dma-buf (O_RDWR, O_CLOEXEC)
 * @pfn_hash: out: the pfn hash of its pages (dmabuf-interop/pfn-hash.h)
 * @ino: out: the dma-buf's inode number
 */
struct testexp_create {
	__u64 size;
	__u32 flags;
	__s32 fd;
	__u64 pfn_hash;
	__u64 ino;
};

#define TESTEXP_IOC_CREATE _IOWR('T', 0x51, struct testexp_create)

/*
 * vmaps: live vmaps of the buffer; vmap_calls/vunmap_calls: the exporter's
 * vmap/vunmap ops called; maps_locked/maps_unlocked: ->map_dma_buf and
 * ->unmap_dma_buf called with/without the reservation lock held;
 * maps_refused: those that found the lock held on a kernel whose importers
 * must not hold it (before 6.2); cpu_accesses: begin_cpu_access calls.
 */
#define TESTEXP_BUFFERS_HEADER \
	"ino size flags pfn_hash attachments mapped vmaps vmap_calls vunmap_calls " \
	"maps_locked maps_unlocked maps_refused cpu_accesses"

#endif /* FAKEDISP_TESTEXP_H */
