// SPDX-License-Identifier: MIT
/*
 * Protocol encode/decode: round trips, the exact wire layout of
 * docs/protocol.md, and every rejection path of the strict decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dmabuf-interop/protocol.h"
#include "fd-fixtures.h"

static struct di_msg sample(enum di_msg_type type)
{
	struct di_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	switch (type) {
	case DI_MSG_HELLO:
		m.hello.version = DI_PROTO_VERSION;
		m.hello.role = DI_ROLE_PRODUCER;
		m.hello.capabilities = DI_CAP_FD_PER_FRAME | 0x80000000u;
		break;
	case DI_MSG_POOL:
		m.pool.count = 4;
		m.pool.nfds = 4;
		assert_int_equal(
		    di_layout_init(&m.pool.layout, DI_FOURCC_XRGB8888, 64, 48, 1, NULL), DI_OK);
		break;
	case DI_MSG_FRAME:
		m.frame.index = 3;
		m.frame.seq = 0x0102030405060708ull;
		m.frame.timestamp_ns = 0x1112131415161718ull;
		break;
	case DI_MSG_RELEASE:
		m.release.index = 2;
		m.release.seq = 77;
		break;
	case DI_MSG_ERROR:
		m.error.code = DI_ERR_INDEX;
		strcpy(m.error.text, "boom");
		break;
	case DI_MSG_BYE:
		break;
	}
	return m;
}

static struct di_msg sample_pool(uint32_t fourcc)
{
	struct di_msg m = sample(DI_MSG_POOL);

	assert_int_equal(di_layout_init(&m.pool.layout, fourcc, 64, 48, 1, NULL), DI_OK);
	return m;
}

static size_t encode(const struct di_msg *m, uint8_t *buf)
{
	struct di_error err;
	size_t len = 0;

	assert_int_equal(di_msg_encode(m, buf, DI_MSG_MAX, &len, &err), DI_OK);
	assert_int_equal(len, di_msg_size(m->type));
	return len;
}

static void put(uint8_t *p, int width, uint64_t v)
{
	int i;

	for (i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void expect_reject(const uint8_t *buf, size_t len, const struct di_decode_ctx *ctx,
			  enum di_status want, const char *text)
{
	struct di_error err;
	struct di_msg m;
	enum di_status st;

	di_error_clear(&err);
	st = di_msg_decode(buf, len, ctx, &m, &err);
	if (st != want || !strstr(err.text, text)) {
		print_error("got %s \"%s\", want %s \"...%s...\"\n", di_status_name(st), err.text,
			    di_status_name(want), text);
		fail();
	}
	assert_int_equal(err.status, want);
	assert_int_equal(m.type, 0); /* nothing half-decoded is left behind */
}

static void test_round_trip(void **state)
{
	static const uint32_t fourccs[] = {DI_FOURCC_XRGB8888, DI_FOURCC_ARGB8888, DI_FOURCC_NV12,
					   DI_FOURCC_YUYV};
	struct di_msg in[DI_MSG_BYE + 4], out;
	uint8_t buf[DI_MSG_MAX];
	struct di_error err;
	unsigned int i, n = 0;

	(void)state;
	for (i = DI_MSG_HELLO; i <= DI_MSG_BYE; i++)
		in[n++] = sample((enum di_msg_type)i);
	for (i = 0; i < 4; i++)
		in[n++] = sample_pool(fourccs[i]);
	in[n - 1].pool.flags = DI_POOL_FD_PER_FRAME;
	in[n - 1].pool.nfds = 0;
	for (i = 0; i < n; i++) {
		size_t len = encode(&in[i], buf);

		assert_int_equal(di_msg_decode(buf, len, NULL, &out, &err), DI_OK);
		assert_memory_equal(&in[i], &out, sizeof(out));
	}
}

