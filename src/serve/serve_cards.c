/*
 * The live scorecards in `vitals serve`: the sector overview (/), the organization list
 * (/orgs?q=&grade=&factor=&cohort=&sort=&order=&page=&scan=) and an organization's scorecard
 * (/orgs/{org_id}), and the list and scorecard as JSON (/api/v1/orgs, /api/v1/orgs/{org_id}).
 * The pages are report/pages.h's fragments in the server's layout; a bad query is a 400
 * naming the parameter, an unknown organization or scan a 404.
 *
 * The latest complete scan's sector (its sums, sector.h) is loaded once and kept: a
 * complete scan never changes, and reading 3,000 organizations from the store costs about a
 * second a page where the kept sector costs under a millisecond. A newer scan (or one still
 * running) replaces or bypasses it. The daemon has one thread, so the cache needs no lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"
#include "serve_int.h"

/* The kept sector: its scan id, 0 when none. */
static int64_t kept_scan;
static struct sector kept;

void serve_cards_free(void)
{
	if (kept_scan != 0)
		sector_free(&kept);
	kept_scan = 0;
}

/*
 * The sector a page of the latest scan may read: the kept one, or the latest complete scan's
 * loaded and kept now; NULL when the latest scan is still running (the page reads the store)
 * or cannot be summed (the page says why).
 */
static const struct sector *latest_sector(const struct serve *s)
{
	int64_t scan = 0;
	json_t *info = NULL;
	if (store_latest_scan(s->st, &scan) < 0)
		return NULL;
	if (scan == kept_scan)
		return &kept;
	if (store_scan_info(s->st, scan, &info) < 0)
		return NULL;
	const char *status = json_string_value(json_object_get(info, "status"));
	int complete = status != NULL && strcmp(status, "complete") == 0;
	json_decref(info);
	if (!complete)
		return NULL;
	serve_cards_free();
	if (sector_load(s->st, scan, 0, NULL, &kept) < 0)
		return NULL;
	kept_scan = scan;
	return &kept;
}

static const char *arg(struct MHD_Connection *c, const char *key)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

static struct page_query query_of(struct MHD_Connection *c)
{
	return (struct page_query){.q = arg(c, "q"),
	                           .grade = arg(c, "grade"),
	                           .factor = arg(c, "factor"),
	                           .cohort = arg(c, "cohort"),
	                           .sort = arg(c, "sort"),
	                           .order = arg(c, "order"),
	                           .page = arg(c, "page"),
	                           .scan = arg(c, "scan")};
}

/* The HTTP answer to a page function's error. */
static enum MHD_Result failed(struct MHD_Connection *c, const struct serve *s, int rc, const char *err,
                              int json)
{
	if (rc == -EINVAL)
		return http_error(c, s, 400, err[0] ? err : "The query is not valid.", json);
	if (rc == -ENOENT)
		return http_error(c, s, 404, err[0] ? err : "Not found.", json);
	if (rc == -ENODATA)
		return http_error(c, s, 404, "That scan has organizations without scores under its method.",
		                  json);
	return http_error(c, s, 500, "The scorecards could not be read.", json);
}

typedef int (*fragment_fn)(FILE *out, const struct serve *s, const char *org_id, const struct page_query *q,
                           char *err, size_t errlen);

static int overview_fn(FILE *out, const struct serve *s, const char *org_id, const struct page_query *q,
                       char *err, size_t errlen)
{
	(void)org_id;
	return page_overview(out, s->st, q->scan ? NULL : latest_sector(s), q, err, errlen);
}

static int list_fn(FILE *out, const struct serve *s, const char *org_id, const struct page_query *q,
                   char *err, size_t errlen)
{
	(void)org_id;
	return page_org_list(out, s->st, q->scan ? NULL : latest_sector(s), q, err, errlen);
}

static int org_fn(FILE *out, const struct serve *s, const char *org_id, const struct page_query *q, char *err,
                  size_t errlen)
{
	return page_org(out, s->st, org_id, q, err, errlen);
}

/* An organization's program, next to its scorecard. */
static void program_links(FILE *f, const char *org_id)
{
	fputs("<p class=\"notice\">Found a vulnerability? Read the <a href=\"/orgs/", f);
	url_seg(f, org_id);
	fputs("/program\">disclosure program</a> and <a href=\"/orgs/", f);
	url_seg(f, org_id);
	fputs("/report\">report it</a>; its <a href=\"/orgs/", f);
	url_seg(f, org_id);
	fputs("/security.txt\">security.txt</a>.</p>\n", f);
}

/* A fragment into a memory stream; on success, in the layout under `title`. */
static enum MHD_Result fragment_page(struct MHD_Connection *c, const struct serve *s, const char *title,
                                     fragment_fn fn, const char *org_id)
{
	struct page_query q = query_of(c);
	char err[256] = "", *buf = NULL;
	size_t len = 0;
	struct page pg;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return http_error(c, s, 500, "Out of memory.", 0);
	int rc = fn(f, s, org_id, &q, err, sizeof err);
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc < 0) {
		free(buf);
		return failed(c, s, rc, err, 0);
	}
	if (page_begin(&pg, title) < 0) {
		free(buf);
		return http_error(c, s, 500, "Out of memory.", 0);
	}
	fwrite(buf, 1, len, pg.f);
	free(buf);
	if (org_id != NULL)
		program_links(pg.f, org_id);
	return page_send(c, s, &pg, 200, 0);
}

enum MHD_Result serve_overview(struct MHD_Connection *c, const struct serve *s)
{
	return fragment_page(c, s, "Sector overview", overview_fn, NULL);
}

enum MHD_Result serve_org_list(struct MHD_Connection *c, const struct serve *s, int json)
{
	if (!json)
		return fragment_page(c, s, "Organizations", list_fn, NULL);
	struct page_query q = query_of(c);
	char err[256] = "";
	json_t *doc = NULL;
	int rc = page_org_list_json(s->st, q.scan ? NULL : latest_sector(s), &q, &doc, err, sizeof err);
	return rc < 0 ? failed(c, s, rc, err, 1) : http_json(c, s, 200, doc, 0);
}

enum MHD_Result serve_scorecard(struct MHD_Connection *c, const struct serve *s, const char *org_id, int json)
{
	if (!json) {
		json_t *org = serve_org(s, org_id);
		const char *name = json_string_value(json_object_get(org, "name"));
		char title[300];
		snprintf(title, sizeof title, "%s", name ? name : org_id);
		json_decref(org);
		return fragment_page(c, s, title, org_fn, org_id);
	}
	struct page_query q = query_of(c);
	char err[256] = "";
	json_t *doc = NULL;
	int rc = page_org_json(s->st, org_id, &q, &doc, err, sizeof err);
	return rc < 0 ? failed(c, s, rc, err, 1) : http_json(c, s, 200, doc, 0);
}
