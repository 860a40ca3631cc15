// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pfn-proof CASE: the zero-copy proof from user space, in the guest. For two
 * buffers of one source, the hash of the page frames the process maps
 * (lib/pagemap.c: /proc/self/pagemap, the hash of pfn-hash.h) must equal
 * what the drivers print in debugfs for the same dma-buf (found by its
 * inode): fakecam's hash of its own pages or of the DMA addresses of an
 * import it mapped, fakedisp's of its dumb buffer's pages or of an import.
 * Negative control: the other buffer's pagemap hash (same size, same
 * source) differs from each of them.
 *
 *   fakecam  fakecam MMAP buffers (one frame captured into each), VIDIOC_EXPBUF:
 *            fakecam's buffer hash, and fakedisp's after a PRIME import + AddFB2
 *   dumb     fakedisp dumb buffers, PRIME export: fakedisp's dumb hash, and
 *            fakecam's import hash after a frame was captured into each
 *            (V4L2_MEMORY_DMABUF)
 *   heap     /dev/dma_heap/system buffers into fakedisp and fakecam
 *   udmabuf  memfd + UDMABUF_CREATE into fakedisp and fakecam
 *   vgem     vgem dumb buffers, PRIME export, into fakedisp and fakecam
 *
 * Exit 0: every check passed. Exit 77, after a line "SKIP: <why>": the
 * source does not exist on this kernel (no dma-heap, no udmabuf), or its
 * mapping is one /proc/self/pagemap cannot show (VM_PFNMAP); in the latter
 * case the importers' hashes were still checked against each other. udmabuf
 * mapped VM_PFNMAP is proven through the memfd behind it instead (the very
 * pages udmabuf pins), said in a NOTE. Exit 1 with "FAIL: ..." otherwise.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <linux/videodev2.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "dmabuf-interop/pagemap.h"
#include "dmabuf-source.h"
#include "fakedisp-debugfs.h"
#include "kms-pipe.h"
#include "test-check.h"
#include "vgem-util.h"

#define WIDTH	  640
#define HEIGHT	  480
#define PITCH	  (WIDTH * 4)
#define SIZE	  ((size_t)PITCH * HEIGHT) /* XR24: 300 pages */
#define SKIP_EXIT 77

const char tool_name[] = "pfn-proof";

struct proof {
	const char *source;
	int fds[2];	     /* the dma-bufs */
	int pagemap_fds[2];  /* what pagemap reads: the dma-bufs, or udmabuf's memfds */
	int fallback_fds[2]; /* udmabuf: its memfds, for a VM_PFNMAP mapping; else -1 */
	size_t size;
	unsigned long inos[2];
	uint64_t cam[2], disp[2]; /* the drivers' hashes */
	bool have_cam, have_disp;
	const char *cam_what, *disp_what;
};

static unsigned long ino_of(int fd)
{
	struct stat st;

	CHECK(fstat(fd, &st) == 0, "fstat fd %d: %s", fd, strerror(errno));
	return (unsigned long)st.st_ino;
}

static uint64_t parse_hash(const char *text, const char *where)
{
	char *end;
	uint64_t h;

	errno = 0;
	h = strtoull(text, &end, 16);
	CHECK(!errno && end - text == 16, "%s: no pfn hash in '%.20s'", where, text);
	return h;
}

/* fakecam's hash of its own buffer whose export has inode @ino. */
static bool cam_export_hash(unsigned long ino, uint64_t *hash)
{
	bool found = false;

	for (int cam = 0; cam < 8 && !found; cam++) {
		char path[64], *text, *save = NULL, *h = NULL;

		snprintf(path, sizeof(path), "/sys/kernel/debug/fakecam/%d/buffers", cam);
		if (access(path, R_OK))
			continue;
		text = debugfs_read(path);
		/* "buffer id=.. pfn_hash=H ..", then "  dmabuf ino=N .." per export */
		for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
		     line = strtok_r(NULL, "\n", &save)) {
			unsigned long l_ino;
			char *p;

			if (!strncmp(line, "buffer ", 7) && (p = strstr(line, " pfn_hash=")))
				h = p + 10;
			else if ((p = strstr(line, "dmabuf ino=")) &&
				 sscanf(p, "dmabuf ino=%lu", &l_ino) == 1 && l_ino == ino && h) {
				*hash = parse_hash(h, path);
				found = true;
			}
		}
		free(text);
	}
	return found;
}