/* The byte offsets docs/protocol.md promises. */
static void test_wire_layout(void **state)
{
	static const uint8_t frame[DI_FRAME_SIZE] = {
	    0x44, 0x4d, 0x42, 0x49, 0x01, 0x00, 0x03, 0x00, 0x28, 0x00, 0x00, 0x00, 0,	  0,
	    0,	  0,	0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x07, 0x06, 0x05,
	    0x04, 0x03, 0x02, 0x01, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
	};
	struct di_msg m = sample(DI_MSG_FRAME);
	uint8_t buf[DI_MSG_MAX];

	(void)state;
	m.frame.flags = DI_FRAME_FD;
	assert_int_equal(encode(&m, buf), sizeof(frame));
	assert_memory_equal(buf, frame, sizeof(frame));

	m = sample_pool(DI_FOURCC_NV12);
	m.pool.count = 300;
	m.pool.first = 253;
	m.pool.nfds = 47;
	encode(&m, buf);
	assert_memory_equal(buf + 16, "\x2c\x01\0\0\xfd\0\0\0\x2f\0\0\0\0\0\0\0NV12", 20);
	assert_memory_equal(buf + 36, "\x40\0\0\0\x30\0\0\0\x02\0\0\0", 12);
	assert_memory_equal(buf + 56, "\0\0\0\0\x40\0\0\0\0\x0c\0\0\x40\0\0\0", 16);

	m = sample(DI_MSG_RELEASE);
	encode(&m, buf);
	assert_memory_equal(buf + 16, "\x02\0\0\0\0\0\0\0\x4d\0\0\0\0\0\0\0", 16);
	m = sample(DI_MSG_ERROR);
	encode(&m, buf);
	assert_memory_equal(buf + 16, "\x07\0\0\0\0\0\0\0boom\0", 9);
	m = sample(DI_MSG_HELLO);
	encode(&m, buf);
	assert_memory_equal(buf + 16, "\x01\0\0\0\x01\0\0\0\x01\0\0\x80\0\0\0\0", 16);
}

struct patch {
	const char *what;
	struct di_msg (*base)(void);
	size_t offset;
	int width;
	uint64_t value;
	enum di_status status;
	const char *text;
};

static struct di_msg hello(void)
{
	return sample(DI_MSG_HELLO);
}
static struct di_msg pool_xrgb(void)
{
	return sample_pool(DI_FOURCC_XRGB8888);
}
static struct di_msg pool_nv12(void)
{
	return sample_pool(DI_FOURCC_NV12);
}
/* NV12M: 2 buffers of 2 fds, each plane at offset 0 of its own fd. */
static struct di_msg pool_nv12m(void)
{
	struct di_msg m = sample(DI_MSG_POOL);

	assert_int_equal(
	    di_layout_init_fd_per_plane(&m.pool.layout, DI_FOURCC_NV12, 64, 48, 1, NULL), DI_OK);
	m.pool.flags = DI_POOL_FD_PER_PLANE;
	return m;
}
/* The same, as one pool of exactly those 2 buffers. */
static struct di_msg pool_nv12m_pair(void)
{
	struct di_msg m = pool_nv12m();

	m.pool.count = 2;
	return m;
}
/* XRGB8888 sent the fd-per-plane way: a buffer of one plane, one fd. */
static struct di_msg pool_xrgbm(void)
{
	struct di_msg m = sample(DI_MSG_POOL);

	assert_int_equal(
	    di_layout_init_fd_per_plane(&m.pool.layout, DI_FOURCC_XRGB8888, 64, 48, 1, NULL),
	    DI_OK);
	m.pool.flags = DI_POOL_FD_PER_PLANE;
	return m;
}
static struct di_msg pool_yuyv(void)
{
	return sample_pool(DI_FOURCC_YUYV);
}
static struct di_msg frame(void)
{
	return sample(DI_MSG_FRAME);
}
static struct di_msg release(void)
{
	return sample(DI_MSG_RELEASE);
}
static struct di_msg error(void)
{
	return sample(DI_MSG_ERROR);
}

/* A pool of an fd per plane keeps that through encode and decode. */
static void test_pool_fd_per_plane(void **state)
{
	struct di_msg m = pool_nv12m(), back;
	uint8_t buf[DI_MSG_MAX];
	size_t len;

	(void)state;
	len = encode(&m, buf);
	assert_int_equal(buf[28], DI_POOL_FD_PER_PLANE);
	assert_int_equal(di_msg_decode(buf, len, NULL, &back, NULL), DI_OK);
	assert_true(back.pool.layout.fd_per_plane);
	assert_int_equal(back.pool.layout.offset[1], 0);
	assert_int_equal(di_msg_fd_count(&back), 4);
	/* The flag must say what the layout is. */
	m.pool.flags = 0;
	assert_int_equal(di_msg_encode(&m, buf, sizeof(buf), &len, NULL), DI_ERR_FIELD);
}

