// SPDX-License-Identifier: MIT
/*
 * Writes the starting corpora, generated from the encoder so that they
 * always match the current wire format: DIR/decode gets one valid message
 * of every type (and a POOL per format) for fuzz-decode; DIR/recv gets the
 * same messages behind fuzz-recv's two control bytes (fds to attach,
 * session state), with pools small enough for its spare fds.
 */
#include <stdio.h>
#include <string.h>

#include "dmabuf-interop/protocol.h"

static int write_file(const char *dir, const char *sub, const char *name, const uint8_t *buf,
		      size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

/* Writes m as a decode seed and, behind the control bytes c0 c1, as a recv seed. */
static int write_seed(const char *dir, const char *name, const struct di_msg *m, uint8_t c0,
		      uint8_t c1)
{
	uint8_t buf[2 + DI_MSG_MAX];
	struct di_error err;
	size_t len;

	if (di_msg_encode(m, buf + 2, sizeof(buf) - 2, &len, &err) != DI_OK) {
		fprintf(stderr, "fuzz-seeds: %s: %s\n", name, err.text);
		return 1;
	}
	buf[0] = c0;
	buf[1] = c1;
	return write_file(dir, "decode", name, buf + 2, len) |
	       write_file(dir, "recv", name, buf, len + 2);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint32_t fourcc;
	} formats[] = {{"pool-xrgb", DI_FOURCC_XRGB8888},
		       {"pool-argb", DI_FOURCC_ARGB8888},
		       {"pool-nv12", DI_FOURCC_NV12},
		       {"pool-yuyv", DI_FOURCC_YUYV}};
	struct di_msg m;
	int bad = 0;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds DIR\n");
		return 2;
	}
	m = (struct di_msg){.type = DI_MSG_HELLO,
			    .hello = {DI_PROTO_VERSION, DI_ROLE_CONSUMER, DI_CAP_FD_PER_FRAME}};
	bad |= write_seed(argv[1], "hello", &m, 0, 0);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		m = (struct di_msg){.type = DI_MSG_POOL};
		m.pool.count = 4;
		m.pool.nfds = 4;
		di_layout_init(&m.pool.layout, formats[i].fourcc, 64, 48, 64, NULL);
		bad |= write_seed(argv[1], formats[i].name, &m, 4, 0);
	}
	/* The last part of a pool too large for one message. */
	m.pool.count = 300;
	m.pool.first = 253;
	m.pool.nfds = 47;
	bad |= write_seed(argv[1], "pool-part", &m, 0, 0);
	m.pool.count = 4;
	m.pool.flags = DI_POOL_FD_PER_FRAME;
	m.pool.first = 0;
	m.pool.nfds = 0;
	bad |= write_seed(argv[1], "pool-fd-per-frame", &m, 0, 0);
	m = (struct di_msg){.type = DI_MSG_FRAME, .frame = {3, DI_FRAME_FD, 1000, 123456789}};
	bad |= write_seed(argv[1], "frame-fd", &m, 1, 3);
	m.frame.flags = 0;
	bad |= write_seed(argv[1], "frame", &m, 0, 1);
	m = (struct di_msg){.type = DI_MSG_RELEASE, .release = {2, 999}};
	bad |= write_seed(argv[1], "release", &m, 0, 1);
	di_msg_error(&m, DI_ERR_NOT_DMABUF, "fd 7 is a pipe");
	bad |= write_seed(argv[1], "error", &m, 0, 0);
	m = (struct di_msg){.type = DI_MSG_BYE};
	bad |= write_seed(argv[1], "bye", &m, 2, 0);
	return bad;
}
