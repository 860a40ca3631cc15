// SPDX-License-Identifier: MIT
/*
 * producer: the camera side. Streams fakecam through libv4l2 and lends each
 * captured buffer to the consumer:
 *
 *   DQBUF(i, seq) -> check the stamp -> FRAME(i, seq) -> ... RELEASE(i) -> QBUF(i)
 *
 * The ledger (lib/ledger.c) is the proof of the release order on this side:
 * a buffer goes back to the camera only when the consumer released it, every
 * RELEASE must name a buffer in flight with its frame, releases are counted
 * when they overtake an older frame (a frame the consumer skipped may).
 *
 * Fan-out: with several consumers (one consumer_link each, its own ledger)
 * every frame is lent to each, and a buffer goes back to the camera only
 * when the last of them released it (holders[]). A consumer that breaks the
 * protocol or goes away is dropped; what it held counts as released, and
 * the others go on. docs/apps.md describes the options.
 *
 * Sync (--sync, agreed per consumer in HELLO; docs/protocol.md): in
 * protocol sync a FRAME goes out once its buffer is written, and a RELEASE
 * means the buffer is free. With fences the camera may hand a buffer over
 * still being written ("Early Done"): implicit sync leaves its write fence
 * in the dma-buf, explicit sync sends it along as a sync_file; and a
 * RELEASE comes when the display has committed the frame replacing it,
 * with a release fence (explicit sync: added to the buffer here, implicit:
 * by the consumer) that the camera waits for before it writes again.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app-args.h"
#include "app-pfn.h"
#include "allocator.h"
#include "app-stats.h"
#include "camera.h"
#include "consumer-link.h"
#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/fence.h"
#include "dmabuf-interop/ledger.h"
#include "dmabuf-interop/pool.h"
#include "dmabuf-interop/session.h"
#include "dmabuf-interop/socket.h"
#include "producer-options.h"

struct producer {
	struct producer_options opt;
	struct camera cam;
	struct consumer_link link[PRODUCER_CONSUMERS_MAX];
	uint32_t nlinks;
	uint32_t count;
	uint32_t holders[DI_POOL_MAX];		/* consumers holding each buffer */
	struct di_pool pool; /* --display-allocates or --allocator: DMABUF buffers */
	struct di_buffer_map maps[DI_POOL_MAX * DI_MAX_PLANES]; /* their mappings */
	uint64_t capture_ns[DI_POOL_MAX];	/* capture time of the frame each buffer holds */
	struct app_stats stats;
	struct app_waits waits; /* protocol sync: frames not yet written at DQBUF */
	uint64_t unwritten;	/* frames whose buffer was still being written at DQBUF */
	uint64_t sent;
	uint64_t camera_errors;
	uint64_t unchecked; /* --verify: frames still being written at DQBUF, not checked */
	bool stop_queueing; /* the last frame went out: buffers stay home */
	bool consumer_bye;  /* a consumer ended its session */
	uint64_t dropped;   /* consumers dropped (fault or gone) */
	bool passed;	    /* the verdict */
	char fault[DI_ERROR_TEXT_MAX + 64]; /* first fault, for the verdict */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void fault(struct producer *p, const char *fmt, const char *text)
{
	if (!p->fault[0])
		snprintf(p->fault, sizeof(p->fault), fmt, text);
	fprintf(stderr, "producer: ");
	fprintf(stderr, fmt, text);
	fprintf(stderr, "\n");
}

/* A frame still being written is waited for at most this long (protocol sync). */
#define WRITE_WAIT_MS 5000

/*
 * The dma-buf of plane buffer pl of buffer index: our camera's export, or a
 * DMABUF buffer of the pool (the consumer's or the allocator's).
 */
static int buffer_fd(const struct producer *p, uint32_t index, uint32_t pl)
{
	uint32_t slot = index * p->cam.nfds + pl;

	return p->cam.dmabuf ? p->pool.fds[slot] : p->cam.export_fd[slot];
}

