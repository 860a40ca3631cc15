// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "kms-pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

int kms_open_driver(const char *driver, int *minor)
{
	char path[64];

	for (int i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		drmVersionPtr v = drmGetVersion(fd);
		bool match = v && strcmp(v->name, driver) == 0;
		drmFreeVersion(v);
		if (match) {
			if (minor)
				*minor = i;
			return fd;
		}
		close(fd);
	}
	fprintf(stderr, "no DRM card with driver %s\n", driver);
	return -1;
}

static uint32_t prop_id(int fd, uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, obj, type);
	uint32_t id = 0;

	for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);
		if (p && strcmp(p->name, name) == 0)
			id = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	if (!id)
		fprintf(stderr, "object %u has no property %s\n", obj, name);
	return id;
}

bool kms_pipe_init(struct kms_pipe *pipe, int fd, int minor, unsigned int width,
		   unsigned int height)
{
	static const char *const src[4] = { "SRC_X", "SRC_Y", "SRC_W", "SRC_H" };
	static const char *const dst[4] = { "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H" };
	bool found = false;

	memset(pipe, 0, sizeof(*pipe));
	pipe->fd = fd;
	pipe->minor = minor;
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		perror("drmSetClientCap(ATOMIC)");
		return false;
	}
	drmModeResPtr res = drmModeGetResources(fd);
	if (!res || res->count_connectors != 1 || res->count_crtcs != 1) {
		fprintf(stderr, "fakedisp should have one connector and one CRTC\n");
		drmModeFreeResources(res);
		return false;
	}
	pipe->crtc = res->crtcs[0];
	pipe->connector = res->connectors[0];
	drmModeFreeResources(res);

	drmModeConnectorPtr conn = drmModeGetConnector(fd, pipe->connector);
	for (int i = 0; conn && i < conn->count_modes && !found; i++) {
		if (conn->modes[i].hdisplay == width && conn->modes[i].vdisplay == height) {
			pipe->mode = conn->modes[i];
			found = true;
		}
	}
	drmModeFreeConnector(conn);
	if (!found) {
		fprintf(stderr, "the connector offers no %ux%u mode\n", width, height);
		return false;
	}

	drmModePlaneResPtr planes = drmModeGetPlaneResources(fd);
	for (uint32_t i = 0; planes && i < planes->count_planes && !pipe->plane; i++)
		pipe->plane = planes->planes[i];
	drmModeFreePlaneResources(planes);
	if (!pipe->plane) {
		fprintf(stderr, "no plane\n");
		return false;
	}

	pipe->conn_crtc_id = prop_id(fd, pipe->connector, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	pipe->crtc_mode_id = prop_id(fd, pipe->crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	pipe->crtc_active = prop_id(fd, pipe->crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	pipe->plane_fb_id = prop_id(fd, pipe->plane, DRM_MODE_OBJECT_PLANE, "FB_ID");
	pipe->plane_crtc_id = prop_id(fd, pipe->plane, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	bool ok = pipe->conn_crtc_id && pipe->crtc_mode_id && pipe->crtc_active &&
		  pipe->plane_fb_id && pipe->plane_crtc_id;
	for (int i = 0; i < 4; i++) {
		pipe->plane_src[i] = prop_id(fd, pipe->plane, DRM_MODE_OBJECT_PLANE, src[i]);
		pipe->plane_crtc[i] = prop_id(fd, pipe->plane, DRM_MODE_OBJECT_PLANE, dst[i]);
		ok = ok && pipe->plane_src[i] && pipe->plane_crtc[i];
	}
	if (ok && drmModeCreatePropertyBlob(fd, &pipe->mode, sizeof(pipe->mode), &pipe->mode_blob)) {
		perror("drmModeCreatePropertyBlob");
		ok = false;
	}
	return ok;
}

static int commit(struct kms_pipe *pipe, uint32_t blob, uint32_t fb, unsigned int src_w,
		  unsigned int src_h, unsigned int dst_w, unsigned int dst_h, uint32_t flags)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	uint64_t srcv[4] = { 0, 0, (uint64_t)src_w << 16, (uint64_t)src_h << 16 };
	uint64_t dstv[4] = { 0, 0, dst_w, dst_h };
	int ret;

	if (flags & DRM_MODE_ATOMIC_ALLOW_MODESET) {
		drmModeAtomicAddProperty(req, pipe->connector, pipe->conn_crtc_id, pipe->crtc);
		drmModeAtomicAddProperty(req, pipe->crtc, pipe->crtc_mode_id, blob);
		drmModeAtomicAddProperty(req, pipe->crtc, pipe->crtc_active, 1);
	}
	drmModeAtomicAddProperty(req, pipe->plane, pipe->plane_fb_id, fb);
	drmModeAtomicAddProperty(req, pipe->plane, pipe->plane_crtc_id, pipe->crtc);
	for (int i = 0; i < 4; i++) {
		drmModeAtomicAddProperty(req, pipe->plane, pipe->plane_src[i], srcv[i]);
		drmModeAtomicAddProperty(req, pipe->plane, pipe->plane_crtc[i], dstv[i]);
	}
	ret = drmModeAtomicCommit(pipe->fd, req, flags, pipe);
	drmModeAtomicFree(req);
	return ret ? -errno : 0;
}

int kms_commit_fb(struct kms_pipe *pipe, uint32_t fb, unsigned int src_w, unsigned int src_h,
		  unsigned int dst_w, unsigned int dst_h, uint32_t flags)
{
	return commit(pipe, pipe->mode_blob, fb, src_w, src_h, dst_w, dst_h, flags);
}

int kms_commit_mode(struct kms_pipe *pipe, const drmModeModeInfo *mode, uint32_t fb,
		    uint32_t flags)
{
	uint32_t blob;
	int ret;

	if (drmModeCreatePropertyBlob(pipe->fd, mode, sizeof(*mode), &blob))
		return -errno;
	ret = commit(pipe, blob, fb, mode->hdisplay, mode->vdisplay, mode->hdisplay,
		     mode->vdisplay, flags | DRM_MODE_ATOMIC_ALLOW_MODESET);
	drmModeDestroyPropertyBlob(pipe->fd, blob);
	return ret;
}

int kms_disable(struct kms_pipe *pipe)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int ret;

	drmModeAtomicAddProperty(req, pipe->connector, pipe->conn_crtc_id, 0);
	drmModeAtomicAddProperty(req, pipe->crtc, pipe->crtc_mode_id, 0);
	drmModeAtomicAddProperty(req, pipe->crtc, pipe->crtc_active, 0);
	drmModeAtomicAddProperty(req, pipe->plane, pipe->plane_fb_id, 0);
	drmModeAtomicAddProperty(req, pipe->plane, pipe->plane_crtc_id, 0);
	ret = drmModeAtomicCommit(pipe->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	drmModeAtomicFree(req);
	return ret ? -errno : 0;
}

/* Every commit's user data is its pipe: the handler records the flip there. */
static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec,
		    unsigned int crtc, void *data)
{
	struct kms_pipe *pipe = data;

	(void)fd;
	(void)crtc;
	pipe->flipped = true;
	pipe->flip_seq = seq;
	pipe->flip_usec = (uint64_t)sec * 1000000 + usec;
}

bool kms_wait_flip(struct kms_pipe *pipe, int timeout_ms, unsigned int *seq, uint64_t *usec)
{
	drmEventContext ctx = { .version = 3, .page_flip_handler2 = on_flip };
	struct pollfd pfd = { .fd = pipe->fd, .events = POLLIN };

	pipe->flipped = false;
	while (!pipe->flipped) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return false;
		if (drmHandleEvent(pipe->fd, &ctx))
			return false;
	}
	if (seq)
		*seq = pipe->flip_seq;
	if (usec)
		*usec = pipe->flip_usec;
	return true;
}
