/* SPDX-License-Identifier: MIT */
/*
 * A pool: the buffers one side owns and lends to the other, all of one
 * layout. The owner announces it with POOL messages carrying the fds once,
 * split in parts of at most DI_FDS_PER_MSG fds (parts are consecutive, in
 * buffer order, and agree on everything but first/nfds). In fd-per-frame
 * mode a single POOL without fds declares the layout and every FRAME brings
 * its buffer's fd.
 *
 * The receiving side assembles the parts into a struct di_pool, which owns
 * the received fds until the caller takes them (sets the slot to -1) or calls
 * di_pool_close().
 */
#ifndef DMABUF_INTEROP_POOL_H
#define DMABUF_INTEROP_POOL_H

#include <stdbool.h>

#include "dmabuf-interop/fd-passing.h"

struct di_pool {
	uint32_t count; /* 0 until the first part arrived */
	uint32_t flags; /* DI_POOL_* */
	struct di_layout layout;
	uint32_t received; /* buffers whose fds arrived so far */
	/*
	 * Buffer b's fd i at fds[b * di_layout_fds(&layout) + i] (so fds[b]
	 * when a buffer is one fd); -1 where no fd is held.
	 */
	int fds[DI_POOL_MAX * DI_MAX_PLANES];
};

/* An empty pool holding no fds. */
void di_pool_init(struct di_pool *pool);

/* Closes every fd the pool still holds and empties it. */
void di_pool_close(struct di_pool *pool);

/* True once every buffer's fd arrived (at once in fd-per-frame mode). */
bool di_pool_complete(const struct di_pool *pool);

/*
 * Decode context matching the pool, for di_recv_msg(): pool count (0 while
 * incomplete, so FRAMEs before the whole pool are refused) and mode.
 */
struct di_recv_ctx di_pool_recv_ctx(const struct di_pool *pool, uint32_t fs_magic);

/*
 * Adds one received POOL part with its fds (already checked by
 * di_recv_msg). Takes ownership of fds[0..part->nfds) in every case: on
 * failure they are closed, and so is everything the pool held.
 */
enum di_status di_pool_add(struct di_pool *pool, const struct di_pool_msg *part, const int *fds,
			   struct di_error *err);

/*
 * Receives POOL parts on sock until the pool is complete. Anything else
 * arriving first is DI_ERR_STATE (an ERROR from the peer: DI_ERR_REMOTE with
 * its text). On failure the pool is empty and every fd closed.
 */
enum di_status di_pool_receive(int sock, uint32_t fs_magic, struct di_pool *pool,
			       struct di_error *err);

/*
 * Sends a pool of count buffers: in parts of at most DI_FDS_PER_MSG fds
 * (whole buffers), or with DI_POOL_FD_PER_FRAME in flags one POOL without
 * fds (fds may be NULL). fds as in struct di_pool: di_layout_fds(layout) per
 * buffer; DI_POOL_FD_PER_PLANE is set from layout->fd_per_plane.
 */
enum di_status di_pool_send(int sock, uint32_t count, uint32_t flags,
			    const struct di_layout *layout, const int *fds, struct di_error *err);

#endif /* DMABUF_INTEROP_POOL_H */
