// SPDX-License-Identifier: MIT
#include "app-stats.h"

#include <string.h>

#include "app-args.h"

int app_report_parse(const char *prog, int c, const char *arg, struct app_report_options *o)
{
	switch (c) {
	case 'i':
		return app_parse_seconds(prog, "stats-interval", arg, &o->interval_s);
	case 'W':
		return app_parse_u32(prog, "warmup", arg, 0, 1000000, &o->warmup);
	case 'j':
		o->json = true;
		return 0;
	default:
		return 1;
	}
}

void app_stats_init(struct app_stats *st, const char *prog, const char *latency_name,
		    const struct app_report_options *report)
{
	memset(st, 0, sizeof(*st));
	st->prog = prog;
	st->latency_name = latency_name;
	st->json = report->json;
	st->warmup = report->warmup;
	st->interval_ns = (uint64_t)(report->interval_s * 1e9);
	st->start_ns = app_now_ns();
	st->last_ns = st->start_ns;
	di_latency_init(&st->window, st->window_samples, APP_LATENCY_WINDOW);
	di_latency_init(&st->total, st->total_samples, APP_LATENCY_TOTAL);
}

void app_stats_latency(struct app_stats *st, uint64_t latency_ns)
{
	di_latency_add(&st->window, latency_ns);
	if (st->samples++ >= st->warmup)
		di_latency_add(&st->total, latency_ns);
}

void app_stats_frame(struct app_stats *st, uint64_t latency_ns)
{
	st->frames++;
	if (latency_ns)
		app_stats_latency(st, latency_ns);
}

FILE *app_stats_log(const struct app_stats *st)
{
	return st->json ? stderr : stdout;
}

void app_stats_tick(struct app_stats *st, uint64_t now, uint32_t in_flight)
{
	struct di_latency_summary lat;
	double secs;

	if (!st->interval_ns || now - st->last_ns < st->interval_ns)
		return;
	secs = (double)(now - st->last_ns) / 1e9;
	di_latency_summarize(&st->window, st->scratch, &lat);
	fprintf(app_stats_log(st),
		"%s: %6.1f fps  frames %llu  verified %llu  failed %llu  %s p50 %.2f ms p99 %.2f "
		"ms  in flight %u\n",
		st->prog, (double)(st->frames - st->last_frames) / secs,
		(unsigned long long)st->frames, (unsigned long long)st->verified,
		(unsigned long long)st->failed, st->latency_name, (double)lat.p50 / 1e6,
		(double)lat.p99 / 1e6, in_flight);
	fflush(app_stats_log(st));
	st->last_ns = now;
	st->last_frames = st->frames;
	di_latency_init(&st->window, st->window_samples, APP_LATENCY_WINDOW);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_string(const char *text)
{
	putchar('"');
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
}

void app_stats_summary(struct app_stats *st, const struct app_field *fields, unsigned int n,
		       bool pass, const char *why)
{
	double secs = (double)(app_now_ns() - st->start_ns) / 1e9;
	struct di_latency_summary lat;
	double fps = secs > 0 ? (double)st->frames / secs : 0;

	di_latency_summarize(&st->total, st->scratch, &lat);
	if (st->json) {
		printf("{\"program\":\"%s\",\"seconds\":%.3f,\"frames\":%llu,\"fps\":%.2f,"
		       "\"verified\":%llu,\"failed\":%llu,\"latency\":{\"name\":\"%s\","
		       "\"warmup\":%u,\"samples\":%u,\"min_ms\":%.3f,\"p50_ms\":%.3f,"
		       "\"p99_ms\":%.3f,\"max_ms\":%.3f}",
		       st->prog, secs, (unsigned long long)st->frames, fps,
		       (unsigned long long)st->verified, (unsigned long long)st->failed,
		       st->latency_name, st->warmup, lat.count, (double)lat.min / 1e6,
		       (double)lat.p50 / 1e6, (double)lat.p99 / 1e6, (double)lat.max / 1e6);
		for (unsigned int i = 0; i < n; i++) {
			printf(",\"%s\":", fields[i].key);
			if (fields[i].text)
				json_string(fields[i].text);
			else
				printf("%llu", (unsigned long long)fields[i].value);
		}
		printf(",\"verdict\":\"%s\",\"reason\":", pass ? "PASS" : "FAIL");
		json_string(why);
		printf("}\n");
	} else {
		printf("%s summary: %.2f s, %llu frames (%.1f fps), %llu verified, %llu failed\n",
		       st->prog, secs, (unsigned long long)st->frames, fps,
		       (unsigned long long)st->verified, (unsigned long long)st->failed);
		printf("%s summary: %s latency over %u frames (after %u warm-up): min %.2f p50 "
		       "%.2f p99 %.2f max %.2f ms\n",
		       st->prog, st->latency_name, lat.count, st->warmup, (double)lat.min / 1e6,
		       (double)lat.p50 / 1e6, (double)lat.p99 / 1e6, (double)lat.max / 1e6);
		for (unsigned int i = 0; i < n; i++) {
			if (fields[i].text)
				printf("%s summary: %s %s\n", st->prog, fields[i].key,
				       fields[i].text);
			else
				printf("%s summary: %s %llu\n", st->prog, fields[i].key,
				       (unsigned long long)fields[i].value);
		}
		printf("%s verdict: %s (%s)\n", st->prog, pass ? "PASS" : "FAIL", why);
	}
	fflush(stdout);
}

void app_waits_init(struct app_waits *w)
{
	di_latency_init(&w->lat, w->samples, APP_WAITS_KEPT);
}

void app_waits_add(struct app_waits *w, uint64_t wait_ns)
{
	di_latency_add(&w->lat, wait_ns);
}

unsigned int app_waits_fields(struct app_waits *w, struct app_field *out)
{
	struct di_latency_summary sum;

	di_latency_summarize(&w->lat, w->scratch, &sum);
	out[0] = (struct app_field){.key = "fence_waits", .value = w->lat.total};
	out[1] = (struct app_field){.key = "fence_wait_p50_us", .value = sum.p50 / 1000};
	out[2] = (struct app_field){.key = "fence_wait_p99_us", .value = sum.p99 / 1000};
	return 3;
}
