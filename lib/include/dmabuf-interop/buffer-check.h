/* SPDX-License-Identifier: MIT */
/*
 * Checks on a received buffer fd before anything is done with it: is it a
 * dma-buf at all, and is it large enough for the layout its POOL declared?
 * A peer that sends a pipe, a socket or a buffer that is too small is caught
 * here, before an import or an mmap could fault.
 *
 * The expected filesystem magic is a parameter, not a global switch: the
 * apps pass DI_FS_MAGIC_DMABUF, host unit tests pass DI_FS_MAGIC_MEMFD so
 * that memfds can stand in for dma-bufs where no exporter exists.
 */
#ifndef DMABUF_INTEROP_BUFFER_CHECK_H
#define DMABUF_INTEROP_BUFFER_CHECK_H

#include <stdint.h>

#include "dmabuf-interop/status.h"

#define DI_FS_MAGIC_DMABUF 0x444d4142u /* DMA_BUF_MAGIC, linux/magic.h */
#define DI_FS_MAGIC_MEMFD  0x01021994u /* TMPFS_MAGIC: memfd_create() files (tests only) */

/*
 * Succeeds when fd lives on the filesystem fs_magic (fstatfs f_type) and its
 * size (lseek SEEK_END) is at least min_size. Leaves the file offset at 0.
 * DI_ERR_NOT_DMABUF, DI_ERR_FD_SIZE or DI_ERR_SYS, with the fd, what it is
 * and the sizes in err->text.
 */
enum di_status di_check_buffer_fd(int fd, uint64_t min_size, uint32_t fs_magic,
				  struct di_error *err);

/* Size of the buffer behind fd (lseek SEEK_END, offset restored to 0). */
enum di_status di_buffer_fd_size(int fd, uint64_t *size, struct di_error *err);

#endif /* DMABUF_INTEROP_BUFFER_CHECK_H */
