// SPDX-License-Identifier: MIT
/*
 * Encoding and strict decoding of protocol messages (protocol.h). The wire
 * form is written byte by byte in little-endian order, so it does not depend
 * on the host's struct padding or endianness.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <string.h>

#include "dmabuf-interop/protocol.h"

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	put_u16(p, (uint16_t)v);
	put_u16(p + 2, (uint16_t)(v >> 16));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return get_u16(p) | (uint32_t)get_u16(p + 2) << 16;
}

static uint64_t get_u64(const uint8_t *p)
{
	return get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

const char *di_msg_type_name(uint32_t type)
{
	switch (type) {
	case DI_MSG_HELLO:
		return "HELLO";
	case DI_MSG_POOL:
		return "POOL";
	case DI_MSG_FRAME:
		return "FRAME";
	case DI_MSG_RELEASE:
		return "RELEASE";
	case DI_MSG_ERROR:
		return "ERROR";
	case DI_MSG_BYE:
		return "BYE";
	}
	return "unknown";
}

size_t di_msg_size(uint32_t type)
{
	switch (type) {
	case DI_MSG_HELLO:
		return DI_HELLO_SIZE;
	case DI_MSG_POOL:
		return DI_POOL_SIZE;
	case DI_MSG_FRAME:
		return DI_FRAME_SIZE;
	case DI_MSG_RELEASE:
		return DI_RELEASE_SIZE;
	case DI_MSG_ERROR:
		return DI_ERROR_SIZE;
	case DI_MSG_BYE:
		return DI_BYE_SIZE;
	}
	return 0;
}

unsigned int di_msg_fd_count(const struct di_msg *msg)
{
	if (msg->type == DI_MSG_POOL)
		return msg->pool.nfds;
	if (msg->type == DI_MSG_FRAME)
		return !!(msg->frame.flags & DI_FRAME_FD) + !!(msg->frame.flags & DI_FRAME_FENCE);
	if (msg->type == DI_MSG_RELEASE)
		return !!(msg->release.flags & DI_RELEASE_FENCE);
	return 0;
}

/* Rules every message of a type obeys, whoever sends it. */

static enum di_status check_hello(const struct di_hello *h, struct di_error *err)
{
	if (h->version != DI_PROTO_VERSION)
		return di_error_set(err, DI_ERR_VERSION, 0,
				    "HELLO announces protocol version %u, we speak %u", h->version,
				    DI_PROTO_VERSION);
	if (h->role != DI_ROLE_PRODUCER && h->role != DI_ROLE_CONSUMER)
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "HELLO role %u is neither producer (1) nor consumer (2)",
				    h->role);
	return DI_OK;
}

/* di_layout_check() of a POOL's layout, its text prefixed with "POOL layout: ". */
static enum di_status check_pool_layout(const struct di_layout *l, struct di_error *err)
{
	enum di_status st = di_layout_check(l, err);
	char text[DI_ERROR_TEXT_MAX];

	if (st != DI_OK && err) {
		memcpy(text, err->text, sizeof(text));
		di_error_set(err, st, 0, "POOL layout: %s", text);
	}
	return st;
}

/*
 * With an fd per plane, num_planes is also how many fds a buffer has: a plane
 * count the format does not have must be named as such, or the fd counts
 * that follow from it would be blamed instead ("not a whole number of
 * buffers", "beyond the pool").
 */
static bool plane_count_wrong(const struct di_pool_msg *p)
{
	const struct di_format_info *info = di_format_lookup(p->layout.fourcc);

	return p->layout.fd_per_plane && info && p->layout.num_planes != info->num_planes;
}

static enum di_status check_pool(const struct di_pool_msg *p, struct di_error *err)
{
	uint32_t per;

