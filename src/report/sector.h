/*
 * A scan's organizations summed for the sector views: per organization its overall and
 * factor scores and grades, its findings of the method's checks by status, its domains
 * and tags; for the whole (a cohort's) sector the grade distributions, the score sums
 * behind the factor averages, and every check's findings by status. One pass shared by
 * `vitals report` and the live pages of `vitals serve`, so both count alike.
 *
 * It reads the store's brief of the scan (store_scan_summary: no evidence, no deductions),
 * so a sector of thousands loads in one pass. It does not grade (scores are read as stored
 * under the method asked) and writes nothing.
 */
#ifndef VITALS_SECTOR_H
#define VITALS_SECTOR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cohort.h"
#include "method.h"
#include "store.h"

/* Grade columns of the distributions: A to F, then "no score". */
#define SECTOR_GRADES 6
/* Slot 0 is the overall score; slot 1 + i is factor i of the method (at most FACTOR_MAX). */
#define SECTOR_SLOTS (1 + FACTOR_MAX)

/* 'A' 'B' 'C' 'D' 'F' '-' in column order. */
extern const char sector_grade_chars[SECTOR_GRADES];
/* "A" ... "F", "none" in column order. */
extern const char *const sector_grade_labels[SECTOR_GRADES];
/* The fill colour of each column's bars. */
extern const char *const sector_grade_colors[SECTOR_GRADES];

/* What the sector keeps of one organization. */
struct org_sum {
	char *org_id;             /* owned copy */
	char *name;               /* owned copy (the org_id when the store has no name) */
	int score[SECTOR_SLOTS];  /* overall, then per factor; -1 without a score */
	char grade[SECTOR_SLOTS]; /* 'A'..'F' as stored, '-' without a score */
	size_t nfail;             /* failing findings of the method's checks */
	size_t nind;              /* indeterminate findings of the method's checks */
	size_t npass;             /* passing findings of the method's checks */
	size_t ndomains;          /* its domains */
	json_t *domains;          /* its domains (a reference), for searching */
	json_t *tags;             /* its tags (a reference), for cohorts */
};

/* Findings of one check by status, in enum fstatus order. */
struct check_count {
	long n[4]; /* pass, fail, indeterminate, na */
};

struct sector {
	const struct method *m;                   /* the method the scores are read under */
	const struct cohort *cohort;              /* only this cohort's organizations; NULL: all */
	int64_t scan_id;                          /* the scan */
	json_t *info;                             /* scan metadata (store_scan_info) */
	struct org_sum *orgs;                     /* the organizations summed, stored order */
	size_t norgs;                             /* how many */
	size_t cap;                               /* room in orgs */
	long grades[SECTOR_SLOTS][SECTOR_GRADES]; /* grade distribution per slot */
	long sum[SECTOR_SLOTS];                   /* sum of scores per slot */
	long nscored[SECTOR_SLOTS];               /* organizations with a score per slot */
	struct check_count *checks;               /* per check of the method, same index */
};

/*
 * Sums scan `scan_id` under method `method` (0: the scan's own), of `cohort`'s
 * organizations only (NULL: all; the caller keeps it alive). Returns 0; -ENOENT for an
 * unknown scan (store_error says which); -EINVAL for an unknown method; -ENODATA when an
 * organization has no scores under that method; -ESRCH when no organization is in the
 * cohort; -ENOMEM; another store error. On failure *s is freed already.
 */
int sector_load(struct store *st, int64_t scan_id, int method, const struct cohort *cohort, struct sector *s);
/* Frees what sector_load made; a zeroed or half-loaded sector is fine. */
void sector_free(struct sector *s);

/* The slots in use: the overall score and the method's factors. */
int sector_nslots(const struct sector *s);
/* "Overall" for slot 0, the factor's title otherwise. */
const char *sector_slot_title(const struct sector *s, int slot);
/* The column of a grade character: 0 for 'A' ... 4 for 'F', 5 for anything else. */
int sector_grade_index(char g);
/* The slot of a factor id of `m` (1 + its index), or -1. */
int sector_factor_slot(const struct method *m, const char *factor);

#endif
