// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the protocol decoder. Any input must be either
 * rejected or decode to a message that encodes back to exactly the same
 * bytes (the wire form is canonical: reserved fields and padding are zero,
 * every value is checked). Decoded in three session states: no context, a
 * pool of 4 buffers, a full fd-per-frame pool.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf-interop/protocol.h"

static void check_one(const uint8_t *data, size_t size, const struct di_decode_ctx *ctx)
{
	uint8_t again[DI_MSG_MAX];
	struct di_error err;
	struct di_msg msg;
	size_t len;

	di_error_clear(&err);
	if (di_msg_decode(data, size, ctx, &msg, &err) != DI_OK) {
		/* Every rejection explains itself. */
		if (err.status == DI_OK || err.text[0] == '\0')
			abort();
		return;
	}
	if (di_msg_fd_count(&msg) > DI_FDS_PER_MSG)
		abort();
	if (msg.type == DI_MSG_POOL && di_layout_size(&msg.pool.layout) == 0)
		abort();
	if (di_msg_encode(&msg, again, sizeof(again), &len, &err) != DI_OK)
		abort();
	if (len != size || memcmp(again, data, size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct di_decode_ctx four = {.pool_count = 4};
	static const struct di_decode_ctx per_frame = {.pool_count = DI_POOL_MAX,
						       .fd_per_frame = true};

	check_one(data, size, NULL);
	check_one(data, size, &four);
	check_one(data, size, &per_frame);
	return 0;
}