static const struct patch patches[] = {
    {"magic", frame, 0, 4, 0x12345678, DI_ERR_MAGIC, "bad magic 0x12345678"},
    {"magic byte", hello, 3, 1, 0x48, DI_ERR_MAGIC, "bad magic"},
    {"version 2", frame, 4, 2, 2, DI_ERR_VERSION, "protocol version 2, we speak 1"},
    {"version 0", frame, 4, 2, 0, DI_ERR_VERSION, "protocol version 0"},
    {"type 0", frame, 6, 2, 0, DI_ERR_TYPE, "unknown message type 0"},
    {"type 7", frame, 6, 2, 7, DI_ERR_TYPE, "unknown message type 7"},
    {"type 0xffff", frame, 6, 2, 0xffff, DI_ERR_TYPE, "unknown message type 65535"},
    {"header reserved", frame, 12, 4, 1, DI_ERR_FIELD, "header reserved field is 0x1"},
    {"hello version", hello, 16, 4, 2, DI_ERR_VERSION, "HELLO announces protocol version 2"},
    {"hello role 0", hello, 20, 4, 0, DI_ERR_FIELD, "HELLO role 0"},
    {"hello role 3", hello, 20, 4, 3, DI_ERR_FIELD, "HELLO role 3"},
    {"hello reserved", hello, 28, 4, 9, DI_ERR_FIELD, "HELLO reserved field is 0x9"},
    {"pool count 0", pool_xrgb, 16, 4, 0, DI_ERR_COUNT, "POOL count 0 outside 1..1024"},
    {"pool count 1025", pool_xrgb, 16, 4, 1025, DI_ERR_COUNT, "POOL count 1025"},
    {"pool count max", pool_xrgb, 16, 4, 0xffffffff, DI_ERR_COUNT, "count 4294967295"},
    {"pool first", pool_xrgb, 20, 4, 4, DI_ERR_INDEX, "starts at buffer 4 of a pool of 4"},
    {"pool nfds 254", pool_xrgb, 24, 4, 254, DI_ERR_COUNT, "declares 254 fds, at most 253"},
    {"pool nfds 5", pool_xrgb, 24, 4, 5, DI_ERR_COUNT, "beyond the pool of 4"},
    {"pool nfds 0", pool_xrgb, 24, 4, 0, DI_ERR_FIELD, "POOL part carries no fds"},
    {"pool flags", pool_xrgb, 28, 4, 4, DI_ERR_FIELD, "POOL has unknown flags 0x4"},
    {"pool fd-per-plane and fd-per-frame", pool_xrgb, 28, 4, 3, DI_ERR_FIELD,
     "fd-per-plane and fd-per-frame together"},
    {"nv12m half a buffer", pool_nv12m, 24, 4, 3, DI_ERR_COUNT,
     "not a whole number of buffers of 2 fds"},
    {"nv12m beyond", pool_nv12m, 24, 4, 10, DI_ERR_COUNT, "beyond the pool of 4"},
    {"nv12m as one fd", pool_nv12m, 28, 4, 0, DI_ERR_LAYOUT,
     "plane 1 at offset 0 overlaps the previous plane"},
    /*
     * With an fd per plane the plane count is also the fds per buffer: a
     * count the format does not have is named, not the fd arithmetic.
     */
    {"nv12m one plane", pool_nv12m, 44, 4, 1, DI_ERR_LAYOUT,
     "POOL layout: NV12 has 2 plane(s), layout declares 1"},
    {"nv12m one plane, 2 fds a buffer", pool_nv12m_pair, 44, 4, 1, DI_ERR_LAYOUT,
     "POOL layout: NV12 has 2 plane(s), layout declares 1"},
    {"nv12m three planes", pool_nv12m, 44, 4, 3, DI_ERR_LAYOUT,
     "POOL layout: NV12 has 2 plane(s), layout declares 3"},
    {"nv12m five planes", pool_nv12m, 44, 4, 5, DI_ERR_LAYOUT, "layout declares 5"},
    {"xrgbm two planes", pool_xrgbm, 44, 4, 2, DI_ERR_LAYOUT,
     "POOL layout: XRGB8888 has 1 plane(s), layout declares 2"},
    {"pool fd-per-frame with fds", pool_xrgb, 28, 4, 1, DI_ERR_FIELD,
     "fd-per-frame mode carries fds"},
    {"pool fourcc", pool_xrgb, 32, 4, 0x44434241, DI_ERR_FIELD, "unknown pixel format 'ABCD'"},
    {"pool width 0", pool_xrgb, 36, 4, 0, DI_ERR_FIELD, "size 0x48 outside"},
    {"pool width", pool_xrgb, 36, 4, 16385, DI_ERR_FIELD, "size 16385x48"},
    {"pool height 0", pool_xrgb, 40, 4, 0, DI_ERR_FIELD, "size 64x0"},
    {"pool planes", pool_xrgb, 44, 4, 2, DI_ERR_LAYOUT, "has 1 plane(s), layout declares 2"},
    {"pool modifier", pool_xrgb, 48, 8, 0x0100000000000001ull, DI_ERR_FIELD,
     "modifier 0x0100000000000001"},
    {"pool pitch", pool_xrgb, 60, 4, 255, DI_ERR_LAYOUT,
     "plane 0 pitch 255 is smaller than a row of 256"},
    {"pool unused offset", pool_xrgb, 64, 4, 5, DI_ERR_FIELD, "unused plane 1 has offset 5"},
    {"pool unused pitch", pool_xrgb, 84, 4, 1, DI_ERR_FIELD, "unused plane 3"},
    {"nv12 odd width", pool_nv12, 36, 4, 63, DI_ERR_LAYOUT, "multiple of 2"},
    {"nv12 odd height", pool_nv12, 40, 4, 47, DI_ERR_LAYOUT, "got 64x47"},
    {"nv12 one plane", pool_nv12, 44, 4, 1, DI_ERR_LAYOUT, "NV12 has 2 plane(s)"},
    {"nv12 overlap", pool_nv12, 64, 4, 3071, DI_ERR_LAYOUT,
     "plane 1 at offset 3071 overlaps the previous plane, which ends at 3072"},
    {"nv12 chroma pitch", pool_nv12, 68, 4, 62, DI_ERR_LAYOUT, "plane 1 pitch 62"},
    {"yuyv odd width", pool_yuyv, 36, 4, 63, DI_ERR_LAYOUT, "YUYV needs width a multiple"},
    {"frame flags", frame, 20, 4, 4, DI_ERR_FIELD, "FRAME has unknown flags 0x4"},
    {"frame flags high", frame, 20, 4, 0x80000001u, DI_ERR_FIELD, "flags 0x80000000"},
    {"frame index", frame, 16, 4, 1024, DI_ERR_INDEX, "FRAME buffer index 1024 beyond 1023"},
    {"release index", release, 16, 4, 5000, DI_ERR_INDEX, "RELEASE buffer index 5000"},
    {"release flags", release, 20, 4, 4, DI_ERR_FIELD, "RELEASE has unknown flags 0x4"},
    {"release skipped with a fence", release, 20, 4, 3, DI_ERR_FIELD,
     "SKIPPED (never shown) yet carries a release fence"},
    {"error code 0", error, 16, 4, 0, DI_ERR_FIELD, "ERROR carries code 0"},
    {"error code 99", error, 16, 4, 99, DI_ERR_FIELD, "ERROR carries code 99"},
    {"error reserved", error, 20, 4, 1, DI_ERR_FIELD, "ERROR reserved field"},
    {"error control char", error, 26, 1, 7, DI_ERR_FIELD, "non-printable byte 0x07 at 2"},
    {"error high byte", error, 24, 1, 0xc3, DI_ERR_FIELD, "non-printable byte 0xc3 at 0"},
    {"error padding", error, 24 + 100, 1, 'x', DI_ERR_FIELD, "padding has a non-zero byte"},
};

