// SPDX-License-Identifier: MIT
/* Sending a pool in parts and assembling the parts on receipt (pool.h). */
#include <string.h>
#include <unistd.h>

#include "dmabuf-interop/pool.h"
#include "dmabuf-interop/session.h"

void di_pool_init(struct di_pool *pool)
{
	unsigned int i;

	memset(pool, 0, sizeof(*pool));
	for (i = 0; i < DI_POOL_MAX * DI_MAX_PLANES; i++)
		pool->fds[i] = -1;
}

void di_pool_close(struct di_pool *pool)
{
	di_close_fds(pool->fds, DI_POOL_MAX * DI_MAX_PLANES);
	di_pool_init(pool);
}

bool di_pool_complete(const struct di_pool *pool)
{
	if (!pool->count)
		return false;
	return (pool->flags & DI_POOL_FD_PER_FRAME) || pool->received == pool->count;
}

struct di_recv_ctx di_pool_recv_ctx(const struct di_pool *pool, uint32_t fs_magic)
{
	bool complete = di_pool_complete(pool);

	return (struct di_recv_ctx){
	    .decode =
		{
		    .pool_count = complete ? pool->count : 0,
		    .fd_per_frame = (pool->flags & DI_POOL_FD_PER_FRAME) != 0,
		},
	    .layout = complete ? &pool->layout : NULL,
	    .fs_magic = fs_magic,
	};
}

static const char *layout_difference(const struct di_layout *a, const struct di_layout *b)
{
	unsigned int i;

	if (a->fourcc != b->fourcc)
		return "format";
	if (a->width != b->width || a->height != b->height)
		return "size";
	if (a->num_planes != b->num_planes || a->modifier != b->modifier ||
	    a->fd_per_plane != b->fd_per_plane)
		return "planes or modifier";
	for (i = 0; i < DI_MAX_PLANES; i++)
		if (a->offset[i] != b->offset[i] || a->pitch[i] != b->pitch[i])
			return "plane offsets or pitches";
	return NULL;
}

static enum di_status check_part(const struct di_pool *pool, const struct di_pool_msg *part,
				 struct di_error *err)
{
	const uint32_t per = di_layout_fds(&part->layout);
	const char *diff;

	if (part->count < 1 || part->count > DI_POOL_MAX || part->nfds > DI_FDS_PER_MSG ||
	    per < 1 || per > DI_MAX_PLANES || part->nfds % per || part->first > part->count ||
	    part->nfds / per > part->count - part->first)
		return di_error_set(err, DI_ERR_COUNT, 0,
				    "POOL part of %u fds from buffer %u does not fit a pool of %u",
				    part->nfds, part->first, part->count);
	if (di_pool_complete(pool))
		return di_error_set(err, DI_ERR_STATE, 0,
				    "POOL part for buffer %u after the pool of %u was complete",
				    part->first, pool->count);
	if (!pool->count) {
		if (part->first != 0)
			return di_error_set(err, DI_ERR_STATE, 0,
					    "first POOL part starts at buffer %u, not 0",
					    part->first);
		return DI_OK;
	}
	if (part->count != pool->count || part->flags != pool->flags)
		return di_error_set(err, DI_ERR_STATE, 0,
				    "POOL part changes count/flags from %u/0x%x to %u/0x%x",
				    pool->count, pool->flags, part->count, part->flags);
	diff = layout_difference(&pool->layout, &part->layout);
	if (diff)
		return di_error_set(err, DI_ERR_STATE, 0, "POOL part changes the layout's %s",
				    diff);
	if (part->first != pool->received)
		return di_error_set(err, DI_ERR_STATE, 0,
				    "POOL part starts at buffer %u, expected %u", part->first,
				    pool->received);
	return DI_OK;
}

enum di_status di_pool_add(struct di_pool *pool, const struct di_pool_msg *part, const int *fds,
			   struct di_error *err)
{
	enum di_status st = check_part(pool, part, err);
	unsigned int i;

	if (st != DI_OK) {
		for (i = 0; i < part->nfds; i++)
			close(fds[i]);
		di_pool_close(pool);
		return st;
	}
	if (!pool->count) {
		pool->count = part->count;
		pool->flags = part->flags;
		pool->layout = part->layout;
	}
	for (i = 0; i < part->nfds; i++)
		pool->fds[part->first * di_layout_fds(&pool->layout) + i] = fds[i];
	pool->received += part->nfds / di_layout_fds(&pool->layout);
	return DI_OK;
}

enum di_status di_pool_receive(int sock, uint32_t fs_magic, struct di_pool *pool,
			       struct di_error *err)
{
	int fds[DI_FDS_PER_MSG];
	struct di_msg msg;

	di_pool_init(pool);
	while (!di_pool_complete(pool)) {
		struct di_recv_ctx ctx = di_pool_recv_ctx(pool, fs_magic);
		unsigned int nfds;
		enum di_status st;

		st = di_recv_msg(sock, &ctx, &msg, fds, &nfds, err);
		if (st == DI_OK && msg.type == DI_MSG_ERROR)
			st = di_remote_error(&msg, err);
		else if (st == DI_OK && msg.type != DI_MSG_POOL)
			st = di_error_set(err, DI_ERR_STATE, 0,
					  "%s while the pool is incomplete (%u of %u buffers)",
					  di_msg_type_name(msg.type), pool->received, pool->count);
		if (st != DI_OK) {
			di_close_fds(fds, nfds);
			di_pool_close(pool);
			return st;
		}
		st = di_pool_add(pool, &msg.pool, fds, err);
		if (st != DI_OK)
			return st;
	}
	return DI_OK;
}

enum di_status di_pool_send(int sock, uint32_t count, uint32_t flags,
			    const struct di_layout *layout, const int *fds, struct di_error *err)
{
	const uint32_t per = di_layout_fds(layout);
	struct di_msg msg = {.type = DI_MSG_POOL};
	uint32_t first = 0;

	msg.pool.count = count;
	msg.pool.flags = flags | (layout->fd_per_plane ? DI_POOL_FD_PER_PLANE : 0);
	msg.pool.layout = *layout;
	do {
		uint32_t n = count - first; /* buffers in this part */
		enum di_status st;

		if (flags & DI_POOL_FD_PER_FRAME)
			n = 0;
		else if (n > DI_FDS_PER_MSG / per)
			n = DI_FDS_PER_MSG / per;
		msg.pool.first = first;
		msg.pool.nfds = n * per;
		st = di_send_msg(sock, &msg, n ? fds + first * per : NULL, err);
		if (st != DI_OK)
			return st;
		first += n;
	} while (first < count && !(flags & DI_POOL_FD_PER_FRAME));
	return DI_OK;
}
