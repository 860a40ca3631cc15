// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fakedisp-bad-input: everything fakedisp must refuse, with the errno it
 * must refuse it with, and never an oops (vmrun fails the run on one):
 *   - AddFB2 with a buffer too small, an offset past its end, a pitch below
 *     the width, a pitch or offset that is not whole pixels, a format or
 *     modifier the plane does not take, an odd NV12 size -> EINVAL; a
 *     handle that does not exist -> ENOENT;
 *   - AddFB2 of framebuffers whose planes are in buffer objects of their
 *     own (YUV420 in three, NV12 and NV16 in two): accepted when each
 *     plane's offset + pitch * (rows - 1) + its row's bytes is exactly its
 *     object's size, EINVAL one byte further (for each plane in turn, the
 *     others fitting); a handle missing for a plane of the format, or one
 *     for a plane the format does not have (with and without
 *     DRM_MODE_FB_MODIFIERS) -> EINVAL; one object for all three planes of
 *     YUV420 -> accepted;
 *   - PRIME import of fds that are not dma-bufs -> an error, no object;
 *   - atomic commits with the plane larger or smaller than the mode, a
 *     scaled plane, or a mode the connector does not offer -> EINVAL, by
 *     TEST_ONLY and by the real commit alike;
 * and, so that the refusals mean something, the same pipe accepts a valid
 * commit, and drmWaitVBlank counts vblanks at the refresh rate.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kms-pipe.h"

static int failures;

static void expect(const char *what, int ret, int want)
{
	if (ret == -want) {
		printf("ok: %s -> %s\n", what, want ? strerror(want) : "accepted");
		return;
	}
	printf("FAIL: %s -> %s, expected %s\n", what, ret ? strerror(-ret) : "accepted",
	       want ? strerror(want) : "success");
	failures++;
}

struct dumb {
	uint32_t handle, pitch;
	uint64_t size;
};

static struct dumb dumb(int fd, uint32_t width, uint32_t height, uint32_t bpp)
{
	struct drm_mode_create_dumb c = { .width = width, .height = height, .bpp = bpp };

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c)) {
		perror("DRM_IOCTL_MODE_CREATE_DUMB");
		exit(1);
	}
	return (struct dumb){ c.handle, c.pitch, c.size };
}

static int addfb(int fd, uint32_t w, uint32_t h, uint32_t fourcc, uint32_t handle,
		 uint32_t pitch, uint32_t offset, uint64_t modifier, uint32_t *fb)
{
	uint32_t handles[4] = { handle }, pitches[4] = { pitch }, offsets[4] = { offset };
	uint64_t mods[4] = { modifier };
	uint32_t id = 0;
	int ret;

	if (fourcc == DRM_FORMAT_NV12) {
		handles[1] = handle;
		pitches[1] = pitch;
		offsets[1] = offset + pitch * h;
		mods[1] = modifier;
	}
	ret = drmModeAddFB2WithModifiers(fd, w, h, fourcc, handles, pitches, offsets, mods, &id,
					 DRM_MODE_FB_MODIFIERS);
	ret = ret ? -errno : 0;
	if (fb)
		*fb = id;
	else if (!ret)
		drmModeRmFB(fd, id);
	return ret;
}

/* AddFB2 of @n handles (the rest 0); -errno, the framebuffer removed. */
static int addfb_planes(int fd, uint32_t w, uint32_t h, uint32_t fourcc, int n,
			const uint32_t *handles, const uint32_t *pitches, const uint32_t *offsets,
			bool modifiers)
{
	uint32_t hs[4] = { 0 }, ps[4] = { 0 }, os[4] = { 0 }, id = 0;
	uint64_t mods[4] = { 0 };
	int ret;

	for (int i = 0; i < n; i++) {
		hs[i] = handles[i];
		ps[i] = pitches[i];
		os[i] = offsets[i];
		mods[i] = DRM_FORMAT_MOD_LINEAR;
	}
	ret = drmModeAddFB2WithModifiers(fd, w, h, fourcc, hs, ps, os, modifiers ? mods : NULL,
					 &id, modifiers ? DRM_MODE_FB_MODIFIERS : 0);
	ret = ret ? -errno : 0;
	if (!ret)
		drmModeRmFB(fd, id);
	return ret;
}

/*
 * Framebuffers of @fourcc (@planes planes; plane i @bytes[i] a row, @rows[i]
 * rows) each plane in a dumb buffer of its own: at the offset that makes the
 * plane end exactly at its object's end, accepted; one byte further, for
 * each plane in turn, EINVAL.
 */
