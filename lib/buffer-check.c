// SPDX-License-Identifier: MIT
/* Received buffer fd checks: filesystem magic and size (buffer-check.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dmabuf-interop/buffer-check.h"

/* Names of what a hostile or confused peer most likely sent instead. */
static const char *fs_name(unsigned long magic)
{
	switch (magic) {
	case DI_FS_MAGIC_DMABUF:
		return "a dma-buf";
	case DI_FS_MAGIC_MEMFD:
		return "a tmpfs/memfd file";
	case 0x50495045: /* PIPEFS_MAGIC */
		return "a pipe";
	case 0x534f434b: /* SOCKFS_MAGIC */
		return "a socket";
	case 0x09041934: /* ANON_INODE_FS_MAGIC */
		return "an anonymous inode (eventfd, timerfd, ...)";
	case 0x1cd1: /* DEVPTS_SUPER_MAGIC */
		return "a terminal";
	case 0x858458f6: /* RAMFS_MAGIC */
		return "a ramfs file";
	case 0xef53: /* EXT4_SUPER_MAGIC */
		return "an ext2/3/4 file";
	case 0x58465342: /* XFS_SUPER_MAGIC */
		return "an XFS file";
	case 0x9fa0: /* PROC_SUPER_MAGIC */
		return "a /proc file";
	case 0x62656572: /* SYSFS_MAGIC */
		return "a sysfs file";
	}
	return "an unrecognised kind of file";
}

enum di_status di_buffer_fd_size(int fd, uint64_t *size, struct di_error *err)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		return di_error_set(err, DI_ERR_SYS, errno, "lseek(fd %d, SEEK_END): %s", fd,
				    strerror(errno));
	if (lseek(fd, 0, SEEK_SET) < 0)
		return di_error_set(err, DI_ERR_SYS, errno, "lseek(fd %d, 0, SEEK_SET): %s", fd,
				    strerror(errno));
	*size = (uint64_t)end;
	return DI_OK;
}

enum di_status di_check_buffer_fd(int fd, uint64_t min_size, uint32_t fs_magic,
				  struct di_error *err)
{
	struct statfs sfs;
	enum di_status st;
	uint64_t size;

	if (fstatfs(fd, &sfs) < 0)
		return di_error_set(err, DI_ERR_SYS, errno, "fstatfs(fd %d): %s", fd,
				    strerror(errno));
	if ((unsigned long)sfs.f_type != fs_magic)
		return di_error_set(err, DI_ERR_NOT_DMABUF, 0,
				    "fd %d is %s (filesystem magic 0x%lx), expected %s (0x%x)", fd,
				    fs_name((unsigned long)sfs.f_type), (unsigned long)sfs.f_type,
				    fs_name(fs_magic), fs_magic);
	st = di_buffer_fd_size(fd, &size, err);
	if (st != DI_OK)
		return st;
	if (size < min_size)
		return di_error_set(err, DI_ERR_FD_SIZE, 0,
				    "fd %d holds %llu bytes, the layout needs %llu", fd,
				    (unsigned long long)size, (unsigned long long)min_size);
	return DI_OK;
}