/* fakecam's hash of the last mapping of its import of inode @ino. */
static bool cam_import_hash(unsigned long ino, uint64_t *hash, char exporter[64])
{
	bool found = false;

	for (int cam = 0; cam < 8 && !found; cam++) {
		char path[64], *text, *save = NULL;

		snprintf(path, sizeof(path), "/sys/kernel/debug/fakecam/%d/imports", cam);
		if (access(path, R_OK))
			continue;
		text = debugfs_read(path);
		for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
		     line = strtok_r(NULL, "\n", &save)) {
			unsigned long l_ino;
			unsigned int index, mapped;
			size_t size;
			char h[20];

			if (sscanf(line,
				   "import index=%u size=%zu ino=%lu exporter=%63s mapped=%u "
				   "pfn_hash=%19s",
				   &index, &size, &l_ino, exporter, &mapped, h) == 6 &&
			    l_ino == ino) {
				CHECK(strcmp(h, "-"),
				      "fakecam's import of inode %lu was never mapped", ino);
				*hash = parse_hash(h, path);
				found = true;
			}
		}
		free(text);
	}
	return found;
}

static uint64_t disp_hash(unsigned long ino)
{
	char h[17];
	int n = fakedisp_buffers(ino, h);

	CHECK(n == 1, "fakedisp lists %d buffers of dma-buf inode %lu, not one", n, ino);
	return parse_hash(h, FAKEDISP_DEBUGFS "/buffers");
}

/* PRIME import + AddFB2 into fakedisp, its hash; the framebuffer removed after. */
static void into_fakedisp(struct proof *p, int card, bool own)
{
	for (int i = 0; i < 2; i++) {
		uint32_t handle, fb, handles[4] = {0}, pitches[4] = {PITCH}, offsets[4] = {0};
		struct drm_gem_close close_req = {0};

		CHECK(drmPrimeFDToHandle(card, p->fds[i], &handle) == 0,
		      "%s buffer %d: PRIME import into fakedisp: %s", p->source, i,
		      strerror(errno));
		handles[0] = handle;
		CHECK(drmModeAddFB2(card, WIDTH, HEIGHT, DRM_FORMAT_XRGB8888, handles, pitches,
				    offsets, &fb, 0) == 0,
		      "%s buffer %d: AddFB2: %s", p->source, i, strerror(errno));
		p->disp[i] = disp_hash(p->inos[i]);
		drmModeRmFB(card, fb);
		close_req.handle = handle;
		CHECK(drmIoctl(card, DRM_IOCTL_GEM_CLOSE, &close_req) == 0, "GEM_CLOSE: %s",
		      strerror(errno));
	}
	p->have_disp = true;
	p->disp_what = own ? "fakedisp's dumb buffer" : "fakedisp's import";
}

static int fakecam_node(void)
{
	char path[32];

	for (int i = 0; i < 64; i++) {
		struct v4l2_capability cap;
		int fd;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0 &&
		    !strcmp((const char *)cap.driver, "fakecam") &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE))
			return fd;
		close(fd);
	}
	CHECK(0, "no single-planar fakecam capture node");
	return -1;
}