static void multi_fit(int fd, const char *name, uint32_t fourcc, int planes,
		      const uint32_t *bytes, const uint32_t *rows)
{
	uint32_t handles[3], pitches[3], offsets[3];
	struct dumb d[3];
	char label[160];

	for (int i = 0; i < planes; i++) {
		/* Two rows more than the plane needs: room for an offset. */
		d[i] = dumb(fd, bytes[i], rows[i] + 2, 8);
		handles[i] = d[i].handle;
		pitches[i] = d[i].pitch;
		offsets[i] = (uint32_t)d[i].size - (pitches[i] * (rows[i] - 1) + bytes[i]);
	}
	snprintf(label, sizeof(label), "AddFB2 %s, each plane ending at its buffer's end (valid)",
		 name);
	expect(label, addfb_planes(fd, 640, 480, fourcc, planes, handles, pitches, offsets, false),
	       0);
	for (int i = 0; i < planes; i++) {
		offsets[i] += 2; /* whole pixels of every plane, 2 bytes past the end */
		snprintf(label, sizeof(label), "AddFB2 %s, plane %d 2 bytes past its buffer's end",
			 name, i);
		expect(label,
		       addfb_planes(fd, 640, 480, fourcc, planes, handles, pitches, offsets, false),
		       EINVAL);
		offsets[i] -= 2;
	}
	/* Planes 0 and 1 in each other's buffer, when plane 1's is smaller. */
	if (d[1].size < d[0].size) {
		uint32_t swapped[3] = { handles[1], handles[0], planes > 2 ? handles[2] : 0 };

		snprintf(label, sizeof(label), "AddFB2 %s, planes 0 and 1 in each other's buffer",
			 name);
		expect(label,
		       addfb_planes(fd, 640, 480, fourcc, planes, swapped, pitches, offsets, false),
		       EINVAL);
	}
	for (int i = 0; i < planes; i++)
		drmModeDestroyDumbBuffer(fd, d[i].handle);
}

/* Multi-object framebuffers: sizes per object, handle counts. */
static void multi_object(int fd)
{
	static const uint32_t yuv420_bytes[3] = { 640, 320, 320 }, yuv420_rows[3] = { 480, 240, 240 };
	static const uint32_t nv12_bytes[2] = { 640, 640 }, nv12_rows[2] = { 480, 240 };
	static const uint32_t nv16_rows[2] = { 480, 480 };

	multi_fit(fd, "YUV420 in three buffers", DRM_FORMAT_YUV420, 3, yuv420_bytes, yuv420_rows);
	multi_fit(fd, "NV12 in two buffers", DRM_FORMAT_NV12, 2, nv12_bytes, nv12_rows);
	multi_fit(fd, "NV16 in two buffers", DRM_FORMAT_NV16, 2, nv12_bytes, nv16_rows);

	/* One buffer of 640x720 bytes holds YUV420 640x480 (and more). */
	struct dumb one = dumb(fd, 640, 720, 8);
	struct dumb xr = dumb(fd, 640, 480, 32);
	uint32_t h3[3] = { one.handle, one.handle, one.handle };
	uint32_t p3[3] = { one.pitch, one.pitch / 2, one.pitch / 2 };
	uint32_t o3[3] = { 0, one.pitch * 480, one.pitch * 480 + one.pitch / 2 * 240 };
	uint32_t hx[3] = { xr.handle, xr.handle, xr.handle }, px[3] = { xr.pitch }, ox[3] = { 0 };

	expect("AddFB2 YUV420 with the same handle for its three planes (valid)",
	       addfb_planes(fd, 640, 480, DRM_FORMAT_YUV420, 3, h3, p3, o3, false), 0);
	expect("AddFB2 YUV420 with handles for two planes only",
	       addfb_planes(fd, 640, 480, DRM_FORMAT_YUV420, 2, h3, p3, o3, false), EINVAL);
	expect("AddFB2 NV12 with handles for three planes",
	       addfb_planes(fd, 640, 480, DRM_FORMAT_NV12, 3, h3, p3, o3, false), EINVAL);
	expect("AddFB2 NV12 with handles for three planes (modifiers)",
	       addfb_planes(fd, 640, 480, DRM_FORMAT_NV12, 3, h3, p3, o3, true), EINVAL);
	expect("AddFB2 NV12 with a handle for plane 0 only",
	       addfb_planes(fd, 640, 480, DRM_FORMAT_NV12, 1, h3, p3, o3, false), EINVAL);
	expect("AddFB2 XR24 (valid)",
	       addfb_planes(fd, 640, 480, DRM_FORMAT_XRGB8888, 1, hx, px, ox, false), 0);
	expect("AddFB2 XR24 with a second handle",
	       addfb_planes(fd, 640, 480, DRM_FORMAT_XRGB8888, 2, hx, px, ox, false), EINVAL);
	expect("AddFB2 XR24 with a second handle (modifiers)",
	       addfb_planes(fd, 640, 480, DRM_FORMAT_XRGB8888, 2, hx, px, ox, true), EINVAL);
	drmModeDestroyDumbBuffer(fd, one.handle);
	drmModeDestroyDumbBuffer(fd, xr.handle);
}

