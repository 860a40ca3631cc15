/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The frame stamp: 40 bytes that fakecam writes at byte 0 of the first plane
 * of every frame, so that any reader of the same pages (the consumer through
 * mmap, fakedisp at scanout, a test through vgem) can tell which frame it is
 * looking at and whether it is intact.
 *
 * Shared verbatim by the kernel modules and userspace: no libc, no kernel
 * API, only the uapi fixed-width types. All fields are little-endian (every
 * machine this project runs on is).
 */
#ifndef DMABUF_INTEROP_FRAME_STAMP_H
#define DMABUF_INTEROP_FRAME_STAMP_H

/* __u32 and friends: the types the kernel's own uapi headers share. */
#include <linux/types.h>

#define FRAME_STAMP_MAGIC 0x504d5453u /* "STMP" in memory order */
#define FRAME_STAMP_VERSION 1

/*
 * fourcc: the DRM fourcc of the frame (DRM_FORMAT_XRGB8888 'XR24',
 * DRM_FORMAT_NV12 'NV12', DRM_FORMAT_YUYV 'YUYV'); V4L2 uses the same four
 * characters for the matching formats (V4L2_PIX_FMT_XBGR32 is 'XR24').
 * timestamp_ns is CLOCK_MONOTONIC, the same value V4L2 reports in the buffer.
 */
struct frame_stamp {
	__u32 magic;
	__u16 version;
	__u16 size;		/* sizeof(struct frame_stamp) */
	__u64 seq;		/* V4L2 sequence number of the frame */
	__u64 timestamp_ns;
	__u32 fourcc;
	__u32 width;
	__u32 height;
	__u32 checksum;	/* frame_stamp_checksum() of the bytes above */
};

#define FRAME_STAMP_SIZE 40

/* FNV-1a, 32 bit, over every byte of the stamp before the checksum field. */
static inline __u32 frame_stamp_checksum(const struct frame_stamp *s)
{
	const __u8 *p = (const __u8 *)s;
	__u32 h = 0x811c9dc5u;
	unsigned int i;

	for (i = 0; i < FRAME_STAMP_SIZE - sizeof(__u32); i++) {
		h ^= p[i];
		h *= 0x01000193u;
	}
	return h;
}

static inline void frame_stamp_fill(struct frame_stamp *s, __u64 seq,
				    __u64 timestamp_ns, __u32 fourcc,
				    __u32 width, __u32 height)
{
	s->magic = FRAME_STAMP_MAGIC;
	s->version = FRAME_STAMP_VERSION;
	s->size = FRAME_STAMP_SIZE;
	s->seq = seq;
	s->timestamp_ns = timestamp_ns;
	s->fourcc = fourcc;
	s->width = width;
	s->height = height;
	s->checksum = frame_stamp_checksum(s);
}

/* True when magic, version, size and checksum are those of an intact stamp. */
static inline int frame_stamp_valid(const struct frame_stamp *s)
{
	return s->magic == FRAME_STAMP_MAGIC &&
	       s->version == FRAME_STAMP_VERSION &&
	       s->size == FRAME_STAMP_SIZE &&
	       s->checksum == frame_stamp_checksum(s);
}

#endif /* DMABUF_INTEROP_FRAME_STAMP_H */