/* Both buffers queued as V4L2_MEMORY_DMABUF, a frame captured into each. */
static void into_fakecam(struct proof *p)
{
	struct v4l2_requestbuffers req = {
	    .count = 2, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF};
	struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, cam = fakecam_node();
	char exporter[64];

	fmt.fmt.pix.width = WIDTH;
	fmt.fmt.pix.height = HEIGHT;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_XBGR32; /* 'XR24' */
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	CHECK(xioctl(cam, VIDIOC_S_FMT, &fmt) == 0 && fmt.fmt.pix.sizeimage <= p->size,
	      "fakecam S_FMT 640x480 XR24: %s (sizeimage %u)", strerror(errno),
	      fmt.fmt.pix.sizeimage);
	CHECK(xioctl(cam, VIDIOC_REQBUFS, &req) == 0 && req.count == 2,
	      "fakecam REQBUFS DMABUF 2: %s", strerror(errno));
	for (unsigned int i = 0; i < 2; i++) {
		struct v4l2_buffer b = {.index = i, .type = type, .memory = V4L2_MEMORY_DMABUF};

		b.m.fd = p->fds[i];
		b.length = (uint32_t)p->size;
		CHECK(xioctl(cam, VIDIOC_QBUF, &b) == 0, "%s buffer %u: fakecam QBUF DMABUF: %s",
		      p->source, i, strerror(errno));
	}
	CHECK(xioctl(cam, VIDIOC_STREAMON, &type) == 0, "fakecam STREAMON: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		struct v4l2_buffer b = {.type = type, .memory = V4L2_MEMORY_DMABUF};
		struct pollfd pfd = {.fd = cam, .events = POLLIN};

		CHECK(poll(&pfd, 1, 20000) == 1, "no frame from fakecam in 20 s");
		CHECK(xioctl(cam, VIDIOC_DQBUF, &b) == 0, "fakecam DQBUF: %s", strerror(errno));
		CHECK(!(b.flags & V4L2_BUF_FLAG_ERROR), "%s buffer %u: fakecam's frame failed",
		      p->source, b.index);
	}
	for (int i = 0; i < 2; i++) {
		CHECK(cam_import_hash(p->inos[i], &p->cam[i], exporter),
		      "fakecam lists no import of %s buffer %d (inode %lu)", p->source, i,
		      p->inos[i]);
		printf("fakecam imported %s buffer %d (inode %lu, exporter %s)\n", p->source, i,
		       p->inos[i], exporter);
	}
	CHECK(xioctl(cam, VIDIOC_STREAMOFF, &type) == 0, "fakecam STREAMOFF: %s", strerror(errno));
	req.count = 0;
	CHECK(xioctl(cam, VIDIOC_REQBUFS, &req) == 0, "fakecam REQBUFS 0: %s", strerror(errno));
	close(cam);
	p->have_cam = true;
	p->cam_what = "fakecam's import";
}

/*
 * The user-space hashes against the drivers'. Returns SKIP_EXIT when the
 * mapping is VM_PFNMAP and there is nothing else to read pagemap through.
 */
