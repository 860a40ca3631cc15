// SPDX-License-Identifier: MIT
/*
 * The apps' command lines: defaults, every value parser's refusals, the
 * options that exclude each other, --help. Host only (cmocka).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "app-args.h"
#include "consumer-options.h"
#include "producer-options.h"

#define ARGV(...)	 ((char *[]){"prog", __VA_ARGS__, NULL})
#define ARGC(...)	 ((int)(sizeof((char *[]){"prog", __VA_ARGS__}) / sizeof(char *)))
#define PRODUCER(o, ...) producer_parse_options(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o)
#define CONSUMER(o, ...) consumer_parse_options(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o)

static void test_producer_defaults(void **state)
{
	struct producer_options o;

	(void)state;
	assert_int_equal(PRODUCER(&o, "--frames", "300"), 0);
	assert_int_equal(o.fourcc, DI_FOURCC_XRGB8888);
	assert_int_equal(o.width, 1920);
	assert_int_equal(o.height, 1080);
	assert_int_equal(o.fps, 30);
	assert_false(o.unthrottled);
	assert_int_equal(o.pattern, -1);
	assert_int_equal(o.buffers, 4);
	assert_int_equal(o.frames, 300);
	assert_int_equal(o.verify, DI_VERIFY_STAMP);
	assert_int_equal(o.report.warmup, 0);
	assert_string_equal(o.driver, "fakecam");
	assert_null(o.device);
}

static void test_producer_values(void **state)
{
	struct producer_options o;

	(void)state;
	assert_int_equal(PRODUCER(&o, "--format", "nv12", "--size", "640x480", "--fps", "max",
				  "--pattern", "stamp", "--fd-per-frame", "-S", "/tmp/s", "-W",
				  "30"),
			 0);
	assert_int_equal(o.fourcc, DI_FOURCC_NV12);
	assert_int_equal(o.width, 640);
	assert_int_equal(o.height, 480);
	assert_true(o.unthrottled);
	assert_int_equal(o.fps, 0);
	assert_int_equal(o.pattern, 1);
	assert_true(o.fd_per_frame);
	assert_int_equal(o.nsockets, 1);
	assert_string_equal(o.socket[0], "/tmp/s");
	assert_int_equal(o.report.warmup, 30);
	assert_int_equal(PRODUCER(&o, "-S", "/tmp/a", "--socket", "/tmp/b"), 0);
	assert_int_equal(o.nsockets, 2);
	assert_string_equal(o.socket[1], "/tmp/b");
}

static void test_producer_refusals(void **state)
{
	struct producer_options o;

	(void)state;
	assert_int_equal(PRODUCER(&o, "--fd-per-frame", "--display-allocates"), -1);
	assert_int_equal(PRODUCER(&o, "-S", "/tmp/a", "-S", "/tmp/b", "--display-allocates"), -1);
	assert_int_equal(PRODUCER(&o, "--size", "1920x"), -1);
	assert_int_equal(PRODUCER(&o, "--size", "0x480"), -1);
	assert_int_equal(PRODUCER(&o, "--size", "640x480p"), -1);
	assert_int_equal(PRODUCER(&o, "--format", "RGB3"), -1);
	assert_int_equal(PRODUCER(&o, "--fps", "241"), -1);
	assert_int_equal(PRODUCER(&o, "--fps", "-1"), -1);
	assert_int_equal(PRODUCER(&o, "--buffers", "1"), -1);
	assert_int_equal(PRODUCER(&o, "--buffers", "1025"), -1);
	assert_int_equal(PRODUCER(&o, "--pattern", "half"), -1);
	assert_int_equal(PRODUCER(&o, "--verify", "most"), -1);
	assert_int_equal(PRODUCER(&o, "--stats-interval", "x"), -1);
	assert_int_equal(PRODUCER(&o, "--warmup", "-1"), -1);
	assert_int_equal(PRODUCER(&o, "--warmup", "1000001"), -1);
	assert_int_equal(PRODUCER(&o, "stray"), -1);
	assert_int_equal(PRODUCER(&o, "--no-such-option"), -1);
	assert_int_equal(PRODUCER(&o, "--help"), 1);
}

static void test_consumer_options(void **state)
{
	struct consumer_options o;

	(void)state;
	assert_int_equal(CONSUMER(&o, "--json"), 0);
	assert_string_equal(o.driver, "fakedisp");
	assert_int_equal(o.mode_width, 0);
	assert_int_equal(o.verify, DI_VERIFY_STAMP);
	assert_int_equal(o.producers, 0);
	assert_true(o.report.json);
	assert_int_equal(CONSUMER(&o, "--mode", "640x480", "--verify", "full", "--no-display",
				  "--snapshot", "f.png", "-p", "3", "--format", "YUYV", "-b", "8",
				  "--stats-interval", "0.5", "--warmup", "100"),
			 0);
	assert_int_equal(o.mode_width, 640);
	assert_int_equal(o.mode_height, 480);
	assert_int_equal(o.verify, DI_VERIFY_FULL);
	assert_true(o.no_display);
	assert_string_equal(o.snapshot, "f.png");
	assert_int_equal(o.producers, 3);
	assert_int_equal(o.fourcc, DI_FOURCC_YUYV);
	assert_int_equal(o.buffers, 8);
	assert_true(o.report.interval_s > 0.49 && o.report.interval_s < 0.51);
	assert_int_equal(o.report.warmup, 100);
	assert_int_equal(CONSUMER(&o, "--mode", "big"), -1);
	assert_int_equal(CONSUMER(&o, "--verify", ""), -1);
	assert_int_equal(CONSUMER(&o, "--frames", "1e3"), -1);
	assert_int_equal(CONSUMER(&o, "--stats-interval", "3601"), -1);
	assert_int_equal(CONSUMER(&o, "--warmup", "x"), -1);
	assert_int_equal(CONSUMER(&o, "-h"), 1);
}

/* --sync on both apps: auto by default, each mode by name, anything else refused. */
static void test_sync_option(void **state)
{
	struct producer_options p;
	struct consumer_options c;

	(void)state;
	assert_int_equal(PRODUCER(&p, "-n", "1"), 0);
	assert_int_equal(p.sync, DI_SYNC_AUTO);
	assert_int_equal(CONSUMER(&c, "-n", "1"), 0);
	assert_int_equal(c.sync, DI_SYNC_AUTO);
	assert_int_equal(PRODUCER(&p, "--sync", "explicit"), 0);
	assert_int_equal(p.sync, DI_SYNC_EXPLICIT);
	assert_int_equal(CONSUMER(&c, "--sync", "protocol"), 0);
	assert_int_equal(c.sync, DI_SYNC_PROTOCOL);
	assert_int_equal(CONSUMER(&c, "--sync", "implicit"), 0);
	assert_int_equal(c.sync, DI_SYNC_IMPLICIT);
	assert_int_equal(PRODUCER(&p, "--sync", "fences"), -1);
	assert_int_equal(CONSUMER(&c, "--sync", ""), -1);
	/* What each mode offers, and what two offers agree on. */
	assert_int_equal(di_sync_caps(DI_SYNC_PROTOCOL), 0);
	assert_int_equal(
	    di_sync_agreed(di_sync_caps(DI_SYNC_AUTO) & di_sync_caps(DI_SYNC_IMPLICIT)),
	    DI_SYNC_IMPLICIT);
	assert_int_equal(di_sync_agreed(di_sync_caps(DI_SYNC_AUTO)), DI_SYNC_EXPLICIT);
	assert_int_equal(
	    di_sync_agreed(di_sync_caps(DI_SYNC_EXPLICIT) & di_sync_caps(DI_SYNC_IMPLICIT)),
	    DI_SYNC_PROTOCOL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_producer_defaults), cmocka_unit_test(test_producer_values),
	    cmocka_unit_test(test_producer_refusals), cmocka_unit_test(test_consumer_options),
	    cmocka_unit_test(test_sync_option),
	};

	/* The refusals print their messages; keep the test's output readable. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	return cmocka_run_group_tests_name("apps options", tests, NULL, NULL);
}