	if (p->count < 1 || p->count > DI_POOL_MAX)
		return di_error_set(err, DI_ERR_COUNT, 0, "POOL count %u outside 1..%u", p->count,
				    DI_POOL_MAX);
	if (p->flags & ~DI_POOL_FLAGS_ALL)
		return di_error_set(err, DI_ERR_FIELD, 0, "POOL has unknown flags 0x%x",
				    p->flags & ~DI_POOL_FLAGS_ALL);
	if (!(p->flags & DI_POOL_FD_PER_PLANE) != !p->layout.fd_per_plane)
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "POOL flag fd-per-plane %s but the layout has %s",
				    p->flags & DI_POOL_FD_PER_PLANE ? "set" : "clear",
				    p->layout.fd_per_plane ? "an fd per plane" : "one fd");
	if ((p->flags & DI_POOL_FD_PER_PLANE) && (p->flags & DI_POOL_FD_PER_FRAME))
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "POOL flags fd-per-plane and fd-per-frame together: a FRAME "
				    "carries one buffer fd");
	if (p->nfds > DI_FDS_PER_MSG)
		return di_error_set(err, DI_ERR_COUNT, 0,
				    "POOL part declares %u fds, at most %u fit one message",
				    p->nfds, DI_FDS_PER_MSG);
	if (p->first >= p->count)
		return di_error_set(err, DI_ERR_INDEX, 0,
				    "POOL part starts at buffer %u of a pool of %u", p->first,
				    p->count);
	if (plane_count_wrong(p))
		return check_pool_layout(&p->layout, err);
	per = p->layout.fd_per_plane ? p->layout.num_planes : 1;
	if (per < 1 || per > DI_MAX_PLANES || p->nfds % per)
		return di_error_set(err, DI_ERR_COUNT, 0,
				    "POOL part carries %u fds, not a whole number of buffers of %u "
				    "fds (one per plane)",
				    p->nfds, per);
	if (p->nfds / per > p->count - p->first)
		return di_error_set(
		    err, DI_ERR_COUNT, 0,
		    "POOL part carries %u fds from buffer %u, beyond the pool of %u", p->nfds,
		    p->first, p->count);
	if (p->flags & DI_POOL_FD_PER_FRAME) {
		if (p->nfds || p->first)
			return di_error_set(
			    err, DI_ERR_FIELD, 0,
			    "POOL in fd-per-frame mode carries fds (first %u, %u fds)", p->first,
			    p->nfds);
	} else if (p->nfds == 0) {
		return di_error_set(err, DI_ERR_FIELD, 0, "POOL part carries no fds");
	}
	return check_pool_layout(&p->layout, err);
}

static enum di_status check_frame(const struct di_frame *f, struct di_error *err)
{
	if (f->flags & ~DI_FRAME_FLAGS_ALL)
		return di_error_set(err, DI_ERR_FIELD, 0, "FRAME has unknown flags 0x%x",
				    f->flags & ~DI_FRAME_FLAGS_ALL);
	if (f->index >= DI_POOL_MAX)
		return di_error_set(err, DI_ERR_INDEX, 0, "FRAME buffer index %u beyond %u",
				    f->index, DI_POOL_MAX - 1);
	return DI_OK;
}

static enum di_status check_release(const struct di_release *r, struct di_error *err)
{
	if (r->flags & ~DI_RELEASE_FLAGS_ALL)
		return di_error_set(err, DI_ERR_FIELD, 0, "RELEASE has unknown flags 0x%x",
				    r->flags & ~DI_RELEASE_FLAGS_ALL);
	if (r->index >= DI_POOL_MAX)
		return di_error_set(err, DI_ERR_INDEX, 0, "RELEASE buffer index %u beyond %u",
				    r->index, DI_POOL_MAX - 1);
	if ((r->flags & DI_RELEASE_SKIPPED) && (r->flags & DI_RELEASE_FENCE))
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "RELEASE of buffer %u is SKIPPED (never shown) yet carries a "
				    "release fence",
				    r->index);
	return DI_OK;
}

static enum di_status check_error(const struct di_error_msg *e, struct di_error *err)
{
	size_t len = strnlen(e->text, sizeof(e->text));
	size_t i;

	if (e->code == DI_OK || e->code > DI_STATUS_MAX)
		return di_error_set(err, DI_ERR_FIELD, 0, "ERROR carries code %u, not a failure",
				    e->code);
	if (len == sizeof(e->text))
		return di_error_set(err, DI_ERR_FIELD, 0, "ERROR text is not NUL-terminated");
	for (i = 0; i < len; i++)
		if (e->text[i] < 0x20 || e->text[i] > 0x7e)
			return di_error_set(err, DI_ERR_FIELD, 0,
					    "ERROR text has a non-printable byte 0x%02x at %zu",
					    (unsigned char)e->text[i], i);
	for (; i < sizeof(e->text); i++)
		if (e->text[i])
			return di_error_set(err, DI_ERR_FIELD, 0,
					    "ERROR text padding has a non-zero byte at %zu", i);
	return DI_OK;
}

static enum di_status check_msg(const struct di_msg *msg, struct di_error *err)
{
	switch (msg->type) {
	case DI_MSG_HELLO:
		return check_hello(&msg->hello, err);
	case DI_MSG_POOL:
		return check_pool(&msg->pool, err);
	case DI_MSG_FRAME:
		return check_frame(&msg->frame, err);
	case DI_MSG_RELEASE:
		return check_release(&msg->release, err);
	case DI_MSG_ERROR:
		return check_error(&msg->error, err);
	case DI_MSG_BYE:
		return DI_OK;
	}
	return di_error_set(err, DI_ERR_TYPE, 0, "unknown message type %u", (unsigned)msg->type);
}