static void test_rejects_bad_fields(void **state)
{
	uint8_t buf[DI_MSG_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
		struct di_msg m = patches[i].base();
		size_t len = encode(&m, buf);

		print_message("  %s\n", patches[i].what);
		put(buf + patches[i].offset, patches[i].width, patches[i].value);
		expect_reject(buf, len, NULL, patches[i].status, patches[i].text);
	}
}

static void test_rejects_bad_lengths(void **state)
{
	uint8_t buf[DI_MSG_MAX + 16];
	struct di_msg m = sample(DI_MSG_FRAME);
	size_t len = encode(&m, buf);

	(void)state;
	expect_reject(buf, 0, NULL, DI_ERR_SHORT, "message of 0 bytes is shorter than the 16-byte");
	expect_reject(buf, 15, NULL, DI_ERR_SHORT, "message of 15 bytes");
	expect_reject(buf, 30, NULL, DI_ERR_SHORT, "FRAME truncated: header says 40 bytes, 30 arr");
	memset(buf + len, 0, 8);
	expect_reject(buf, len + 8, NULL, DI_ERR_LENGTH, "FRAME: header says 40 bytes but 48");
	put(buf + 8, 4, 48);
	expect_reject(buf, 48, NULL, DI_ERR_LENGTH, "FRAME is 40 bytes, header says 48");
	put(buf + 8, 4, 32);
	expect_reject(buf, 32, NULL, DI_ERR_SHORT, "FRAME is 40 bytes, header says 32");
	put(buf + 8, 4, 0xffffffff);
	expect_reject(buf, 40, NULL, DI_ERR_SHORT, "header says 4294967295 bytes");

	m = sample(DI_MSG_BYE);
	len = encode(&m, buf);
	assert_int_equal(len, DI_BYE_SIZE);
	put(buf + 8, 4, 20);
	expect_reject(buf, 20, NULL, DI_ERR_LENGTH, "BYE is 16 bytes, header says 20");

	m = sample(DI_MSG_ERROR);
	len = encode(&m, buf);
	memset(buf + 24, 'a', DI_ERROR_MSG_TEXT);
	expect_reject(buf, len, NULL, DI_ERR_FIELD, "ERROR text is not NUL-terminated");
}

