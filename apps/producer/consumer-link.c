// SPDX-License-Identifier: MIT
/* One consumer's connection, with waits that a signal ends (consumer-link.h). */
#include "consumer-link.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app-args.h"
#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/session.h"
#include "dmabuf-interop/socket.h"

int link_wait_readable(int sock, int timeout_ms, volatile sig_atomic_t *stop, struct di_error *err)
{
	uint64_t deadline = app_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (!*stop) {
		struct pollfd pfd = {.fd = sock, .events = POLLIN};
		uint64_t now = app_now_ns();
		int n;

		if (now >= deadline)
			return di_error_set(err, DI_ERR_AGAIN, ETIMEDOUT,
					    "the consumer did not answer within %d ms", timeout_ms);
		n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR)
			return di_error_set(err, DI_ERR_SYS, errno, "poll: %s", strerror(errno));
		if (n > 0)
			return 0;
	}
	return di_error_set(err, DI_ERR_STATE, EINTR, "interrupted by a signal");
}

/* One message, waited for as link_wait_readable() does. */
static int receive(int sock, const struct di_recv_ctx *ctx, struct di_msg *m, int *fds,
		   unsigned int *nfds, volatile sig_atomic_t *stop, struct di_error *err)
{
	if (link_wait_readable(sock, LINK_TIMEOUT_MS, stop, err))
		return -1;
	return di_recv_msg(sock, ctx, m, fds, nfds, err) ? -1 : 0;
}

int link_open(struct consumer_link *l, const char *path, uint32_t need, uint32_t offer,
	      volatile sig_atomic_t *stop, struct di_error *err)
{
	uint32_t caps = need | offer;
	struct di_recv_ctx ctx = {.fs_magic = DI_FS_MAGIC_DMABUF};
	int fds[DI_FDS_PER_MSG];
	struct di_hello hello;
	unsigned int nfds;
	struct di_msg m;

	memset(l, 0, sizeof(*l));
	l->path = path;
	l->sock = -1;
	if (di_connect(path, &l->sock, err))
		return -1;
	if (di_hello_send(l->sock, DI_ROLE_PRODUCER, caps, err) &&
	    err->status != DI_ERR_PEER_CLOSED)
		return -1;
	/*
	 * A refusing consumer sends ERROR and closes; AF_UNIX may report the
	 * reset ahead of the queued ERROR, which one more receive then finds.
	 */
	if (receive(l->sock, &ctx, &m, fds, &nfds, stop, err) &&
	    (err->status != DI_ERR_PEER_CLOSED || di_recv_msg(l->sock, &ctx, &m, fds, &nfds, NULL)))
		return -1;
	di_close_fds(fds, nfds);
	if (di_hello_check(&m, DI_ROLE_PRODUCER, &hello, err))
		return -1;
	if ((need & hello.capabilities) != need) {
		di_error_set(err, DI_ERR_FIELD, 0,
			     "the consumer does not offer what we asked for (capabilities 0x%x, "
			     "we need 0x%x)",
			     hello.capabilities, need);
		di_send_error(l->sock, err);
		return -1;
	}
	l->caps = caps & hello.capabilities;
	l->sync = di_sync_agreed(l->caps);
	return 0;
}

int link_receive_pool(struct consumer_link *l, struct di_pool *pool, volatile sig_atomic_t *stop,
		      struct di_error *err)
{
	while (!di_pool_complete(pool)) {
		struct di_recv_ctx ctx = di_pool_recv_ctx(pool, DI_FS_MAGIC_DMABUF);
		int fds[DI_FDS_PER_MSG];
		unsigned int nfds;
		struct di_msg m;

		if (receive(l->sock, &ctx, &m, fds, &nfds, stop, err))
			goto fail;
		if (m.type == DI_MSG_ERROR) {
			di_remote_error(&m, err);
			goto fail;
		}
		if (m.type != DI_MSG_POOL) {
			di_close_fds(fds, nfds);
			di_error_set(err, DI_ERR_STATE, 0, "expected POOL, got %s",
				     di_msg_type_name(m.type));
			goto fail;
		}
		if (di_pool_add(pool, &m.pool, fds, err))
			return -1; /* the pool closed everything */
	}
	return 0;

fail:
	di_pool_close(pool);
	return -1;
}

void link_drop(struct consumer_link *l, const struct di_error *err)
{
	if (err->status != DI_ERR_PEER_CLOSED)
		di_send_error(l->sock, err);
	l->alive = false;
	l->faulty = true;
}

void link_close(struct consumer_link *l)
{
	if (l->sock >= 0)
		close(l->sock);
	l->sock = -1;
	l->alive = false;
}
