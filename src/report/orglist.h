/*
 * The organization list of the live pages: a query (search, filters, sort, page) as the
 * server decoded it from /orgs?..., checked against the scan's method, and the page of a
 * summed sector it selects. Shared by the list's HTML and its JSON twin, so both hold the
 * same organizations in the same order.
 *
 * It reads no store and writes nothing: the caller loads the sector (sector.h) and renders.
 */
#ifndef VITALS_ORGLIST_H
#define VITALS_ORGLIST_H

#include <stddef.h>
#include <stdint.h>

#include "cohort.h"
#include "sector.h"

/* Organizations per page of the list. */
#define ORGLIST_PAGE_SIZE 50
/* Longest search text, in bytes. */
#define ORGLIST_Q_MAX 200
/* Highest page number accepted. */
#define ORGLIST_PAGE_MAX 100000

/*
 * A request's parameters, already percent-decoded by the server, each NULL or "" when
 * absent. The names are the query parameters of /orgs and /api/v1/orgs.
 */
struct page_query {
	const char *q;      /* search: a substring of the name, org_id or a domain, any case */
	const char *grade;  /* A, B, C, D, F or "none" (any case): the overall grade ... */
	const char *factor; /* ... or, with a factor id here, that factor's grade */
	const char *cohort; /* a cohort SPEC: key=value or a bare tag word (cohort.h) */
	const char *sort;   /* "name" (default), "score" (overall) or a factor id (its score) */
	const char *order;  /* "asc" (default) or "desc" */
	const char *page;   /* 1-based page number (default 1) */
	const char *scan;   /* a scan id (default the latest scan, store_latest_scan) */
};

/* A query checked against a method. */
struct orglist_spec {
	const char *q;           /* the search text, NULL for none */
	int grade;               /* the grade column (sector_grade_index) to keep, -1 for any */
	int grade_slot;          /* the slot the grade is read from: 0 overall, 1 + i factor i */
	int has_cohort;          /* 1 when cohort holds a filter */
	struct cohort cohort;    /* the cohort filter */
	int sort_slot;           /* -1 by name, 0 by overall score, 1 + i by factor i's score */
	int desc;                /* 1 for descending */
	long page;               /* 1-based */
	const char *cohort_text; /* the cohort as asked, for echoing; NULL for none */
};

/* The scan a query names into *scan_id (0 for the latest); -EINVAL with a message otherwise. */
int orglist_scan(const struct page_query *q, int64_t *scan_id, char *err, size_t errlen);

/*
 * Checks `q` against method `m` into *spec (which borrows q's strings). Returns 0, or
 * -EINVAL with a message fit to show a user (unknown grade, factor, sort key or order;
 * malformed cohort or page; search text too long).
 */
int orglist_parse(const struct page_query *q, const struct method *m, struct orglist_spec *spec, char *err,
                  size_t errlen);

/* One page of the list. */
struct orglist_page {
	const struct org_sum **v; /* the page's organizations, in order (borrowed from the sector) */
	size_t n;                 /* how many (at most ORGLIST_PAGE_SIZE) */
	size_t total;             /* organizations matching the filters, over all pages */
	long pages;               /* pages of matches (at least 1) */
};

/*
 * Selects the page `spec` asks of `s`: the organizations that match every filter, sorted
 * (ties by name, then org_id; organizations without the sorted score last either way),
 * then sliced. A page past the last is empty, not an error. Returns 0 or -ENOMEM;
 * orglist_page_free() the result.
 */
int orglist_select(const struct sector *s, const struct orglist_spec *spec, struct orglist_page *out);
void orglist_page_free(struct orglist_page *p);

#endif
