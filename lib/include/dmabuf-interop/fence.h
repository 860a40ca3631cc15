/* SPDX-License-Identifier: MIT */
/*
 * dma-buf fences from user space: the sync_file fds that explicit sync
 * passes over the socket, and the implicit fences in a dma-buf's
 * reservation object (DMA_BUF_IOCTL_EXPORT_SYNC_FILE / IMPORT_SYNC_FILE,
 * Linux 6.0 on). docs/protocol.md ("Sync modes") says who calls what.
 */
#ifndef DMABUF_INTEROP_FENCE_H
#define DMABUF_INTEROP_FENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "dmabuf-interop/status.h"

/*
 * Succeeds when fd is a sync_file (its /proc/self/fd name, else
 * SYNC_IOC_FILE_INFO answers); otherwise DI_ERR_NOT_FENCE naming what it
 * is.
 */
enum di_status di_check_fence_fd(int fd, struct di_error *err);

/*
 * A sync_file of the fences on dmabuf_fd that a reader (write false: the
 * writers' fences) or a writer (write true: every fence) must wait for.
 * With none pending the kernel returns an already signalled one.
 */
enum di_status di_fence_export(int dmabuf_fd, bool write, int *fence_fd, struct di_error *err);

/*
 * Adds the fence of fence_fd to dmabuf_fd's reservation object, as a
 * reader's (write false: later writers wait for it) or a writer's.
 */
enum di_status di_fence_import(int dmabuf_fd, int fence_fd, bool write, struct di_error *err);

/*
 * Waits up to timeout_ms (0: just looks) for fd to be readable: a
 * sync_file signalled, or a dma-buf whose writers are done. DI_OK when it
 * is, DI_ERR_AGAIN when not yet, DI_ERR_SYS.
 */
enum di_status di_fence_wait(int fd, int timeout_ms, struct di_error *err);

/*
 * A signalled sync_file's state: *status 1 when every fence signalled
 * without error, a negative errno when one carried an error (0: still
 * pending); *signal_ns the CLOCK_MONOTONIC time the last of them signalled.
 */
enum di_status di_fence_info(int fence_fd, int *status, uint64_t *signal_ns, struct di_error *err);

#endif /* DMABUF_INTEROP_FENCE_H */
