/*
 * The live scorecard pages (pages.h) on a canned store built through the store API:
 * the organization list's filters, search, sort and pagination (HTML and JSON alike),
 * an organization's scorecard with findings, evidence, assets and history, the overview,
 * escaping, percent-encoded links, query errors, and no inline style anywhere.
 *
 * Scan 1 (targets "aaa", complete): h1 bad. Scan 2 (targets "aaa", complete, the latest):
 * h1 "Saint Mary <script>..." hospital, all good (A 100); "c&2/x" clinic, mixed; and
 * bulk000..bulk109 clinics whose profile is i % 3: 0 good (A 100), 1 mixed (C 71: appsec
 * fails), 2 bad (F). 112 organizations in scan 2.
 */
#include "pages.h"
#include "style.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/vitals-test-pages-XXXXXX";
static char dbpath[256];

static void add_good(struct findings *fs, const char *d)
{
	findings_add(fs, "dns.spf.all", d, FS_PASS, NULL, NULL, "SPF ends in -all");
	findings_add(fs, "dns.caa.present", d, FS_PASS, NULL, NULL, "CAA published");
	findings_add(fs, "tls.https.available", d, FS_PASS, NULL, NULL, "HTTPS offered");
	findings_add(fs, "web.csp", d, FS_PASS, NULL, NULL, "CSP set");
	findings_add(fs, "web.hsts", d, FS_INDETERMINATE, "timeout", NULL, "timed out");
}

static void add_mixed(struct findings *fs, const char *d)
{
	findings_add(fs, "dns.spf.all", d, FS_PASS, NULL, NULL, "SPF ends in -all");
	findings_add(fs, "dns.caa.present", d, FS_PASS, NULL, NULL, "CAA published");
	findings_add(fs, "tls.https.available", d, FS_PASS, NULL, NULL, "HTTPS offered");
	findings_add(fs, "web.csp", d, FS_FAIL, NULL, json_pack("{s:s}", "server", "<b>nginx</b>"), "no CSP");
}

static void add_bad(struct findings *fs, const char *d)
{
	findings_add(fs, "dns.spf.all", d, FS_FAIL, NULL, json_pack("{s:[s]}", "records", "v=spf1 +all"),
	             "SPF ends in +all");
	findings_add(fs, "dns.caa.present", d, FS_PASS, NULL, NULL, "CAA published");
	findings_add(fs, "tls.https.available", d, FS_FAIL, NULL, NULL, "no HTTPS <script>x</script>");
	findings_add(fs, "web.csp", d, FS_FAIL, NULL, NULL, "no CSP");
}

typedef void (*profile)(struct findings *, const char *);

static void store_org(struct store *st, int64_t scan, const char *id, const char *name, const char *dom,
                      const char *type, profile add)
{
	const char *doms[] = {dom};
	struct target_tag tags[1] = {{"type", (char *)type}};
	struct org_result r = {.org_id = id,
	                       .name = name,
	                       .domains = doms,
	                       .ndomains = 1,
	                       .tags = tags,
	                       .ntags = 1,
	                       .started = 1790000000 + scan * 86400,
	                       .finished = 1790000010 + scan * 86400};
	r.observations =
	    json_pack("[{s:s, s:[{s:s, s:[{s:s, s:s}], s:{s:[s]}}]}]", "domain", dom, "assets", "host", dom,
	              "why", "reason", "apex", "of", dom, "a", "records", "127.1.0.1");
	add(&r.findings, dom);
	grade_findings(method_current(), &r.findings, &r.score);
	store_org_result(st, scan, &r);
	json_decref(r.observations);
	scorecard_free(&r.score);
	findings_clear(&r.findings);
}

static int64_t new_scan(struct store *st)
{
	int64_t id = 0;
	json_t *args = json_pack("{s:s}", "targets_sha256", "aaa");
	store_scan_begin(st, method_current()->version, args, &id);
	json_decref(args);
	return id;
}

static const char h1_name[] = "Saint Mary <script>alert(1)</script> Hospital";

