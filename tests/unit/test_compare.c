/*
 * `vitals compare` on canned organizations stored in a temporary SQLite store: a small
 * case worked out by hand (paired factor changes, failure rates with Wilson intervals,
 * McNemar counts, migration cells, every change, the regressed and improved, new
 * exposures, findings per organization and per domain), a cohort, a case where Holm
 * and Benjamini-Hochberg disagree, re-grading when the scans' methods differ, each
 * error, and the HTML page. Reference values of the t test and the Wilson intervals
 * were computed with python3-scipy (scipy.stats.ttest_1samp, norm.ppf).
 */
#include "cmd.h"
#include "compare.h"
#include "tap.h"
#include "testfile.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/vitals-test-compare-XXXXXX";
static char dbpath[256];

/* One canned finding: check, domain, endpoint (or NULL), status. */
struct spec {
	const char *check, *domain, *endpoint;
	enum fstatus st;
};

static int store_org(struct store *st, int64_t scan, int method, const char *id, const char *type,
                     const char *const *doms, size_t ndoms, const struct spec *s, size_t n)
{
	struct target_tag tag = {"type", (char *)type};
	struct org_result r = {.org_id = id,
	                       .name = id,
	                       .domains = doms,
	                       .ndomains = ndoms,
	                       .tags = &tag,
	                       .ntags = 1,
	                       .started = 1795000000,
	                       .finished = 1795000010};
	for (size_t i = 0; i < n; i++) {
		findings_add(&r.findings, s[i].check, s[i].domain, s[i].st, NULL, NULL, "%s is %s",
		             s[i].check, fstatus_name(s[i].st));
		if (s[i].endpoint != NULL)
			r.findings.v[r.findings.n - 1].endpoint = strdup(s[i].endpoint);
	}
	grade_findings(method_get(method), &r.findings, &r.score);
	int rc = store_org_result(st, scan, &r);
	scorecard_free(&r.score);
	findings_clear(&r.findings);
	return rc;
}

static int64_t begin(struct store *st, int method, const char *sha)
{
	int64_t id = 0;
	json_t *args = json_pack("{s:s}", "targets_sha256", sha);
	store_scan_begin(st, method, args, &id);
	json_decref(args);
	return id;
}

#define N(a) (sizeof a / sizeof a[0])

static const char *const d1[] = {"org001.test"}, *const d1b[] = {"org001.test", "org001.org"};
static const char *const d2[] = {"org002.test"}, *const d3[] = {"org003.test"};
static const char *const d4[] = {"org004.test"}, *const d5[] = {"org005.test"};

/* Scans 1 (base) and 2 of org001-org003, org004 leaving and org005 joining; all under v3. */
static void store_small(struct store *st)
{
	static const struct spec b1[] = {{"dns.caa.present", "org001.test", NULL, FS_PASS},
	                                 {"dns.mx.present", "org001.test", NULL, FS_PASS},
	                                 {"dns.ns.count", "org001.test", NULL, FS_FAIL}};
	static const struct spec s1[] = {{"dns.caa.present", "org001.test", NULL, FS_FAIL},
	                                 {"dns.mx.present", "org001.test", NULL, FS_PASS}};
	static const struct spec b2[] = {{"dns.caa.present", "org002.test", NULL, FS_FAIL},
	                                 {"dns.mx.present", "org002.test", NULL, FS_FAIL}};
	static const struct spec s2[] = {{"dns.caa.present", "org002.test", NULL, FS_PASS},
	                                 {"dns.mx.present", "org002.test", NULL, FS_FAIL},
	                                 {"dns.dmarc.present", "org002.test", NULL, FS_FAIL}};
	static const struct spec b3[] = {{"dns.caa.present", "org003.test", NULL, FS_FAIL},
	                                 {"dns.mx.present", "org003.test", NULL, FS_PASS},
	                                 {"tls.https.available", "org003.test", "127.1.0.3", FS_PASS}};
	static const struct spec s3[] = {{"dns.caa.present", "org003.test", NULL, FS_PASS},
	                                 {"dns.mx.present", "org003.test", NULL, FS_PASS},
	                                 {"tls.https.available", "org003.test", "127.1.0.3", FS_FAIL}};
	static const struct spec x[] = {{"dns.caa.present", "org00x.test", NULL, FS_FAIL}};
	int64_t a = begin(st, 3, "aaaa"), b;
	store_org(st, a, 3, "org001", "clinic", d1, 1, b1, N(b1));
	store_org(st, a, 3, "org002", "hospital", d2, 1, b2, N(b2));
	store_org(st, a, 3, "org003", "clinic", d3, 1, b3, N(b3));
	store_org(st, a, 3, "org004", "clinic", d4, 1, x, N(x));
	store_scan_end(st, a, "complete", 4);
	b = begin(st, 3, "aaaa");
	store_org(st, b, 3, "org001", "clinic", d1b, 2, s1, N(s1));
	store_org(st, b, 3, "org002", "hospital", d2, 1, s2, N(s2));
	store_org(st, b, 3, "org003", "clinic", d3, 1, s3, N(s3));
	store_org(st, b, 3, "org005", "hospital", d5, 1, x, N(x));
	store_scan_end(st, b, "complete", 4);
}