/* QBUF of buffer index, with its dma-bufs in DMABUF mode. */
static int queue(struct producer *p, uint32_t index)
{
	return camera_queue(&p->cam, index,
			    p->cam.dmabuf ? &p->pool.fds[index * p->cam.nfds] : NULL);
}

/* --pfn-proof: the pagemap hash of every dma-buf of the pool. */
static void report_pfns(const struct producer *p)
{
	for (uint32_t i = 0; i < p->count; i++) {
		int fds[DI_MAX_PLANES];

		for (uint32_t pl = 0; pl < p->cam.nfds; pl++)
			fds[pl] = buffer_fd(p, i, pl);
		app_pfn_report(p->opt.report.json ? stderr : stdout, "producer", i, fds,
			       &p->cam.layout);
	}
}

/* Queues buffer index to the camera again, unless the stream is ending. */
static int requeue(struct producer *p, uint32_t index)
{
	if (p->stop_queueing)
		return 0;
	return queue(p, index);
}

/* One consumer less holds buffer index; the last one gives it back. */
static int put_buffer(struct producer *p, uint32_t index)
{
	if (p->holders[index] && --p->holders[index] == 0)
		return requeue(p, index);
	return 0;
}

/* The consumer of l is gone: what it held counts as released. */
static int forget_link(struct producer *p, struct consumer_link *l)
{
	int ret = 0;

	for (uint32_t i = 0; i < p->count; i++)
		if (di_ledger_holds(&l->ledger, i) && put_buffer(p, i))
			ret = -1;
	di_ledger_init(&l->ledger, p->count);
	link_close(l);
	return ret;
}

/* Drops l's consumer (ERROR with the reason unless it is gone) and logs why. */
static int drop_link(struct producer *p, struct consumer_link *l, const struct di_error *err)
{
	link_drop(l, err);
	p->dropped++;
	fprintf(stderr, "producer: dropping consumer %s: %s\n", l->path, err->text);
	return forget_link(p, l);
}

static uint32_t links_alive(const struct producer *p)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < p->nlinks; i++)
		n += p->link[i].alive;
	return n;
}

/* MMAP mode: our camera's buffers, exported and sent once (or with each FRAME). */
static int setup_camera_pool(struct producer *p)
{
	struct di_error err;
	uint32_t flags = p->opt.fd_per_frame ? DI_POOL_FD_PER_FRAME : 0;

	if (camera_configure(&p->cam, p->opt.fourcc, p->opt.width, p->opt.height, p->opt.fps) ||
	    camera_alloc_mmap(&p->cam, p->opt.buffers))
		return -1;
	p->count = p->opt.buffers;
	for (uint32_t i = 0; i < p->nlinks; i++) {
		struct consumer_link *l = &p->link[i];

		if (di_pool_send(l->sock, p->count, flags, &p->cam.layout, p->cam.export_fd,
				 &err)) {
			fault(p, "cannot send the POOL: %s", err.text);
			return -1;
		}
	}
	for (uint32_t i = 0; i < p->count; i++)
		if (queue(p, i))
			return -1;
	return 0;
}

/* Maps every fd of the DMABUF pool for --verify. */
static int map_pool(struct producer *p)
{
	const struct di_layout *l = &p->cam.layout;
	struct di_error err;

	if (p->opt.verify == DI_VERIFY_NONE)
		return 0;
	for (uint32_t i = 0; i < p->count * p->cam.nfds; i++) {
		if (di_buffer_map(p->pool.fds[i], di_layout_fd_size(l, i % p->cam.nfds), false,
				  &p->maps[i], &err)) {
			fault(p, "%s", err.text);
			return -1;
		}
	}
	return 0;
}

/*
 * --allocator heap|udmabuf: dma-bufs of a third party, queued to the camera
 * as DMABUF and lent to the consumers as our own.
 */
