// SPDX-License-Identifier: MIT
#include "framebuffers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

void fbs_init(struct framebuffers *fbs, struct fb_handles *handles, bool map,
	      const struct di_layout *layout, uint32_t count)
{
	memset(fbs, 0, sizeof(*fbs));
	fbs->handles = handles;
	fbs->drm = handles ? handles->drm : -1;
	fbs->map = map;
	fbs->layout = *layout;
	fbs->count = count;
	for (uint32_t i = 0; i < DI_POOL_MAX; i++) {
		for (uint32_t f = 0; f < DI_MAX_PLANES; f++) {
			fbs->slot[i].fd[f] = -1;
			fbs->slot[i].map[f].fd = -1;
		}
	}
}

/* One more user of handle; -1 (nothing changed) when out of memory. */
static int handle_get(struct fb_handles *h, uint32_t handle)
{
	for (uint32_t i = 0; i < h->n; i++) {
		if (h->ref[i].handle == handle) {
			h->ref[i].users++;
			return 0;
		}
	}
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? 2 * h->cap : 64;
		struct fb_handle_ref *ref = realloc(h->ref, cap * sizeof(*ref));

		if (!ref)
			return -1;
		h->ref = ref;
		h->cap = cap;
	}
	h->ref[h->n++] = (struct fb_handle_ref){.handle = handle, .users = 1};
	return 0;
}

static void handle_put(struct fb_handles *h, uint32_t handle)
{
	for (uint32_t i = 0; i < h->n; i++) {
		if (h->ref[i].handle != handle)
			continue;
		if (--h->ref[i].users == 0) {
			drmCloseBufferHandle(h->drm, handle);
			h->closed++;
			h->ref[i] = h->ref[--h->n];
		}
		return;
	}
}

/* Framebuffer and mapping for a slot whose fd and handle are set. */
static int finish_slot(struct framebuffers *fbs, uint32_t index, struct di_error *err)
{
	struct fb_slot *s = &fbs->slot[index];
	const struct di_layout *l = &fbs->layout;
	uint32_t handles[4] = {0}, pitches[4] = {0}, offsets[4] = {0};
	char name[5];

	if (fbs->drm >= 0) {
		for (uint32_t p = 0; p < l->num_planes; p++) {
			handles[p] = s->handle[di_layout_plane_fd(l, p)];
			pitches[p] = l->pitch[p];
			offsets[p] = l->offset[p];
		}
		if (drmModeAddFB2(fbs->drm, l->width, l->height, l->fourcc, handles, pitches,
				  offsets, &s->fb_id, 0)) {
			di_error_set(err, DI_ERR_SYS, errno,
				     "drmModeAddFB2 of buffer %u (%ux%u %s) failed: %s", index,
				     l->width, l->height, di_fourcc_str(l->fourcc, name),
				     strerror(errno));
			fbs_drop(fbs, index);
			return -1;
		}
	}
	for (uint32_t f = 0; fbs->map && f < di_layout_fds(l); f++) {
		if (di_buffer_map(s->fd[f], di_layout_fd_size(l, f), false, &s->map[f], err)) {
			fbs_drop(fbs, index);
			return -1;
		}
	}
	return 0;
}

/* The GEM handle of the slot's fd f. */
static int import_fd(struct framebuffers *fbs, uint32_t index, uint32_t f, struct di_error *err)
{
	struct fb_slot *s = &fbs->slot[index];

	if (drmPrimeFDToHandle(fbs->drm, s->fd[f], &s->handle[f])) {
		s->handle[f] = 0;
		return di_error_set(err, DI_ERR_SYS, errno,
				    "drmPrimeFDToHandle of buffer %u fd %u (fd %d) failed: %s",
				    index, f, s->fd[f], strerror(errno));
	}
	fbs->handles->imports++;
	if (handle_get(fbs->handles, s->handle[f])) {
		/* Nobody else counts it: another user would have found its entry. */
		drmCloseBufferHandle(fbs->drm, s->handle[f]);
		fbs->handles->closed++;
		s->handle[f] = 0;
		return di_error_set(err, DI_ERR_SYS, ENOMEM, "no memory to count GEM handles");
	}
	return 0;
}

int fbs_import(struct framebuffers *fbs, uint32_t index, const int *fds, struct di_error *err)
{
	struct fb_slot *s = &fbs->slot[index];
	uint32_t n = di_layout_fds(&fbs->layout);

	fbs_drop(fbs, index);
	for (uint32_t f = 0; f < n; f++)
		s->fd[f] = fds[f];
	for (uint32_t f = 0; fbs->drm >= 0 && f < n; f++) {
		if (import_fd(fbs, index, f, err)) {
			fbs_drop(fbs, index);
			return -1;
		}
	}
	return finish_slot(fbs, index, err);
}

int fbs_adopt(struct framebuffers *fbs, uint32_t index, uint32_t handle, int fd,
	      struct di_error *err)
{
	struct fb_slot *s = &fbs->slot[index];

	fbs_drop(fbs, index);
	s->fd[0] = fd;
	if (handle_get(fbs->handles, handle)) {
		drmCloseBufferHandle(fbs->drm, handle);
		fbs_drop(fbs, index);
		return di_error_set(err, DI_ERR_SYS, ENOMEM, "no memory to count GEM handles");
	}
	s->handle[0] = handle;
	return finish_slot(fbs, index, err);
}

void fbs_drop(struct framebuffers *fbs, uint32_t index)
{
	struct fb_slot *s = &fbs->slot[index];

	if (s->fb_id)
		drmModeRmFB(fbs->drm, s->fb_id);
	s->fb_id = 0;
	for (uint32_t f = 0; f < DI_MAX_PLANES; f++) {
		di_buffer_unmap(&s->map[f]);
		s->map[f].fd = -1;
		if (s->handle[f])
			handle_put(fbs->handles, s->handle[f]);
		s->handle[f] = 0;
		if (s->fd[f] >= 0)
			close(s->fd[f]);
		s->fd[f] = -1;
	}
}

void fbs_drop_all(struct framebuffers *fbs)
{
	for (uint32_t i = 0; i < fbs->count; i++)
		fbs_drop(fbs, i);
}
