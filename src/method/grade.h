/*
 * The grader: from findings to factor scores, an overall score and A-F grades,
 * under one methodology version. It reads only findings (never observations), so
 * `vitals rescore` can re-grade any stored scan without the network.
 *
 * A factor's score is the weighted pass rate of its determinate findings
 * (pass and fail; indeterminate and not-applicable never count), rounded, then
 * lowered to the smallest cap among its failed checks. Every point lost is
 * recorded as a deduction naming the finding that caused it.
 */
#ifndef VITALS_GRADE_H
#define VITALS_GRADE_H

#include "finding.h"
#include "method.h"

struct deduction {
	size_t finding; /* index into the findings that were graded */
	double points;  /* points this finding cost its factor */
	int by_cap;     /* 1 when the points come from the check's cap */
};

struct factor_score {
	int has_score;         /* 0 when no determinate finding exists: no score, no grade */
	int score;             /* 0-100 */
	char grade;            /* 'A'..'F', or '-' without a score */
	int passed, failed;    /* determinate findings counted */
	int indeterminate, na; /* findings that did not count */
	struct deduction *ded; /* the deductions, largest first */
	size_t nded;           /* how many */
};

struct scorecard {
	int method;                        /* methodology version used */
	int has_score;                     /* 0 when no factor has a score */
	int score;                         /* overall 0-100: factor-weighted mean of scored factors */
	char grade;                        /* overall grade or '-' */
	size_t nfactors;                   /* the method's factor count */
	struct factor_score f[FACTOR_MAX]; /* per factor, in the method's factor order */
};

/*
 * Grades `fs` under `m`. Findings whose check is not in `m` are ignored.
 * Returns 0 or -ENOMEM; on failure `out` is untouched.
 */
int grade_findings(const struct method *m, const struct findings *fs, struct scorecard *out);
void scorecard_free(struct scorecard *sc);
/*
 * The scorecard as JSON: {method, score, grade, factors: {id: {score, grade, deductions:[...]}},
 * coverage: {determinate, of, percent, domains: {domain: {determinate, of}}}}; coverage
 * counts the method's checks that apply (not na) and how many of them were determined.
 */
json_t *scorecard_to_json(const struct method *m, const struct findings *fs, const struct scorecard *sc);

#endif