static int setup_allocator_pool(struct producer *p)
{
	const struct di_layout *l = &p->cam.layout;
	struct di_error err;

	if (camera_configure(&p->cam, p->opt.fourcc, p->opt.width, p->opt.height, p->opt.fps))
		return -1;
	di_pool_init(&p->pool);
	p->count = p->pool.count = p->opt.buffers;
	p->pool.layout = *l;
	for (uint32_t i = 0; i < p->count * p->cam.nfds; i++) {
		p->pool.fds[i] = allocator_alloc(p->opt.allocator,
						 di_layout_fd_size(l, i % p->cam.nfds));
		if (p->pool.fds[i] < 0) {
			fault(p, "the %s allocator failed (see above)",
			      allocator_name(p->opt.allocator));
			return -1;
		}
	}
	p->pool.received = p->count;
	if (camera_alloc_dmabuf(&p->cam, p->count) || map_pool(p))
		return -1;
	for (uint32_t i = 0; i < p->nlinks; i++) {
		if (di_pool_send(p->link[i].sock, p->count, 0, l, p->pool.fds, &err)) {
			fault(p, "cannot send the POOL: %s", err.text);
			return -1;
		}
	}
	for (uint32_t i = 0; i < p->count; i++)
		if (queue(p, i))
			return -1;
	return 0;
}

/* --display-allocates: the consumer's dma-bufs, queued to the camera as DMABUF. */
static int setup_display_pool(struct producer *p)
{
	const struct di_layout *l;
	struct di_error err;

	if (link_receive_pool(&p->link[0], &p->pool, &stop_requested, &err)) {
		fault(p, "no POOL from the consumer: %s", err.text);
		return -1;
	}
	l = &p->pool.layout;
	if (p->pool.flags & DI_POOL_FD_PER_FRAME) {
		di_error_set(&err, DI_ERR_FIELD, 0, "a display pool must carry its fds");
		di_send_error(p->link[0].sock, &err);
		fault(p, "%s", err.text);
		return -1;
	}
	if (camera_configure(&p->cam, l->fourcc, l->width, l->height, p->opt.fps))
		return -1;
	if (p->cam.layout.fd_per_plane != l->fd_per_plane) {
		di_error_set(&err, DI_ERR_LAYOUT, 0,
			     "the camera writes %s, the pool has %s",
			     p->cam.layout.fd_per_plane ? "a buffer per plane" : "one buffer",
			     l->fd_per_plane ? "a buffer per plane" : "one buffer");
		di_send_error(p->link[0].sock, &err);
		fault(p, "%s", err.text);
		return -1;
	}
	for (uint32_t pl = 0; pl < l->num_planes; pl++) {
		if (p->cam.layout.pitch[pl] != l->pitch[pl] ||
		    p->cam.layout.offset[pl] != l->offset[pl]) {
			di_error_set(&err, DI_ERR_LAYOUT, 0,
				     "plane %u: the camera writes pitch %u at offset %u, the pool "
				     "has pitch %u at offset %u",
				     pl, p->cam.layout.pitch[pl], p->cam.layout.offset[pl],
				     l->pitch[pl], l->offset[pl]);
			di_send_error(p->link[0].sock, &err);
			fault(p, "%s", err.text);
			return -1;
		}
	}
	p->count = p->pool.count;
	if (camera_alloc_dmabuf(&p->cam, p->count) || map_pool(p))
		return -1;
	for (uint32_t i = 0; i < p->count; i++)
		if (queue(p, i))
			return -1;
	return 0;
}

/* Checks the frame the camera just filled, as --verify asks. */
static void check_frame(struct producer *p, const struct camera_frame *f)
{
	struct di_error err;
	enum di_status st;

	if (p->opt.verify == DI_VERIFY_NONE)
		return;
	if (p->cam.dmabuf) {
		st = di_frame_verify_mapped(&p->maps[f->index * p->cam.nfds], &p->cam.layout,
					    f->seq, p->opt.verify, 0, NULL, NULL, &err);
	} else {
		/* MMAP: DQBUF handed the buffer to the CPU; no dma-buf SYNC needed. */
		const void *const *map = (const void *const *)&p->cam.map[f->index * p->cam.nfds];
		const size_t *len = &p->cam.map_len[f->index * p->cam.nfds];

		st = di_stamp_verify_fds(map, len, &p->cam.layout, f->seq, NULL, &err);
		if (st == DI_OK && p->opt.verify == DI_VERIFY_FULL)
			st = di_pattern_verify_fds(map, len, &p->cam.layout, f->seq, 0, NULL,
						   &err);
	}
	if (st == DI_OK) {
		p->stats.verified++;
	} else {
		p->stats.failed++;
		if (p->stats.failed <= 5)
			fprintf(stderr, "producer: frame %llu in buffer %u: %s\n",
				(unsigned long long)f->seq, f->index, err.text);
		if (!p->fault[0])
			snprintf(p->fault, sizeof(p->fault), "frame %llu failed its check: %s",
				 (unsigned long long)f->seq, err.text);
	}
}

