/* SPDX-License-Identifier: MIT */
/*
 * The ledger of buffers in flight: which buffer of the pool the other side
 * holds and for which frame. It enforces the release-order rules of
 * docs/protocol.md on whichever side uses it:
 *   - a buffer is lent (FRAME) only while we hold it: lending it again
 *     before its RELEASE is DI_ERR_STATE (the producer would queue a buffer
 *     the display still scans out);
 *   - a RELEASE names a buffer in flight with the seq it was lent for:
 *     unknown or duplicate releases are DI_ERR_STATE;
 *   - releases normally come in the order frames were lent (display order);
 *     one that overtakes an older frame still in flight is counted, except
 *     the release of a frame that never reached the screen (a compositor
 *     replaced it by a newer one before its flip: RELEASE flag SKIPPED),
 *     which is counted as skipped.
 */
#ifndef DMABUF_INTEROP_LEDGER_H
#define DMABUF_INTEROP_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "dmabuf-interop/protocol.h"

struct di_ledger {
	uint32_t count;		     /* buffers in the pool */
	uint32_t depth;		     /* buffers in flight */
	uint32_t order[DI_POOL_MAX]; /* indices in flight, oldest first */
	uint64_t seq[DI_POOL_MAX];   /* frame each in-flight buffer carries */
	bool in_flight[DI_POOL_MAX];
	uint64_t lent;	       /* frames lent in all */
	uint64_t released;     /* releases accepted */
	uint64_t out_of_order; /* releases that overtook an older frame */
	uint64_t skipped;      /* releases of frames never shown */
};

/* An empty ledger for a pool of count buffers (1..DI_POOL_MAX). */
void di_ledger_init(struct di_ledger *ledger, uint32_t count);

/* Records that buffer index went out with frame seq. */
enum di_status di_ledger_lend(struct di_ledger *ledger, uint32_t index, uint64_t seq,
			      struct di_error *err);

/*
 * Records the RELEASE of buffer index for frame seq. *in_order (may be NULL)
 * tells whether it was the oldest frame in flight.
 */
enum di_status di_ledger_release(struct di_ledger *ledger, uint32_t index, uint64_t seq,
				 bool *in_order, struct di_error *err);

/*
 * Records the RELEASE of buffer index for frame seq that never reached the
 * screen (DI_RELEASE_SKIPPED): it may overtake older frames.
 */
enum di_status di_ledger_skip(struct di_ledger *ledger, uint32_t index, uint64_t seq,
			      struct di_error *err);

/* Whether buffer index is in flight (false for indices outside the pool). */
bool di_ledger_holds(const struct di_ledger *ledger, uint32_t index);

#endif /* DMABUF_INTEROP_LEDGER_H */