/* The number at a dotted path ("factors.dns.ci95.0"), or NaN. */
static double num(const json_t *j, const char *path)
{
	const json_t *cur = j;
	while (cur != NULL && *path != '\0') {
		char key[64];
		size_t len = strcspn(path, ".");
		snprintf(key, sizeof key, "%.*s", (int)len, path);
		cur = json_is_array(cur) ? json_array_get(cur, strtoul(key, NULL, 10))
		                         : json_object_get(cur, key);
		path += len + (path[len] == '.');
	}
	return cur != NULL && json_is_number(cur) ? json_number_value(cur) : NAN;
}

#define near(got, want, name) ok(fabs((got) - (want)) < 1e-6, name)

static const json_t *check_of(const json_t *cmp, const char *id)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(cmp, "checks"), i,
	                   c) if (strcmp(json_string_value(json_object_get(c, "check")), id) == 0) return c;
	return NULL;
}

static void test_factors(const json_t *c)
{
	const json_t *f = json_object_get(c, "factors");
	near(num(f, "dns.mean_base"), 100.0 / 3, "dns: mean before (50, 0, 50)");
	near(num(f, "dns.mean_scan"), 170.0 / 3, "dns: mean after (50, 20, 100)");
	near(num(f, "dns.mean_change"), 23.333333333333332, "dns: mean change");
	near(num(f, "dns.ci95.0"), -39.1827614627755, "dns: t interval low (scipy)");
	near(num(f, "dns.ci95.1"), 85.84942812944216, "dns: t interval high (scipy)");
	near(num(f, "dns.p"), 0.24952122561354348, "dns: paired t p (scipy)");
	ok(json_is_false(json_object_get(json_object_get(f, "dns"), "significant")), "dns: not significant");
	is_int(num(f, "dns.improved"), 2, "dns: 2 improved");
	is_int(num(f, "dns.unchanged"), 1, "dns: 1 unchanged");
	is_int(num(f, "dns.worsened"), 0, "dns: 0 worsened");
	is_int(num(f, "transport.n"), 1, "transport: one organization scored in both");
	near(num(f, "transport.mean_change"), -100, "transport: 100 -> 0");
	near(num(f, "transport.p"), 1, "transport: one pair, p = 1");
	is_int(num(f, "appsec.n"), 0, "appsec: nobody scored");
	ok(json_is_null(json_object_get(json_object_get(f, "appsec"), "mean_change")), "appsec: change null");
	near(num(f, "overall.mean_base"), 43, "overall: mean before (50, 0, 79)");
	near(num(f, "overall.mean_change"), -5.333333333333333, "overall: mean change (0, +20, -36)");
	near(num(f, "overall.p"), 0.7756911383631824, "overall: paired t p (scipy)");
}

