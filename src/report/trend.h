/*
 * `vitals trend`: the sector (or a cohort) over every complete scan of the same targets,
 * in time order: per scan the organizations, the mean score per factor and overall, and
 * failing findings per organization, all under one methodology version (the newest among
 * the scans). A scan with no stored scores under that version is re-graded in memory from
 * its stored findings; the store is never written. Written as CSV and as a self-contained
 * HTML page with one inline SVG line chart per factor and one for findings per organization.
 *
 * It does not compare two scans with statistics (that is `vitals compare`) and does not
 * decide exit codes.
 */
#ifndef VITALS_TREND_H
#define VITALS_TREND_H

#include <stdint.h>
#include <stdio.h>

#include "cohort.h"
#include "store.h"
#include "tally.h"

/* One scan of the trend. */
struct trend_point {
	int64_t scan_id; /* the scan */
	int64_t started; /* when it started (Unix time) */
	int own_method;  /* the method it was graded under when it ran */
	int regraded;    /* 1 when some scores were computed in memory for the trend's method */
	struct tally t;  /* its (cohort's) organizations */
};

struct trend {
	const struct method *m;   /* the one method every point is read under */
	struct trend_point *pts;  /* the scans, oldest first */
	size_t n;                 /* how many */
	const struct cohort *coh; /* the cohort, or NULL for every organization */
	const char *org;          /* one organization alone (trend_load_org), or NULL */
};

/*
 * Gathers the complete scans whose stored targets_sha256 is that of scan `ref`, oldest
 * first, restricted to `coh` (NULL: all). Returns 0; -ENOENT when `ref` does not exist or
 * no complete scan shares its targets (store_error says which); -ESRCH when no organization
 * of those scans is in the cohort; -EINVAL when a scan's method is unknown to this build or
 * a stored finding is malformed; -ENOMEM; another store error.
 */
int trend_load(struct store *st, int64_t ref, const struct cohort *coh, struct trend *out);
/*
 * The same trend of one organization alone (an organization's history): a point per scan,
 * whose tally holds that organization or, in a scan without it, nothing. Returns as
 * trend_load, without -ESRCH: a scan that lacks the organization is an empty point.
 */
int trend_load_org(struct store *st, int64_t ref, const char *org_id, struct trend *out);
void trend_free(struct trend *t);
/*
 * CSV, one line per scan after the header
 * scan_id,started,method,organizations,<factor ids>,overall,findings_per_org:
 * started in UTC (ISO 8601), method the trend's, means with two decimals (empty when no
 * organization has a score). Returns 0 or -EIO.
 */
int trend_csv(FILE *out, const struct trend *t);
/* The HTML page. Returns 0 or -EIO. */
int trend_html(FILE *out, const struct trend *t);

#endif
