/*
 * `vitals show`: one organization's scorecard for a terminal, from the JSON that
 * store_load_org() returns. It prints the overall and per-factor grades, every failing
 * finding with the points it cost and its evidence on one line (largest loss first),
 * and a summary of what could not be determined and why.
 *
 * With a cohort, it prints one line per organization and the cohort's summary instead.
 *
 * It only formats: it does not query the store, grade, or decide exit codes. Text that
 * came from the network (details, evidence, names) is stripped of control characters
 * so a hostile banner cannot drive the terminal.
 */
#ifndef VITALS_SHOW_H
#define VITALS_SHOW_H

#include <jansson.h>
#include <stdio.h>

#include "method.h"
#include "tally.h"

/* A failing finding and the points it cost. */
struct loss {
	const json_t *finding; /* the finding object, borrowed from the organization JSON */
	double points;         /* the sum of its deductions (weight and cap) in the scorecard */
	int rolled_up; /* costs nothing because another finding of its check stands for it (roll-up) */
};

/*
 * The failing findings of a stored organization (store_load_org JSON), largest loss
 * first, then by check id and domain. *out is allocated (free() it) and borrows from
 * `org`. Shared with the HTML report so both list failures alike. Returns 0, -EINVAL
 * without a findings array, or -ENOMEM.
 */
int show_losses(const json_t *org, struct loss **out, size_t *n);

/*
 * Writes the scorecard of `org` ({scan, org_id, name, domains, findings, scores,
 * started, finished}) to `out`; ANSI colour only when `color` is 1.
 * Returns 0, -EINVAL when `org` lacks org_id or findings, -ENOMEM, or -EIO when
 * writing failed.
 */
int show_org(FILE *out, const json_t *org, int color);

/*
 * `vitals show --cohort`: one line for an organization of the cohort (its id, overall and
 * factor grades and scores from `t`, failing findings, name), and the cohort's summary
 * (organizations, grade distribution, averages, failing findings per organization and per
 * domain). Return 0 or -EIO.
 */
int show_cohort_line(FILE *out, const struct method *m, const json_t *org, const struct tally_org *t);
int show_cohort_summary(FILE *out, const char *cohort, long long scan, const struct tally *t);

#endif