static bool protocol_link(const struct producer *p)
{
	for (uint32_t i = 0; i < p->nlinks; i++)
		if (p->link[i].alive && p->link[i].sync == DI_SYNC_PROTOCOL)
			return true;
	return false;
}

/*
 * Whether buffer index is written: its dma-buf polls readable once every
 * write fence signalled. A camera that hands buffers over as their fill
 * starts (fakecam's "Early Done") gives them out still being written.
 * Protocol sync must not lend such a buffer yet: then it waits for it, at
 * most WRITE_WAIT_MS. -1 when it was not written in time.
 */
/* Waits for the write fences of every plane buffer of buffer index. */
static enum di_status wait_written(const struct producer *p, uint32_t index, int timeout_ms,
				   struct di_error *err)
{
	enum di_status st = DI_OK;

	for (uint32_t pl = 0; pl < p->cam.nfds && st == DI_OK; pl++)
		st = di_fence_wait(buffer_fd(p, index, pl), timeout_ms, err);
	return st;
}

static int check_written(struct producer *p, uint32_t index, bool *written)
{
	uint64_t start;
	struct di_error err;

	*written = true;
	if (p->opt.verify == DI_VERIFY_NONE && !protocol_link(p))
		return 0; /* nobody needs to know */
	if (wait_written(p, index, 0, NULL) == DI_OK)
		return 0;
	p->unwritten++;
	*written = false;
	if (!protocol_link(p))
		return 0;
	start = app_now_ns();
	if (wait_written(p, index, WRITE_WAIT_MS, &err) != DI_OK) {
		fault(p, "a frame the camera handed over was not written in time: %s", err.text);
		return -1;
	}
	app_waits_add(&p->waits, app_now_ns() - start);
	*written = true;
	return 0;
}

/* Sends FRAME m to l, with the buffer's fd and the acquire fence as its flags say. */
static enum di_status send_to(struct producer *p, struct consumer_link *l, struct di_msg *m,
			      int acquire, struct di_error *err)
{
	int fds[2], n = 0;

	m->frame.flags = p->opt.fd_per_frame ? DI_FRAME_FD : 0;
	if (p->opt.fd_per_frame)
		fds[n++] = p->cam.export_fd[m->frame.index];
	if (l->sync == DI_SYNC_EXPLICIT) {
		m->frame.flags |= DI_FRAME_FENCE;
		fds[n++] = acquire;
	}
	return di_send_msg(l->sock, m, fds, err);
}

