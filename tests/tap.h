/*
 * A small TAP producer for unit tests: ok(), is_int(), is_str(), done_testing().
 * Output follows TAP version 13 so meson's `protocol : 'tap'` reads it.
 */
#ifndef VITALS_TAP_H
#define VITALS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *name)
{
	tap_n++;
	printf("%s %d - %s\n", cond ? "ok" : "not ok", tap_n, name);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), __FILE__, __LINE__, name)
#define is_int(got, want, name)                                                                              \
	do {                                                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);                                     \
		if (!ok(g_ == w_, name))                                                                     \
			printf("#   got %lld, want %lld\n", g_, w_);                                         \
	} while (0)
#define is_str(got, want, name)                                                                              \
	do {                                                                                                 \
		const char *g_ = (got), *w_ = (want);                                                        \
		if (!ok(g_ && w_ && strcmp(g_, w_) == 0, name))                                              \
			printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)");         \
	} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
