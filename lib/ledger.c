// SPDX-License-Identifier: MIT
/* Buffers in flight and the release-order rules (ledger.h). */
#include <string.h>

#include "dmabuf-interop/ledger.h"

void di_ledger_init(struct di_ledger *l, uint32_t count)
{
	memset(l, 0, sizeof(*l));
	l->count = count > DI_POOL_MAX ? DI_POOL_MAX : count;
}

bool di_ledger_holds(const struct di_ledger *l, uint32_t index)
{
	return index < l->count && l->in_flight[index];
}

enum di_status di_ledger_lend(struct di_ledger *l, uint32_t index, uint64_t seq,
			      struct di_error *err)
{
	if (index >= l->count)
		return di_error_set(err, DI_ERR_INDEX, 0,
				    "frame %llu uses buffer %u, outside the pool of %u",
				    (unsigned long long)seq, index, l->count);
	if (l->in_flight[index])
		return di_error_set(err, DI_ERR_STATE, 0,
				    "buffer %u lent for frame %llu while still in flight with "
				    "frame %llu",
				    index, (unsigned long long)seq,
				    (unsigned long long)l->seq[index]);
	l->in_flight[index] = true;
	l->seq[index] = seq;
	l->order[l->depth++] = index;
	l->lent++;
	return DI_OK;
}

/* Takes index out of the ledger; *pos gets its place among those in flight (0: oldest). */
static enum di_status take_back(struct di_ledger *l, uint32_t index, uint64_t seq,
				uint32_t *pos_out, struct di_error *err)
{
	uint32_t pos;

	if (index >= l->count)
		return di_error_set(err, DI_ERR_INDEX, 0,
				    "RELEASE of buffer %u, outside the pool of %u", index,
				    l->count);
	if (!l->in_flight[index])
		return di_error_set(err, DI_ERR_STATE, 0,
				    "RELEASE of buffer %u (frame %llu), which is not in flight "
				    "(duplicate or unknown release)",
				    index, (unsigned long long)seq);
	if (l->seq[index] != seq)
		return di_error_set(err, DI_ERR_STATE, 0,
				    "RELEASE of buffer %u names frame %llu, it carries frame %llu",
				    index, (unsigned long long)seq,
				    (unsigned long long)l->seq[index]);
	for (pos = 0; pos < l->depth && l->order[pos] != index; pos++)
		;
	memmove(&l->order[pos], &l->order[pos + 1], (l->depth - pos - 1) * sizeof(l->order[0]));
	l->depth--;
	l->in_flight[index] = false;
	l->released++;
	*pos_out = pos;
	return DI_OK;
}

enum di_status di_ledger_release(struct di_ledger *l, uint32_t index, uint64_t seq, bool *in_order,
				 struct di_error *err)
{
	enum di_status st;
	uint32_t pos;

	st = take_back(l, index, seq, &pos, err);
	if (st)
		return st;
	if (pos)
		l->out_of_order++;
	if (in_order)
		*in_order = pos == 0;
	return DI_OK;
}

enum di_status di_ledger_skip(struct di_ledger *l, uint32_t index, uint64_t seq,
			      struct di_error *err)
{
	enum di_status st;
	uint32_t pos;

	st = take_back(l, index, seq, &pos, err);
	if (st)
		return st;
	l->skipped++;
	return DI_OK;
}