/* DQBUF one frame and lend it to every consumer. */
static int send_frame(struct producer *p)
{
	struct di_msg m = {.type = DI_MSG_FRAME};
	struct camera_frame f;
	struct di_error err;
	bool written;
	int acquire = -1;

	if (camera_dequeue(&p->cam, &f)) {
		fault(p, "%s", "the camera stopped delivering frames");
		return -1;
	}
	if (f.error) {
		/* A frame the driver flags as broken is not lent; it goes straight back. */
		p->camera_errors++;
		return queue(p, f.index);
	}
	if (check_written(p, f.index, &written))
		return -1;
	if (written)
		check_frame(p, &f);
	else if (p->opt.verify != DI_VERIFY_NONE)
		p->unchecked++; /* being written: the consumer checks it after its fence */
	p->capture_ns[f.index] = f.timestamp_ns;
	m.frame = (struct di_frame){.index = f.index, .seq = f.seq, .timestamp_ns = f.timestamp_ns};
	for (uint32_t i = 0; i < p->nlinks; i++) {
		struct consumer_link *l = &p->link[i];

		if (!l->alive)
			continue;
		if (l->sync == DI_SYNC_EXPLICIT && acquire < 0 &&
		    di_fence_export(buffer_fd(p, f.index, 0), false, &acquire, &err)) {
			fault(p, "%s", err.text);
			goto fail;
		}
		if (di_ledger_lend(&l->ledger, f.index, f.seq, &err)) {
			fault(p, "the camera returned a buffer a consumer holds: %s", err.text);
			goto fail;
		}
		p->holders[f.index]++;
		if (send_to(p, l, &m, acquire, &err)) {
			if (err.status == DI_ERR_PEER_CLOSED)
				di_error_set(&err, DI_ERR_PEER_CLOSED, 0, "the consumer went away");
			if (drop_link(p, l, &err))
				goto fail;
			continue;
		}
	}
	if (acquire >= 0)
		close(acquire);
	p->sent++;
	app_stats_frame(&p->stats, 0);
	/* Nobody took it (every consumer went away meanwhile): it goes back. */
	return p->holders[f.index] ? 0 : requeue(p, f.index);

fail:
	if (acquire >= 0)
		close(acquire);
	return -1;
}

/*
 * A release fence: the display reads the buffer until it signals. Added to
 * the buffer as a reader's fence, the camera waits for it before writing.
 */
static void add_release_fence(struct producer *p, uint32_t index, int fence)
{
	struct di_error err;

	if (di_fence_import(buffer_fd(p, index, 0), fence, false, &err) != DI_OK) {
		fault(p, "%s; waiting for the fence here instead", err.text);
		di_fence_wait(fence, WRITE_WAIT_MS, NULL);
	}
	close(fence);
}

/* One message from l's consumer: 0 handled, 1 it ended its session, -1 a camera fault. */
static int receive(struct producer *p, struct consumer_link *l)
{
	struct di_recv_ctx ctx = {
	    .decode = {.pool_count = p->count, .explicit_sync = l->sync == DI_SYNC_EXPLICIT},
	    .layout = &p->cam.layout,
	    .fs_magic = DI_FS_MAGIC_DMABUF};
	int fds[DI_FDS_PER_MSG];
	struct di_error err;
	unsigned int nfds;
	struct di_msg m;
	bool in_order = true;
	enum di_status st;

	if (di_recv_msg(l->sock, &ctx, &m, fds, &nfds, &err)) {
		if (err.status == DI_ERR_PEER_CLOSED)
			di_error_set(&err, DI_ERR_PEER_CLOSED, 0, "the consumer went away");
		return drop_link(p, l, &err);
	}
	switch (m.type) {
	case DI_MSG_RELEASE:
		if (m.release.flags & DI_RELEASE_SKIPPED)
			st = di_ledger_skip(&l->ledger, m.release.index, m.release.seq, &err);
		else
			st = di_ledger_release(&l->ledger, m.release.index, m.release.seq,
					       &in_order, &err);
		if (st) {
			di_close_fds(fds, nfds);
			return drop_link(p, l, &err);
		}
		if (nfds)
			add_release_fence(p, m.release.index, fds[0]);
		if (!in_order)
			fprintf(stderr,
				"producer: RELEASE of buffer %u (frame %llu) from %s overtook an "
				"older frame\n",
				m.release.index, (unsigned long long)m.release.seq, l->path);
		app_stats_latency(&p->stats, app_now_ns() - p->capture_ns[m.release.index]);
		return put_buffer(p, m.release.index);
	case DI_MSG_BYE:
		l->bye = true;
		l->alive = false;
		p->consumer_bye = true;
		return 1;
	case DI_MSG_ERROR:
		di_remote_error(&m, &err);
		fprintf(stderr, "producer: consumer %s dropped us: %s\n", l->path, err.text);
		l->alive = false;
		l->faulty = true;
		p->dropped++;
		return forget_link(p, l);
	default:
		di_close_fds(fds, nfds); /* a FRAME or POOL has them */
		di_error_set(&err, DI_ERR_STATE, 0, "%s is not a message a consumer sends",
			     di_msg_type_name(m.type));
		return drop_link(p, l, &err);
	}
}

