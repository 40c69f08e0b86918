/*
 * Statistics for comparing scans: intervals and tests that tell a real change from
 * noise. Distribution functions come from GSL (libgsl), never hand-rolled
 * approximations. Pure functions: no I/O, no allocation beyond what is documented.
 *
 * It does not decide what to compare or what is significant at which level: the
 * comparison (src/report/compare.c) does, and docs/COMPARE.md explains both.
 */
#ifndef VITALS_STATS_H
#define VITALS_STATS_H

#include <stddef.h>

/*
 * Wilson score interval for a proportion: k successes of n at confidence `conf`
 * (0.95). n = 0 gives [0, 1]. 0, or -EINVAL when k > n, k < 0 or conf outside (0, 1).
 */
int stats_wilson(long k, long n, double conf, double *lo, double *hi);

/*
 * McNemar's test on paired binary outcomes, from the discordant pairs: b changed one
 * way (pass to fail), c the other. With b + c < 25 the exact two-sided binomial test
 * (p = min(1, 2 * P(X <= min(b, c))), X ~ Bin(b + c, 1/2)) and *exact = 1; else the
 * chi-square test with continuity correction, (|b - c| - 1)^2 / (b + c) on 1 degree
 * of freedom, and *exact = 0. b = c = 0 gives p = 1. Returns the two-sided p-value,
 * or -1 for negative counts.
 */
double stats_mcnemar(long b, long c, int *exact);

/* A paired mean change: its mean, confidence interval and two-sided p-value (t test). */
struct stats_paired {
	size_t n;      /* pairs */
	double mean;   /* mean of the differences */
	double sd;     /* their sample standard deviation (0 with one pair) */
	double lo, hi; /* confidence interval of the mean (the mean itself when n < 2 or sd = 0) */
	double p;      /* two-sided p-value of "the mean is 0" (1 when n < 2; 0 or 1 when sd = 0) */
};

/* The paired t statistics of n differences d[] at confidence `conf`. 0, or -EINVAL when n = 0. */
int stats_paired(const double *d, size_t n, double conf, struct stats_paired *out);

/*
 * Adjusted p-values for n tests, in the input order, into adj[] (may alias p):
 * Holm's step-down (family-wise error) and Benjamini-Hochberg (false discovery
 * rate). Each is monotone and capped at 1. 0, -EINVAL on a p outside [0, 1], -ENOMEM.
 */
int stats_holm(const double *p, size_t n, double *adj);
int stats_bh(const double *p, size_t n, double *adj);

#endif