/* Rules that depend on what the receiver knows about the session. */
static enum di_status check_context(const struct di_msg *msg, const struct di_decode_ctx *ctx,
				    struct di_error *err)
{
	const char *name = di_msg_type_name(msg->type);
	uint32_t index;

	if (msg->type == DI_MSG_FRAME)
		index = msg->frame.index;
	else if (msg->type == DI_MSG_RELEASE)
		index = msg->release.index;
	else
		return DI_OK;

	if (ctx->pool_count == 0)
		return di_error_set(err, DI_ERR_STATE, 0, "%s for buffer %u before any POOL", name,
				    index);
	if (index >= ctx->pool_count)
		return di_error_set(err, DI_ERR_INDEX, 0,
				    "%s buffer index %u out of range (pool of %u)", name, index,
				    ctx->pool_count);
	if (msg->type == DI_MSG_FRAME && !(msg->frame.flags & DI_FRAME_FD) != !ctx->fd_per_frame)
		return di_error_set(err, DI_ERR_FIELD, 0,
				    ctx->fd_per_frame
					? "FRAME %u without its fd in fd-per-frame mode"
					: "FRAME %u carries an fd but the pool sent them",
				    index);
	if (((msg->type == DI_MSG_FRAME && (msg->frame.flags & DI_FRAME_FENCE)) ||
	     (msg->type == DI_MSG_RELEASE && (msg->release.flags & DI_RELEASE_FENCE))) &&
	    !ctx->explicit_sync)
		return di_error_set(err, DI_ERR_FIELD, 0,
				    "%s %u carries a fence but explicit sync was not agreed", name,
				    index);
	return DI_OK;
}

enum di_status di_msg_encode(const struct di_msg *msg, void *buf, size_t cap, size_t *len,
			     struct di_error *err)
{
	size_t size = di_msg_size(msg->type);
	uint8_t *p = buf;
	enum di_status st;
	int i;

	st = check_msg(msg, err);
	if (st != DI_OK)
		return st;
	if (cap < size)
		return di_error_set(err, DI_ERR_LENGTH, 0, "%s needs %zu bytes, buffer has %zu",
				    di_msg_type_name(msg->type), size, cap);

	memset(p, 0, size);
	put_u32(p, DI_PROTO_MAGIC);
	put_u16(p + 4, DI_PROTO_VERSION);
	put_u16(p + 6, (uint16_t)msg->type);
	put_u32(p + 8, (uint32_t)size);
	p += DI_HEADER_SIZE;

	switch (msg->type) {
	case DI_MSG_HELLO:
		put_u32(p, msg->hello.version);
		put_u32(p + 4, msg->hello.role);
		put_u32(p + 8, msg->hello.capabilities);
		break;
	case DI_MSG_POOL:
		put_u32(p, msg->pool.count);
		put_u32(p + 4, msg->pool.first);
		put_u32(p + 8, msg->pool.nfds);
		put_u32(p + 12, msg->pool.flags);
		put_u32(p + 16, msg->pool.layout.fourcc);
		put_u32(p + 20, msg->pool.layout.width);
		put_u32(p + 24, msg->pool.layout.height);
		put_u32(p + 28, msg->pool.layout.num_planes);
		put_u64(p + 32, msg->pool.layout.modifier);
		for (i = 0; i < DI_MAX_PLANES; i++) {
			put_u32(p + 40 + 8 * i, msg->pool.layout.offset[i]);
			put_u32(p + 44 + 8 * i, msg->pool.layout.pitch[i]);
		}
		break;
	case DI_MSG_FRAME:
		put_u32(p, msg->frame.index);
		put_u32(p + 4, msg->frame.flags);
		put_u64(p + 8, msg->frame.seq);
		put_u64(p + 16, msg->frame.timestamp_ns);
		break;
	case DI_MSG_RELEASE:
		put_u32(p, msg->release.index);
		put_u32(p + 4, msg->release.flags);
		put_u64(p + 8, msg->release.seq);
		break;
	case DI_MSG_ERROR:
		put_u32(p, msg->error.code);
		memcpy(p + 8, msg->error.text, strlen(msg->error.text));
		break;
	case DI_MSG_BYE:
		break;
	}
	*len = size;
	return DI_OK;
}

static enum di_status check_zero(const uint8_t *p, const char *type, const char *field,
				 struct di_error *err)
{
	uint32_t v = get_u32(p);

	if (v)
		return di_error_set(err, DI_ERR_FIELD, 0, "%s %s is 0x%x, must be 0", type, field,
				    v);
	return DI_OK;
}

