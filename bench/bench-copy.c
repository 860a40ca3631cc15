// SPDX-License-Identifier: MIT
/*
 * bench-copy: the pipelines the zero-copy apps are measured against, with the
 * same two-process shape (a camera side that connects, a display side that
 * listens) and the same live lines and JSON summary (apps/common/app-stats),
 * so tools/bench drives and measures them exactly like producer/consumer.
 *
 * Transports (--transport):
 *   socket  copy baseline A: the camera side sends the frame's bytes through a
 *           SOCK_STREAM socket (read from its V4L2 mmap), the display side
 *           reads them into a dumb buffer and shows it;
 *   memfd   copy baseline B: shared memory (one memfd of --slots frames, sent
 *           once); the camera side memcpys the frame in, the display side
 *           memcpys it out into a dumb buffer and releases the slot;
 *   pool    (host mode) zero-copy stand-in: memfds sent once, the "camera"
 *           writes the stamp straight into the shared slot, the reader checks
 *           it there and releases it;
 *   fd      (host mode) the same with the slot's memfd sent, mapped and
 *           closed with every frame.
 *
 * Source: fakecam (stamp-only or full pattern, unthrottled) or, with
 * --synthetic, a stamp written by software (host mode, no kernel modules).
 * Sink: fakedisp (atomic flips of dumb buffers) or, with --no-display, plain
 * memory. Every frame's stamp is checked on the display side.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xf86drm.h>

#include "app-args.h"
#include "app-stats.h"
#include "camera.h"
#include "display.h"
#include "dmabuf-interop/frame-stamp.h"
#include "dmabuf-interop/frame-verify.h"

#define SLOTS_MAX    8
#define DUMB_BUFFERS 3 /* on screen, flip pending, being written */

enum transport {
	T_SOCKET,
	T_MEMFD,
	T_POOL,
	T_FD
};
enum msg_type {
	M_SETUP = 1,
	M_FRAME,
	M_RELEASE,
	M_BYE
};

/* Every message (the frame bytes of T_SOCKET follow their FRAME). */
struct bench_msg {
	uint32_t type;
	uint32_t slot;
	uint64_t seq;
	uint64_t timestamp_ns;
	uint32_t fourcc, width, height, slots;
	uint64_t bytes; /* SETUP: bytes per frame (slot size) */
};

struct bench_opt {
	bool send; /* camera side */
	enum transport transport;
	bool synthetic;
	bool display;
	int pattern;  /* fakecam Pattern Mode: 0 full, 1 stamp only */
	uint32_t fps; /* camera frame rate; 0: unthrottled */
	uint32_t fourcc, width, height, frames, slots;
	const char *socket;
	struct app_report_options report;
};

static const char *const transport_names[] = {"socket", "memfd", "pool", "fd"};

static int fail(const char *what)
{
	fprintf(stderr, "bench-copy: %s: %s\n", what, strerror(errno));
	return -1;
}

static int send_msg(int sock, const struct bench_msg *m, const int *fds, uint32_t nfds)
{
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int) * SLOTS_MAX)];
	} ctl;
	struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof(*m)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.space;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		ctl.hdr.cmsg_level = SOL_SOCKET;
		ctl.hdr.cmsg_type = SCM_RIGHTS;
		ctl.hdr.cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(&ctl.hdr), fds, sizeof(int) * nfds);
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(*m))
		return fail("sendmsg");
	return 0;
}

