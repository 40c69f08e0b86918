/*
 * The live scorecards of `vitals serve`, written by the same pieces as `vitals report`
 * (cards.c): the sector overview (/), the organization list (/orgs?...) and an
 * organization's scorecard (/orgs/{org_id}), as HTML fragments, and the list and the
 * scorecard as JSON for /api/v1.
 *
 * A fragment is the content of <main>: no <html>, <head> or <body>; the server wraps it
 * in its layout, which links style_sheet() (style.h) as /assets/vitals.css. Fragments carry
 * no script, no <style> and no style attribute (the pages' Content-Security-Policy allows
 * neither), escape every string from targets or the network, and link with the server's
 * URL scheme, org ids percent-encoded. The list's form is a plain GET form.
 *
 * Every function checks its query before it writes anything, reads the store (the latest
 * scan unless the query names one) and returns 0; -EINVAL for a bad query, with a message
 * in `err` fit for a 400 answer; -ENOENT for an unknown organization or scan (404);
 * another negative errno for a store or output error (`err` says what). On an error the
 * caller discards whatever was written to `out` (write into a memory stream). Nothing here
 * serves HTTP, caches or writes to the store.
 */
#ifndef VITALS_PAGES_H
#define VITALS_PAGES_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "orglist.h"
#include "sector.h"
#include "store.h"

/*
 * The overview, the list and the list's JSON read a whole scan's sector (sector.h). A
 * complete scan never changes, so a server may load the latest once (sector_load, scan
 * store_latest_scan, method 0) and pass it as `cached` to every request, then load anew when
 * a newer scan completes; a query that names another scan, or a NULL `cached`, reads the
 * store. The functions only read `cached`, so requests on several threads may share it.
 */

/* Scans listed in an organization's history, newest last. */
#define PAGES_HISTORY_MAX 24

/* The sector overview: the scan, grade distributions, factor averages, checks, cohorts. */
int page_overview(FILE *out, struct store *st, const struct sector *cached, const struct page_query *q,
                  char *err, size_t errlen);
/* The organization list: its GET form, a page of organizations, sorting links and a pager. */
int page_org_list(FILE *out, struct store *st, const struct sector *cached, const struct page_query *q,
                  char *err, size_t errlen);
/*
 * One organization's scorecard: grades, failing findings with points, severity and
 * evidence, its other findings, its assets with why each is its own, and its history
 * over the scans of the same targets. Only q->scan of `q` is read (NULL: the latest).
 */
int page_org(FILE *out, struct store *st, const char *org_id, const struct page_query *q, char *err,
             size_t errlen);

/*
 * The JSON twins, into *out (caller json_decref()s):
 * list:  {scan, method, page, pages, page_size, total, query: {...as checked},
 *         organizations: [{org_id, name, url, domains, tags, score, grade,
 *                          factors: {id: {score, grade}}, failing, coverage}]}
 * org:   {scan, method, org_id, name, url, domains, tags, started, finished, score, grade,
 *         factors: {id: {title, weight, score, grade, passed, failed, indeterminate, na}},
 *         coverage, findings: [{check, factor, severity, status, reason, domain, endpoint,
 *         detail, evidence, points, rolled_up}], assets: [{host|addr, why, addrs}],
 *         history: {method, scans: [{scan, started, score, grade, factors: {id: score}}]}}
 * (a score or grade without a value is null).
 */
int page_org_list_json(struct store *st, const struct sector *cached, const struct page_query *q,
                       json_t **out, char *err, size_t errlen);
int page_org_json(struct store *st, const char *org_id, const struct page_query *q, json_t **out, char *err,
                  size_t errlen);

#endif
