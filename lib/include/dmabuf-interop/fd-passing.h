/* SPDX-License-Identifier: MIT */
/*
 * Moving messages and buffer fds over the SOCK_SEQPACKET connection.
 *
 * One packet is one message. The packet layer (di_send_packet,
 * di_recv_packet) handles what the kernel can do to fds on the way:
 * EINTR is retried, fds that do not fit the receiver's control buffer or its
 * RLIMIT_NOFILE are dropped by the kernel and flagged with MSG_CTRUNC, which
 * is reported (DI_ERR_CTRUNC) after closing every fd that did arrive. Received
 * fds are close-on-exec (MSG_CMSG_CLOEXEC). Whatever a function returns, an
 * fd it received is either handed to the caller (DI_OK) or closed.
 *
 * The message layer (di_send_msg, di_recv_msg) adds encoding, strict
 * decoding, and the rule that a message carries exactly the fds it declares,
 * each checked with di_check_buffer_fd() or, for fences, di_check_fence_fd().
 */
#ifndef DMABUF_INTEROP_FD_PASSING_H
#define DMABUF_INTEROP_FD_PASSING_H

#include <stddef.h>

#include "dmabuf-interop/protocol.h"

/*
 * Sends one packet of len bytes with nfds fds (at most DI_FDS_PER_MSG).
 * Never raises SIGPIPE: a closed peer is DI_ERR_PEER_CLOSED.
 */
enum di_status di_send_packet(int sock, const void *buf, size_t len, const int *fds,
			      unsigned int nfds, struct di_error *err);

/*
 * Receives one packet into buf (cap bytes) and at most max_fds fds (at most
 * DI_FDS_PER_MSG) into fds[]. *len and *nfds are set on DI_OK and zero
 * otherwise. A packet larger than cap is DI_ERR_LENGTH, more fds than
 * max_fds DI_ERR_CTRUNC, end of stream DI_ERR_PEER_CLOSED, nothing to read
 * on a non-blocking socket DI_ERR_AGAIN.
 */
enum di_status di_recv_packet(int sock, void *buf, size_t cap, size_t *len, int *fds,
			      unsigned int max_fds, unsigned int *nfds, struct di_error *err);

/* Encodes msg and sends it with its di_msg_fd_count(msg) fds from fds[]. */
enum di_status di_send_msg(int sock, const struct di_msg *msg, const int *fds,
			   struct di_error *err);

/*
 * What the receiver checks a message against: the session state for
 * decoding, the pool's layout for fds that come with FRAMEs, and the
 * filesystem the fds must be on (DI_FS_MAGIC_DMABUF outside tests).
 */
struct di_recv_ctx {
	struct di_decode_ctx decode;
	const struct di_layout *layout; /* the pool's; needed once a pool exists */
	uint32_t fs_magic;
};

/*
 * Receives, decodes and checks one message. fds[] must hold DI_FDS_PER_MSG
 * entries; on DI_OK fds[0..*nfds) are the message's fds (POOL: buffers
 * first.., FRAME with DI_FRAME_FD: its buffer, then with DI_FRAME_FENCE its
 * acquire fence; RELEASE with DI_RELEASE_FENCE: its release fence), owned
 * by the caller: buffers on the right filesystem and large enough for the
 * layout, fences sync_files (di_check_fence_fd()). On any failure no fd
 * is left open. An ERROR message is returned as a message (DI_OK).
 */
enum di_status di_recv_msg(int sock, const struct di_recv_ctx *ctx, struct di_msg *msg, int *fds,
			   unsigned int *nfds, struct di_error *err);

/* Closes fds[0..n) and sets them to -1. */
void di_close_fds(int *fds, unsigned int n);

#endif /* DMABUF_INTEROP_FD_PASSING_H */