/*
 * After BYE the consumer drops what it holds (framebuffers, handles, fds)
 * and closes: its EOF means our exported buffers have no user left there,
 * so REQBUFS(0) finds them free. A consumer that never closes is not waited
 * for longer than BYE_WAIT_MS.
 */
#define BYE_WAIT_MS 5000

static void wait_for_close(struct consumer_link *l)
{
	uint64_t deadline = app_now_ns() + BYE_WAIT_MS * 1000000ull;
	char buf[DI_MSG_MAX];

	while (l->sock >= 0 && app_now_ns() < deadline && !stop_requested) {
		struct pollfd pfd = {.fd = l->sock, .events = POLLIN};
		struct di_error err;
		unsigned int nfds;
		int fds[DI_FDS_PER_MSG];
		size_t len;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		/* Whatever still comes (nothing should) is read and its fds closed. */
		if (di_recv_packet(l->sock, buf, sizeof(buf), &len, fds, DI_FDS_PER_MSG, &nfds,
				   &err) == DI_OK) {
			di_close_fds(fds, nfds);
			continue;
		}
		return;
	}
	if (l->sock >= 0 && !stop_requested && app_now_ns() >= deadline)
		fprintf(stderr, "producer: consumer %s did not close within %d ms after BYE\n",
			l->path, BYE_WAIT_MS);
}

/* Whether every consumer still streaming holds at most one buffer (on screen). */
static bool all_back(const struct producer *p)
{
	for (uint32_t i = 0; i < p->nlinks; i++)
		if (p->link[i].alive && p->link[i].ledger.depth > 1)
			return false;
	return true;
}

/*
 * DQBUF -> FRAME while frames are wanted, RELEASE -> QBUF always; at the
 * end wait until every buffer but the one on screen is back from each
 * consumer, then BYE to each. 0 on an orderly end (ours or every
 * consumer's BYE), -1 on a fault or when no consumer is left.
 */
static int stream(struct producer *p)
{
	uint64_t bye_deadline = 0;
	bool capturing = true;
	struct di_error err;

	for (;;) {
		struct pollfd pfd[PRODUCER_CONSUMERS_MAX + 1];
		struct consumer_link *polled[PRODUCER_CONSUMERS_MAX];
		uint32_t n = 0;
		int ret;

		if (capturing && (stop_requested || (p->opt.frames && p->sent >= p->opt.frames))) {
			capturing = false;
			p->stop_queueing = true;
			/* A signal ends us within a second, whatever the consumers do. */
			bye_deadline =
			    app_now_ns() + (stop_requested ? 500 : BYE_WAIT_MS) * 1000000ull;
		}
		if (!links_alive(p))
			break;
		if (!capturing && (all_back(p) || app_now_ns() >= bye_deadline))
			break;
		for (uint32_t i = 0; i < p->nlinks; i++) {
			if (!p->link[i].alive)
				continue;
			polled[n] = &p->link[i];
			pfd[n++] = (struct pollfd){.fd = p->link[i].sock, .events = POLLIN};
		}
		pfd[n] = (struct pollfd){.fd = p->cam.fd, .events = POLLIN};
		ret = poll(pfd, n + (capturing ? 1 : 0), 100);
		if (ret < 0 && errno != EINTR) {
			fault(p, "poll: %s", strerror(errno));
			return -1;
		}
		for (uint32_t i = 0; ret > 0 && i < n; i++) {
			int r;

			if (!pfd[i].revents || !polled[i]->alive)
				continue;
			r = receive(p, polled[i]);
			if (r > 0) { /* its BYE: it drops our buffers and closes */
				wait_for_close(polled[i]);
				r = forget_link(p, polled[i]);
			}
			if (r < 0)
				return -1;
		}
		if (ret > 0 && capturing && pfd[n].revents && links_alive(p) && send_frame(p))
			return -1;
		app_stats_tick(&p->stats, app_now_ns(), p->count);
	}
	if (!links_alive(p) && !p->consumer_bye) {
		fault(p, "%s",
		      p->nlinks > 1 ? "every consumer went away" : "the consumer went away");
		return -1;
	}
	struct di_msg bye = {.type = DI_MSG_BYE};

	for (uint32_t i = 0; i < p->nlinks; i++) {
		struct consumer_link *l = &p->link[i];

		if (!l->alive)
			continue;
		if (di_send_msg(l->sock, &bye, NULL, &err) && err.status != DI_ERR_PEER_CLOSED)
			fprintf(stderr, "producer: cannot send BYE to %s: %s\n", l->path, err.text);
	}
	for (uint32_t i = 0; i < p->nlinks; i++)
		if (p->link[i].alive)
			wait_for_close(&p->link[i]);
	return 0;
}

