/*
 * Tallies over a set of organizations (a sector, a cohort, one scan of a trend): how many,
 * their overall grade distribution, the mean score per factor, and failing findings per
 * organization and per domain. One piece of arithmetic shared by the report's cohort
 * sections, `vitals show --cohort` and `vitals trend`, so the three agree to the digit.
 *
 * It reads scores as given (stored or re-graded by the caller); it never grades, queries
 * the store or prints.
 */
#ifndef VITALS_TALLY_H
#define VITALS_TALLY_H

#include <jansson.h>
#include <stddef.h>

#include "method.h"

/* Slot 0 is the overall score; slot 1 + i is factor i of the method. */
#define TALLY_SLOTS (1 + FACTOR_MAX)
/* Grade columns: A to F, then "no score". */
#define TALLY_GRADES 6

/* What a tally needs of one organization. */
struct tally_org {
	int score[TALLY_SLOTS]; /* overall, then per factor; -1 without a score */
	size_t nfail;           /* failing findings of the method's checks */
	size_t ndomains;        /* its domains */
};

struct tally {
	const struct method *m;    /* the method whose factors the slots follow */
	long norgs;                /* organizations added */
	long grades[TALLY_GRADES]; /* overall grade distribution, A..F then none */
	long sum[TALLY_SLOTS];     /* sum of scores per slot */
	long nscored[TALLY_SLOTS]; /* organizations with a score per slot */
	long nfail;                /* failing findings over all organizations */
	long ndomains;             /* domains over all organizations */
};

/*
 * Reads one organization (store_load_org JSON: findings, domains) with its scorecard
 * `scores` ({score, factors: {id: {score}}}, as stored or from scorecard_to_json) under
 * `m`. Returns 0, or -ENODATA when `scores` is not an object.
 */
int tally_org_read(const struct method *m, const json_t *org, const json_t *scores, struct tally_org *out);
void tally_init(struct tally *t, const struct method *m);
void tally_add(struct tally *t, const struct tally_org *o);
/* The mean score of a slot into *out; -ENODATA when no organization has one there. */
int tally_mean(const struct tally *t, int slot, double *out);
/* Failing findings per organization, and per domain; 0 over nothing. */
double tally_per_org(const struct tally *t);
double tally_per_domain(const struct tally *t);
/* The grade column of a score (-1: none): 0 for A ... 4 for F, 5 for none. */
int tally_grade_index(int score);

#endif