static int prove(struct proof *p)
{
	uint64_t pm[2];

	CHECK(p->have_cam || p->have_disp, "nothing to compare with");
	for (int i = 0; i < 2; i++) {
		struct di_error err;
		enum di_status st = di_pagemap_hash_fd(p->pagemap_fds[i], p->size, &pm[i], &err);

		if (st == DI_ERR_SYS && err.sys_errno == ENXIO && p->fallback_fds[i] >= 0) {
			printf("NOTE: %s buffer %d: %s; hashing the memfd behind it (the pages "
			       "%s pins)\n",
			       p->source, i, err.text, p->source);
			p->pagemap_fds[i] = p->fallback_fds[i];
			st = di_pagemap_hash_fd(p->pagemap_fds[i], p->size, &pm[i], &err);
		}
		if (st == DI_ERR_SYS && err.sys_errno == ENXIO) {
			/* No user-space view; the importers must still agree. */
			CHECK(p->have_cam && p->have_disp, "%s: %s", p->source, err.text);
			for (int j = 0; j < 2; j++) {
				CHECK(p->cam[j] == p->disp[j],
				      "%s buffer %d: fakecam's import hash %016" PRIx64
				      " != fakedisp's %016" PRIx64,
				      p->source, j, p->cam[j], p->disp[j]);
				CHECK(p->cam[j] != p->disp[1 - j],
				      "%s: buffers 0 and 1 have the same hash", p->source);
			}
			printf("ok: %s: fakecam's and fakedisp's import hashes agree per buffer "
			       "(%016" PRIx64 ", %016" PRIx64 ") and differ between buffers\n",
			       p->source, p->cam[0], p->cam[1]);
			printf("SKIP: %s: no user-space proof: %s\n", p->source, err.text);
			return SKIP_EXIT;
		}
		CHECK(st == DI_OK, "%s buffer %d: %s: %s", p->source, i, di_status_name(st),
		      err.text);
	}
	CHECK(pm[0] != pm[1], "%s: both buffers' pagemap hashes are %016" PRIx64, p->source, pm[0]);
	for (int i = 0; i < 2; i++) {
		if (p->have_cam) {
			CHECK(pm[i] == p->cam[i],
			      "%s buffer %d: pagemap hash %016" PRIx64 " != %s hash %016" PRIx64,
			      p->source, i, pm[i], p->cam_what, p->cam[i]);
			CHECK(pm[1 - i] != p->cam[i],
			      "%s: the other buffer's pagemap hash equals %s hash of buffer %d",
			      p->source, p->cam_what, i);
			printf("ok: %s buffer %d: pagemap hash %016" PRIx64
			       " == %s hash; buffer %d's "
			       "%016" PRIx64 " differs\n",
			       p->source, i, pm[i], p->cam_what, 1 - i, pm[1 - i]);
		}
		if (p->have_disp) {
			CHECK(pm[i] == p->disp[i],
			      "%s buffer %d: pagemap hash %016" PRIx64 " != %s hash %016" PRIx64,
			      p->source, i, pm[i], p->disp_what, p->disp[i]);
			CHECK(pm[1 - i] != p->disp[i],
			      "%s: the other buffer's pagemap hash equals %s hash of buffer %d",
			      p->source, p->disp_what, i);
			printf("ok: %s buffer %d: pagemap hash %016" PRIx64
			       " == %s hash; buffer %d's "
			       "%016" PRIx64 " differs\n",
			       p->source, i, pm[i], p->disp_what, 1 - i, pm[1 - i]);
		}
	}
	printf("PASS: %s: user-space pagemap hashes equal the drivers' for both buffers\n",
	       p->source);
	return 0;
}

static void proof_init(struct proof *p, const char *source, const int fds[2], size_t size)
{
	memset(p, 0, sizeof(*p));
	p->source = source;
	p->size = size;
	for (int i = 0; i < 2; i++) {
		p->fds[i] = p->pagemap_fds[i] = fds[i];
		p->fallback_fds[i] = -1;
		p->inos[i] = ino_of(fds[i]);
	}
}

static int case_fakecam(int card)
{
	struct dmabuf_source s;
	struct proof p;
	int fds[2], ret;

	CHECK(source_open(&s, "fakecam", DRM_FORMAT_XRGB8888, WIDTH, HEIGHT, 2, -1),
	      "fakecam's exported MMAP buffers");
	fds[0] = s.bufs[0].fd;
	fds[1] = s.bufs[1].fd;
	CHECK(s.bufs[0].size == SIZE && s.bufs[1].size == SIZE, "fakecam buffers of %zu bytes",
	      s.bufs[0].size);
	proof_init(&p, "fakecam", fds, SIZE);
	for (int i = 0; i < 2; i++)
		CHECK(cam_export_hash(p.inos[i], &p.cam[i]),
		      "fakecam lists no export with inode %lu", p.inos[i]);
	p.have_cam = true;
	p.cam_what = "fakecam's buffer";
	into_fakedisp(&p, card, false);
	ret = prove(&p);
	source_close(&s);
	return ret;
}

static int case_dumb(int card)
{
	struct dmabuf_source s;
	struct proof p;
	int fds[2], ret;

	CHECK(source_open(&s, "dumb", DRM_FORMAT_XRGB8888, WIDTH, HEIGHT, 2, card),
	      "fakedisp dumb buffers, PRIME export");
	fds[0] = s.bufs[0].fd;
	fds[1] = s.bufs[1].fd;
	CHECK(s.bufs[0].size == SIZE, "dumb buffers of %zu bytes", s.bufs[0].size);
	proof_init(&p, "dumb", fds, SIZE);
	into_fakedisp(&p, card, true);
	into_fakecam(&p);
	ret = prove(&p);
	source_close(&s);
	return ret;
}

