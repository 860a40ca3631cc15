// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fakedisp-bad-input: everything fakedisp must refuse, with the errno it
 * must refuse it with, and never an oops (vmrun fails the run on one):
 *   - AddFB2 with a buffer too small, an offset past its end, a pitch below
 *     the width, a pitch or offset that is not whole pixels, a format or
 *     modifier the plane does not take, an odd NV12 size -> EINVAL; a
 *     handle that does not exist -> ENOENT;
 *   - PRIME import of fds that are not dma-bufs -> an error, no object;
 *   - atomic commits with the plane larger or smaller than the mode, a
 *     scaled plane, or a mode the connector does not offer -> EINVAL, by
 *     TEST_ONLY and by the real commit alike;
 * and, so that the refusals mean something, the same pipe accepts a valid
 * commit, and drmWaitVBlank counts vblanks at the refresh rate.
 */
#include <errno.h>
#include <fcntl.h>
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
	expect("AddFB2 unsupported format RGB565", addfb(fd, 640, 480, DRM_FORMAT_RGB565,
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
