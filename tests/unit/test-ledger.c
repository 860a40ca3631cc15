// SPDX-License-Identifier: MIT
/* The ledger of buffers in flight: release-order rules and their violations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmabuf-interop/ledger.h"
#include "fd-fixtures.h"

/* A camera cycling 4 buffers, the display holding at most 2: always in order. */
static void test_steady_stream(void **state)
{
	struct di_ledger *l = malloc(sizeof(*l));
	struct di_error err;
	bool in_order;
	uint64_t seq;

	(void)state;
	assert_non_null(l);
	di_ledger_init(l, 4);
	for (seq = 0; seq < 1000; seq++) {
		assert_int_equal(di_ledger_lend(l, seq % 4, seq, &err), DI_OK);
		if (seq >= 1) {
			assert_int_equal(
			    di_ledger_release(l, (seq - 1) % 4, seq - 1, &in_order, &err), DI_OK);
			assert_true(in_order);
		}
		assert_true(l->depth <= 2);
	}
	assert_true(di_ledger_holds(l, 999 % 4));
	assert_false(di_ledger_holds(l, 998 % 4));
	assert_false(di_ledger_holds(l, 77));
	assert_int_equal(l->lent, 1000);
	assert_int_equal(l->released, 999);
	assert_int_equal(l->out_of_order, 0);
	free(l);
}

static void test_violations(void **state)
{
	struct di_ledger *l = malloc(sizeof(*l));
	struct di_error err;
	bool in_order = true;

	(void)state;
	assert_non_null(l);
	di_ledger_init(l, 3);
	assert_int_equal(di_ledger_lend(l, 0, 10, &err), DI_OK);
	assert_int_equal(di_ledger_lend(l, 1, 11, &err), DI_OK);
	expect_status(di_ledger_lend(l, 0, 12, &err), &err, DI_ERR_STATE,
		      "buffer 0 lent for frame 12 while still in flight with frame 10");
	expect_status(di_ledger_lend(l, 3, 12, &err), &err, DI_ERR_INDEX,
		      "frame 12 uses buffer 3, outside the pool of 3");
	expect_status(di_ledger_release(l, 2, 10, NULL, &err), &err, DI_ERR_STATE,
		      "RELEASE of buffer 2 (frame 10), which is not in flight");
	expect_status(di_ledger_release(l, 0, 11, NULL, &err), &err, DI_ERR_STATE,
		      "RELEASE of buffer 0 names frame 11, it carries frame 10");
	expect_status(di_ledger_release(l, 7, 11, NULL, &err), &err, DI_ERR_INDEX,
		      "RELEASE of buffer 7, outside the pool of 3");

	/* Buffer 1 released before the older buffer 0: accepted, counted. */
	assert_int_equal(di_ledger_release(l, 1, 11, &in_order, &err), DI_OK);
	assert_false(in_order);
	assert_int_equal(l->out_of_order, 1);
	assert_int_equal(di_ledger_release(l, 0, 10, &in_order, &err), DI_OK);
	assert_true(in_order);
	expect_status(di_ledger_release(l, 0, 10, NULL, &err), &err, DI_ERR_STATE,
		      "not in flight (duplicate or unknown release)");
	assert_int_equal(l->depth, 0);
	assert_int_equal(l->released, 2);
	free(l);
}

static void test_whole_pool_in_flight(void **state)
{
	struct di_ledger *l = malloc(sizeof(*l));
	struct di_error err;
	uint32_t i;

	(void)state;
	assert_non_null(l);
	di_ledger_init(l, DI_POOL_MAX);
	for (i = 0; i < DI_POOL_MAX; i++)
		assert_int_equal(di_ledger_lend(l, DI_POOL_MAX - 1 - i, i, &err), DI_OK);
	assert_int_equal(l->depth, DI_POOL_MAX);
	for (i = 0; i < DI_POOL_MAX; i += 2)
		assert_int_equal(di_ledger_release(l, DI_POOL_MAX - 1 - i, i, NULL, &err), DI_OK);
	assert_int_equal(l->depth, DI_POOL_MAX / 2);
	assert_int_equal(l->order[0], DI_POOL_MAX - 2);
	assert_int_equal(l->out_of_order, DI_POOL_MAX / 2 - 1);
	free(l);
}

/*
 * A compositor's skipped frame: released while an older one is still on
 * screen, which is not out of order; a skip obeys the other rules.
 */
static void test_skipped_frames(void **state)
{
	struct di_ledger *l = malloc(sizeof(*l));
	struct di_error err;
	bool in_order;

	(void)state;
	assert_non_null(l);
	di_ledger_init(l, 4);
	assert_int_equal(di_ledger_lend(l, 0, 1, &err), DI_OK); /* on screen */
	assert_int_equal(di_ledger_lend(l, 1, 2, &err), DI_OK); /* replaced before its flip */
	assert_int_equal(di_ledger_lend(l, 2, 3, &err), DI_OK);
	assert_int_equal(di_ledger_skip(l, 1, 2, &err), DI_OK);
	assert_int_equal(l->out_of_order, 0);
	assert_int_equal(l->skipped, 1);
	expect_status(di_ledger_skip(l, 1, 2, &err), &err, DI_ERR_STATE, "not in flight");
	expect_status(di_ledger_skip(l, 2, 9, &err), &err, DI_ERR_STATE, "it carries frame 3");
	assert_int_equal(di_ledger_release(l, 0, 1, &in_order, &err), DI_OK);
	assert_true(in_order);
	/* The same overtaking as a plain release is counted. */
	assert_int_equal(di_ledger_lend(l, 3, 4, &err), DI_OK);
	assert_int_equal(di_ledger_release(l, 3, 4, &in_order, &err), DI_OK);
	assert_false(in_order);
	assert_int_equal(l->out_of_order, 1);
	assert_int_equal(l->released, 3);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_steady_stream),
	    TEST_WITH_FD_CHECK(test_violations),
	    TEST_WITH_FD_CHECK(test_whole_pool_in_flight),
	    TEST_WITH_FD_CHECK(test_skipped_frames),
	};

	return cmocka_run_group_tests_name("ledger", tests, NULL, NULL);
}