static void build(struct store *st)
{
	int64_t s = new_scan(st);
	store_org(st, s, "h1", h1_name, "stmary.test", "hospital", add_bad);
	store_scan_end(st, s, "complete", 1);
	s = new_scan(st);
	store_org(st, s, "h1", h1_name, "stmary.test", "hospital", add_good);
	store_org(st, s, "c&2/x", "Clinic & Co", "clinic2.test", "clinic", add_mixed);
	for (int i = 0; i < 110; i++) {
		char id[16], name[32], dom[32];
		profile p[3] = {add_good, add_mixed, add_bad};
		snprintf(id, sizeof id, "bulk%03d", i);
		snprintf(name, sizeof name, "Bulk %03d", i);
		snprintf(dom, sizeof dom, "bulk%03d.test", i);
		store_org(st, s, id, name, dom, "clinic", p[i % 3]);
	}
	store_scan_end(st, s, "complete", 112);
}

/* ---- helpers ---- */

static char err[256];
/* The sector the page functions are handed, NULL: they read the store. */
static const struct sector *cached;

/* A fragment written by one of the page functions: its text, and *rc its return code. */
static char *render(struct store *st, const char *org, const struct page_query *q, int which, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	err[0] = '\0';
	if (which == 0)
		*rc = page_overview(m, st, cached, q, err, sizeof err);
	else if (which == 1)
		*rc = page_org_list(m, st, cached, q, err, sizeof err);
	else
		*rc = page_org(m, st, org, q, err, sizeof err);
	fclose(m);
	return buf;
}