static int run(struct producer *p)
{
	uint32_t caps = 0, offer;
	struct di_error err;

	if (camera_open(&p->cam, p->opt.device, p->opt.driver))
		return -1;
	/* fakecam keeps its controls between opens: say what this run wants. */
	if ((p->opt.unthrottled || !strcmp(p->cam.driver, "fakecam")) &&
	    camera_set_control(&p->cam, "Unthrottled", p->opt.unthrottled))
		return -1;
	if (p->opt.pattern >= 0 && camera_set_control(&p->cam, "Pattern Mode", p->opt.pattern))
		return -1;
	if (p->opt.fd_per_frame)
		caps |= DI_CAP_FD_PER_FRAME;
	if (p->opt.display_allocates)
		caps |= DI_CAP_DISPLAY_ALLOCATES;
	offer = di_sync_caps(p->opt.sync);
	if (camera_fd_per_plane(&p->cam, p->opt.fourcc)) {
		/*
		 * A buffer per plane: the consumer must take such pools. Fences
		 * would be one per plane buffer, which FRAME and RELEASE do not
		 * carry: protocol sync.
		 */
		caps |= DI_CAP_FD_PER_PLANE;
		if (p->opt.sync == DI_SYNC_IMPLICIT || p->opt.sync == DI_SYNC_EXPLICIT) {
			fault(p, "%s", "--sync implicit|explicit needs one buffer per frame; "
				       "a multi-planar NV12/NV21 camera gives one per plane");
			return -1;
		}
		offer = 0;
	}
	for (uint32_t i = 0; i < p->opt.nsockets; i++) {
		struct consumer_link *l = &p->link[i];

		p->nlinks++;
		if (link_open(l, p->opt.socket[i], caps, offer, &stop_requested, &err)) {
			fault(p, "%s", err.text);
			if (err.status == DI_ERR_SYS && err.sys_errno != EINTR)
				fprintf(stderr, "producer: is the consumer running on %s?\n",
					p->opt.socket[i]);
			return -1;
		}
	}
	if (p->opt.display_allocates		     ? setup_display_pool(p)
	    : p->opt.allocator != ALLOCATOR_CAMERA ? setup_allocator_pool(p)
						   : setup_camera_pool(p))
		return -1;
	if (p->opt.pfn_proof)
		report_pfns(p);
	for (uint32_t i = 0; i < p->nlinks; i++) {
		di_ledger_init(&p->link[i].ledger, p->count);
		p->link[i].alive = true;
	}
	if (camera_stream(&p->cam, true))
		return -1;
	return stream(p);
}

