/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Reading what fakedisp and DRM show in debugfs: the scanout counters, the
 * buffer list (inode -> pfn hash), the event log, the CRTC's CRC stream,
 * and /sys/kernel/debug/dma_buf/bufinfo.
 */
#ifndef FAKEDISP_DEBUGFS_H
#define FAKEDISP_DEBUGFS_H

#include <stdbool.h>
#include <stdint.h>

#define FAKEDISP_DEBUGFS "/sys/kernel/debug/fakedisp"

/* Whole file in a malloc'ed string, NULL on error. */
char *debugfs_read(const char *path);
/* The value of "name: value" in fakedisp's scanout file, -1 if absent. */
long long scanout_counter(const char *name);
/* How many fakedisp buffer objects stand for dma-buf inode @ino; the pfn
 * hash (16 hex digits) of the last one goes to @hash unless NULL. */
int fakedisp_buffers(unsigned long ino, char hash[17]);
/* Users of the kernel mapping of the buffer object with dma-buf inode
 * @ino (the "vmaps" column), -1 when none is listed. */
long fakedisp_buffer_vmaps(unsigned long ino);
/* How many @type events for dma-buf inode @ino were logged at or after
 * @since_ns (CLOCK_MONOTONIC). */
int fakedisp_event_count(unsigned long ino, uint64_t since_ns, const char *type);
/* For each of the @n event @types, the position (1-based) in one read of
 * the event log of its first occurrence for dma-buf inode @ino logged at
 * or after @since_ns (CLOCK_MONOTONIC), 0 if none. Inode numbers of freed
 * dma-bufs may come back: @since_ns tells ours. */
void fakedisp_event_pos(unsigned long ino, uint64_t since_ns, const char *const *types, int n,
			int *pos);
/* True when /sys/kernel/debug/dma_buf/bufinfo lists inode @ino. */
bool dmabuf_listed(unsigned long ino);

/* The CRC stream of fakedisp's CRTC: selects source "auto", opens data. */
int crc_open(void);
/* Reads one entry; false on EOF/error (EAGAIN: nothing yet). */
bool crc_read(int fd, uint32_t *frame, uint32_t *crc);

#endif
