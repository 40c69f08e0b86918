/*
 * Reading-side tests: the HTML report of a two-organization store (escaping,
 * self-containment, grade counts, ordering), the SVG helpers, and `show`'s terminal
 * scorecard.
 */
#include "cmd.h"
#include "report.h"
#include "show.h"
#include "svg.h"
#include "tap.h"
#include "testfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/vitals-test-report-XXXXXX";
static char dbpath[256];

static const char *const dom1[] = {"org001.test"};
static const char *const dom2[] = {"org002.test"};

static int store_one(struct store *st, int64_t scan, const char *id, const char *name,
                     const char *const *doms, void (*add)(struct findings *))
{
	struct org_result r = {.org_id = id,
	                       .name = name,
	                       .domains = doms,
	                       .ndomains = 1,
	                       .started = 1795000000,
	                       .finished = 1795000010};
	add(&r.findings);
	grade_findings(method_get(1), &r.findings, &r.score);
	int rc = store_org_result(st, scan, &r);
	scorecard_free(&r.score);
	findings_clear(&r.findings);
	return rc;
}

/* All passing: dns 100, transport 100, appsec no score; overall 100, A. */
static void add_good(struct findings *fs)
{
	findings_add(fs, "dns.spf.all", "org001.test", FS_PASS, NULL, NULL, "SPF ends in -all");
	findings_add(fs, "dns.caa.present", "org001.test", FS_PASS, NULL, NULL, "CAA published");
	findings_add(fs, "tls.https.available", "org001.test", FS_PASS, NULL, NULL, "HTTPS offered");
	findings_add(fs, "web.csp", "org001.test", FS_INDETERMINATE, "timeout", NULL, "timed out");
}