static void test_checks(const json_t *c)
{
	const json_t *caa = check_of(c, "dns.caa.present"), *tls = check_of(c, "tls.https.available");
	is_int(json_array_size(json_object_get(c, "checks")), 5, "five checks determinate somewhere");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(c, "checks"), 0), "check")),
	       "dns.dmarc.present", "checks in the method's order");
	is_int(num(caa, "n"), 3, "caa: 3 determinate in both");
	is_int(num(caa, "fail_base.k"), 2, "caa: 2 failing before");
	is_int(num(caa, "fail_scan.k"), 1, "caa: 1 failing after");
	near(num(caa, "fail_base.ci95.0"), 0.2076596008020477, "caa: Wilson low of 2/3 (scipy)");
	near(num(caa, "fail_base.ci95.1"), 0.9385080552796037, "caa: Wilson high of 2/3 (scipy)");
	is_int(num(caa, "fixed"), 2, "caa: 2 fixed");
	is_int(num(caa, "broke"), 1, "caa: 1 broke");
	is_str(json_string_value(json_object_get(caa, "test")), "mcnemar-exact", "caa: exact McNemar");
	near(num(caa, "p"), 1, "caa: 1 vs 2 discordant, p = 1");
	is_int(num(tls, "broke"), 1, "tls: one broke");
	is_int(num(check_of(c, "dns.dmarc.present"), "fail_base.n"), 0, "dmarc.present: none before");
	near(num(check_of(c, "dns.dmarc.present"), "fail_base.ci95.1"), 1, "an empty rate has [0, 1]");
	ok(json_is_false(json_object_get(caa, "significant")), "caa: not significant");
}

static const char *change_text(const json_t *ch, char *buf, size_t len)
{
	const char *ep = json_string_value(json_object_get(ch, "endpoint"));
	snprintf(buf, len, "%s %s %s %s %s>%s", json_string_value(json_object_get(ch, "org_id")),
	         json_string_value(json_object_get(ch, "check")),
	         json_string_value(json_object_get(ch, "domain")), ep ? ep : "-",
	         json_string_value(json_object_get(ch, "from")),
	         json_string_value(json_object_get(ch, "to")));
	return buf;
}

static void test_changes(const json_t *c)
{
	static const char *const want[] = {
	    "org001 dns.caa.present org001.test - pass>fail",
	    "org001 dns.ns.count org001.test - fail>absent",
	    "org002 dns.caa.present org002.test - fail>pass",
	    "org002 dns.dmarc.present org002.test - absent>fail",
	    "org003 dns.caa.present org003.test - fail>pass",
	    "org003 tls.https.available org003.test 127.1.0.3 pass>fail",
	};
	const json_t *ch = json_object_get(c, "changes");
	char buf[256];
	is_int(json_array_size(ch), N(want), "six changes");
	for (size_t i = 0; i < N(want); i++)
		is_str(change_text(json_array_get(ch, i), buf, sizeof buf), want[i], "a change in its place");
}

static void test_movers(const json_t *c)
{
	const json_t *reg = json_object_get(c, "regressed"), *imp = json_object_get(c, "improved");
	const json_t *r0 = json_array_get(reg, 0), *i0 = json_array_get(imp, 0);
	is_int(json_array_size(reg), 1, "one regressed");
	is_str(json_string_value(json_object_get(r0, "org_id")), "org003", "org003 regressed");
	is_int(num(r0, "score_base"), 79, "org003 was 79");
	is_int(num(r0, "change"), -36, "org003 lost 36");
	is_str(
	    json_string_value(json_object_get(json_array_get(json_object_get(r0, "appeared"), 0), "check")),
	    "tls.https.available", "org003: the HTTPS failure appeared");
	is_str(json_string_value(
	           json_object_get(json_array_get(json_object_get(r0, "disappeared"), 0), "check")),
	       "dns.caa.present", "org003: the CAA failure disappeared");
	is_int(json_array_size(imp), 1, "one improved");
	is_str(json_string_value(json_object_get(i0, "org_id")), "org002", "org002 improved");
	is_int(num(i0, "change"), 20, "org002 gained 20");
	const json_t *ne = json_object_get(c, "new_exposures");
	is_int(json_array_size(ne), 3, "three new exposures");
	is_str(json_string_value(json_object_get(json_array_get(ne, 1), "check")), "dns.dmarc.present",
	       "org002's DMARC failure is new");
	is_str(json_string_value(json_object_get(json_array_get(ne, 2), "endpoint")), "127.1.0.3",
	       "org003's HTTPS failure names its endpoint");
}

