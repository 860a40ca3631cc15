// SPDX-License-Identifier: MIT
/* Latency window and nearest-rank percentiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dmabuf-interop/latency.h"
#include "fd-fixtures.h"

static void test_percentiles(void **state)
{
	uint64_t ring[100], scratch[100];
	struct di_latency lat;
	struct di_latency_summary s;
	uint64_t i;

	(void)state;
	di_latency_init(&lat, ring, 100);
	di_latency_summarize(&lat, scratch, &s);
	assert_int_equal(s.count, 0);
	assert_int_equal(s.p99, 0);

	di_latency_add(&lat, 7);
	di_latency_summarize(&lat, scratch, &s);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.p50, 7);
	assert_int_equal(s.p99, 7);

	di_latency_init(&lat, ring, 100);
	for (i = 100; i >= 1; i--) /* out of order on purpose */
		di_latency_add(&lat, i * 1000);
	di_latency_summarize(&lat, scratch, &s);
	assert_int_equal(s.count, 100);
	assert_int_equal(s.min, 1000);
	assert_int_equal(s.p50, 50000);
	assert_int_equal(s.p99, 99000);
	assert_int_equal(s.max, 100000);
	assert_int_equal(ring[0], 100000); /* the ring itself is not sorted */
}

static void test_window_slides(void **state)
{
	uint64_t ring[10], scratch[10];
	struct di_latency lat;
	struct di_latency_summary s;
	uint64_t i;

	(void)state;
	di_latency_init(&lat, ring, 10);
	for (i = 1; i <= 25; i++)
		di_latency_add(&lat, i);
	di_latency_summarize(&lat, scratch, &s);
	assert_int_equal(lat.total, 25);
	assert_int_equal(s.count, 10);
	assert_int_equal(s.min, 16);
	assert_int_equal(s.p50, 20);
	assert_int_equal(s.p99, 25);
	assert_int_equal(s.max, 25);
}

static void test_percentile_ranks(void **state)
{
	static const uint64_t sorted[] = {1, 2, 3, 4};

	(void)state;
	assert_int_equal(di_latency_percentile(sorted, 4, 1), 1);
	assert_int_equal(di_latency_percentile(sorted, 4, 25), 1);
	assert_int_equal(di_latency_percentile(sorted, 4, 26), 2);
	assert_int_equal(di_latency_percentile(sorted, 4, 50), 2);
	assert_int_equal(di_latency_percentile(sorted, 4, 99), 4);
	assert_int_equal(di_latency_percentile(sorted, 4, 100), 4);
	assert_int_equal(di_latency_percentile(sorted, 4, 0), 1);
	assert_int_equal(di_latency_percentile(sorted, 0, 50), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST_WITH_FD_CHECK(test_percentiles),
	    TEST_WITH_FD_CHECK(test_window_slides),
	    TEST_WITH_FD_CHECK(test_percentile_ranks),
	};

	return cmocka_run_group_tests_name("latency", tests, NULL, NULL);
}