/* One message and up to SLOTS_MAX fds; 1 when the peer closed. */
static int recv_msg(int sock, struct bench_msg *m, int *fds, uint32_t *nfds, int flags)
{
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int) * SLOTS_MAX)];
	} ctl;
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.space,
			     .msg_controllen = sizeof(ctl.space)};
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL | flags);

	*nfds = 0;
	if (n == 0)
		return 1;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 2;
	if (n != (ssize_t)sizeof(*m))
		return n < 0 ? fail("recvmsg")
			     : (fprintf(stderr, "bench-copy: short message\n"), -1);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			*nfds = (uint32_t)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), sizeof(int) * *nfds);
		}
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail("send of the frame bytes");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, MSG_WAITALL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? fail("recv of the frame bytes") : -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies the rows of every plane from src (layout sl) to dst (layout dl). */
static void copy_frame(void *dst, const struct di_layout *dl, const void *src,
		       const struct di_layout *sl, size_t bytes)
{
	const struct di_format_info *info = di_format_lookup(sl->fourcc);

	if (!memcmp(dl->pitch, sl->pitch, sizeof(dl->pitch)) &&
	    !memcmp(dl->offset, sl->offset, sizeof(dl->offset))) {
		memcpy(dst, src, bytes);
		return;
	}
	for (uint32_t p = 0; p < sl->num_planes; p++) {
		uint64_t row = di_layout_row_bytes(info, p, sl->width);
		uint32_t rows = di_layout_plane_rows(info, p, sl->height);

		for (uint32_t y = 0; y < rows; y++)
			memcpy((char *)dst + dl->offset[p] + (size_t)y * dl->pitch[p],
			       (const char *)src + sl->offset[p] + (size_t)y * sl->pitch[p], row);
	}
}