static void test_rejects_out_of_context(void **state)
{
	struct di_decode_ctx none = {0}, four = {.pool_count = 4},
			     per_frame = {.pool_count = 4, .fd_per_frame = true};
	uint8_t buf[DI_MSG_MAX];
	struct di_msg m = sample(DI_MSG_FRAME), out;
	size_t len;

	(void)state;
	len = encode(&m, buf); /* index 3 */
	assert_int_equal(di_msg_decode(buf, len, &four, &out, NULL), DI_OK);
	expect_reject(buf, len, &none, DI_ERR_STATE, "FRAME for buffer 3 before any POOL");
	expect_reject(buf, len, &per_frame, DI_ERR_FIELD,
		      "FRAME 3 without its fd in fd-per-frame mode");
	put(buf + 16, 4, 4);
	expect_reject(buf, len, &four, DI_ERR_INDEX,
		      "FRAME buffer index 4 out of range (pool of 4)");

	m.frame.flags = DI_FRAME_FD;
	len = encode(&m, buf);
	assert_int_equal(di_msg_decode(buf, len, &per_frame, &out, NULL), DI_OK);
	expect_reject(buf, len, &four, DI_ERR_FIELD,
		      "FRAME 3 carries an fd but the pool sent them");

	m = sample(DI_MSG_RELEASE);
	len = encode(&m, buf);
	assert_int_equal(di_msg_decode(buf, len, &four, &out, NULL), DI_OK);
	expect_reject(buf, len, &none, DI_ERR_STATE, "RELEASE for buffer 2 before any POOL");
	put(buf + 16, 4, 9);
	expect_reject(buf, len, &four, DI_ERR_INDEX, "RELEASE buffer index 9 out of range");

	/* Fences only where both agreed to explicit sync; they count as fds. */
	{
		struct di_decode_ctx sync = {.pool_count = 4, .explicit_sync = true};

		m = sample(DI_MSG_FRAME);
		m.frame.flags = DI_FRAME_FENCE;
		assert_int_equal(di_msg_fd_count(&m), 1);
		len = encode(&m, buf);
		assert_int_equal(di_msg_decode(buf, len, &sync, &out, NULL), DI_OK);
		expect_reject(buf, len, &four, DI_ERR_FIELD,
			      "FRAME 3 carries a fence but explicit sync was not agreed");
		m.frame.flags = DI_FRAME_FD | DI_FRAME_FENCE;
		assert_int_equal(di_msg_fd_count(&m), 2);
		m = sample(DI_MSG_RELEASE);
		m.release.flags = DI_RELEASE_FENCE;
		assert_int_equal(di_msg_fd_count(&m), 1);
		len = encode(&m, buf);
		assert_int_equal(di_msg_decode(buf, len, &sync, &out, NULL), DI_OK);
		expect_reject(buf, len, &four, DI_ERR_FIELD,
			      "RELEASE 2 carries a fence but explicit sync was not agreed");
	}

	/* Messages without an index do not depend on the context. */
	m = sample(DI_MSG_HELLO);
	len = encode(&m, buf);
	assert_int_equal(di_msg_decode(buf, len, &none, &out, NULL), DI_OK);
}

/*
 * The encoding is canonical: every single-byte change of a valid message is
 * either rejected or decodes to a message that encodes back to the same bytes.
 */