/* dns 20 (F), transport 0 (F), appsec 0 (F): overall (600 + 0 + 0) / 100 = 6, F. */
static void add_bad(struct findings *fs)
{
	findings_add(fs, "dns.spf.all", "org002.test", FS_FAIL, NULL,
	             json_pack("{s:[s]}", "records", "v=spf1 +all"), "SPF ends in +all");
	findings_add(fs, "dns.caa.present", "org002.test", FS_PASS, NULL, NULL, "CAA published");
	findings_add(fs, "tls.https.available", "org002.test", FS_FAIL, NULL, NULL,
	             "redirects to https://evil.test/login <b>now</b>");
	findings_add(fs, "web.csp", "org002.test", FS_FAIL, NULL,
	             json_pack("{s:s}", "server",
	                       "evil\033[2J\xc2\x9b"
	                       "31mbanner"),
	             "no CSP; server says \033[31mhello\xc2\x9b");
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_html(const char *html)
{
	ok(strncmp(html, "<!DOCTYPE html>", 15) == 0, "starts with a doctype");
	ok(strstr(html, "</html>\n") != NULL, "ends the document");
	ok(strstr(html, "Saint Mary &lt;script&gt;alert(1)&lt;/script&gt; Hospital") != NULL,
	   "the org name with <script> appears escaped");
	ok(strcasestr(html, "<script") == NULL, "no <script anywhere");
	ok(strstr(html, "Clinic &amp; Co &quot;Two&quot;") != NULL, "& and quotes escaped");
	ok(strstr(html, "&lt;b&gt;now&lt;/b&gt;") != NULL, "markup in a detail escaped");
	ok(strstr(html, "<svg") != NULL, "has inline SVG");
	ok(strstr(html, "applicable checks determined (") != NULL, "each card says its coverage");
	ok(strstr(html, "<th class=\"n\">Coverage</th>") != NULL, "the ranking has a coverage column");
	ok(count(html, "<svg") >= 4 + 2 + 36, "charts: 4 distributions, factor bars, a bar per check");
	is_int(count(html, "https://") + count(html, "http://"), 1,
	       "the only URL is the one in a detail's text");
	ok(strstr(html, "redirects to https://evil.test/login") != NULL,
	   "that URL is text inside a table cell");
	ok(strstr(html, "src=") == NULL && strstr(html, "url(") == NULL && strstr(html, "@import") == NULL &&
	       strstr(html, "<link") == NULL && strstr(html, "@font-face") == NULL,
	   "nothing is fetched: no src, url(), @import, <link> or web fonts");
	ok(strchr(html, '\033') == NULL, "no escape characters from the network");
	ok(strstr(html, " style=") == NULL,
	   "no style attribute: the report's HTML passes a CSP without inline styles");
	ok(strstr(html, "<span class=\"st-fail\"></span>fail") != NULL &&
	       strstr(html, ".st-fail{background:#c62828}"),
	   "the checks' legend colours are classes of the stylesheet");
	ok(strstr(html, "<tr><th scope=\"row\">A</th><td class=\"n\">1</td>") != NULL, "overall: one A");
	ok(strstr(html, "<tr><th scope=\"row\">B</th><td class=\"n\">0</td>") != NULL, "overall: no B");
	ok(strstr(html, "<tr><th scope=\"row\">F</th><td class=\"n\">1</td>") != NULL, "overall: one F");
	ok(strstr(html, "<tr><th scope=\"row\">no score</th><td class=\"n\">0</td><td class=\"n\">0</td>"
	                "<td class=\"n\">0</td><td class=\"n\">1</td></tr>") != NULL,
	   "appsec: org001 has no score");
	ok(strstr(html, "<title>Overall grade distribution</title>") != NULL, "overall chart titled");
	ok(strstr(html,
	          "<code>dns.spf.all</code></td><td>SPF ends in -all or ~all</td><td>dns</td><td>high</td>"
	          "<td class=\"n\">4</td><td class=\"n\">70</td><td class=\"n\">1</td><td class=\"n\">1</td>"
	          "<td class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">50%</td>") != NULL,
	   "check row: dns.spf.all 1 pass, 1 fail, 50%");
	ok(strstr(html, "id=\"org-org001\"") != NULL && strstr(html, "id=\"org-org002\"") != NULL,
	   "a card per org");
	const char *worst = strstr(html, "id=\"worst\"");
	const char *first = worst ? strstr(worst, "href=\"#org-") : NULL;
	ok(first != NULL && strncmp(first, "href=\"#org-org002\"", 18) == 0,
	   "worst table starts with org002");
	ok(strstr(html, "<span class=\"grade g-F\">F 6</span>") != NULL, "org002 overall F 6");
	ok(strstr(html, "<span class=\"grade g-A\">A 100</span>") != NULL, "org001 overall A 100");
	const char *card = strstr(html, "id=\"org-org002\"");
	const char *p50 = card ? strstr(card, "tls.https.available") : NULL;
	const char *p20 = card ? strstr(card, "dns.spf.all") : NULL;
	ok(p50 && p20 && p50 < p20, "card lists the largest loss first");
	ok(card && strstr(card, "<td class=\"n\">100.00</td><td><code>tls.https.available") != NULL,
	   "card shows points lost");
}

static void test_report(struct store *st)
{
	char path[300];
	snprintf(path, sizeof path, "%s/report.html", dir);
	FILE *out = fopen(path, "w");
	is_int(report_write(out, st, 1, 0), 0, "report written");
	fclose(out);
	char *html = slurp(path);
	ok(html != NULL, "report read back");
	if (html != NULL)
		test_html(html);
	free(html);
	unlink(path);

	out = fopen("/dev/null", "w");
	is_int(report_write(out, st, 42, 0), -ENOENT, "unknown scan");
	is_int(report_write(out, st, 1, 7), -EINVAL, "unknown method");
	sqlite3 *db;
	sqlite3_open(dbpath, &db);
	sqlite3_exec(db, "DELETE FROM scores WHERE org_id = 'org002'", NULL, NULL, NULL);
	sqlite3_close(db);
	is_int(report_write(out, st, 1, 0), -ENODATA, "an organization without scores under the method");
	fclose(out);
}

/* Runs `vitals rescore` with stdout captured into `buf`; returns its exit code. */
static int run_rescore(const char *scan, char *buf, size_t size)
{
	char path[300];
	char *argv[] = {"rescore", "--scan", (char *)scan, "--db", dbpath, "--method", "v1", NULL};
	snprintf(path, sizeof path, "%s/rescore.out", dir);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	int ex = cmd_rescore(7, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	char *text = slurp(path);
	snprintf(buf, size, "%s", text ? text : "");
	free(text);
	unlink(path);
	return ex;
}

/* After test_report deleted org002's scores, rescore re-derives them from its findings. */
static void test_rescore(struct store *st)
{
	char out[1024];
	json_t *org = NULL;
	is_int(run_rescore("1", out, sizeof out), EXIT_OK, "rescore succeeds");
	is_str(out,
	       "org001 A -> A (100)\n"
	       "org002 - -> F (6)\n"
	       "rescored 2 organizations of scan 1 under method v1: 1 changed grade "
	       "(compared with the scan's own method v1)\n",
	       "rescore prints old and new grades and a summary");
	store_load_org(st, 1, "org002", 0, &org);
	json_t *sc = json_object_get(org, "scores");
	is_int(json_integer_value(json_object_get(sc, "score")), 6,
	       "org002's score is back, from its findings");
	is_int(json_integer_value(
	           json_object_get(json_object_get(json_object_get(sc, "factors"), "dns"), "score")),
	       20, "org002's dns score is back");
	json_decref(org);
	FILE *devnull = fopen("/dev/null", "w");
	is_int(report_write(devnull, st, 1, 0), 0, "the report works again after rescoring");
	fclose(devnull);
	is_int(run_rescore("42", out, sizeof out), EXIT_INPUT,
	       "rescore of an unknown scan is an input error");
	is_int(run_rescore("x", out, sizeof out), EXIT_USAGE, "rescore with a bad scan id is a usage error");
}

static void test_svg(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	html_escape(m, "a<b>&\"'\x01\tz");
	html_escape(m, NULL);
	fclose(m);
	is_str(buf, "a&lt;b&gt;&amp;&quot;&#39;\xef\xbf\xbd\tz", "html_escape escapes markup and controls");
	free(buf);

	struct svg_bar bars[2] = {{"<A>", 3, "#000"}, {"B", 0, "#111"}};
	m = open_memstream(&buf, &len);
	is_int(svg_bar_chart(m, "t", bars, 0, 100, 100), -EINVAL, "a chart without bars is refused");
	is_int(svg_bar_chart(m, "t", bars, 2, 100, 20), -EINVAL, "a chart without room is refused");
	is_int(svg_bar_chart(m, "grades & more", bars, 2, 100, 116), 0, "bar chart drawn");
	fclose(m);
	ok(strstr(buf, "<title>grades &amp; more</title>") != NULL, "chart title escaped");
	ok(strstr(buf, ">&lt;A&gt;</text>") != NULL, "bar label escaped");
	/* 116 - 16 above - 18 below = 82 px of plot: the largest bar, 3, is 82 high from y 16. */
	ok(strstr(buf, "x=\"7.5\" y=\"16.0\" width=\"35.0\" height=\"82.0\"") != NULL,
	   "the largest bar fills the plot");
	free(buf);

	struct svg_bar segs[2] = {{"pass", 0, "#0f0"}, {"fail", 0, "#f00"}};
	m = open_memstream(&buf, &len);
	is_int(svg_stacked_bar(m, "empty", segs, 2, 100, 10), 0, "empty stacked bar drawn");
	fclose(m);
	is_int(count(buf, "<rect"), 1, "an all-zero stacked bar is only its background");
	free(buf);
	segs[0].value = 3, segs[1].value = 1;
	m = open_memstream(&buf, &len);
	svg_stacked_bar(m, "3:1", segs, 2, 100, 10);
	fclose(m);
	ok(strstr(buf, "x=\"75.0\" y=\"0.0\" width=\"25.0\"") != NULL, "segments are proportional");
	free(buf);
}

static void test_show(struct store *st)
{
	json_t *org = NULL;
	char *buf = NULL;
	size_t len = 0;
	is_int(store_load_org(st, 1, "org002", 0, &org), 0, "org002 loaded for show");
	json_object_set_new(org, "scores", json_null());
	FILE *m = open_memstream(&buf, &len);
	is_int(show_org(m, org, 0), 0, "show without scores works");
	fclose(m);
	ok(strstr(buf, "No scores under this method") != NULL, "says there are no scores");
	free(buf);
	json_decref(org);

	is_int(store_load_org(st, 1, "org002", 0, &org), 0, "org002 loaded");
	m = open_memstream(&buf, &len);
	is_int(show_org(m, org, 0), 0, "show written");
	fclose(m);
	ok(strstr(buf, "Clinic & Co \"Two\" (org002)") != NULL, "name and id");
	ok(strstr(buf, "Overall                  F   6") != NULL, "overall grade and score");
	ok(strstr(buf, "  DNS health             F  20   1 passed, 1 failed, 0 indeterminate, 0 n/a") != NULL,
	   "factor grade, score and counts");
	ok(strchr(buf, '\033') == NULL, "no escape sequences: no colour, network control characters removed");
	ok(strstr(buf, "\xc2\x9b") == NULL, "no C1 control characters");
	const char *a =
	    strstr(buf, "100.00  tls.https.available  org002.test  redirects to https://evil.test/login");
	const char *b = strstr(buf, "100.00  web.csp  org002.test  no CSP");
	const char *c = strstr(buf, " 80.00  dns.spf.all  org002.test  SPF ends in +all  evidence: "
	                            "{\"records\":[\"v=spf1 +all\"]}");
	ok(a && b && c && a < b && b < c, "failures sorted by points lost, then check id, with evidence");
	ok(strstr(buf,
	          "server says ?[31mhello?  evidence: {\"server\":\"evil\\u001B[2J\\u009B31mbanner\"}") !=
	       NULL,
	   "control characters in details replaced, escaped in evidence");
	free(buf);

	json_object_set_new(
	    json_array_get(json_object_get(org, "findings"), 0), "evidence",
	    json_string("0123456789012345678901234567890123456789012345678901234567890123456789"
	                "0123456789012345678901234567890123456789012345678901234567890123456789"
	                "0123456789012345678901234567890123456789"));
	m = open_memstream(&buf, &len);
	show_org(m, org, 1);
	fclose(m);
	ok(strstr(buf, "\033[") != NULL, "colour when asked");
	char want[200];
	/* 160 characters of the JSON text: the opening quote and 159 digits. */
	snprintf(want, sizeof want, "evidence: \"%.159s...\n",
	         json_string_value(
	             json_object_get(json_array_get(json_object_get(org, "findings"), 0), "evidence")));
	ok(strstr(buf, want) != NULL, "long evidence cut at 160 characters");
	free(buf);
	json_decref(org);

	is_int(store_load_org(st, 1, "org002", 0, &org), 0, "org002 loaded for its tags");
	json_object_set_new(org, "tags",
	                    json_pack("{s:s, s:s}", "type", "telehealth vendor", "region", "no\033rth"));
	m = open_memstream(&buf, &len);
	show_org(m, org, 0);
	fclose(m);
	ok(strstr(buf, "domains: org002.test\ntags: type=telehealth vendor; region=no?rth\n") != NULL,
	   "tags under the domains, control characters replaced");
	free(buf);
	json_decref(org);

	is_int(store_load_org(st, 1, "org001", 0, &org), 0, "org001 loaded");
	m = open_memstream(&buf, &len);
	show_org(m, org, 0);
	fclose(m);
	ok(strstr(buf, "tags:") == NULL, "no tags line without tags");
	ok(strstr(buf, "No failing checks.") != NULL, "no failures said so");
	ok(strstr(buf, "Indeterminate (no points lost): 1 finding (timeout 1)") != NULL,
	   "indeterminate summarised");
	ok(strstr(buf, "  Application security   no score   0 passed, 0 failed, 1 indeterminate") != NULL,
	   "a factor without a score");
	free(buf);
	json_decref(org);
	org = json_object();
	is_int(show_org(stdout, org, 0), -EINVAL, "an object without org_id is refused");
	json_decref(org);
}

/*
 * Under method v3's roll-up a check counts once, on its worst endpoint: show says why the
 * other endpoints' failures of that check cost nothing.
 */
static void test_show_rolled_up(void)
{
	struct findings fs = {0};
	struct scorecard sc;
	const struct method *m = method_get(3);
	findings_add(&fs, "tls.protocol.legacy", "a.test", FS_FAIL, NULL, NULL, "TLS 1.0 accepted");
	fs.v[0].endpoint = strdup("127.1.0.1");
	findings_add(&fs, "tls.protocol.legacy", "a.test", FS_FAIL, NULL, NULL, "TLS 1.0 accepted too");
	fs.v[1].endpoint = strdup("127.1.0.2");
	findings_add(&fs, "tls.https.available", "a.test", FS_PASS, NULL, NULL, "HTTPS");
	grade_findings(m, &fs, &sc);
	json_t *arr = json_array();
	for (size_t i = 0; i < fs.n; i++)
		json_array_append_new(arr, finding_to_json(&fs.v[i]));
	json_t *org = json_pack("{s:s, s:s, s:[s], s:o, s:o}", "org_id", "r1", "name", "Rolled", "domains",
	                        "a.test", "findings", arr, "scores", scorecard_to_json(m, &fs, &sc));
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	is_int(show_org(mem, org, 0), 0, "rolled up: shown");
	fclose(mem);
	const char *first = strstr(buf, "a.test @ 127.1.0.1  TLS 1.0 accepted");
	const char *second =
	    strstr(buf, "a.test @ 127.1.0.2  (rolled up: its check counts once, on the worst endpoint)");
	ok(first != NULL, "rolled up: the finding that stands for its check costs points, unlabelled");
	ok(second != NULL, "rolled up: the other endpoint's failure says why it costs nothing");
	free(buf);
	json_decref(org);
	scorecard_free(&sc);
	findings_clear(&fs);
}

int main(void)
{
	struct store *st = NULL;
	int64_t scan;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/vitals.db", dir);
	is_int(store_open(dbpath, &st), 0, "store opened");
	store_scan_begin(st, 1, NULL, &scan);
	is_int(store_one(st, scan, "org001", "Saint Mary <script>alert(1)</script> Hospital", dom1, add_good),
	       0, "org001 stored");
	is_int(store_one(st, scan, "org002", "Clinic & Co \"Two\"", dom2, add_bad), 0, "org002 stored");
	store_scan_end(st, scan, "complete", 2);
	test_svg();
	test_show(st);
	test_show_rolled_up();
	test_report(st);
	test_rescore(st);
	store_close(st);
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char path[300];
		snprintf(path, sizeof path, "%s%s", dbpath, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
	return done_testing();
}
