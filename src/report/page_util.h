/*
 * What the live pages (pages.c, page_org.c, pages_json.c) share and the server does not
 * need: finding the scan a query names, turning a store error into the caller's message,
 * an organization's stored scorecard read for its page, and its history.
 */
#ifndef VITALS_PAGE_UTIL_H
#define VITALS_PAGE_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "orglist.h"
#include "sector.h"
#include "show.h"
#include "store.h"
#include "trend.h"

/* The scan of q->scan, or the latest; -EINVAL (bad number) or -ENOENT with a message. */
int page_scan(struct store *st, const struct page_query *q, int64_t *scan_id, char *err, size_t errlen);
/* Returns rc with store_error(st) as the message. */
int page_store_err(struct store *st, int rc, char *err, size_t errlen);

/*
 * The sector a query reads into *use: `cached` when the query names no scan or cached's own,
 * else the scan q names (or the latest) loaded into *own. sector_free(own) afterwards either
 * way. 0, or -EINVAL / -ENOENT / a store error with a message.
 */
int page_sector(struct store *st, const struct sector *cached, const struct page_query *q, struct sector *own,
                const struct sector **use, char *err, size_t errlen);

/* One organization as its scorecard shows it. */
struct page_org {
	int64_t scan_id;        /* the scan */
	json_t *org;            /* store_load_org's JSON under the scan's own method */
	const struct method *m; /* that method */
	struct loss *losses;    /* its failing findings, largest loss first */
	size_t nlosses;         /* how many */
	struct trend hist;      /* its history; hist.n == 0 when there is none */
};

/*
 * Loads `org_id` of the scan q names into *p. 0; -ENOENT for an unknown scan or
 * organization; -EINVAL for a bad scan number; another store error; each with a message.
 */
int page_org_load(struct store *st, const char *org_id, const struct page_query *q, struct page_org *p,
                  char *err, size_t errlen);
void page_org_free(struct page_org *p);

/* The score of a scorecard JSON object ({score}), or -1. */
int page_score(const json_t *obj);
/* Its grade letter, re-derived from the score unless stored as a known letter; '-' without. */
char page_grade(const json_t *obj);
/* The score of history point `i` in slot (0 overall, 1 + i factor), or -1 when absent. */
int page_hist_score(const struct trend *t, size_t i, int slot);

#endif
