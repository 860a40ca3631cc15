// SPDX-License-Identifier: MIT
/* sync_file and dma-buf fence helpers (fence.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "dmabuf-interop/fence.h"

#define FENCES_MAX 16 /* a merged sync_file rarely holds more; beyond, no signal time */

/*
 * A sync_file is an anonymous inode named "sync_file". Its name in
 * /proc/self/fd says so without calling into the fence's driver, which
 * SYNC_IOC_FILE_INFO does: on Linux 7.2 that ioctl on a DRM out-fence
 * that is signalling at that moment hits a BUG_ON in DRM's
 * drm_crtc_fence_get_driver_name() (the fence's ops are swapped on signal
 * under it). A peer's release fence is exactly such a fence, checked as
 * it arrives. Without /proc the ioctl is the fallback.
 */
enum di_status di_check_fence_fd(int fd, struct di_error *err)
{
	struct sync_file_info info = {0};
	char path[64], name[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	len = readlink(path, name, sizeof(name) - 1);
	if (len >= 0) {
		name[len] = 0;
		if (!strcmp(name, "anon_inode:sync_file"))
			return DI_OK;
		return di_error_set(err, DI_ERR_NOT_FENCE, 0, "fd %d is not a sync_file: it is %s",
				    fd, name);
	}
	if (fcntl(fd, F_GETFD) < 0)
		return di_error_set(err, DI_ERR_NOT_FENCE, errno, "fd %d is not open", fd);
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info) == 0)
		return DI_OK;
	return di_error_set(err, DI_ERR_NOT_FENCE, errno,
			    "fd %d is not a sync_file (SYNC_IOC_FILE_INFO: %s)", fd,
			    strerror(errno));
}

enum di_status di_fence_export(int dmabuf_fd, bool write, int *fence_fd, struct di_error *err)
{
	struct dma_buf_export_sync_file arg = {
	    .flags = write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ, .fd = -1};

	if (ioctl(dmabuf_fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg))
		return di_error_set(
		    err, DI_ERR_SYS, errno,
		    "DMA_BUF_IOCTL_EXPORT_SYNC_FILE on fd %d: %s (Linux 6.0 has it)", dmabuf_fd,
		    strerror(errno));
	*fence_fd = arg.fd;
	return DI_OK;
}

enum di_status di_fence_import(int dmabuf_fd, int fence_fd, bool write, struct di_error *err)
{
	struct dma_buf_import_sync_file arg = {
	    .flags = write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ, .fd = fence_fd};

	if (ioctl(dmabuf_fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg))
		return di_error_set(err, DI_ERR_SYS, errno,
				    "DMA_BUF_IOCTL_IMPORT_SYNC_FILE of fence fd %d on fd %d: %s",
				    fence_fd, dmabuf_fd, strerror(errno));
	return DI_OK;
}

enum di_status di_fence_wait(int fd, int timeout_ms, struct di_error *err)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int ret;

	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return di_error_set(err, DI_ERR_SYS, errno, "poll on fence fd %d: %s", fd,
				    strerror(errno));
	if (ret == 0)
		return di_error_set(err, DI_ERR_AGAIN, 0, "fence fd %d unsignalled after %d ms", fd,
				    timeout_ms);
	if (pfd.revents & (POLLERR | POLLNVAL))
		return di_error_set(err, DI_ERR_SYS, 0, "poll on fence fd %d: revents 0x%x", fd,
				    (unsigned)pfd.revents);
	return DI_OK;
}

enum di_status di_fence_info(int fence_fd, int *status, uint64_t *signal_ns, struct di_error *err)
{
	struct sync_fence_info fences[FENCES_MAX];
	struct sync_file_info info = {0};
	uint32_t n;

	memset(fences, 0, sizeof(fences));
	if (ioctl(fence_fd, SYNC_IOC_FILE_INFO, &info))
		return di_error_set(err, DI_ERR_NOT_FENCE, errno, "SYNC_IOC_FILE_INFO on fd %d: %s",
				    fence_fd, strerror(errno));
	/* The kernel refuses a smaller array than the sync_file has fences. */
	n = info.num_fences <= FENCES_MAX ? info.num_fences : 0;
	*status = info.status;
	memset(&info, 0, sizeof(info));
	info.num_fences = n;
	info.sync_fence_info = (uint64_t)(uintptr_t)fences;
	if (n && ioctl(fence_fd, SYNC_IOC_FILE_INFO, &info))
		return di_error_set(err, DI_ERR_SYS, errno, "SYNC_IOC_FILE_INFO on fd %d: %s",
				    fence_fd, strerror(errno));
	if (n)
		*status = info.status;
	*signal_ns = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (fences[i].status < 0)
			*status = fences[i].status;
		if (fences[i].timestamp_ns > *signal_ns)
			*signal_ns = fences[i].timestamp_ns;
	}
	return DI_OK;
}
