// SPDX-License-Identifier: MIT
/*
 * The apps' statistics: --warmup leaves the first latency samples out of the
 * summary while the live window still has them, and the JSON summary says
 * how many it left out. Host only (cmocka).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app-stats.h"

/* The summary, printed to stdout, read back through a temporary file. */
static char *summary_json(struct app_stats *st)
{
	static char text[4096];
	FILE *f = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	assert_non_null(f);
	assert_true(saved >= 0);
	fflush(stdout);
	assert_true(dup2(fileno(f), STDOUT_FILENO) >= 0);
	app_stats_summary(st, NULL, 0, true, "test");
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void test_warmup_left_out_of_summary(void **state)
{
	static struct app_stats st; /* large: not on the stack */
	const char *json;

	(void)state;
	app_stats_init(&st, "test", "capture->flip",
		       &(struct app_report_options){.warmup = 2, .json = true});
	/* Two slow warm-up frames, then three steady ones. */
	app_stats_frame(&st, 90000000);
	app_stats_frame(&st, 80000000);
	app_stats_frame(&st, 1000000);
	app_stats_frame(&st, 2000000);
	app_stats_frame(&st, 3000000);
	assert_int_equal(st.frames, 5);
	assert_int_equal(st.window.filled, 5);
	assert_int_equal(st.total.filled, 3);

	json = summary_json(&st);
	assert_non_null(strstr(json, "\"warmup\":2,\"samples\":3,"));
	assert_non_null(strstr(json, "\"min_ms\":1.000,"));
	assert_non_null(strstr(json, "\"max_ms\":3.000}"));
}

static void test_no_warmup_keeps_every_sample(void **state)
{
	static struct app_stats st;

	(void)state;
	app_stats_init(&st, "test", "capture->flip", &(struct app_report_options){.json = true});
	app_stats_frame(&st, 90000000);
	app_stats_latency(&st, 1000000);
	app_stats_frame(&st, 0); /* a frame without a latency sample */
	assert_int_equal(st.frames, 2);
	assert_int_equal(st.total.filled, 2);
	assert_non_null(strstr(summary_json(&st), "\"max_ms\":90.000}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_warmup_left_out_of_summary),
	    cmocka_unit_test(test_no_warmup_keeps_every_sample),
	};

	return cmocka_run_group_tests_name("apps statistics", tests, NULL, NULL);
}
