// SPDX-License-Identifier: MIT
/*
 * sendmsg/recvmsg with SCM_RIGHTS (fd-passing.h). The one rule of this file:
 * every fd the kernel installs in this process is either returned to the
 * caller on success or closed before returning an error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/fence.h"

union fd_control {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * DI_FDS_PER_MSG)];
};

void di_close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static enum di_status socket_error(int e, const char *call, struct di_error *err)
{
	if (e == EAGAIN || e == EWOULDBLOCK)
		return di_error_set(err, DI_ERR_AGAIN, e, "%s: no message ready", call);
	if (e == EPIPE || e == ECONNRESET || e == ENOTCONN)
		return di_error_set(err, DI_ERR_PEER_CLOSED, e, "%s: peer closed the connection",
				    call);
	if (e == ETOOMANYREFS)
		return di_error_set(err, DI_ERR_SYS, e,
				    "%s: too many fds in flight (receiver does not read them?)",
				    call);
	return di_error_set(err, DI_ERR_SYS, e, "%s: %s", call, strerror(e));
}

enum di_status di_send_packet(int sock, const void *buf, size_t len, const int *fds,
			      unsigned int nfds, struct di_error *err)
{
	union fd_control ctrl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t ret;

	if (nfds > DI_FDS_PER_MSG)
		return di_error_set(err, DI_ERR_COUNT, 0,
				    "%u fds do not fit one message (at most %u)", nfds,
				    DI_FDS_PER_MSG);
	if (nfds) {
		struct cmsghdr *cmsg;

		memset(&ctrl, 0, sizeof(ctrl));
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	do {
		ret = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return socket_error(errno, "sendmsg", err);
	if ((size_t)ret != len)
		return di_error_set(err, DI_ERR_LENGTH, 0, "sendmsg sent %zd of %zu bytes", ret,
				    len);
	return DI_OK;
}

/*
 * Takes every fd out of the control messages: the first max_fds into fds[],
 * the rest closed at once. Returns how many there were in all.
 */
static unsigned int collect_fds(struct msghdr *mh, int *fds, unsigned int max_fds,
				unsigned int *kept)
{
	struct cmsghdr *cmsg;
	unsigned int total = 0;

	*kept = 0;
	for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
		size_t n, i;

		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(fd));
			if (*kept < max_fds)
				fds[(*kept)++] = fd;
			else
				close(fd);
			total++;
		}
	}
	return total;
}

enum di_status di_recv_packet(int sock, void *buf, size_t cap, size_t *len, int *fds,
			      unsigned int max_fds, unsigned int *nfds, struct di_error *err)
{
	union fd_control ctrl;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	unsigned int total, kept;
	struct rlimit rl;
	ssize_t ret;

	*len = 0;
	*nfds = 0;
	if (max_fds > DI_FDS_PER_MSG)
		max_fds = DI_FDS_PER_MSG;
	/* Room for one fd even when none is expected, so that strays are seen and closed. */
	mh.msg_control = ctrl.buf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * (max_fds ? max_fds : 1));
	do {
		ret = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return socket_error(errno, "recvmsg", err);

	total = collect_fds(&mh, fds, max_fds, &kept);
	if (mh.msg_flags & MSG_CTRUNC) {
		di_close_fds(fds, kept);
		getrlimit(RLIMIT_NOFILE, &rl);
		return di_error_set(err, DI_ERR_CTRUNC, 0,
				    "fds truncated by the kernel (MSG_CTRUNC): %u arrived and were "
				    "closed; the peer sent more than the %u accepted here or this "
				    "process reached RLIMIT_NOFILE (%llu)",
				    total, max_fds, (unsigned long long)rl.rlim_cur);
	}
	if (total > kept) {
		di_close_fds(fds, kept);
		return di_error_set(err, DI_ERR_FDS, 0,
				    "packet carried %u fds, at most %u accepted here; all closed",
				    total, max_fds);
	}
	if (mh.msg_flags & MSG_TRUNC) {
		di_close_fds(fds, kept);
		return di_error_set(err, DI_ERR_LENGTH, 0,
				    "packet longer than %zu bytes (MSG_TRUNC)", cap);
	}
	if (ret == 0 && kept == 0)
		return di_error_set(err, DI_ERR_PEER_CLOSED, 0, "peer closed the connection");
	*len = (size_t)ret;
	*nfds = kept;
	return DI_OK;
}

enum di_status di_send_msg(int sock, const struct di_msg *msg, const int *fds, struct di_error *err)
{
	uint8_t buf[DI_MSG_MAX];
	enum di_status st;
	size_t len;

	st = di_msg_encode(msg, buf, sizeof(buf), &len, err);
	if (st != DI_OK)
		return st;
	return di_send_packet(sock, buf, len, fds, di_msg_fd_count(msg), err);
}

/* Prefixes err's text with the message and buffer it is about. */
static enum di_status blame(const struct di_msg *msg, uint32_t index, const char *what,
			    enum di_status st, struct di_error *err)
{
	char text[DI_ERROR_TEXT_MAX];

