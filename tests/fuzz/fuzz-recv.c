// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the receive path with real fds: the input's first
 * byte says how many fds (memfds and a pipe) ride along, the second which
 * session state the receiver is in, the rest is the packet. Whatever
 * di_recv_msg() decides, no fd may stay open that the caller does not own:
 * after closing what it returned, the next fd number this process gets must
 * be the same as before the input (fds are allocated lowest first, so any
 * leak shows; measured per input because libFuzzer's symbolizer opens pipes
 * of its own between inputs).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dmabuf-interop/buffer-check.h"
#include "dmabuf-interop/fd-passing.h"

#define SPARE_FDS 6

struct fixture {
	int sv[2];
	int spare[SPARE_FDS]; /* 4 memfds of 16 KiB, 1 of 4 MiB, a pipe's read end */
	int pipe_w;
	struct di_layout layout;
};

static int next_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static struct fixture *setup(void)
{
	static struct fixture f;
	static int ready;
	int p[2], i;

	if (ready)
		return &f;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, f.sv) < 0 ||
	    pipe2(p, O_CLOEXEC) < 0)
		abort();
	for (i = 0; i < SPARE_FDS - 1; i++) {
		f.spare[i] = memfd_create("fuzz-buffer", MFD_CLOEXEC);
		if (f.spare[i] < 0 || ftruncate(f.spare[i], i == 4 ? 4 << 20 : 16384) < 0)
			abort();
	}
	f.spare[SPARE_FDS - 1] = p[0];
	f.pipe_w = p[1];
	if (di_layout_init(&f.layout, DI_FOURCC_XRGB8888, 64, 64, 1, NULL) != DI_OK)
		abort();
	ready = 1;
	return &f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fixture *f = setup();
	struct di_recv_ctx ctx = {.layout = &f->layout, .fs_magic = DI_FS_MAGIC_MEMFD};
	int send_fds[SPARE_FDS], fds[DI_FDS_PER_MSG];
	unsigned int nsend, i, n;
	struct di_msg msg;
	int before;

	if (size < 2 || size > 2 + 4 * DI_MSG_MAX)
		return 0;
	nsend = data[0] % (SPARE_FDS + 1);
	for (i = 0; i < nsend; i++)
		send_fds[i] = f->spare[(data[0] / 8 + i) % SPARE_FDS];
	ctx.decode.pool_count = data[1] & 1 ? 4 : 0;
	ctx.decode.fd_per_frame = data[1] & 2;
	if (data[1] & 4)
		ctx.fs_magic = DI_FS_MAGIC_DMABUF;
	before = next_fd();
	if (di_send_packet(f->sv[0], data + 2, size - 2, send_fds, nsend, NULL) != DI_OK)
		abort();
	if (di_recv_msg(f->sv[1], &ctx, &msg, fds, &n, NULL) == DI_OK) {
		if (n != di_msg_fd_count(&msg))
			abort();
		di_close_fds(fds, n);
	} else if (n != 0) {
		abort();
	}
	if (next_fd() != before)
		abort();
	return 0;
}
