/*
 * The result store: organizations, scans, observations, findings and scores.
 * One backend per file (store_sqlite.c now; PostgreSQL later) behind the
 * functions below. SQLite runs in WAL mode; each organization's results are
 * written in one transaction as the organization completes, so a killed scan
 * loses nothing already reported. The schema is documented in docs/SCHEMA.md.
 *
 * Library code: returns negative errno-style codes and keeps a message for the
 * caller (store_error); never prints, never exits.
 */
#ifndef VITALS_STORE_H
#define VITALS_STORE_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "finding.h"
#include "grade.h"
#include "targets.h"

struct store;

/* What `vitals scan` knows about one organization when it has finished. */
struct org_result {
	const char *org_id;            /* the targets file's org_id */
	const char *name;              /* organization name */
	const char *const *domains;    /* its domains */
	size_t ndomains;               /* how many */
	const struct target_tag *tags; /* its tags (may be NULL when ntags is 0) */
	size_t ntags;                  /* how many */
	json_t *observations;          /* JSON array: one observation document per domain */
	struct findings findings;      /* analyzer output over all domains */
	struct scorecard score;        /* graded findings */
	time_t started, finished;      /* wall-clock times of its scan */
};

/* Opens (creating if needed) the database at `path`; checks it is writable. */
int store_open(const char *path, struct store **out);
/*
 * Opens an existing database for reading only, never writing to it: on a read-only
 * file, in a read-only directory or on a read-only mount. A user who may not write
 * beside the file creates nothing there (SQLite "immutable" when no -wal content is
 * left, the existing -wal and -shm when a writer is at work). Every writing function
 * then fails.
 */
int store_open_readonly(const char *path, struct store **out);
struct store *store_close(struct store *st);
/* The last error message, never NULL. */
const char *store_error(const struct store *st);

/* Records a new scan (status "running") and returns its id. `args` is a JSON object of options. */
int store_scan_begin(struct store *st, int method, const json_t *args, int64_t *scan_id);
/* Marks a scan "complete" or "interrupted" with counts. */
int store_scan_end(struct store *st, int64_t scan_id, const char *status, int orgs_done);
/* Stores one organization's observations, findings and scores in one transaction. */
int store_org_result(struct store *st, int64_t scan_id, const struct org_result *r);

/*
 * Claims a scan for this process: -EBUSY when another process holds it, through
 * whatever path to the same file. The claim lasts until store_close or the end of the
 * process, however it ends.
 */
int store_scan_claim(struct store *st, int64_t scan_id);
/* Marks a claimed scan "running" again (a resume), its end time cleared. */
int store_scan_reopen(struct store *st, int64_t scan_id);
/*
 * Counts of a scan as stored: {organizations, grades: {A..F, none} under `method`,
 * findings: {pass, fail, indeterminate, na}}. Caller json_decref()s.
 */
int store_scan_counts(struct store *st, int64_t scan_id, int method, json_t **out);

/*
 * The scan to read by default: the newest complete scan with organizations; without one,
 * the newest with organizations; then the newest. -ENOENT if there is none.
 */
int store_latest_scan(struct store *st, int64_t *scan_id);
/* Every scan id in the store, oldest first; caller json_decref()s the array. */
int store_scan_list(struct store *st, json_t **scan_ids);
/* The organization ids of a scan in stored order; caller json_decref()s the array. */
int store_scan_orgs(struct store *st, int64_t scan_id, json_t **org_ids);
/*
 * Loads one organization's stored result: {org_id, name, domains:[...], tags:{key: value},
 * findings:[...], scores: <scorecard json>, started, finished} (scores as stored under the given method;
 * method 0 means the scan's own). Caller json_decref()s.
 */
int store_load_org(struct store *st, int64_t scan_id, const char *org_id, int method, json_t **out);
/*
 * The scan's organizations in brief, one at a time in stored order, for views of a whole
 * sector: `each` gets {org_id, name, domains, tags, scores: {method, score, grade, factors:
 * {id: {score, grade}}} (null without scores under `method`, 0: the scan's own), counts:
 * {check_id: [pass, fail, indeterminate, na]}}, borrowed for the call. No evidence, detail
 * or deduction is read and nothing is kept, so a sector of thousands is read quickly in
 * little memory. Returns 0, the first negative value `each` returns, or a store error.
 */
int store_scan_summary(struct store *st, int64_t scan_id, int method,
                       int (*each)(const json_t *org, void *arg), void *arg);
/* Scan metadata: {id, started, finished, status, method, args, orgs}. */
int store_scan_info(struct store *st, int64_t scan_id, json_t **out);
/* Replaces a scan's scores for one organization under `method` (used by rescore). */
int store_replace_scores(struct store *st, int64_t scan_id, const char *org_id, int method,
                         const json_t *scorecard);

#endif
