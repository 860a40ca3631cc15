// SPDX-License-Identifier: MIT
/*
 * Built outside the source tree against an installed dmabuf-interop, with
 * nothing but `pkg-config --cflags --libs dmabuf-interop`: it sends a HELLO
 * and a FRAME over a socketpair through the installed library and checks
 * that they come back field for field. Exit 0 when they do.
 */
#include <dmabuf-interop/fd-passing.h>
#include <dmabuf-interop/frame-stamp.h>
#include <dmabuf-interop/protocol.h>
#include <dmabuf-interop/status.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int roundtrip(int tx, int rx, const struct di_msg *sent, const struct di_recv_ctx *ctx)
{
	struct di_error err = {0};
	struct di_msg got;
	int fds[DI_FDS_PER_MSG];
	unsigned int nfds = 0;

	if (di_send_msg(tx, sent, NULL, &err) != DI_OK ||
	    di_recv_msg(rx, ctx, &got, fds, &nfds, &err) != DI_OK) {
		fprintf(stderr, "roundtrip: %s: %s\n", di_status_name(err.status), err.text);
		return 1;
	}
	if (got.type != sent->type || nfds != 0) {
		fprintf(stderr, "roundtrip: sent a %s, received a %s with %u fds\n",
			di_msg_type_name(sent->type), di_msg_type_name(got.type), nfds);
		return 1;
	}
	if (got.type == DI_MSG_HELLO && memcmp(&got.hello, &sent->hello, sizeof(got.hello)) != 0)
		goto differs;
	if (got.type == DI_MSG_FRAME && memcmp(&got.frame, &sent->frame, sizeof(got.frame)) != 0)
		goto differs;
	printf("roundtrip: %s came back unchanged\n", di_msg_type_name(got.type));
	return 0;
differs:
	fprintf(stderr, "roundtrip: the %s came back with other fields\n",
		di_msg_type_name(got.type));
	return 1;
}

int main(void)
{
	struct di_msg hello = {.type = DI_MSG_HELLO};
	struct di_msg frame = {.type = DI_MSG_FRAME};
	struct di_recv_ctx ctx = {.decode = {.pool_count = 4}};
	int sv[2];
	int rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		perror("roundtrip: socketpair");
		return 1;
	}
	hello.hello.version = DI_PROTO_VERSION;
	hello.hello.role = DI_ROLE_PRODUCER;
	hello.hello.capabilities = DI_CAP_EXPLICIT_SYNC;
	frame.frame.index = 3;
	frame.frame.seq = 0x123456789ull;
	frame.frame.timestamp_ns = 42;
	rc = roundtrip(sv[0], sv[1], &hello, &ctx) || roundtrip(sv[0], sv[1], &frame, &ctx);
	/* A header shared with the kernel modules is installed too. */
	if (!rc && FRAME_STAMP_MAGIC != 0x504d5453u)
		rc = 1;
	close(sv[0]);
	close(sv[1]);
	return rc;
}