enum di_status di_msg_decode(const void *buf, size_t len, const struct di_decode_ctx *ctx,
			     struct di_msg *msg, struct di_error *err)
{
	const uint8_t *p = buf;
	uint32_t magic, length, type, version;
	const char *name;
	enum di_status st;
	size_t size;
	int i;

	memset(msg, 0, sizeof(*msg));
	if (len < DI_HEADER_SIZE)
		return di_error_set(err, DI_ERR_SHORT, 0,
				    "message of %zu bytes is shorter than the %d-byte header", len,
				    DI_HEADER_SIZE);
	magic = get_u32(p);
	version = get_u16(p + 4);
	type = get_u16(p + 6);
	length = get_u32(p + 8);
	if (magic != DI_PROTO_MAGIC)
		return di_error_set(err, DI_ERR_MAGIC, 0, "bad magic 0x%08x (expected 0x%08x)",
				    magic, DI_PROTO_MAGIC);
	if (version != DI_PROTO_VERSION)
		return di_error_set(err, DI_ERR_VERSION, 0, "protocol version %u, we speak %u",
				    version, DI_PROTO_VERSION);
	size = di_msg_size(type);
	name = di_msg_type_name(type);
	if (!size)
		return di_error_set(err, DI_ERR_TYPE, 0, "unknown message type %u", type);
	if (len < length)
		return di_error_set(err, DI_ERR_SHORT, 0,
				    "%s truncated: header says %u bytes, %zu arrived", name, length,
				    len);
	if (len > length)
		return di_error_set(err, DI_ERR_LENGTH, 0,
				    "%s: header says %u bytes but %zu arrived", name, length, len);
	if (length != size)
		return di_error_set(err, length < size ? DI_ERR_SHORT : DI_ERR_LENGTH, 0,
				    "%s is %zu bytes, header says %u", name, size, length);
	st = check_zero(p + 12, name, "header reserved field", err);
	if (st != DI_OK)
		return st;

	msg->type = (enum di_msg_type)type;
	p += DI_HEADER_SIZE;
	switch (msg->type) {
	case DI_MSG_HELLO:
		msg->hello.version = get_u32(p);
		msg->hello.role = get_u32(p + 4);
		msg->hello.capabilities = get_u32(p + 8);
		st = check_zero(p + 12, name, "reserved field", err);
		break;
	case DI_MSG_POOL:
		msg->pool.count = get_u32(p);
		msg->pool.first = get_u32(p + 4);
		msg->pool.nfds = get_u32(p + 8);
		msg->pool.flags = get_u32(p + 12);
		msg->pool.layout.fourcc = get_u32(p + 16);
		msg->pool.layout.width = get_u32(p + 20);
		msg->pool.layout.height = get_u32(p + 24);
		msg->pool.layout.num_planes = get_u32(p + 28);
		msg->pool.layout.modifier = get_u64(p + 32);
		msg->pool.layout.fd_per_plane = msg->pool.flags & DI_POOL_FD_PER_PLANE;
		for (i = 0; i < DI_MAX_PLANES; i++) {
			msg->pool.layout.offset[i] = get_u32(p + 40 + 8 * i);
			msg->pool.layout.pitch[i] = get_u32(p + 44 + 8 * i);
		}
		break;
	case DI_MSG_FRAME:
		msg->frame.index = get_u32(p);
		msg->frame.flags = get_u32(p + 4);
		msg->frame.seq = get_u64(p + 8);
		msg->frame.timestamp_ns = get_u64(p + 16);
		break;
	case DI_MSG_RELEASE:
		msg->release.index = get_u32(p);
		msg->release.flags = get_u32(p + 4);
		msg->release.seq = get_u64(p + 8);
		break;
	case DI_MSG_ERROR:
		msg->error.code = get_u32(p);
		st = check_zero(p + 4, name, "reserved field", err);
		memcpy(msg->error.text, p + 8, sizeof(msg->error.text));
		break;
	case DI_MSG_BYE:
		break;
	}
	if (st == DI_OK)
		st = check_msg(msg, err);
	if (st == DI_OK && ctx)
		st = check_context(msg, ctx, err);
	if (st != DI_OK)
		memset(msg, 0, sizeof(*msg));
	return st;
}

void di_msg_error(struct di_msg *msg, enum di_status code, const char *text)
{
	size_t i;

	memset(msg, 0, sizeof(*msg));
	msg->type = DI_MSG_ERROR;
	msg->error.code = code == DI_OK ? DI_ERR_REMOTE : code;
	for (i = 0; text && text[i] && i < sizeof(msg->error.text) - 1; i++)
		msg->error.text[i] = text[i] >= 0x20 && text[i] <= 0x7e ? text[i] : '?';
}
