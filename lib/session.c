// SPDX-License-Identifier: MIT
/* HELLO exchange and ERROR before dropping a peer (session.h). */
#include <string.h>

#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/session.h"

static const char *role_name(uint32_t role)
{
	return role == DI_ROLE_PRODUCER ? "producer" : "consumer";
}

/*
 * A peer that refuses us sends ERROR and closes: before our HELLO went out
 * (our sendmsg fails with EPIPE) or with it unread (AF_UNIX then reports
 * ECONNRESET to our receive ahead of the queued ERROR). One receive finds
 * the ERROR (it cannot block, the peer is gone) so that the caller learns
 * why rather than a bare "peer closed" (closed).
 */
static enum di_status queued_error(int sock, enum di_status closed, struct di_error *err)
{
	struct di_recv_ctx ctx = {.fs_magic = DI_FS_MAGIC_DMABUF};
	int fds[DI_FDS_PER_MSG];
	struct di_error again;
	struct di_msg msg;
	unsigned int nfds;

	if (di_recv_msg(sock, &ctx, &msg, fds, &nfds, &again) != DI_OK)
		return closed;
	di_close_fds(fds, nfds);
	return msg.type == DI_MSG_ERROR ? di_remote_error(&msg, err) : closed;
}

enum di_status di_hello_check(const struct di_msg *msg, enum di_role role, struct di_hello *peer,
			      struct di_error *err)
{
	if (msg->type == DI_MSG_ERROR)
		return di_remote_error(msg, err);
	if (msg->type != DI_MSG_HELLO)
		return di_error_set(err, DI_ERR_STATE, 0, "expected HELLO, got %s",
				    di_msg_type_name(msg->type));
	if (msg->hello.role == role)
		return di_error_set(
		    err, DI_ERR_STATE, 0, "peer is a %s too; a %s needs a %s on the other end",
		    role_name(role), role_name(role),
		    role_name(role == DI_ROLE_PRODUCER ? DI_ROLE_CONSUMER : DI_ROLE_PRODUCER));
	*peer = msg->hello;
	return DI_OK;
}

enum di_status di_hello_send(int sock, enum di_role role, uint32_t capabilities,
			     struct di_error *err)
{
	struct di_msg hello = {.type = DI_MSG_HELLO};

	hello.hello.version = DI_PROTO_VERSION;
	hello.hello.role = role;
	hello.hello.capabilities = capabilities;
	return di_send_msg(sock, &hello, NULL, err);
}

static enum di_status receive_hello(int sock, enum di_role role, struct di_hello *peer,
				    struct di_error *err)
{
	struct di_recv_ctx ctx = {.fs_magic = DI_FS_MAGIC_DMABUF};
	int fds[DI_FDS_PER_MSG];
	struct di_msg msg;
	unsigned int nfds;
	enum di_status st;

	st = di_recv_msg(sock, &ctx, &msg, fds, &nfds, err);
	if (st != DI_OK)
		return st;
	/* Only a message refused below can carry fds: they go now. */
	di_close_fds(fds, nfds);
	return di_hello_check(&msg, role, peer, err);
}

enum di_status di_handshake(int sock, enum di_role role, uint32_t capabilities,
			    struct di_hello *peer, uint32_t *common, struct di_error *err)
{
	enum di_status st;

	if (role == DI_ROLE_PRODUCER) {
		st = di_hello_send(sock, role, capabilities, err);
		if (st == DI_OK)
			st = receive_hello(sock, role, peer, err);
	} else {
		st = receive_hello(sock, role, peer, err);
		if (st == DI_OK)
			st = di_hello_send(sock, role, capabilities, err);
	}
	if (st == DI_ERR_PEER_CLOSED)
		return queued_error(sock, st, err);
	if (st == DI_OK && common)
		*common = capabilities & peer->capabilities;
	return st;
}

enum di_status di_send_error(int sock, const struct di_error *err)
{
	struct di_msg msg;

	di_msg_error(&msg, err->status, err->text);
	return di_send_msg(sock, &msg, NULL, NULL);
}

enum di_status di_remote_error(const struct di_msg *msg, struct di_error *err)
{
	return di_error_set(err, DI_ERR_REMOTE, 0, "peer reported %s: %s",
			    di_status_name(msg->error.code), msg->error.text);
}

static const char *const sync_names[] = {"protocol", "implicit", "explicit", "auto"};

const char *di_sync_name(enum di_sync_mode mode)
{
	return (unsigned)mode < 4 ? sync_names[mode] : "?";
}

int di_sync_parse(const char *arg, enum di_sync_mode *mode)
{
	for (unsigned int i = 0; i < 4; i++) {
		if (!strcmp(arg, sync_names[i])) {
			*mode = (enum di_sync_mode)i;
			return 0;
		}
	}
	return -1;
}

uint32_t di_sync_caps(enum di_sync_mode requested)
{
	switch (requested) {
	case DI_SYNC_PROTOCOL:
		return 0;
	case DI_SYNC_IMPLICIT:
		return DI_CAP_IMPLICIT_SYNC;
	case DI_SYNC_EXPLICIT:
		return DI_CAP_EXPLICIT_SYNC;
	case DI_SYNC_AUTO:
		break;
	}
	return DI_CAP_IMPLICIT_SYNC | DI_CAP_EXPLICIT_SYNC;
}

enum di_sync_mode di_sync_agreed(uint32_t common)
{
	if (common & DI_CAP_EXPLICIT_SYNC)
		return DI_SYNC_EXPLICIT;
	if (common & DI_CAP_IMPLICIT_SYNC)
		return DI_SYNC_IMPLICIT;
	return DI_SYNC_PROTOCOL;
}