static int case_heap(int card)
{
	const char *path = "/dev/dma_heap/system";
	int heap = open(path, O_RDONLY | O_CLOEXEC), fds[2], ret;
	struct proof p;

	if (heap < 0) {
		printf("SKIP: heap: no %s on this kernel (%s): no system dma-heap "
		       "(CONFIG_DMABUF_HEAPS_SYSTEM)\n",
		       path, strerror(errno));
		return SKIP_EXIT;
	}
	for (int i = 0; i < 2; i++) {
		struct dma_heap_allocation_data alloc = {.len = SIZE,
							 .fd_flags = O_RDWR | O_CLOEXEC};

		CHECK(xioctl(heap, DMA_HEAP_IOCTL_ALLOC, &alloc) == 0,
		      "DMA_HEAP_IOCTL_ALLOC %zu bytes: %s", SIZE, strerror(errno));
		fds[i] = (int)alloc.fd;
	}
	close(heap);
	proof_init(&p, "heap", fds, SIZE);
	into_fakedisp(&p, card, false);
	into_fakecam(&p);
	ret = prove(&p);
	close(fds[0]);
	close(fds[1]);
	return ret;
}

static int case_udmabuf(int card)
{
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC), fds[2], memfds[2], ret;
	struct proof p;

	if (dev < 0) {
		printf("SKIP: udmabuf: no /dev/udmabuf on this kernel (%s): no CONFIG_UDMABUF\n",
		       strerror(errno));
		return SKIP_EXIT;
	}
	for (int i = 0; i < 2; i++) {
		struct udmabuf_create create = {.flags = UDMABUF_FLAGS_CLOEXEC, .size = SIZE};

		memfds[i] = memfd_create("pfn-proof", MFD_ALLOW_SEALING | MFD_CLOEXEC);
		CHECK(memfds[i] >= 0 && ftruncate(memfds[i], SIZE) == 0 &&
			  fcntl(memfds[i], F_ADD_SEALS, F_SEAL_SHRINK) == 0,
		      "a sealed memfd of %zu bytes: %s", SIZE, strerror(errno));
		create.memfd = (uint32_t)memfds[i];
		fds[i] = xioctl(dev, UDMABUF_CREATE, &create);
		CHECK(fds[i] >= 0, "UDMABUF_CREATE: %s", strerror(errno));
	}
	close(dev);
	proof_init(&p, "udmabuf", fds, SIZE);
	p.fallback_fds[0] = memfds[0];
	p.fallback_fds[1] = memfds[1];
	into_fakedisp(&p, card, false);
	into_fakecam(&p);
	ret = prove(&p);
	for (int i = 0; i < 2; i++) {
		close(fds[i]);
		close(memfds[i]);
	}
	return ret;
}

static int case_vgem(int card)
{
	int vgem = find_vgem(), fds[2], ret;
	struct proof p;

	for (int i = 0; i < 2; i++) {
		unsigned int handle;

		fds[i] = vgem_dumb(vgem, PITCH, SIZE, &handle);
		vgem_close_handle(vgem, handle);
	}
	close(vgem);
	proof_init(&p, "vgem", fds, SIZE);
	into_fakedisp(&p, card, false);
	into_fakecam(&p);
	ret = prove(&p);
	close(fds[0]);
	close(fds[1]);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int card);
	} cases[] = {
	    {"fakecam", case_fakecam}, {"dumb", case_dumb}, {"heap", case_heap},
	    {"udmabuf", case_udmabuf}, {"vgem", case_vgem},
	};
	int card, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: %s fakecam|dumb|heap|udmabuf|vgem\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[1], cases[i].name))
			continue;
		card = kms_open_driver("fakedisp", NULL);
		CHECK(card >= 0, "no fakedisp card");
		ret = cases[i].run(card);
		close(card);
		return ret;
	}
	fprintf(stderr, "%s: unknown case %s\n", argv[0], argv[1]);
	return 2;
}