static void summary(struct producer *p, int status)
{
	char fmt[5], size[32], order[128], syncs[40];
	uint32_t modes = 0;
	struct app_field waits[3];
	const char *mode = p->opt.display_allocates ? "display allocates (V4L2 DMABUF import)"
			   : p->opt.allocator == ALLOCATOR_HEAP
			       ? "the system heap allocates (V4L2 DMABUF import), fds once in the POOL"
			   : p->opt.allocator == ALLOCATOR_UDMABUF
			       ? "udmabuf allocates (V4L2 DMABUF import), fds once in the POOL"
			   : p->opt.fd_per_frame ? "camera allocates, fd with every frame"
						 : "camera allocates, fds once in the POOL";
	uint64_t released = 0, skipped = 0, out_of_order = 0;
	bool held, pass;
	const char *why;

	app_waits_fields(&p->waits, waits);
	for (uint32_t i = 0; i < p->nlinks; i++) {
		modes |= 1u << p->link[i].sync;
		released += p->link[i].ledger.released;
		skipped += p->link[i].ledger.skipped;
		out_of_order += p->link[i].ledger.out_of_order;
	}
	held = out_of_order == 0;
	pass = status == 0 && !p->fault[0] && p->stats.failed == 0 && held &&
	       (!p->opt.frames || p->sent == p->opt.frames || p->consumer_bye);
	why = p->fault[0]	? p->fault
	      : p->stats.failed ? "frames failed their check"
	      : !held		? "releases out of display order"
	      : status		? "setup failed (see the messages above)"
	      : !pass		? "fewer frames than asked for"
	      : p->dropped	? "every frame sent, checked, released in order; consumers dropped"
	      : p->consumer_bye ? "the consumer ended the session"
				: "every frame sent, checked, released in order";
	if (!p->cam.layout.fourcc) { /* setup stopped before the camera had a format */
		p->cam.layout.fourcc = p->opt.fourcc;
		p->cam.layout.width = p->opt.width;
		p->cam.layout.height = p->opt.height;
	}
	snprintf(size, sizeof(size), "%ux%u", p->cam.layout.width, p->cam.layout.height);
	snprintf(order, sizeof(order),
		 "%s (%llu releases, %llu skipped, %llu out of order, no QBUF before RELEASE)",
		 held ? "held" : "VIOLATED", (unsigned long long)released,
		 (unsigned long long)skipped, (unsigned long long)out_of_order);
	const struct app_field fields[] = {
	    {.key = "device", .text = p->cam.path[0] ? p->cam.path : "-"},
	    {.key = "format", .text = di_fourcc_str(p->cam.layout.fourcc, fmt)},
	    {.key = "size", .text = size},
	    {.key = "buffers", .value = p->count},
	    {.key = "mode", .text = mode},
	    {.key = "consumers", .value = p->nlinks},
	    {.key = "consumers_dropped", .value = p->dropped},
	    {.key = "sent", .value = p->sent},
	    {.key = "released", .value = released},
	    {.key = "skipped", .value = skipped},
	    {.key = "out_of_order", .value = out_of_order},
	    {.key = "camera_errors", .value = p->camera_errors},
	    {.key = "release_order", .text = order},
	    {.key = "sync", .text = app_sync_modes_text(modes, syncs, sizeof(syncs))},
	    {.key = "unwritten", .value = p->unwritten},
	    {.key = "unchecked", .value = p->unchecked},
	    waits[0],
	    waits[1],
	    waits[2],
	};
	app_stats_summary(&p->stats, fields, sizeof(fields) / sizeof(fields[0]), pass, why);
	p->passed = pass;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct producer *p = calloc(1, sizeof(*p));
	int status;

	if (!p) {
		perror("producer");
		return 1;
	}
	status = producer_parse_options(argc, argv, &p->opt);
	if (status)
		return status > 0 ? 0 : 2;
	p->cam.fd = -1;
	di_pool_init(&p->pool);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	app_stats_init(&p->stats, "producer", "capture->release", &p->opt.report);
	app_waits_init(&p->waits);

	status = run(p);
	summary(p, status);
	/* The consumers are done with our buffers (BYE) or gone; give them back. */
	for (uint32_t i = 0; i < p->nlinks; i++)
		link_close(&p->link[i]);
	for (uint32_t i = 0; i < DI_POOL_MAX * DI_MAX_PLANES; i++)
		di_buffer_unmap(&p->maps[i]);
	camera_close(&p->cam);
	di_pool_close(&p->pool);
	status = p->passed ? 0 : 1;
	free(p);
	return status;
}