static void test_small(struct store *st)
{
	struct compare_opts o = {.correction = COMPARE_HOLM, .alpha = 0.05};
	json_t *c = NULL;
	char err[256];
	is_int(compare_scans(st, 1, 2, &o, &c, err, sizeof err), 0, "scans 1 and 2 compare");
	if (c == NULL)
		return;
	is_int(num(c, "method"), 3, "method v3");
	is_int(json_array_size(json_object_get(c, "rescored")), 0, "nothing re-graded");
	ok(json_is_null(json_object_get(c, "cohort")), "no cohort");
	is_str(json_string_value(json_object_get(c, "correction")), "holm", "Holm by default");
	is_int(num(c, "organizations.both"), 3, "three in both");
	is_str(json_string_value(
	           json_array_get(json_object_get(json_object_get(c, "organizations"), "joined"), 0)),
	       "org005", "org005 joined");
	is_str(json_string_value(
	           json_array_get(json_object_get(json_object_get(c, "organizations"), "left"), 0)),
	       "org004", "org004 left");
	is_int(num(c, "base.scan_id"), 1, "base is scan 1");
	is_str(json_string_value(json_object_get(json_object_get(c, "scan"), "status")), "complete",
	       "status");
	test_factors(c);
	test_checks(c);
	near(num(c, "findings.per_org.base"), 4.0 / 3, "failing findings per org before");
	near(num(c, "findings.per_org.change_pct"), 0, "per org: no change");
	near(num(c, "findings.per_domain.scan"), 1, "per domain after: 4 of 4 domains");
	near(num(c, "findings.per_domain.change_pct"), -25, "per domain: -25%");
	is_int(num(c, "migration.F.F"), 2, "two stayed F");
	is_int(num(c, "migration.C.F"), 1, "one went C to F");
	is_int(num(c, "migration.A.A"), 0, "A stayed empty");
	is_int(num(c, "migration.-.-"), 0, "the no-grade cell is there");
	test_changes(c);
	test_movers(c);
	json_decref(c);
}

static void test_cohort(struct store *st)
{
	struct cohort clinic, lab;
	struct compare_opts o = {.correction = COMPARE_HOLM, .alpha = 0.05, .cohort = &clinic};
	json_t *c = NULL;
	char err[256];
	cohort_parse("type=clinic", &clinic);
	cohort_parse("type=laboratory", &lab);
	is_int(compare_scans(st, 1, 2, &o, &c, err, sizeof err), 0, "clinics compare");
	is_int(num(c, "organizations.both"), 2, "two clinics in both");
	is_int(json_array_size(json_object_get(json_object_get(c, "organizations"), "joined")), 0,
	       "the joining hospital is not counted");
	is_int(json_array_size(json_object_get(json_object_get(c, "organizations"), "left")), 1,
	       "org004 left");
	is_str(json_string_value(json_object_get(c, "cohort")), "type=clinic", "the cohort is named");
	is_int(json_array_size(json_object_get(c, "changes")), 4, "four changes among clinics");
	json_decref(c);
	c = NULL;
	o.cohort = &lab;
	is_int(compare_scans(st, 1, 2, &o, &c, err, sizeof err), -ESRCH, "an unknown cohort: -ESRCH");
	ok(strstr(err, "type=laboratory") != NULL, "the message names the cohort");
	ok(c == NULL, "no comparison");
}

/* Scans 3 and 4: 12 organizations; CAA fixed by all, MX broken by six, DMARC unchanged. */
static void store_many(struct store *st)
{
	int64_t a = begin(st, 3, "bbbb"), b = begin(st, 3, "bbbb");
	for (int i = 1; i <= 12; i++) {
		char id[16], dom[32];
		snprintf(id, sizeof id, "s%02d", i);
		snprintf(dom, sizeof dom, "s%02d.test", i);
		const char *doms[] = {dom};
		struct spec before[] = {{"dns.caa.present", dom, NULL, FS_FAIL},
		                        {"dns.mx.present", dom, NULL, FS_PASS},
		                        {"dns.dmarc.present", dom, NULL, FS_PASS}};
		struct spec after[] = {{"dns.caa.present", dom, NULL, FS_PASS},
		                       {"dns.mx.present", dom, NULL, i <= 6 ? FS_FAIL : FS_PASS},
		                       {"dns.dmarc.present", dom, NULL, FS_PASS}};
		store_org(st, a, 3, id, "clinic", doms, 1, before, 3);
		store_org(st, b, 3, id, "clinic", doms, 1, after, 3);
	}
	store_scan_end(st, a, "complete", 12);
	store_scan_end(st, b, "complete", 12);
}

