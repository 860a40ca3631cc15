// SPDX-License-Identifier: MIT
/* HELLO exchange, role and capability agreement, ERROR before dropping a peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmabuf-interop/fd-passing.h"
#include "dmabuf-interop/session.h"
#include "fd-fixtures.h"

static void send_hello(int sock, uint32_t role, uint32_t caps)
{
	struct di_msg m = {.type = DI_MSG_HELLO};

	m.hello =
	    (struct di_hello){.version = DI_PROTO_VERSION, .role = role, .capabilities = caps};
	assert_int_equal(di_send_msg(sock, &m, NULL, NULL), DI_OK);
}

static struct di_msg receive(int sock)
{
	struct di_recv_ctx ctx = {.fs_magic = 0};
	int fds[DI_FDS_PER_MSG];
	struct di_msg m;
	unsigned int n;

	assert_int_equal(di_recv_msg(sock, &ctx, &m, fds, &n, NULL), DI_OK);
	return m;
}

static void test_handshake_both_sides(void **state)
{
	struct di_hello peer;
	struct di_error err;
	uint32_t common;
	struct di_msg m;
	int sv[2];

	(void)state;
	test_socketpair(sv, 0);
	/* The consumer's answer is queued first so that one thread can play both sides. */
	send_hello(sv[1], DI_ROLE_CONSUMER, DI_CAP_FD_PER_FRAME | DI_CAP_DISPLAY_ALLOCATES);
	assert_int_equal(di_handshake(sv[0], DI_ROLE_PRODUCER, DI_CAP_FD_PER_FRAME | 0x100, &peer,
				      &common, &err),
			 DI_OK);
	assert_int_equal(peer.role, DI_ROLE_CONSUMER);
	assert_int_equal(common, DI_CAP_FD_PER_FRAME);

	/* The producer's HELLO is now waiting on the consumer's end. */
	assert_int_equal(
	    di_handshake(sv[1], DI_ROLE_CONSUMER, DI_CAP_DISPLAY_ALLOCATES, &peer, &common, &err),
	    DI_OK);
	assert_int_equal(peer.role, DI_ROLE_PRODUCER);
	assert_int_equal(peer.capabilities, DI_CAP_FD_PER_FRAME | 0x100);
	assert_int_equal(common, 0);
	m = receive(sv[0]);
	assert_int_equal(m.type, DI_MSG_HELLO);
	assert_int_equal(m.hello.role, DI_ROLE_CONSUMER);
	close(sv[0]);
	close(sv[1]);
}

static void test_handshake_refusals(void **state)
{
	struct di_hello peer;
	struct di_error err, sent;
	struct di_msg m;
	uint8_t raw[DI_MSG_MAX];
	size_t len;
	int sv[2], fd;

	(void)state;
	test_socketpair(sv, 0);
	send_hello(sv[1], DI_ROLE_PRODUCER, 0);
	expect_status(di_handshake(sv[0], DI_ROLE_PRODUCER, 0, &peer, NULL, &err), &err,
		      DI_ERR_STATE, "peer is a producer too; a producer needs a consumer");
	assert_int_equal(receive(sv[1]).type, DI_MSG_HELLO);

	m = (struct di_msg){.type = DI_MSG_BYE};
	assert_int_equal(di_send_msg(sv[1], &m, NULL, NULL), DI_OK);
	expect_status(di_handshake(sv[0], DI_ROLE_CONSUMER, 0, &peer, NULL, &err), &err,
		      DI_ERR_STATE, "expected HELLO, got BYE");

	di_error_set(&sent, DI_ERR_PEER_REFUSED, 0, "refused peer pid 1: it runs as uid 5");
	assert_int_equal(di_send_error(sv[1], &sent), DI_OK);
	expect_status(di_handshake(sv[0], DI_ROLE_CONSUMER, 0, &peer, NULL, &err), &err,
		      DI_ERR_REMOTE, "peer reported DI_ERR_PEER_REFUSED: refused peer pid 1");

	/* A POOL before HELLO: its fd is checked and closed (the teardown checks). */
	m = (struct di_msg){.type = DI_MSG_POOL, .pool = {.count = 1, .nfds = 1}};
	assert_int_equal(di_layout_init(&m.pool.layout, DI_FOURCC_XRGB8888, 64, 64, 1, NULL),
			 DI_OK);
	fd = test_memfd(di_layout_size(&m.pool.layout));
	assert_int_equal(di_send_msg(sv[1], &m, &fd, NULL), DI_OK);
	close(fd);
	expect_status(di_handshake(sv[0], DI_ROLE_CONSUMER, 0, &peer, NULL, &err), &err,
		      DI_ERR_NOT_DMABUF, "POOL buffer 0: fd");

	/* A peer speaking another version is refused by the decoder. */
	m = (struct di_msg){.type = DI_MSG_HELLO, .hello = {DI_PROTO_VERSION, DI_ROLE_PRODUCER}};
	assert_int_equal(di_msg_encode(&m, raw, sizeof(raw), &len, NULL), DI_OK);
	raw[16] = 2;
	assert_int_equal(di_send_packet(sv[1], raw, len, NULL, 0, NULL), DI_OK);
	expect_status(di_handshake(sv[0], DI_ROLE_CONSUMER, 0, &peer, NULL, &err), &err,
		      DI_ERR_VERSION, "HELLO announces protocol version 2");

	close(sv[1]);
	expect_status(di_handshake(sv[0], DI_ROLE_CONSUMER, 0, &peer, NULL, &err), &err,
		      DI_ERR_PEER_CLOSED, "peer closed");
	expect_status(di_handshake(sv[0], DI_ROLE_PRODUCER, 0, &peer, NULL, &err), &err,
		      DI_ERR_PEER_CLOSED, "sendmsg: peer closed");
	assert_int_equal(di_send_error(sv[0], &sent), DI_ERR_PEER_CLOSED);
	close(sv[0]);
}

/*
 * A listener that refuses us sends ERROR and closes, either with our HELLO
 * unread (AF_UNIX then reports ECONNRESET to our next receive ahead of the
 * queued ERROR) or before we sent it (sendmsg fails). Either way the
 * handshake names the refusal, not a bare "peer closed".
 */
static void test_handshake_refused_then_closed(void **state)
{
	struct di_hello peer;
	struct di_error err, sent;
	int sv[2];

	(void)state;
	di_error_set(&sent, DI_ERR_PEER_REFUSED, 0, "refused peer pid 1: it runs as uid 5");

	test_socketpair(sv, 0);
	send_hello(sv[0], DI_ROLE_PRODUCER, 0); /* left unread by the refusing side */
	assert_int_equal(di_send_error(sv[1], &sent), DI_OK);
	close(sv[1]);
	expect_status(di_handshake(sv[0], DI_ROLE_CONSUMER, 0, &peer, NULL, &err), &err,
		      DI_ERR_REMOTE, "peer reported DI_ERR_PEER_REFUSED: refused peer pid 1");
	close(sv[0]);

	test_socketpair(sv, 0);
	assert_int_equal(di_send_error(sv[1], &sent), DI_OK);
	close(sv[1]);
	expect_status(di_handshake(sv[0], DI_ROLE_PRODUCER, 0, &peer, NULL, &err), &err,
		      DI_ERR_REMOTE, "peer reported DI_ERR_PEER_REFUSED: refused peer pid 1");
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_handshake_both_sides),
	    TEST_WITH_FD_CHECK(test_handshake_refusals),
	    TEST_WITH_FD_CHECK(test_handshake_refused_then_closed),
	};

	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