	if (err) {
		memcpy(text, err->text, sizeof(text));
		di_error_set(err, st, err->sys_errno, "%s buffer %u%s: %s",
			     di_msg_type_name(msg->type), index, what, text);
	}
	return st;
}

/*
 * Planes of one buffer may share a file (DRM allows one object for several
 * planes) but must not overlap in it: that would be two planes in one place.
 */
static enum di_status check_shared_planes(const struct di_layout *l, const int *fds,
					  struct di_error *err)
{
	struct stat st[DI_MAX_PLANES];
	uint32_t i, j;

	for (i = 0; i < l->num_planes; i++)
		if (fstat(fds[i], &st[i]) < 0)
			return di_error_set(err, DI_ERR_SYS, errno, "fstat(fd %d): %s", fds[i],
					    strerror(errno));
	for (i = 0; i < l->num_planes; i++)
		for (j = i + 1; j < l->num_planes; j++)
			if (st[i].st_dev == st[j].st_dev && st[i].st_ino == st[j].st_ino &&
			    l->offset[i] < di_layout_plane_end(l, j) &&
			    l->offset[j] < di_layout_plane_end(l, i))
				return di_error_set(
				    err, DI_ERR_LAYOUT, 0,
				    "planes %u and %u are one file (inode %llu) and overlap in it "
				    "(bytes %u..%llu and %u..%llu)",
				    i, j, (unsigned long long)st[i].st_ino, l->offset[i],
				    (unsigned long long)di_layout_plane_end(l, i), l->offset[j],
				    (unsigned long long)di_layout_plane_end(l, j));
	return DI_OK;
}

/*
 * Buffer fds come first (POOL: all of them, di_layout_fds() per buffer;
 * FRAME: with DI_FRAME_FD), a fence last (FRAME with DI_FRAME_FENCE, RELEASE with DI_RELEASE_FENCE).
 */
static enum di_status check_fds(const struct di_recv_ctx *ctx, const struct di_msg *msg,
				const int *fds, unsigned int nfds, struct di_error *err)
{
	const struct di_layout *layout = ctx->layout;
	unsigned int i, per, buffers = nfds;
	uint32_t first = 0;
	bool fence = false;
	enum di_status st;

	if (!nfds)
		return DI_OK;
	if (msg->type == DI_MSG_POOL) {
		layout = &msg->pool.layout;
		first = msg->pool.first;
	} else if (msg->type == DI_MSG_FRAME) {
		first = msg->frame.index;
		fence = msg->frame.flags & DI_FRAME_FENCE;
	} else {
		first = msg->release.index;
		fence = true;
	}
	buffers -= fence;
	if (buffers && !layout)
		return di_error_set(err, DI_ERR_STATE, 0,
				    "FRAME %u carries an fd but no pool layout is known", first);
	per = msg->type == DI_MSG_POOL ? di_layout_fds(layout) : 1;
	for (i = 0; i < buffers; i++) {
		char what[32] = "";

		if (per > 1)
			snprintf(what, sizeof(what), " plane %u", i % per);
		st = di_check_buffer_fd(fds[i], di_layout_fd_size(layout, i % per), ctx->fs_magic,
					err);
		if (st != DI_OK)
			return blame(msg, first + i / per, what, st, err);
		if (per > 1 && i % per == per - 1) {
			st = check_shared_planes(layout, fds + i + 1 - per, err);
			if (st != DI_OK)
				return blame(msg, first + i / per, "", st, err);
		}
	}
	if (fence) {
		st = di_check_fence_fd(fds[buffers], err);
		if (st != DI_OK)
			return blame(msg, first,
				     msg->type == DI_MSG_FRAME ? ", acquire fence"
							       : ", release fence",
				     st, err);
	}
	return DI_OK;
}

enum di_status di_recv_msg(int sock, const struct di_recv_ctx *ctx, struct di_msg *msg, int *fds,
			   unsigned int *nfds, struct di_error *err)
{
	uint8_t buf[DI_MSG_MAX];
	enum di_status st;
	unsigned int want;
	size_t len;

	memset(msg, 0, sizeof(*msg));
	st = di_recv_packet(sock, buf, sizeof(buf), &len, fds, DI_FDS_PER_MSG, nfds, err);
	if (st != DI_OK)
		return st;
	st = di_msg_decode(buf, len, &ctx->decode, msg, err);
	if (st != DI_OK)
		goto fail;
	want = di_msg_fd_count(msg);
	if (*nfds != want) {
		st = di_error_set(err, DI_ERR_FDS, 0, "%s declares %u fd(s) but %u arrived",
				  di_msg_type_name(msg->type), want, *nfds);
		goto fail;
	}
	st = check_fds(ctx, msg, fds, *nfds, err);
	if (st != DI_OK)
		goto fail;
	return DI_OK;

fail:
	di_close_fds(fds, *nfds);
	*nfds = 0;
	memset(msg, 0, sizeof(*msg));
	return st;
}