/* The same commit as TEST_ONLY and for real: both must give @want. */
static void expect_commit(struct kms_pipe *pipe, const char *what, uint32_t fb, unsigned int sw,
			  unsigned int sh, unsigned int dw, unsigned int dh, int want)
{
	char label[160];
	uint32_t f = DRM_MODE_ATOMIC_ALLOW_MODESET;

	snprintf(label, sizeof(label), "%s (TEST_ONLY)", what);
	expect(label, kms_commit_fb(pipe, fb, sw, sh, dw, dh, f | DRM_MODE_ATOMIC_TEST_ONLY), want);
	snprintf(label, sizeof(label), "%s (commit)", what);
	expect(label, kms_commit_fb(pipe, fb, sw, sh, dw, dh, f), want);
}

static void expect_mode(struct kms_pipe *pipe, const char *what, const drmModeModeInfo *mode,
			uint32_t fb)
{
	char label[160];

	snprintf(label, sizeof(label), "%s (TEST_ONLY)", what);
	expect(label, kms_commit_mode(pipe, mode, fb, DRM_MODE_ATOMIC_TEST_ONLY), EINVAL);
	snprintf(label, sizeof(label), "%s (commit)", what);
	expect(label, kms_commit_mode(pipe, mode, fb, 0), EINVAL);
}