static void test_every_byte_mutation(void **state)
{
	static const uint8_t values[] = {0x00, 0x01, 0x02, 0x07, 0x20, 0x7f, 0x80, 0xfd, 0xff};
	uint8_t buf[DI_MSG_MAX], again[DI_MSG_MAX];
	unsigned int type, accepted = 0, rejected = 0;

	(void)state;
	for (type = DI_MSG_HELLO; type <= DI_MSG_BYE; type++) {
		struct di_msg m = type == DI_MSG_POOL ? sample_pool(DI_FOURCC_NV12)
						      : sample((enum di_msg_type)type);
		size_t len = encode(&m, buf), pos, v;

		for (pos = 0; pos < len; pos++) {
			uint8_t orig = buf[pos];

			for (v = 0; v < sizeof(values); v++) {
				struct di_msg out;
				size_t len2;

				buf[pos] = values[v];
				if (di_msg_decode(buf, len, NULL, &out, NULL) != DI_OK) {
					rejected++;
					continue;
				}
				accepted++;
				assert_int_equal(
				    di_msg_encode(&out, again, sizeof(again), &len2, NULL), DI_OK);
				assert_int_equal(len2, len);
				assert_memory_equal(again, buf, len);
			}
			buf[pos] = orig;
		}
	}
	assert_true(accepted > 100);
	assert_true(rejected > 1000);
}

static void test_encode_refuses_invalid(void **state)
{
	uint8_t buf[DI_MSG_MAX];
	struct di_msg m = sample(DI_MSG_POOL);
	struct di_error err;
	size_t len = 123;

	(void)state;
	m.pool.count = 0;
	assert_int_equal(di_msg_encode(&m, buf, sizeof(buf), &len, &err), DI_ERR_COUNT);
	assert_int_equal(len, 123);
	m = sample(DI_MSG_POOL);
	assert_int_equal(di_msg_encode(&m, buf, DI_POOL_SIZE - 1, &len, &err), DI_ERR_LENGTH);
	assert_non_null(strstr(err.text, "POOL needs 88 bytes, buffer has 87"));
	m.type = 42;
	assert_int_equal(di_msg_encode(&m, buf, sizeof(buf), &len, &err), DI_ERR_TYPE);
	m = sample(DI_MSG_ERROR);
	m.error.code = DI_OK;
	assert_int_equal(di_msg_encode(&m, buf, sizeof(buf), &len, &err), DI_ERR_FIELD);
}

static void test_error_message_text(void **state)
{
	char longtext[300];
	uint8_t buf[DI_MSG_MAX];
	struct di_msg m, out;
	size_t len;

	(void)state;
	di_msg_error(&m, DI_ERR_NOT_DMABUF, "fd 7 is a pipe\n\tbad");
	assert_int_equal(m.type, DI_MSG_ERROR);
	assert_int_equal(m.error.code, DI_ERR_NOT_DMABUF);
	assert_string_equal(m.error.text, "fd 7 is a pipe??bad");
	len = encode(&m, buf);
	assert_int_equal(di_msg_decode(buf, len, NULL, &out, NULL), DI_OK);
	assert_string_equal(out.error.text, m.error.text);

	memset(longtext, 'z', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	di_msg_error(&m, DI_OK, longtext);
	assert_int_equal(m.error.code, DI_ERR_REMOTE);
	assert_int_equal(strlen(m.error.text), DI_ERROR_MSG_TEXT - 1);
	encode(&m, buf);
}

static void test_status_names(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i <= DI_STATUS_MAX; i++) {
		assert_string_not_equal(di_status_name(i), "DI_ERR_?");
		for (j = 0; j < i; j++)
			assert_string_not_equal(di_status_name(i), di_status_name(j));
	}
	assert_string_equal(di_status_name(DI_STATUS_MAX + 1), "DI_ERR_?");
	assert_string_equal(di_msg_type_name(DI_MSG_RELEASE), "RELEASE");
	assert_string_equal(di_msg_type_name(0), "unknown");
	assert_int_equal(di_msg_size(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_round_trip),
	    TEST_WITH_FD_CHECK(test_wire_layout),
	    TEST_WITH_FD_CHECK(test_pool_fd_per_plane),
	    TEST_WITH_FD_CHECK(test_rejects_bad_fields),
	    TEST_WITH_FD_CHECK(test_rejects_bad_lengths),
	    TEST_WITH_FD_CHECK(test_rejects_out_of_context),
	    TEST_WITH_FD_CHECK(test_every_byte_mutation),
	    TEST_WITH_FD_CHECK(test_encode_refuses_invalid),
	    TEST_WITH_FD_CHECK(test_error_message_text),
	    TEST_WITH_FD_CHECK(test_status_names),
	};

	return cmocka_run_group_tests_name("protocol", tests, NULL, NULL);
}
