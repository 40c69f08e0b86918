/*
 * Cohorts on a canned store: the report's section per cohort and `report --cohort`, `show
 * --cohort`, and `vitals trend` (scans of the same targets only, complete only, in time
 * order, re-graded under the newest method), with exact figures and exit codes.
 *
 * Scan 1: other targets (sha "bbb"). Scan 2 (v1, targets "aaa", started later than scan 3):
 * org001 hospital/north all good (A 100), org002 clinic/north all bad (F 6), org003
 * hospital/south good but no CSP (C 70). Scan 3 (v3, targets "aaa"): all three good.
 * Scan 4 (targets "aaa") is still running.
 */
#include "cmd.h"
#include "report.h"
#include "tally.h"
#include "tap.h"
#include "testfile.h"
#include "trend.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/vitals-test-cohorts-XXXXXX";
static char dbpath[256];

static void add_good(struct findings *fs, const char *d)
{
	findings_add(fs, "dns.spf.all", d, FS_PASS, NULL, NULL, "SPF ends in -all");
	findings_add(fs, "dns.caa.present", d, FS_PASS, NULL, NULL, "CAA published");
	findings_add(fs, "tls.https.available", d, FS_PASS, NULL, NULL, "HTTPS offered");
	findings_add(fs, "web.csp", d, FS_INDETERMINATE, "timeout", NULL, "timed out");
}

/* dns 20, transport 0, appsec 0: overall 6, three failures. */
static void add_bad(struct findings *fs, const char *d)
{
	findings_add(fs, "dns.spf.all", d, FS_FAIL, NULL, NULL, "SPF ends in +all");
	findings_add(fs, "dns.caa.present", d, FS_PASS, NULL, NULL, "CAA published");
	findings_add(fs, "tls.https.available", d, FS_FAIL, NULL, NULL, "no HTTPS");
	findings_add(fs, "web.csp", d, FS_FAIL, NULL, NULL, "no CSP");
}

/* dns 100, transport 100, appsec 0: overall 70, one failure. */
static void add_mixed(struct findings *fs, const char *d)
{
	findings_add(fs, "dns.spf.all", d, FS_PASS, NULL, NULL, "SPF ends in -all");
	findings_add(fs, "dns.caa.present", d, FS_PASS, NULL, NULL, "CAA published");
	findings_add(fs, "tls.https.available", d, FS_PASS, NULL, NULL, "HTTPS offered");
	findings_add(fs, "web.csp", d, FS_FAIL, NULL, NULL, "no CSP");
}

static void store_org(struct store *st, int64_t scan, int method, const char *id, const char *type,
                      const char *region, void (*add)(struct findings *, const char *))
{
	char dom[64], name[64];
	const char *doms[] = {dom};
	struct target_tag tags[2] = {{"type", (char *)type}, {"region", (char *)region}};
	snprintf(dom, sizeof dom, "%s.test", id);
	snprintf(name, sizeof name, "Org %s", id);
	struct org_result r = {.org_id = id,
	                       .name = name,
	                       .domains = doms,
	                       .ndomains = 1,
	                       .tags = tags,
	                       .ntags = 2,
	                       .started = 1790000000,
	                       .finished = 1790000010};
	add(&r.findings, dom);
	grade_findings(method_get(method), &r.findings, &r.score);
	store_org_result(st, scan, &r);
	scorecard_free(&r.score);
	findings_clear(&r.findings);
}

static int64_t new_scan(struct store *st, int method, const char *sha)
{
	int64_t id = 0;
	json_t *args = json_pack("{s:s}", "targets_sha256", sha);
	store_scan_begin(st, method, args, &id);
	json_decref(args);
	return id;
}