int main(void)
{
	struct kms_pipe pipe;
	int minor, fd = kms_open_driver("fakedisp", &minor);
	uint32_t handle = 0;

	if (fd < 0 || !kms_pipe_init(&pipe, fd, minor, 640, 480))
		return 1;

	struct dumb vga = dumb(fd, 640, 480, 32);
	struct dumb hd = dumb(fd, 1280, 720, 32);
	struct dumb nv12 = dumb(fd, 640, 720, 8);

	/* Framebuffers. */
	expect("AddFB2 640x480 XR24 (valid)", addfb(fd, 640, 480, DRM_FORMAT_XRGB8888, vga.handle,
						    vga.pitch, 0, DRM_FORMAT_MOD_LINEAR, NULL),
	       0);
	expect("AddFB2 NV12 640x480 (valid)", addfb(fd, 640, 480, DRM_FORMAT_NV12, nv12.handle,
						    nv12.pitch, 0, DRM_FORMAT_MOD_LINEAR, NULL),
	       0);
	expect("AddFB2 larger than the buffer", addfb(fd, 1280, 720, DRM_FORMAT_XRGB8888,
						      vga.handle, 1280 * 4, 0,
						      DRM_FORMAT_MOD_LINEAR, NULL),
	       EINVAL);
	expect("AddFB2 offset past the end", addfb(fd, 640, 480, DRM_FORMAT_XRGB8888, vga.handle,
						   vga.pitch, 4096, DRM_FORMAT_MOD_LINEAR, NULL),
	       EINVAL);
	expect("AddFB2 pitch below the width", addfb(fd, 640, 480, DRM_FORMAT_XRGB8888,
						     vga.handle, 2000, 0, DRM_FORMAT_MOD_LINEAR,
						     NULL),
	       EINVAL);
	expect("AddFB2 pitch not whole pixels", addfb(fd, 320, 240, DRM_FORMAT_XRGB8888,
						      vga.handle, 1281, 0, DRM_FORMAT_MOD_LINEAR,
						      NULL),
	       EINVAL);
	expect("AddFB2 offset not whole pixels", addfb(fd, 320, 240, DRM_FORMAT_XRGB8888,
						       vga.handle, 1280, 2,
						       DRM_FORMAT_MOD_LINEAR, NULL),
	       EINVAL);
	expect("AddFB2 unsupported format RGB888", addfb(fd, 640, 480, DRM_FORMAT_RGB888,
							 vga.handle, vga.pitch, 0,
							 DRM_FORMAT_MOD_LINEAR, NULL),
	       EINVAL);
	expect("AddFB2 tiled modifier", addfb(fd, 640, 480, DRM_FORMAT_XRGB8888, vga.handle,
					      vga.pitch, 0, I915_FORMAT_MOD_X_TILED, NULL),
	       EINVAL);
	expect("AddFB2 NV12 odd width", addfb(fd, 639, 480, DRM_FORMAT_NV12, nv12.handle,
					      nv12.pitch, 0, DRM_FORMAT_MOD_LINEAR, NULL),
	       EINVAL);
	expect("AddFB2 handle that does not exist", addfb(fd, 640, 480, DRM_FORMAT_XRGB8888,
							  0xdead, vga.pitch, 0,
							  DRM_FORMAT_MOD_LINEAR, NULL),
	       ENOENT);

	multi_object(fd);

	/* PRIME import of things that are not dma-bufs. */
	int notbuf[3] = { open("/dev/null", O_RDWR), memfd_create("not-a-dmabuf", 0), fd };
	const char *names[3] = { "/dev/null", "a memfd", "the DRM fd itself" };
	for (int i = 0; i < 3; i++) {
		char label[80];
		int ret = drmPrimeFDToHandle(fd, notbuf[i], &handle) ? -errno : 0;

		snprintf(label, sizeof(label), "PRIME import of %s", names[i]);
		if (ret == 0) {
			printf("FAIL: %s was accepted (handle %u)\n", label, handle);
			failures++;
		} else {
			printf("ok: %s -> %s\n", label, strerror(-ret));
		}
	}
	close(notbuf[0]);
	close(notbuf[1]);

	/* Atomic commits on the 640x480 mode. */
	uint32_t fb_vga, fb_hd;
	if (addfb(fd, 640, 480, DRM_FORMAT_XRGB8888, vga.handle, vga.pitch, 0,
		  DRM_FORMAT_MOD_LINEAR, &fb_vga) ||
	    addfb(fd, 1280, 720, DRM_FORMAT_XRGB8888, hd.handle, hd.pitch, 0,
		  DRM_FORMAT_MOD_LINEAR, &fb_hd)) {
		printf("FAIL: framebuffers for the commits\n");
		return 1;
	}
	expect_commit(&pipe, "plane 1280x720 on a 640x480 mode", fb_hd, 1280, 720, 1280, 720,
		      EINVAL);
	expect_commit(&pipe, "plane 320x240 on a 640x480 mode", fb_vga, 320, 240, 320, 240,
		      EINVAL);
	expect_commit(&pipe, "plane scaled 320x240 -> 640x480", fb_vga, 320, 240, 640, 480,
		      EINVAL);

	drmModeModeInfo mode = pipe.mode;
	mode.hdisplay = 700;
	mode.hsync_start = 748;
	mode.hsync_end = 780;
	mode.htotal = 860;
	snprintf(mode.name, sizeof(mode.name), "700x480");
	expect_mode(&pipe, "mode 700x480 not offered", &mode, fb_hd);
	mode = pipe.mode;
	mode.clock *= 2;
	mode.vrefresh *= 2;
	expect_mode(&pipe, "mode 640x480 at twice the refresh", &mode, fb_vga);
	mode = pipe.mode;
	mode.vtotal += 10;
	expect_mode(&pipe, "mode 640x480 with other timings", &mode, fb_vga);

	expect_commit(&pipe, "plane 640x480 on the 640x480 mode (valid)", fb_vga, 640, 480, 640,
		      480, 0);

	/* drmWaitVBlank: sequence and timestamps one period apart. */
	drmVBlank vbl = { .request = { .type = DRM_VBLANK_RELATIVE, .sequence = 1 } };
	unsigned int seq0 = 0;
	long long t0 = 0, t1 = 0;
	int n = 10;
	for (int i = 0; i <= n; i++) {
		vbl.request.type = DRM_VBLANK_RELATIVE;
		vbl.request.sequence = 1;
		if (drmWaitVBlank(fd, &vbl)) {
			printf("FAIL: drmWaitVBlank: %s\n", strerror(errno));
			failures++;
			break;
		}
		t1 = (long long)vbl.reply.tval_sec * 1000000 + vbl.reply.tval_usec;
		if (i == 0) {
			seq0 = vbl.reply.sequence;
			t0 = t1;
		}
	}
	/* Timestamps are the vblanks' own: one period apart per vblank counted,
	 * however late the waits returned. */
	unsigned int vblanks = vbl.reply.sequence - seq0;
	double period = vblanks ? (double)(t1 - t0) / 1000.0 / vblanks : 0;
	double want = 1000.0 / pipe.mode.vrefresh;
	if (vblanks < (unsigned int)n || period < want * 0.98 || period > want * 1.02) {
		printf("FAIL: drmWaitVBlank: %u vblanks, %.3f ms apart\n", vblanks, period);
		failures++;
	} else {
		printf("ok: drmWaitVBlank: %d waits, %u vblanks, timestamps %.3f ms apart per "
		       "vblank at %u Hz\n",
		       n, vblanks, period, pipe.mode.vrefresh);
	}

	expect("turning the pipe off", kms_disable(&pipe), 0);
	drmModeRmFB(fd, fb_vga);
	drmModeRmFB(fd, fb_hd);
	close(fd);
	printf("%s: %d failures\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
