// SPDX-License-Identifier: MIT
/*
 * Writes one valid message of every type (and a POOL per format) into the
 * folder given as argument: the starting corpus of fuzz-decode, generated
 * from the encoder so that it always matches the current wire format.
 */
#include <stdio.h>
#include <string.h>

#include "dmabuf-interop/protocol.h"

static int write_seed(const char *dir, const char *name, const struct di_msg *m)
{
	uint8_t buf[DI_MSG_MAX];
	struct di_error err;
	char path[4096];
	size_t len;
	FILE *f;

	if (di_msg_encode(m, buf, sizeof(buf), &len, &err) != DI_OK) {
		fprintf(stderr, "fuzz-seeds: %s: %s\n", name, err.text);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
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
	bad |= write_seed(argv[1], "hello", &m);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		m = (struct di_msg){.type = DI_MSG_POOL};
		m.pool.count = 300;
		m.pool.first = 253;
		m.pool.nfds = 47;
		di_layout_init(&m.pool.layout, formats[i].fourcc, 640, 480, 64, NULL);
		bad |= write_seed(argv[1], formats[i].name, &m);
	}
	m.pool.flags = DI_POOL_FD_PER_FRAME;
	m.pool.first = 0;
	m.pool.nfds = 0;
	bad |= write_seed(argv[1], "pool-fd-per-frame", &m);
	m = (struct di_msg){.type = DI_MSG_FRAME, .frame = {3, DI_FRAME_FD, 1000, 123456789}};
	bad |= write_seed(argv[1], "frame-fd", &m);
	m.frame.flags = 0;
	bad |= write_seed(argv[1], "frame", &m);
	m = (struct di_msg){.type = DI_MSG_RELEASE, .release = {2, 999}};
	bad |= write_seed(argv[1], "release", &m);
	di_msg_error(&m, DI_ERR_NOT_DMABUF, "fd 7 is a pipe");
	bad |= write_seed(argv[1], "error", &m);
	m = (struct di_msg){.type = DI_MSG_BYE};
	bad |= write_seed(argv[1], "bye", &m);
	return bad;
}
