/* SPDX-License-Identifier: MIT */
/*
 * vgem-util: what the fakecam tools (fakecam-expbuf, fakecam-fences,
 * fakecam-ioctls) share, so that each does not carry its own copy: finding
 * vgem and making its dumb buffers and fences, and the small helpers around
 * them (die, an EINTR-safe ioctl, a monotonic clock in ms, fakecam's stats).
 */
#ifndef FAKECAM_VGEM_UTIL_H
#define FAKECAM_VGEM_UTIL_H

#include <stddef.h>

#include <libdrm/drm.h>

/* The tool's name, which die() puts in front of its message; each tool defines it. */
extern const char tool_name[];

/* Prints "tool_name: message" on stderr and exits 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ioctl(), again while it fails with EINTR. */
int xioctl(int fd, unsigned long req, void *arg);

double now_ms(void);
void sleep_ms(unsigned int ms);

/* Prints fakecam's per-camera stats on one line, or says there are none. */
void print_stats(const char *when);

/* vgem's uapi (include/uapi/drm/vgem_drm.h), which libdrm does not install. */
struct vgem_fence_attach {
	__u32 handle;
	__u32 flags;
	__u32 out_fence;
	__u32 pad;
};

struct vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};

#define VGEM_FENCE_WRITE	0x1
#define VGEM_IOCTL_FENCE_ATTACH DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL DRM_IOW(DRM_COMMAND_BASE + 0x2, struct vgem_fence_signal)

/* The first /dev/dri/card* whose driver is vgem, opened read-write; dies without one. */
int find_vgem(void);

/*
 * A vgem dumb buffer of at least size bytes, rows of pitch bytes (8 bpp):
 * its handle in *handle, its dma-buf fd returned.
 */
int vgem_dumb(int vgem, unsigned int pitch, size_t size, unsigned int *handle);

void vgem_close_handle(int vgem, unsigned int handle);

#endif