static void build(struct store *st)
{
	int64_t s = new_scan(st, 1, "bbb");
	store_org(st, s, 1, "org001", "hospital", "north", add_bad);
	store_scan_end(st, s, "complete", 1);
	s = new_scan(st, 1, "aaa");
	store_org(st, s, 1, "org001", "hospital", "north", add_good);
	store_org(st, s, 1, "org002", "clinic", "north", add_bad);
	store_org(st, s, 1, "org003", "hospital", "south", add_mixed);
	store_scan_end(st, s, "complete", 3);
	s = new_scan(st, 3, "aaa");
	store_org(st, s, 3, "org001", "hospital", "north", add_good);
	store_org(st, s, 3, "org002", "clinic", "north", add_good);
	store_org(st, s, 3, "org003", "hospital", "south", add_good);
	store_scan_end(st, s, "complete", 3);
	s = new_scan(st, 3, "aaa");
	store_org(st, s, 3, "org001", "hospital", "north", add_bad);
	/* Scan 2 started after scan 3: the trend follows time, not ids. */
	sqlite3 *db;
	sqlite3_open(dbpath, &db);
	sqlite3_exec(db,
	             "UPDATE scans SET started = 1792000000 WHERE id = 2;"
	             "UPDATE scans SET started = 1790000000 WHERE id IN (1, 3, 4)",
	             NULL, NULL, NULL);
	sqlite3_close(db);
}

static char *report_of(struct store *st, int64_t scan, const struct cohort *c, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	*rc = report_write_cohort(m, st, scan, 0, c);
	fclose(m);
	return buf;
}

static void test_report_sections(struct store *st)
{
	int rc;
	char *html = report_of(st, 2, NULL, &rc);
	is_int(rc, 0, "report of scan 2 written");
	ok(strstr(html, "<a href=\"#cohorts\">Cohorts</a>") != NULL, "the sector report links its cohorts");
	const char *want[] = {"region=north", "region=south", "type=clinic", "type=hospital"};
	const char *at = html;
	for (int i = 0; i < 4; i++) {
		char h3[64];
		snprintf(h3, sizeof h3, "<h3>%s</h3>", want[i]);
		const char *p = strstr(html, h3);
		ok(p != NULL && p > at, want[i]);
		at = p ? p : at;
	}
	const char *hosp = strstr(html, "<h3>type=hospital</h3>");
	ok(hosp && strstr(hosp, "<tr><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">0</td>"
	                        "<td class=\"n\">1</td><td class=\"n\">0</td><td class=\"n\">0</td>"
	                        "<td class=\"n\">0</td><td class=\"n\">85.0</td><td class=\"n\">100.0</td>"
	                        "<td class=\"n\">100.0</td><td class=\"n\">0.0</td><td class=\"n\">0.50</td>"
	                        "<td class=\"n\">0.50</td></tr>") != NULL,
	   "hospitals: 2, one A one C, overall 85.0, dns 100, transport 100, appsec 0, 0.50 failing each");
	const char *north = strstr(html, "<h3>region=north</h3>");
	ok(north && strstr(north, "<tr><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">0</td>"
	                          "<td class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">1</td>"
	                          "<td class=\"n\">0</td><td class=\"n\">53.0</td><td class=\"n\">60.0</td>"
	                          "<td class=\"n\">50.0</td><td class=\"n\">0.0</td><td class=\"n\">1.50</td>"
	                          "<td class=\"n\">1.50</td></tr>") != NULL,
	   "north: A and F, overall 53.0, dns 60, transport 50, appsec 0 (one scored), 1.50 failing");
	free(html);

	struct cohort c;
	cohort_parse("TYPE=Clinic", &c);
	html = report_of(st, 2, &c, &rc);
	is_int(rc, 0, "report of the clinics written");
	ok(strstr(html, "<h1>Sector security posture: cohort TYPE=Clinic</h1>") != NULL,
	   "the title names the cohort");
	ok(strstr(html, "id=\"org-org002\"") != NULL, "org002 (a clinic) has its card");
	ok(strstr(html, "id=\"org-org001\"") == NULL && strstr(html, "id=\"org-org003\"") == NULL,
	   "the hospitals have none");
	ok(strstr(html, "1 organizations</p>") != NULL, "the header counts the cohort only");
	ok(strstr(html, "id=\"cohorts\"") == NULL, "no cohort sections inside a cohort's report");
	free(html);
	cohort_parse("laboratory", &c);
	free(report_of(st, 2, &c, &rc));
	is_int(rc, -ESRCH, "a cohort no organization carries");
}