static void *map_shared(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---- camera side ---------------------------------------------------- */

struct sender {
	struct bench_opt *o;
	struct camera cam;
	struct di_layout layout;
	size_t bytes;
	void *frame;		/* --synthetic: the software camera's buffer */
	int slot_fd[SLOTS_MAX]; /* memfd: one fd (slot_fd[0]); pool/fd: one per slot */
	char *slot_map[SLOTS_MAX];
	bool busy[SLOTS_MAX];
	uint32_t busy_count;
	int sock;
	struct app_stats stats;
};

static int sender_source(struct sender *s)
{
	struct bench_opt *o = s->o;
	struct di_error err;

	if (o->synthetic) {
		if (di_layout_init(&s->layout, o->fourcc, o->width, o->height, 64, &err)) {
			fprintf(stderr, "bench-copy: %s\n", err.text);
			return -1;
		}
		s->bytes = di_layout_size(&s->layout);
		s->frame = calloc(1, s->bytes);
		return s->frame ? 0 : fail("calloc");
	}
	if (camera_open(&s->cam, NULL, "fakecam") ||
	    camera_set_control(&s->cam, "Unthrottled", o->fps == 0) ||
	    camera_set_control(&s->cam, "Pattern Mode", o->pattern) ||
	    camera_configure(&s->cam, o->fourcc, o->width, o->height, o->fps ? o->fps : 30) ||
	    camera_alloc_mmap(&s->cam, 4))
		return -1;
	s->layout = s->cam.layout;
	s->bytes = di_layout_size(&s->layout);
	for (uint32_t i = 0; i < s->cam.count; i++)
		if (camera_queue(&s->cam, i, NULL))
			return -1;
	return camera_stream(&s->cam, true);
}

static int sender_connect(struct sender *s)
{
	int type = s->o->transport == T_SOCKET ? SOCK_STREAM : SOCK_SEQPACKET;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", s->o->socket);
	for (int tries = 0;; tries++) {
		s->sock = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		if (s->sock < 0)
			return fail("socket");
		if (!connect(s->sock, (struct sockaddr *)&addr, sizeof(addr)))
			return 0;
		close(s->sock);
		if (tries == 200)
			return fail(s->o->socket);
		usleep(50000);
	}
}

static int sender_setup(struct sender *s)
{
	struct bench_opt *o = s->o;
	struct bench_msg m = {.type = M_SETUP,
			      .fourcc = o->fourcc,
			      .width = o->width,
			      .height = o->height,
			      .slots = o->slots,
			      .bytes = s->bytes};
	uint32_t nfds = 0;

	if (o->transport == T_MEMFD) {
		s->slot_fd[0] = memfd_create("bench-copy", MFD_CLOEXEC);
		if (s->slot_fd[0] < 0 || ftruncate(s->slot_fd[0], (off_t)(s->bytes * o->slots)))
			return fail("memfd");
		s->slot_map[0] = map_shared(s->slot_fd[0], s->bytes * o->slots);
		if (!s->slot_map[0])
			return fail("mmap of the memfd");
		for (uint32_t i = 1; i < o->slots; i++)
			s->slot_map[i] = s->slot_map[0] + s->bytes * i;
		nfds = 1;
	} else if (o->transport == T_POOL || o->transport == T_FD) {
		for (uint32_t i = 0; i < o->slots; i++) {
			s->slot_fd[i] = memfd_create("bench-pool", MFD_CLOEXEC);
			if (s->slot_fd[i] < 0 || ftruncate(s->slot_fd[i], (off_t)s->bytes))
				return fail("memfd");
			s->slot_map[i] = map_shared(s->slot_fd[i], s->bytes);
			if (!s->slot_map[i])
				return fail("mmap of a memfd");
		}
		nfds = o->transport == T_POOL ? o->slots : 0;
	}
	return send_msg(s->sock, &m, s->slot_fd, nfds);
}

/* Takes the RELEASEs that arrived; with wait, blocks for at least one. */
static int sender_releases(struct sender *s, bool wait)
{
	for (;;) {
		struct bench_msg m;
		int fds[SLOTS_MAX];
		uint32_t nfds;
		int r = recv_msg(s->sock, &m, fds, &nfds, wait ? 0 : MSG_DONTWAIT);

		if (r == 2)
			return 0;
		if (r)
			return r == 1 ? (fprintf(stderr, "bench-copy: the reader left\n"), -1) : -1;
		if (m.type != M_RELEASE || m.slot >= s->o->slots || !s->busy[m.slot]) {
			fprintf(stderr, "bench-copy: unexpected message %u slot %u\n", m.type,
				m.slot);
			return -1;
		}
		s->busy[m.slot] = false;
		s->busy_count--;
		app_stats_latency(&s->stats, app_now_ns() - m.timestamp_ns);
		wait = false;
	}
}

static int sender_free_slot(struct sender *s, uint32_t *slot)
{
	if (s->busy_count == s->o->slots && sender_releases(s, true))
		return -1;
	for (uint32_t i = 0; i < s->o->slots; i++) {
		if (!s->busy[i]) {
			*slot = i;
			return 0;
		}
	}
	return -1;
}

static int sender_frame(struct sender *s, uint64_t n)
{
	struct bench_opt *o = s->o;
	struct bench_msg m = {.type = M_FRAME};
	struct camera_frame f = {0};
	const void *src = s->frame;
	uint32_t slot = 0;

	if (o->synthetic) {
		m.seq = n;
		m.timestamp_ns = app_now_ns();
	} else {
		if (camera_dequeue(&s->cam, &f))
			return -1;
		m.seq = f.seq;
		m.timestamp_ns = f.timestamp_ns;
		src = s->cam.map[f.index];
	}
	if (o->transport != T_SOCKET) {
		if (sender_free_slot(s, &slot))
			return -1;
		s->busy[slot] = true;
		s->busy_count++;
	}
	m.slot = slot;
	switch (o->transport) {
	case T_SOCKET:
		if (o->synthetic)
			frame_stamp_fill(s->frame, m.seq, m.timestamp_ns, o->fourcc, o->width,
					 o->height);
		if (send_msg(s->sock, &m, NULL, 0) || write_all(s->sock, src, s->bytes))
			return -1;
		break;
	case T_MEMFD:
		if (o->synthetic)
			frame_stamp_fill(s->frame, m.seq, m.timestamp_ns, o->fourcc, o->width,
					 o->height);
		memcpy(s->slot_map[slot], src, s->bytes);
		if (send_msg(s->sock, &m, NULL, 0))
			return -1;
		break;
	case T_POOL:
	case T_FD:
		/* The software camera writes into the shared buffer itself. */
		frame_stamp_fill((struct frame_stamp *)s->slot_map[slot], m.seq, m.timestamp_ns,
				 o->fourcc, o->width, o->height);
		if (send_msg(s->sock, &m, &s->slot_fd[slot], o->transport == T_FD))
			return -1;
		break;
	}
	if (!o->synthetic && camera_queue(&s->cam, f.index, NULL))
		return -1;
	app_stats_frame(&s->stats, 0);
	return sender_releases(s, false);
}

static int run_sender(struct bench_opt *o)
{
	struct sender s = {.o = o, .sock = -1};
	struct bench_msg bye = {.type = M_BYE};
	int ret = -1;

	app_stats_init(&s.stats, "bench-copy-send", "capture->release", &o->report);
	if (sender_source(&s) || sender_connect(&s) || sender_setup(&s))
		goto out;
	for (uint64_t n = 0; n < o->frames; n++) {
		if (sender_frame(&s, n))
			goto out;
		app_stats_tick(&s.stats, app_now_ns(), s.busy_count);
	}
	while (s.busy_count)
		if (sender_releases(&s, true))
			goto out;
	if (send_msg(s.sock, &bye, NULL, 0))
		goto out;
	ret = 0;
out:
	app_stats_summary(
	    &s.stats, (const struct app_field[]){{"transport", transport_names[o->transport], 0}},
	    1, ret == 0, ret ? "failed" : "every frame sent");
	if (!o->synthetic && s.cam.fd > 0)
		camera_close(&s.cam);
	return ret ? 1 : 0;
}

/* ---- display side --------------------------------------------------- */

struct receiver {
	struct bench_opt *o;
	struct display disp;
	struct di_layout src_layout; /* what arrives */
	struct di_layout dst_layout; /* the dumb buffers' */
	size_t bytes, dst_bytes;
	void *dst[DUMB_BUFFERS];
	uint32_t fb[DUMB_BUFFERS];
	int slot_fd[SLOTS_MAX];
	char *slot_map[SLOTS_MAX];
	void *staging; /* socket frames whose layout differs from the dumb buffer's */
	int sock;
	bool pending; /* a flip is pending for pending_ts */
	uint64_t pending_ts;
	struct app_stats stats;
};

static int receiver_dumb(struct receiver *r, uint32_t i)
{
	const struct bench_opt *o = r->o;
	bool nv12 = o->fourcc == DI_FOURCC_NV12;
	struct drm_mode_create_dumb create = {.width = o->width,
					      .height = nv12 ? o->height * 3 / 2 : o->height,
					      .bpp = nv12 ? 8 : 32};
	struct drm_mode_map_dumb map = {0};
	struct di_layout *l = &r->dst_layout;
	uint32_t handles[4] = {0};

	if (drmIoctl(r->disp.fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return fail("DRM_IOCTL_MODE_CREATE_DUMB");
	*l = (struct di_layout){.fourcc = o->fourcc,
				.width = o->width,
				.height = o->height,
				.num_planes = nv12 ? 2 : 1,
				.pitch = {create.pitch, nv12 ? create.pitch : 0}};
	l->offset[1] = nv12 ? create.pitch * o->height : 0;
	handles[0] = create.handle;
	handles[1] = nv12 ? create.handle : 0;
	if (drmModeAddFB2(r->disp.fd, o->width, o->height, o->fourcc, handles, l->pitch, l->offset,
			  &r->fb[i], 0))
		return fail("drmModeAddFB2");
	map.handle = create.handle;
	if (drmIoctl(r->disp.fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		return fail("DRM_IOCTL_MODE_MAP_DUMB");
	r->dst_bytes = create.size;
	r->dst[i] = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, r->disp.fd,
			 (off_t)map.offset);
	return r->dst[i] == MAP_FAILED ? fail("mmap of a dumb buffer") : 0;
}

static int receiver_listen(struct receiver *r)
{
	int type = r->o->transport == T_SOCKET ? SOCK_STREAM : SOCK_SEQPACKET;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int lsock = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", r->o->socket);
	unlink(r->o->socket);
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&addr, sizeof(addr)) || listen(lsock, 1))
		return fail(r->o->socket);
	r->sock = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	close(lsock);
	unlink(r->o->socket);
	return r->sock < 0 ? fail("accept") : 0;
}

static int receiver_setup(struct receiver *r)
{
	struct bench_opt *o = r->o;
	struct bench_msg m;
	struct di_error err;
	int fds[SLOTS_MAX];
	uint32_t nfds;

	if (recv_msg(r->sock, &m, fds, &nfds, 0) || m.type != M_SETUP || !m.slots ||
	    m.slots > SLOTS_MAX) {
		fprintf(stderr, "bench-copy: no SETUP from the camera side\n");
		return -1;
	}
	o->fourcc = m.fourcc;
	o->width = m.width;
	o->height = m.height;
	o->slots = m.slots;
	r->bytes = m.bytes;
	/* The sender's layout: fakecam's and di_layout_init's agree (pitch 64-aligned). */
	if (di_layout_init(&r->src_layout, m.fourcc, m.width, m.height, 64, &err)) {
		fprintf(stderr, "bench-copy: %s\n", err.text);
		return -1;
	}
	if (o->transport == T_MEMFD) {
		if (nfds != 1)
			return -1;
		r->slot_map[0] = map_shared(fds[0], r->bytes * o->slots);
		if (!r->slot_map[0])
			return fail("mmap of the memfd");
		for (uint32_t i = 1; i < o->slots; i++)
			r->slot_map[i] = r->slot_map[0] + r->bytes * i;
	} else if (o->transport == T_POOL) {
		for (uint32_t i = 0; i < nfds && i < o->slots; i++) {
			r->slot_fd[i] = fds[i];
			r->slot_map[i] = map_shared(fds[i], r->bytes);
			if (!r->slot_map[i])
				return fail("mmap of a pool memfd");
		}
	}
	if (o->display) {
		if (display_open(&r->disp, NULL, "fakedisp") ||
		    display_set_mode(&r->disp, o->width, o->height))
			return -1;
		for (uint32_t i = 0; i < DUMB_BUFFERS; i++)
			if (receiver_dumb(r, i))
				return -1;
	} else {
		r->dst_layout = r->src_layout;
		r->dst_bytes = r->bytes;
		for (uint32_t i = 0; i < DUMB_BUFFERS; i++) {
			r->dst[i] = calloc(1, r->bytes);
			if (!r->dst[i])
				return fail("calloc");
		}
	}
	if (memcmp(r->dst_layout.pitch, r->src_layout.pitch, sizeof(r->src_layout.pitch)) ||
	    memcmp(r->dst_layout.offset, r->src_layout.offset, sizeof(r->src_layout.offset))) {
		r->staging = malloc(r->bytes);
		if (!r->staging)
			return fail("malloc");
	}
	return 0;
}

/* Waits for the pending flip: that frame reached the screen. */
static int receiver_flip_done(struct receiver *r)
{
	if (!r->pending)
		return 0;
	if (display_wait_flip(&r->disp, 5000)) {
		fprintf(stderr, "bench-copy: no page-flip event within 5 s\n");
		return -1;
	}
	r->pending = false;
	/*
	 * The event of the first commit (a modeset) may carry the time of the
	 * CRTC's last vblank, before the frame existed: no latency sample then.
	 */
	app_stats_frame(&r->stats,
			r->disp.flip_ns > r->pending_ts ? r->disp.flip_ns - r->pending_ts : 0);
	return 0;
}

static int receiver_check(struct receiver *r, const void *frame, const struct di_layout *l,
			  size_t size, uint64_t seq)
{
	struct di_error err;

	if (di_stamp_verify(frame, size, l, seq, NULL, &err)) {
		r->stats.failed++;
		fprintf(stderr, "bench-copy: frame %llu: %s\n", (unsigned long long)seq, err.text);
		return -1;
	}
	r->stats.verified++;
	return 0;
}

static int receiver_frame(struct receiver *r, const struct bench_msg *m, int fd, uint32_t *k)
{
	struct bench_opt *o = r->o;
	struct bench_msg rel = {
	    .type = M_RELEASE, .slot = m->slot, .seq = m->seq, .timestamp_ns = m->timestamp_ns};
	void *dst = r->dst[*k];

	if (o->transport != T_SOCKET && m->slot >= o->slots)
		return -1;
	switch (o->transport) {
	case T_SOCKET:
		if (read_all(r->sock, r->staging ? r->staging : dst, r->bytes))
			return -1;
		if (r->staging)
			copy_frame(dst, &r->dst_layout, r->staging, &r->src_layout, r->bytes);
		break;
	case T_MEMFD:
		copy_frame(dst, &r->dst_layout, r->slot_map[m->slot], &r->src_layout, r->bytes);
		if (send_msg(r->sock, &rel, NULL, 0))
			return -1;
		break;
	case T_POOL:
	case T_FD: {
		char *map = o->transport == T_FD ? map_shared(fd, r->bytes) : r->slot_map[m->slot];
		int bad;

		if (!map)
			return fail("mmap of a frame's memfd");
		bad = receiver_check(r, map, &r->src_layout, r->bytes, m->seq);
		if (o->transport == T_FD) {
			munmap(map, r->bytes);
			close(fd);
		}
		if (bad || send_msg(r->sock, &rel, NULL, 0))
			return -1;
		app_stats_frame(&r->stats, app_now_ns() - m->timestamp_ns);
		return 0;
	}
	}
	if (receiver_check(r, dst, &r->dst_layout, r->dst_bytes, m->seq))
		return -1;
	if (!o->display) {
		app_stats_frame(&r->stats, app_now_ns() - m->timestamp_ns);
		return 0;
	}
	/* Buffer k went off screen when the flip before the pending one latched. */
	if (receiver_flip_done(r))
		return -1;
	if (display_show(&r->disp, r->fb[*k])) {
		fprintf(stderr, "bench-copy: atomic commit failed\n");
		return -1;
	}
	r->pending = true;
	r->pending_ts = m->timestamp_ns;
	*k = (*k + 1) % DUMB_BUFFERS;
	return 0;
}

static int run_receiver(struct bench_opt *o)
{
	struct receiver r = {.o = o, .sock = -1};
	uint32_t k = 0;
	int ret = -1;

	app_stats_init(&r.stats, "bench-copy-recv",
		       o->display ? "capture->flip" : "capture->consumed", &o->report);
	if (receiver_listen(&r) || receiver_setup(&r))
		goto out;
	for (;;) {
		struct bench_msg m;
		int fds[SLOTS_MAX];
		uint32_t nfds;
		int rc = recv_msg(r.sock, &m, fds, &nfds, 0);

		if (rc == 1 || (!rc && m.type == M_BYE))
			break;
		if (rc || m.type != M_FRAME || nfds != (o->transport == T_FD ? 1u : 0u)) {
			fprintf(stderr, "bench-copy: unexpected message from the camera side\n");
			goto out;
		}
		if (receiver_frame(&r, &m, nfds ? fds[0] : -1, &k))
			goto out;
		app_stats_tick(&r.stats, app_now_ns(), r.pending);
	}
	if (receiver_flip_done(&r))
		goto out;
	ret = 0;
out:
	app_stats_summary(
	    &r.stats, (const struct app_field[]){{"transport", transport_names[o->transport], 0}},
	    1, ret == 0 && !r.stats.failed, ret ? "failed" : "every frame checked");
	if (o->display && r.disp.fd > 0) {
		display_off(&r.disp);
		display_close(&r.disp);
	}
	return ret ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: bench-copy send|recv [OPTION]...\n"
	    "The copying pipelines tools/bench compares the zero-copy apps with.\n"
	    "  -t, --transport T   socket (copy A: bytes through a SOCK_STREAM socket),\n"
	    "                      memfd (copy B: shared memory, memcpy in and out),\n"
	    "                      pool, fd (host mode: memfds standing in for dma-bufs)\n"
	    "  -S, --socket PATH   rendezvous (default /tmp/bench-copy.sock)\n"
	    "  -f, --format FMT    XR24 or NV12 (send; default XR24)\n"
	    "  -s, --size WxH      frame size (send; default 1920x1080)\n"
	    "  -n, --frames N      frames to send (send; default 300)\n"
	    "  -r, --fps N|max     camera frame rate 1..240 or unthrottled (send; default max)\n"
	    "      --pattern full|stamp  fakecam's Pattern Mode (send; default stamp)\n"
	    "      --synthetic     no camera: software writes the stamp (send, host mode)\n"
	    "      --no-display    no fakedisp: frames land in plain memory (recv)\n"
	    "  -b, --slots N       shared slots for memfd/pool/fd, 2..%d (send; default "
	    "4)\n" APP_REPORT_HELP,
	    SLOTS_MAX);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"transport", required_argument, NULL, 't'},
						 {"socket", required_argument, NULL, 'S'},
						 {"format", required_argument, NULL, 'f'},
						 {"size", required_argument, NULL, 's'},
						 {"frames", required_argument, NULL, 'n'},
						 {"fps", required_argument, NULL, 'r'},
						 {"pattern", required_argument, NULL, 'P'},
						 {"synthetic", no_argument, NULL, 'Y'},
						 {"no-display", no_argument, NULL, 'D'},
						 {"slots", required_argument, NULL, 'b'},
						 APP_REPORT_LONGOPTS,
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct bench_opt o = {.fourcc = DI_FOURCC_XRGB8888,
			      .width = 1920,
			      .height = 1080,
			      .frames = 300,
			      .slots = 4,
			      .display = true,
			      .pattern = 1,
			      .socket = "/tmp/bench-copy.sock",
			      .report = APP_REPORT_DEFAULTS};
	const char *prog = "bench-copy";
	int c, r;

	while ((c = getopt_long(argc, argv, "t:S:f:s:n:r:b:h" APP_REPORT_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case 't': {
			int t = -1;

			for (int i = 0; i < 4; i++)
				if (!strcmp(optarg, transport_names[i]))
					t = i;
			if (t < 0) {
				fprintf(stderr, "%s: --transport %s: unknown\n", prog, optarg);
				return 2;
			}
			o.transport = (enum transport)t;
			break;
		}
		case 'S':
			o.socket = optarg;
			break;
		case 'f':
			if (app_parse_format(prog, "format", optarg, &o.fourcc))
				return 2;
			break;
		case 's':
			if (app_parse_size(prog, "size", optarg, &o.width, &o.height))
				return 2;
			break;
		case 'n':
			if (app_parse_u32(prog, "frames", optarg, 1, UINT32_MAX, &o.frames))
				return 2;
			break;
		case 'r':
			if (strcmp(optarg, "max") &&
			    app_parse_u32(prog, "fps", optarg, 1, 240, &o.fps))
				return 2;
			break;
		case 'P':
			if (strcmp(optarg, "full") && strcmp(optarg, "stamp")) {
				fprintf(stderr, "%s: --pattern %s: full or stamp\n", prog, optarg);
				return 2;
			}
			o.pattern = !strcmp(optarg, "stamp");
			break;
		case 'Y':
			o.synthetic = true;
			break;
		case 'D':
			o.display = false;
			break;
		case 'b':
			if (app_parse_u32(prog, "slots", optarg, 2, SLOTS_MAX, &o.slots))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			r = app_report_parse(prog, c, optarg, &o.report);
			if (!r)
				break;
			if (r > 0) /* not an option of ours */
				usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || (strcmp(argv[optind], "send") && strcmp(argv[optind], "recv"))) {
		usage(stderr);
		return 2;
	}
	o.send = !strcmp(argv[optind], "send");
	if (!o.send && o.display && (o.transport == T_POOL || o.transport == T_FD)) {
		fprintf(stderr, "%s: transports pool and fd are host mode: use --no-display\n",
			prog);
		return 2;
	}
	return o.send ? run_sender(&o) : run_receiver(&o);
}