static char *list_of(struct store *st, struct page_query q, int *rc)
{
	return render(st, NULL, &q, 1, rc);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* The org ids of the list's rows, in order, joined by blanks. */
static void row_ids(const char *html, char *out, size_t size)
{
	const char *p = html;
	out[0] = '\0';
	while ((p = strstr(p, "<tr><td><a href=\"/orgs/")) != NULL) {
		p += strlen("<tr><td><a href=\"/orgs/");
		size_t n = strcspn(p, "\"");
		snprintf(out + strlen(out), size - strlen(out), "%s%.*s", out[0] ? " " : "", (int)n, p);
	}
}

/* Whether the table row that starts with `start` contains `want`. */
static int row_has(const char *html, const char *start, const char *want)
{
	const char *row = strstr(html, start), *end = row ? strstr(row, "</tr>") : NULL, *at;
	return end != NULL && (at = strstr(row, want)) != NULL && at < end;
}

/* Every fragment obeys the pages' CSP and is a fragment. */
static void fragment_rules(const char *html, const char *what)
{
	char name[160];
	snprintf(name, sizeof name, "%s: no style attribute, no <style>, no script, no document tags", what);
	ok(html != NULL && strstr(html, "style=") == NULL && strstr(html, "<style") == NULL &&
	       strcasestr(html, "<script") == NULL && strstr(html, "<html") == NULL &&
	       strstr(html, "<head") == NULL && strstr(html, "<body") == NULL,
	   name);
}

/* ---- the list ---- */

static void test_list_filters(struct store *st)
{
	int rc;
	char ids[4096];
	char *html = list_of(st, (struct page_query){.grade = "F", .q = "BULK01"}, &rc);
	is_int(rc, 0, "list grade=F q=BULK01");
	row_ids(html, ids, sizeof ids);
	is_str(ids, "bulk011 bulk014 bulk017", "grade F among bulk01x: exactly 011, 014, 017, by name");
	fragment_rules(html, "list");
	ok(strstr(html, "<option value=\"F\" selected>F</option>") != NULL, "the form echoes the grade");
	ok(strstr(html, "name=\"q\" maxlength=\"200\" value=\"BULK01\"") != NULL,
	   "the form echoes the search");
	ok(strstr(html, "<form class=\"filters\" method=\"get\" action=\"/orgs\">") != NULL, "a GET form");
	ok(strstr(html, "<a href=\"/orgs?q=BULK01&amp;grade=F&amp;sort=score\">Overall</a>") != NULL,
	   "the Overall heading sorts by score and keeps the filters");
	ok(strstr(html, "<a href=\"/orgs?q=BULK01&amp;grade=F&amp;order=desc\" class=\"sorted\">Organization "
	                "&uarr;</a>") != NULL,
	   "the current sort's heading reverses it");
	free(html);

	html = list_of(st, (struct page_query){.grade = "f", .q = "bulk01", .sort = "name", .order = "desc"},
	               &rc);
	row_ids(html, ids, sizeof ids);
	is_str(ids, "bulk017 bulk014 bulk011", "descending by name, lower-case grade accepted");
	free(html);

	html = list_of(st, (struct page_query){.grade = "C", .factor = "dns", .q = "bulk00"}, &rc);
	row_ids(html, ids, sizeof ids);
	is_str(ids, "", "no dns grade C among bulk00x");
	ok(strstr(html, "<p>No organization matches.</p>") != NULL, "says so");
	free(html);

	html = list_of(st, (struct page_query){.grade = "F", .factor = "appsec", .q = "bulk00"}, &rc);
	row_ids(html, ids, sizeof ids);
	is_str(ids, "bulk001 bulk002 bulk004 bulk005 bulk007 bulk008", "appsec F: the mixed and the bad");
	free(html);

	html = list_of(st, (struct page_query){.cohort = "type=HOSPITAL"}, &rc);
	row_ids(html, ids, sizeof ids);
	is_str(ids, "h1", "cohort type=hospital: only h1");
	ok(strstr(html, "Saint Mary &lt;script&gt;alert(1)&lt;/script&gt; Hospital</a>") != NULL,
	   "its name escaped in the list");
	free(html);

	html = list_of(st, (struct page_query){.q = "stmary.TEST"}, &rc);
	row_ids(html, ids, sizeof ids);
	is_str(ids, "h1", "search matches a domain, any case");
	free(html);
	html = list_of(st, (struct page_query){.q = "co"}, &rc);
	row_ids(html, ids, sizeof ids);
	is_str(ids, "c%262%2Fx", "search matches a name; the org id is percent-encoded in its link");
	free(html);
}

static void test_list_sort(struct store *st)
{
	int rc;
	char ids[8192];
	char *html = list_of(st, (struct page_query){.sort = "score", .q = "bulk00"}, &rc);
	row_ids(html, ids, sizeof ids);
	is_str(ids, "bulk002 bulk005 bulk008 bulk001 bulk004 bulk007 bulk000 bulk003 bulk006 bulk009",
	       "by overall score ascending, ties by name");
	free(html);
	html = list_of(st, (struct page_query){.sort = "transport", .order = "desc", .q = "bulk00"}, &rc);
	row_ids(html, ids, sizeof ids);
	is_str(ids, "bulk000 bulk001 bulk003 bulk004 bulk006 bulk007 bulk009 bulk002 bulk005 bulk008",
	       "by transport descending, ties by name ascending");
	free(html);
}

static void test_list_pages(struct store *st)
{
	int rc;
	char ids[8192];
	char *html = list_of(st, (struct page_query){0}, &rc);
	is_int(count(html, "<tr><td><a href=\"/orgs/"), 50, "page 1: 50 rows");
	ok(strstr(html, "112 of 112 organizations match") != NULL, "all 112 match");
	ok(strstr(html, "<span>Page 1 of 3</span><a rel=\"next\" href=\"/orgs?page=2\">Next</a>") != NULL,
	   "page 1 of 3, a next link, no previous");
	row_ids(html, ids, sizeof ids);
	ok(strncmp(ids, "bulk000 bulk001", 15) == 0 && strstr(ids, "bulk049") != NULL &&
	       strstr(ids, "bulk050") == NULL,
	   "page 1 is bulk000 to bulk049 by name");
	free(html);
	html = list_of(st, (struct page_query){.page = "3", .grade = "A"}, &rc);
	is_int(rc, 0, "page 3 of a filtered list");
	ok(strstr(html, "<span>Page 3 of 1</span>") != NULL &&
	       strstr(html, "No organizations on this page") != NULL,
	   "a page past the last is empty (38 A: one page)");
	ok(strstr(html, "<a rel=\"prev\" href=\"/orgs?grade=A\">Previous</a>") != NULL,
	   "its previous link goes to the last page");
	free(html);
	html = list_of(st, (struct page_query){.page = "3"}, &rc);
	is_int(count(html, "<tr><td><a href=\"/orgs/"), 12, "page 3: the last 12");
	row_ids(html, ids, sizeof ids);
	is_str(ids,
	       "bulk100 bulk101 bulk102 bulk103 bulk104 bulk105 bulk106 bulk107 bulk108 bulk109 c%262%2Fx h1",
	       "page 3: bulk100 to bulk109, then Clinic & Co, then Saint Mary");
	ok(strstr(html, "<a rel=\"prev\" href=\"/orgs?page=2\">Previous</a><span>Page 3 of 3</span></nav>") !=
	       NULL,
	   "the last page has no next link");
	free(html);
}

static void test_list_errors(struct store *st)
{
	struct {
		struct page_query q;
		const char *word;
	} bad[] = {
	    {{.sort = "size"}, "sort"}, {{.order = "up"}, "sort/order"}, {{.grade = "E"}, "grade"},
	    {{.grade = "AB"}, "grade"}, {{.factor = "dnss"}, "factor"},  {{.cohort = "=x"}, "cohort"},
	    {{.page = "0"}, "page"},    {{.page = "2x"}, "page"},        {{.page = "100001"}, "page"},
	    {{.scan = "-1"}, "scan"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc;
		char name[128];
		char *html = list_of(st, bad[i].q, &rc);
		snprintf(name, sizeof name, "bad query %zu: -EINVAL, a message naming %s, nothing written", i,
		         bad[i].word);
		ok(rc == -EINVAL && strncmp(err, bad[i].word, strlen(bad[i].word)) == 0 && html &&
		       html[0] == '\0',
		   name);
		free(html);
	}
	char longq[ORGLIST_Q_MAX + 2];
	memset(longq, 'a', sizeof longq - 1);
	longq[sizeof longq - 1] = '\0';
	int rc;
	free(list_of(st, (struct page_query){.q = longq}, &rc));
	is_int(rc, -EINVAL, "a search text over the cap");
	free(list_of(st, (struct page_query){.scan = "99"}, &rc));
	is_int(rc, -ENOENT, "an unknown scan");
}

/* ---- one organization ---- */

static void test_org(struct store *st)
{
	int rc;
	char *html = render(st, "h1", &(struct page_query){0}, 2, &rc);
	is_int(rc, 0, "page_org h1");
	fragment_rules(html, "org page");
	ok(strstr(html, "<h1>Saint Mary &lt;script&gt;alert(1)&lt;/script&gt; Hospital <span "
	                "class=\"id\">h1</span></h1>") != NULL,
	   "its name escaped");
	ok(strstr(html, "<tr><td>Overall</td><td class=\"n\">&mdash;</td><td><span class=\"grade g-A\">A "
	                "100</span>") != NULL,
	   "overall A 100");
	ok(strstr(html, "A 100</span></td><td class=\"n\">&mdash;</td><td class=\"n\">&mdash;</td>") != NULL,
	   "the overall row has no counts of its own");
	ok(strstr(html, "<a href=\"/orgs?cohort=type%3Dhospital\">type=hospital</a>") != NULL,
	   "its cohort linked");
	ok(strstr(html, "<td>stmary.test</td><td>apex of stmary.test</td><td>127.1.0.1</td>") != NULL,
	   "its asset with why it is its own and its address");
	ok(strstr(html, "<span class=\"status "
	                "st-indeterminate\">indeterminate</span></td><td><code>web.hsts</code>") != NULL,
	   "an indeterminate finding listed with its status");
	ok(strstr(html, "(timeout) timed out") != NULL, "with its reason");
	ok(strstr(html, "<table class=\"history\">") != NULL && count(html, "<tr><td>1</td>") == 1 &&
	       count(html, "<tr><td>2</td>") == 1,
	   "history: a row for each of the two scans");
	ok(row_has(html, "<tr><td>1</td>", "<td><span class=\"grade g-F\">") &&
	       row_has(html, "<tr><td>2</td>", "<td><span class=\"grade g-A\">A 100</span>"),
	   "scan 1: h1 was F; scan 2: A 100");
	ok(strstr(html, "<svg class=\"chart trend\"") != NULL, "a line chart of the history");
	free(html);

	html = render(st, "bulk002", &(struct page_query){0}, 2, &rc);
	ok(strstr(html, "<h2>Failing findings (3)</h2>") != NULL, "bulk002: three failures");
	ok(strstr(html, "<td><code>dns.spf.all</code></td><td><span class=\"sev-high\">high</span></td>"
	                "<td>bulk002.test</td>") != NULL,
	   "a failure with its severity");
	ok(strstr(html, "<pre class=\"evidence\">{&quot;records&quot;:[&quot;v=spf1 +all&quot;]}</pre>") !=
	       NULL,
	   "and its evidence, escaped");
	ok(strstr(html, "no HTTPS &lt;script&gt;x&lt;/script&gt;") != NULL, "a detail escaped");
	ok(row_has(html, "<tr><td>1</td>", "</td><td>&mdash;</td><td>&mdash;</td>"),
	   "history: not in scan 1");
	fragment_rules(html, "bulk002 page");
	free(html);

	html = render(st, "nope", &(struct page_query){0}, 2, &rc);
	is_int(rc, -ENOENT, "an unknown organization: -ENOENT");
	ok(html && html[0] == '\0', "nothing written for it");
	free(html);
	free(render(st, "h1", &(struct page_query){.scan = "1"}, 2, &rc));
	is_int(rc, 0, "h1 in scan 1");
	free(render(st, "bulk000", &(struct page_query){.scan = "1"}, 2, &rc));
	is_int(rc, -ENOENT, "bulk000 was not in scan 1");
}

static void test_overview(struct store *st)
{
	int rc;
	char *html = render(st, NULL, &(struct page_query){0}, 0, &rc);
	is_int(rc, 0, "overview");
	fragment_rules(html, "overview");
	ok(strstr(html, "<p class=\"meta\">Scan 2 &middot;") != NULL &&
	       strstr(html, "112 organizations</p>") != NULL,
	   "the latest scan, 112 organizations");
	ok(strstr(html, "<tr><th scope=\"row\">A</th><td class=\"n\">38</td>") != NULL,
	   "38 graded A overall");
	ok(strstr(html, "<tr><th scope=\"row\">F</th><td class=\"n\">36</td>") != NULL,
	   "36 graded F overall");
	ok(strstr(html, "<h3><a href=\"/orgs?cohort=type%3Dclinic\">type=clinic</a></h3>") != NULL,
	   "cohorts link to the filtered list");
	ok(strstr(html, "<span class=\"st-fail\"></span>fail") != NULL, "the legend uses classes");
	free(html);
}

/* ---- the JSON twins ---- */

static void test_list_json(struct store *st)
{
	json_t *j = NULL;
	struct page_query q = {.grade = "c", .sort = "score", .order = "desc", .q = "&"};
	int rc = page_org_list_json(st, cached, &q, &j, err, sizeof err);
	is_int(rc, 0, "list JSON");
	is_int(json_integer_value(json_object_get(j, "total")), 1, "one C whose name has &");
	is_int(json_integer_value(json_object_get(j, "pages")), 1, "one page");
	is_int(json_integer_value(json_object_get(j, "page_size")), 50, "page size 50");
	json_t *o = json_array_get(json_object_get(j, "organizations"), 0);
	is_str(json_string_value(json_object_get(o, "org_id")), "c&2/x", "its org_id");
	is_str(json_string_value(json_object_get(o, "url")), "/orgs/c%262%2Fx", "its URL, encoded");
	is_str(json_string_value(json_object_get(o, "grade")), "C", "its grade");
	is_int(json_integer_value(json_object_get(o, "score")), 71, "its score");
	is_str(json_string_value(
	           json_object_get(json_object_get(json_object_get(o, "factors"), "appsec"), "grade")),
	       "F", "its appsec grade");
	ok(json_is_null(json_object_get(json_object_get(json_object_get(o, "factors"), "exposure"), "score")),
	   "no exposure score: null");
	is_int(json_integer_value(json_object_get(o, "failing")), 1, "one failing finding");
	is_str(json_string_value(json_object_get(json_object_get(j, "query"), "grade")), "C",
	       "the query, checked");
	is_str(json_string_value(json_object_get(json_object_get(j, "query"), "order")), "desc", "its order");
	json_decref(j);

	j = NULL;
	q = (struct page_query){.page = "2"};
	page_org_list_json(st, cached, &q, &j, err, sizeof err);
	is_int(json_array_size(json_object_get(j, "organizations")), 50, "page 2: 50");
	is_str(json_string_value(
	           json_object_get(json_array_get(json_object_get(j, "organizations"), 0), "org_id")),
	       "bulk050", "page 2 starts at the 51st by name");
	json_decref(j);
	j = NULL;
	q = (struct page_query){.sort = "bogus"};
	is_int(page_org_list_json(st, cached, &q, &j, err, sizeof err), -EINVAL, "list JSON: a bad sort");
	ok(j == NULL, "and no JSON");
}

static void test_org_json(struct store *st)
{
	json_t *j = NULL;
	int rc = page_org_json(st, "bulk002", &(struct page_query){0}, &j, err, sizeof err);
	is_int(rc, 0, "org JSON");
	is_str(json_string_value(json_object_get(j, "name")), "Bulk 002", "its name");
	is_str(json_string_value(json_object_get(j, "grade")), "F", "its grade");
	is_str(json_string_value(
	           json_object_get(json_object_get(json_object_get(j, "factors"), "transport"), "grade")),
	       "F", "its transport grade");
	is_int(json_integer_value(
	           json_object_get(json_object_get(json_object_get(j, "factors"), "dns"), "weight")),
	       20, "the dns factor's weight");
	json_t *f0 = json_array_get(json_object_get(j, "findings"), 0);
	is_str(json_string_value(json_object_get(f0, "status")), "fail", "failures first");
	ok(json_real_value(json_object_get(f0, "points")) > 0, "with the points they cost");
	is_str(json_string_value(json_object_get(f0, "severity")), "high", "and their severity");
	is_int(json_array_size(json_object_get(j, "findings")), 4, "every finding");
	is_str(json_string_value(json_array_get(
	           json_object_get(json_array_get(json_object_get(j, "assets"), 0), "why"), 0)),
	       "apex of bulk002.test", "its asset's why");
	json_t *scans = json_object_get(json_object_get(j, "history"), "scans");
	is_int(json_array_size(scans), 2, "history: two scans");
	ok(json_is_false(json_object_get(json_array_get(scans, 0), "present")) &&
	       json_is_null(json_object_get(json_array_get(scans, 0), "score")),
	   "absent from scan 1");
	is_int(json_integer_value(json_object_get(json_array_get(scans, 1), "score")),
	       json_integer_value(json_object_get(j, "score")), "scan 2's score is its score");
	json_decref(j);
	j = NULL;
	is_int(page_org_json(st, "nope", &(struct page_query){0}, &j, err, sizeof err), -ENOENT,
	       "org JSON: unknown organization");
	is_int(page_org_json(st, NULL, &(struct page_query){0}, &j, err, sizeof err), -ENOENT,
	       "org JSON: no id");
}

/* A sector the server keeps: used for queries of its scan or of none, the store read otherwise. */
static void test_cached(struct store *st)
{
	struct sector s1, s2;
	char ids[8192];
	int rc;
	is_int(sector_load(st, 1, 0, NULL, &s1), 0, "scan 1's sector loaded");
	is_int(sector_load(st, 2, 0, NULL, &s2), 0, "scan 2's sector loaded");
	char *fresh = list_of(st, (struct page_query){.grade = "F", .q = "bulk0"}, &rc);
	cached = &s2;
	char *kept = list_of(st, (struct page_query){.grade = "F", .q = "bulk0"}, &rc);
	ok(fresh && kept && strcmp(fresh, kept) == 0,
	   "the list from a kept sector is the list from the store");
	free(fresh);
	free(kept);
	cached = &s1;
	kept = list_of(st, (struct page_query){0}, &rc);
	row_ids(kept, ids, sizeof ids);
	is_str(ids, "h1", "a query naming no scan reads the kept sector (scan 1: h1 alone)");
	free(kept);
	kept = list_of(st, (struct page_query){.scan = "2", .q = "h1"}, &rc);
	ok(strstr(kept, "<p class=\"meta\">Scan 2 &middot;") != NULL &&
	       strstr(kept, "1 of 112 organizations") != NULL,
	   "a query naming another scan reads the store");
	free(kept);
	json_t *j = NULL;
	struct page_query q = {0};
	is_int(page_org_list_json(st, cached, &q, &j, err, sizeof err), 0, "list JSON from a kept sector");
	is_int(json_integer_value(json_object_get(j, "scan")), 1, "of its scan");
	json_decref(j);
	kept = render(st, NULL, &(struct page_query){0}, 0, &rc);
	ok(strstr(kept, "<p class=\"meta\">Scan 1 &middot;") != NULL, "the overview from a kept sector");
	free(kept);
	cached = NULL;
	sector_free(&s1);
	sector_free(&s2);
}

static void test_style(void)
{
	const char *all = style_sheet(), *rep = style_report();
	ok(strncmp(all, rep, strlen(rep)) == 0, "the served stylesheet starts with the report's");
	ok(strstr(all, ".pager{") != NULL && strstr(all, ".status{") != NULL, "and adds the pages' rules");
	ok(strstr(all, "url(") == NULL && strstr(all, "@import") == NULL, "it fetches nothing");
}

int main(void)
{
	struct store *st = NULL;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/vitals.db", dir);
	if (store_open(dbpath, &st) < 0)
		return 1;
	build(st);
	test_list_filters(st);
	test_list_sort(st);
	test_list_pages(st);
	test_list_errors(st);
	test_org(st);
	test_overview(st);
	test_list_json(st);
	test_org_json(st);
	test_cached(st);
	test_style();
	store_close(st);
	char path[300];
	const char *files[] = {"vitals.db", "vitals.db-wal", "vitals.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	return done_testing();
}