static void test_corrections(struct store *st)
{
	struct compare_opts o = {.correction = COMPARE_HOLM, .alpha = 0.05};
	json_t *c = NULL;
	char err[256];
	is_int(compare_scans(st, 3, 4, &o, &c, err, sizeof err), 0, "scans 3 and 4 compare");
	near(num(check_of(c, "dns.caa.present"), "p"), 0.00048828125, "caa: exact p of 12 vs 0");
	near(num(check_of(c, "dns.caa.present"), "p_adjusted"), 3 * 0.00048828125, "caa: Holm x3");
	near(num(check_of(c, "dns.mx.present"), "p"), 0.03125, "mx: exact p of 0 vs 6");
	near(num(check_of(c, "dns.mx.present"), "p_adjusted"), 0.0625, "mx: Holm x2");
	ok(json_is_true(json_object_get(check_of(c, "dns.caa.present"), "significant")),
	   "Holm: caa significant");
	ok(json_is_false(json_object_get(check_of(c, "dns.mx.present"), "significant")), "Holm: mx not");
	near(num(check_of(c, "dns.dmarc.present"), "p_adjusted"), 1, "dmarc: unchanged, 1");
	is_int(json_array_size(json_object_get(c, "improved")), 6, "s07-s12 gained 80 -> 100");
	is_str(
	    json_string_value(json_object_get(json_array_get(json_object_get(c, "improved"), 0), "org_id")),
	    "s07", "equal gains in org_id order: s07 first");
	is_str(
	    json_string_value(json_object_get(json_array_get(json_object_get(c, "improved"), 5), "org_id")),
	    "s12", "s12 last");
	is_int(json_array_size(json_object_get(c, "regressed")), 0, "s01-s06 stayed at 80: none regressed");
	json_decref(c);
	c = NULL;
	o.correction = COMPARE_BH;
	is_int(compare_scans(st, 3, 4, &o, &c, err, sizeof err), 0, "again with BH");
	is_str(json_string_value(json_object_get(c, "correction")), "bh", "BH named");
	near(num(check_of(c, "dns.mx.present"), "p_adjusted"), 0.046875, "mx: BH x3/2");
	ok(json_is_true(json_object_get(check_of(c, "dns.mx.present"), "significant")), "BH: mx significant");
	json_decref(c);
}

/* Scans 5 (v1) and 6 (v3): dns.spf.ptr is no v1 check, so the base counts it only when re-graded. */
static void test_regrade(struct store *st)
{
	static const char *const doms[] = {"r.test"};
	static const struct spec s[] = {{"dns.caa.present", "r.test", NULL, FS_PASS},
	                                {"dns.mx.present", "r.test", NULL, FS_PASS},
	                                {"dns.spf.ptr", "r.test", NULL, FS_FAIL}};
	struct compare_opts o = {.correction = COMPARE_HOLM, .alpha = 0.05};
	json_t *c = NULL;
	char err[256];
	int64_t a = begin(st, 1, "cccc"), b;
	store_org(st, a, 1, "r", "clinic", doms, 1, s, N(s));
	store_scan_end(st, a, "complete", 1);
	b = begin(st, 3, "cccc");
	store_org(st, b, 3, "r", "clinic", doms, 1, s, N(s));
	store_scan_end(st, b, "complete", 1);
	is_int(compare_scans(st, a, b, &o, &c, err, sizeof err), 0, "v1 and v3 scans compare");
	is_int(num(c, "method"), 3, "under the newer method");
	is_str(json_string_value(json_array_get(json_object_get(c, "rescored"), 0)), "base",
	       "the base re-graded");
	is_int(num(c, "base.method"), 1, "the base's own method is reported");
	near(num(c, "factors.dns.mean_base"), 67, "base dns re-graded under v3: 2 of 3 = 67, not v1's 100");
	near(num(c, "factors.dns.mean_change"), 0, "like for like: no change");
	json_decref(c);
	c = NULL;
	o.method = 1;
	is_int(compare_scans(st, a, b, &o, &c, err, sizeof err), 0, "forced to v1");
	is_str(json_string_value(json_array_get(json_object_get(c, "rescored"), 0)), "scan",
	       "the scan re-graded");
	near(num(c, "factors.dns.mean_scan"), 100, "v1 ignores dns.spf.ptr");
	ok(check_of(c, "dns.spf.ptr") == NULL, "no v1 row for dns.spf.ptr");
	json_decref(c);
}