/* Runs a command with stdout captured into `buf`; returns its exit code. */
static int run(int (*cmd)(int, char **), char **argv, char *buf, size_t size)
{
	char path[300];
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	snprintf(path, sizeof path, "%s/cmd.out", dir);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	int ex = cmd(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	char *text = slurp(path);
	snprintf(buf, size, "%s", text ? text : "");
	free(text);
	unlink(path);
	return ex;
}

static void test_show_cohort(void)
{
	char out[2048];
	char *argv[] = {"show", "--cohort", "hospital", "--scan", "2", "--db", dbpath, NULL};
	is_int(run(cmd_show, argv, out, sizeof out), EXIT_OK, "show --cohort hospital");
	is_str(out,
	       "org001  overall A 100  dns A 100  transport A 100  appsec -  failing 0  Org org001\n"
	       "org003  overall C 70  dns A 100  transport A 100  appsec F 0  failing 1  Org org003\n"
	       "cohort hospital: 2 organizations in scan 2 (method v1)\n"
	       "grades: A 1, B 0, C 1, D 0, F 0, none 0\n"
	       "averages: overall 85.0, dns 100.0, transport 100.0, appsec 0.0\n"
	       "failing findings: 0.50 per organization, 0.50 per domain\n",
	       "a line per hospital, then the summary");
	char *bad[] = {"show", "--cohort", "type=", "--db", dbpath, NULL};
	is_int(run(cmd_show, bad, out, sizeof out), EXIT_USAGE, "bad --cohort syntax is a usage error");
	char *none[] = {"show", "--cohort", "lab", "--db", dbpath, NULL};
	is_int(run(cmd_show, none, out, sizeof out), EXIT_INPUT, "an unknown cohort is an input error");
	char *both[] = {"show", "org001", "--cohort", "lab", "--db", dbpath, NULL};
	is_int(run(cmd_show, both, out, sizeof out), EXIT_USAGE, "ORG_ID and --cohort together");
}

static char *csv_of(struct store *st, int64_t ref, const char *spec, int *rc)
{
	struct trend t;
	struct cohort c;
	char *buf = NULL;
	size_t len = 0;
	if (spec)
		cohort_parse(spec, &c);
	*rc = trend_load(st, ref, spec ? &c : NULL, &t);
	if (*rc < 0)
		return NULL;
	FILE *m = open_memstream(&buf, &len);
	trend_csv(m, &t);
	fclose(m);
	trend_free(&t);
	return buf;
}

static void test_trend(struct store *st)
{
	int rc;
	char *csv = csv_of(st, 3, NULL, &rc);
	is_int(rc, 0, "trend of scan 3's targets");
	is_str(csv,
	       "scan_id,started,method,organizations,dns,transport,appsec,overall,findings_per_org\n"
	       "3,2026-09-21T14:13:20Z,3,3,100.00,100.00,,100.00,0.00\n"
	       "2,2026-10-14T17:46:40Z,3,3,73.33,66.67,0.00,58.67,1.33\n",
	       "complete scans of the same targets, in time order, under v3 (scan 2 re-graded)");
	free(csv);
	csv = csv_of(st, 2, "type=hospital", &rc);
	is_str(csv,
	       "scan_id,started,method,organizations,dns,transport,appsec,overall,findings_per_org\n"
	       "3,2026-09-21T14:13:20Z,3,2,100.00,100.00,,100.00,0.00\n"
	       "2,2026-10-14T17:46:40Z,3,2,100.00,100.00,0.00,85.00,0.50\n",
	       "the hospitals alone");
	free(csv);
	csv = csv_of(st, 1, NULL, &rc);
	is_str(csv,
	       "scan_id,started,method,organizations,dns,transport,appsec,overall,findings_per_org\n"
	       "1,2026-09-21T14:13:20Z,1,1,20.00,0.00,0.00,6.00,3.00\n",
	       "other targets: their one scan, under its own v1");
	free(csv);
	is_int((free(csv_of(st, 3, "laboratory", &rc)), rc), -ESRCH, "a cohort no organization carries");
	is_int((free(csv_of(st, 42, NULL, &rc)), rc), -ENOENT, "an unknown scan");

	struct trend t;
	char *html = NULL;
	size_t len = 0;
	is_int(trend_load(st, 3, NULL, &t), 0, "trend loaded for the page");
	FILE *m = open_memstream(&html, &len);
	is_int(trend_html(m, &t), 0, "page written");
	fclose(m);
	trend_free(&t);
	size_t charts = 0;
	for (const char *p = html; (p = strstr(p, "<svg class=\"chart trend\"")) != NULL; p++)
		charts++;
	is_int(charts, 5, "a line chart per factor, overall, and findings per organization");
	ok(strstr(html, "<td class=\"n\">2*</td>") != NULL, "the re-graded scan is marked");
	ok(strstr(html, "<title>Failing findings per organization</title>") != NULL, "findings chart titled");
	ok(strcasestr(html, "<script") == NULL && strstr(html, "src=") == NULL, "no script, nothing fetched");
	/* Appsec: no score in scan 3, 0 in scan 2: the path starts at the second point only. */
	ok(strstr(html, "aria-label=\"Application security\"") != NULL, "appsec chart present");
	free(html);
}

static void test_trend_cmd(void)
{
	char out[2048], csv[300], empty[300], html[300];
	struct store *st = NULL;
	snprintf(csv, sizeof csv, "%s/t.csv", dir);
	snprintf(html, sizeof html, "%s/t.html", dir);
	char *argv[] = {"trend", "--db", dbpath, "--cohort", "south", "-o", html, "--csv", csv, NULL};
	is_int(run(cmd_trend, argv, out, sizeof out), EXIT_OK, "vitals trend --cohort south");
	char *text = slurp(csv);
	is_str(text,
	       "scan_id,started,method,organizations,dns,transport,appsec,overall,findings_per_org\n"
	       "3,2026-09-21T14:13:20Z,3,1,100.00,100.00,,100.00,0.00\n"
	       "2,2026-10-14T17:46:40Z,3,1,100.00,100.00,0.00,70.00,1.00\n",
	       "the CSV of the latest complete scan's targets, org003 alone");
	free(text);
	text = slurp(html);
	ok(text && strstr(text, "<h1>Sector trend: cohort south</h1>") != NULL, "the page names the cohort");
	free(text);
	char *bad[] = {"trend", "--db", dbpath, "--cohort", "=x", NULL};
	is_int(run(cmd_trend, bad, out, sizeof out), EXIT_USAGE, "bad --cohort syntax");
	char *none[] = {"trend", "--db", dbpath, "--cohort", "lab", "-o", html, NULL};
	is_int(run(cmd_trend, none, out, sizeof out), EXIT_INPUT, "unknown cohort");
	char *unknown[] = {"trend", "--db", dbpath, "--targets-of", "42", "-o", html, NULL};
	is_int(run(cmd_trend, unknown, out, sizeof out), EXIT_INPUT, "unknown scan");
	snprintf(empty, sizeof empty, "%s/empty.db", dir);
	store_open(empty, &st);
	store_close(st);
	char *noscans[] = {"trend", "--db", empty, "-o", html, NULL};
	is_int(run(cmd_trend, noscans, out, sizeof out), EXIT_INPUT, "a database without scans");
	unlink(csv);
	unlink(html);
	unlink(empty);
}

int main(void)
{
	struct store *st = NULL;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/vitals.db", dir);
	is_int(store_open(dbpath, &st), 0, "store opened");
	build(st);
	test_report_sections(st);
	test_show_cohort();
	test_trend(st);
	test_trend_cmd();
	store_close(st);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	is_int(system(cmd), 0, "temporary files removed");
	return done_testing();
}
