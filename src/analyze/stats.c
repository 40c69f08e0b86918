/* Statistics for comparing scans, on GSL's distribution functions. */
#include "stats.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int stats_wilson(long k, long n, double conf, double *lo, double *hi)
{
	if (k < 0 || n < 0 || k > n || !(conf > 0 && conf < 1))
		return -EINVAL;
	if (n == 0) {
		*lo = 0;
		*hi = 1;
		return 0;
	}
	double z = gsl_cdf_ugaussian_Pinv(1 - (1 - conf) / 2), z2 = z * z;
	double p = (double)k / (double)n, den = 1 + z2 / n;
	double centre = (p + z2 / (2.0 * n)) / den;
	double half = z * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / den;
	*lo = centre - half < 0 ? 0 : centre - half;
	*hi = centre + half > 1 ? 1 : centre + half;
	/* Exact at the ends: no rounding below 0 successes or above n. */
	if (k == 0)
		*lo = 0;
	if (k == n)
		*hi = 1;
	return 0;
}

double stats_mcnemar(long b, long c, int *exact)
{
	if (b < 0 || c < 0)
		return -1;
	long n = b + c;
	*exact = n < 25;
	if (n == 0)
		return 1;
	if (*exact) {
		double p = 2 * gsl_cdf_binomial_P((unsigned)(b < c ? b : c), 0.5, (unsigned)n);
		return p > 1 ? 1 : p;
	}
	double diff = fabs((double)(b - c)) - 1;
	return gsl_cdf_chisq_Q(diff * diff / (double)n, 1);
}

int stats_paired(const double *d, size_t n, double conf, struct stats_paired *out)
{
	if (n == 0 || !(conf > 0 && conf < 1))
		return -EINVAL;
	double sum = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		sum += d[i];
	double mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (d[i] - mean) * (d[i] - mean);
	struct stats_paired r = {.n = n, .mean = mean, .lo = mean, .hi = mean, .p = 1};
	r.sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	if (n > 1 && r.sd > 0) {
		double se = r.sd / sqrt((double)n), df = (double)(n - 1);
		double t = gsl_cdf_tdist_Pinv(1 - (1 - conf) / 2, df);
		r.lo = mean - t * se;
		r.hi = mean + t * se;
		r.p = 2 * gsl_cdf_tdist_Q(fabs(mean) / se, df);
		r.p = r.p > 1 ? 1 : r.p;
	} else if (n > 1) {
		/* Every difference equal: no doubt at all, whichever way. */
		r.p = mean == 0 ? 1 : 0;
	}
	*out = r;
	return 0;
}

/* Indices 0..n-1 sorted by ascending p (ties in input order). */
struct ranked {
	double p;   /* the p-value */
	size_t idx; /* its input position */
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static struct ranked *rank(const double *p, size_t n, int *rc)
{
	*rc = 0;
	for (size_t i = 0; i < n; i++)
		if (!(p[i] >= 0 && p[i] <= 1)) {
			*rc = -EINVAL;
			return NULL;
		}
	struct ranked *r = malloc((n ? n : 1) * sizeof *r);
	if (r == NULL) {
		*rc = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		r[i] = (struct ranked){p[i], i};
	qsort(r, n, sizeof *r, ranked_cmp);
	return r;
}

int stats_holm(const double *p, size_t n, double *adj)
{
	int rc;
	struct ranked *r = rank(p, n, &rc);
	if (r == NULL)
		return rc;
	double run = 0;
	for (size_t i = 0; i < n; i++) {
		double a = (double)(n - i) * r[i].p;
		run = a > run ? a : run; /* step-down: never below an earlier one */
		adj[r[i].idx] = run > 1 ? 1 : run;
	}
	free(r);
	return 0;
}

int stats_bh(const double *p, size_t n, double *adj)
{
	int rc;
	struct ranked *r = rank(p, n, &rc);
	if (r == NULL)
		return rc;
	double run = 1;
	for (size_t i = n; i-- > 0;) {
		double a = (double)n / (double)(i + 1) * r[i].p;
		run = a < run ? a : run; /* step-up: never above a later one */
		adj[r[i].idx] = run;
	}
	free(r);
	return 0;
}