static void test_errors(struct store *st)
{
	static const char *const doms[] = {"z.test"};
	static const struct spec s[] = {{"dns.caa.present", "z.test", NULL, FS_PASS}};
	struct compare_opts o = {.correction = COMPARE_HOLM, .alpha = 0.05};
	json_t *c = NULL;
	char err[256];
	is_int(compare_scans(st, 1, 99, &o, &c, err, sizeof err), -ENOENT, "no scan 99: -ENOENT");
	ok(strstr(err, "99") != NULL, "the message names scan 99");
	int64_t other = begin(st, 3, "dddd");
	store_org(st, other, 3, "z", "clinic", doms, 1, s, 1);
	store_scan_end(st, other, "complete", 1);
	is_int(compare_scans(st, 1, other, &o, &c, err, sizeof err), -EXDEV, "different targets: -EXDEV");
	ok(strstr(err, "different target sets") != NULL, "the message says so");
	int64_t running = begin(st, 3, "aaaa");
	store_org(st, running, 3, "org001", "clinic", d1, 1, s, 1);
	is_int(compare_scans(st, 1, running, &o, &c, err, sizeof err), -EAGAIN, "a running scan: -EAGAIN");
	ok(strstr(err, "still running") != NULL, "the message says it is running");
	ok(c == NULL, "no comparison on errors");
}

static int run_cmd(int argc, char **argv)
{
	return cmd_compare(argc, argv);
}

static void test_command(void)
{
	char out[300];
	snprintf(out, sizeof out, "%s/compare.html", dir);
	char *ok_args[] = {"compare", "--db", dbpath, "--base", "1", "--scan", "2", "-o", out, NULL};
	char *missing[] = {"compare", "--db", dbpath, "--scan", "2", NULL};
	char *cohort[] = {"compare", "--db",     dbpath, "--base", "1", "--scan",
	                  "2",       "--cohort", "a=",   "-o",     out, NULL};
	char *unknown[] = {"compare", "--db",     dbpath,       "--base", "1", "--scan",
	                   "2",       "--cohort", "laboratory", "-o",     out, NULL};
	char *noscan[] = {"compare", "--db", dbpath, "--base", "1", "--scan", "42", "-o", out, NULL};
	char *running[] = {"compare", "--db", dbpath, "--base", "1", "--scan", "8", "-o", out, NULL};
	char *corr[] = {"compare", "--db", dbpath,         "--base", "1",
	                "--scan",  "2",    "--correction", "bonf",   NULL};
	is_int(run_cmd(9, ok_args), EXIT_OK, "compare -o: exit 0");
	is_int(run_cmd(5, missing), EXIT_USAGE, "missing --base: exit 2");
	is_int(run_cmd(11, cohort), EXIT_USAGE, "bad --cohort syntax: exit 2");
	is_int(run_cmd(11, unknown), EXIT_INPUT, "unknown cohort: exit 3");
	is_int(run_cmd(9, noscan), EXIT_INPUT, "no such scan: exit 3");
	is_int(run_cmd(9, running), EXIT_INPUT, "a running scan: exit 3");
	is_int(run_cmd(9, corr), EXIT_USAGE, "unknown correction: exit 2");
	char *html = slurp(out);
	ok(html != NULL && strncmp(html, "<!DOCTYPE html>", 15) == 0, "the page is written");
	ok(html && strstr(html, "class=\"chart factor-change\"") != NULL, "a factor chart");
	ok(html && strstr(html, "class=\"chart migration\"") != NULL, "the migration heat map");
	ok(html && strstr(html, "<script") == NULL && strstr(html, "http://") == NULL &&
	       strstr(html, "https://") == NULL,
	   "no script, no network");
	ok(html && strstr(html, "<code>tls.https.available</code>") != NULL, "the check table");
	ok(html && strstr(html, "Holm") != NULL, "the correction is named");
	free(html);
	unlink(out);
}

int main(void)
{
	struct store *st = NULL;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/v.db", dir);
	if (store_open(dbpath, &st) < 0)
		return 1;
	store_small(st);
	store_many(st);
	test_small(st);
	test_cohort(st);
	test_corrections(st);
	test_regrade(st);
	test_errors(st);
	store_close(st);
	test_command();
	unlink(dbpath);
	snprintf(dbpath + strlen(dbpath), sizeof dbpath - strlen(dbpath), "-wal");
	unlink(dbpath);
	snprintf(dbpath + strlen(dbpath) - 4, 5, "-shm");
	unlink(dbpath);
	rmdir(dir);
	return done_testing();
}
