/*
 * `vitals compare`: what changed between two scans of the same sector, and whether
 * the change is larger than chance. Both scans are read under one methodology
 * version (findings re-graded in memory, nothing written, when a scan was graded
 * under another), over the organizations present in both (and in the cohort, when
 * one is given). The result is one JSON document whose members docs/COMPARE.md
 * explains; compare_html.c draws it as a self-contained page.
 *
 * Loading (compare_side_load: the store) is split from computing (compare_side_add
 * and compare_build: pure), so tests feed canned organizations. The statistics come
 * from stats.h and the cohort rule from cohort.h; this module does not print.
 */
#ifndef VITALS_COMPARE_H
#define VITALS_COMPARE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "cohort.h"
#include "method.h"
#include "store.h"

/* Organizations listed as regressed and as improved, each. */
#define COMPARE_TOP 10
/* Slot 0 is the overall score, slot 1 + i factor i of the method. */
#define COMPARE_SLOTS (1 + FACTOR_MAX)

enum compare_correction {
	COMPARE_HOLM = 0, /* Holm's step-down: family-wise error rate */
	COMPARE_BH,       /* Benjamini-Hochberg: false discovery rate */
};

struct compare_opts {
	int method;                         /* methodology version; 0: the newer of the two scans' */
	const struct cohort *cohort;        /* only organizations in this cohort; NULL: all */
	enum compare_correction correction; /* for the per-check tests */
	double alpha;                       /* significance level (0.05) */
};

/* A failing or passing finding as the comparison keeps it (evidence dropped). */
struct compare_finding {
	const struct check_def *check; /* the method's row */
	char *domain;                  /* owned */
	char *endpoint;                /* owned, or NULL */
	char *detail;                  /* owned */
	int status;                    /* enum fstatus */
};

/* One organization of one scan, graded under the comparison's method. */
struct compare_org {
	char *org_id;              /* owned */
	char *name;                /* owned */
	json_t *tags;              /* owned reference: {key: value} */
	size_t ndomains;           /* its domains */
	int score[COMPARE_SLOTS];  /* overall, then per factor; -1 without a score */
	char grade;                /* overall 'A'..'F' or '-' */
	struct compare_finding *f; /* its findings of the method's checks */
	size_t nf;                 /* how many */
};

/* One scan's side of the comparison. */
struct compare_side {
	const struct method *m; /* the method its organizations are graded under */
	json_t *info;           /* store_scan_info, owned reference */
	int rescored;           /* 1 when graded in memory under m (the scan's own differs) */
	struct compare_org *o;  /* organizations, in stored order */
	size_t n;               /* how many */
	size_t cap;             /* allocated */
};

/*
 * Adds one organization (store_load_org's JSON: org_id, name, domains, tags, findings,
 * scores) to `s`, re-grading its findings under s->m when s->rescored, else reading
 * its stored scores. 0, -EINVAL (malformed), -ENOMEM.
 */
int compare_side_add(struct compare_side *s, const json_t *org);
void compare_side_clear(struct compare_side *s);

/*
 * Loads scan `scan_id` from the store under method `m` into `s` (info, every
 * organization). 0; -ENOENT no such scan; -EAGAIN the scan is still running; -EINVAL
 * malformed; -ENOMEM; other negative codes from the store. The message is in err.
 */
int compare_side_load(struct store *st, int64_t scan_id, const struct method *m, struct compare_side *s,
                      char *err, size_t errlen);

/*
 * The comparison of two loaded sides as JSON (the contract in docs/COMPARE.md). 0;
 * -EXDEV the scans are of different target sets; -ESRCH no organization of either scan
 * is in the cohort; -ENOMEM. The message is in err.
 */
int compare_build(const struct compare_side *base, const struct compare_side *scan,
                  const struct compare_opts *o, json_t **out, char *err, size_t errlen);

/*
 * The whole comparison from a store: the method (o->method, or the newer of the two
 * scans'), both sides, then compare_build. Codes as above; -ENOENT names the scan.
 */
int compare_scans(struct store *st, int64_t base, int64_t scan, const struct compare_opts *o, json_t **out,
                  char *err, size_t errlen);

/* The comparison as a self-contained HTML page (no script, no network). 0 or -EIO. */
int compare_html(FILE *out, const json_t *cmp);
/* A short human summary of the comparison. 0 or -EIO. */
int compare_summary(FILE *out, const json_t *cmp);

#endif
