/* Grader tests: hand-computed scores, caps, deductions and the overall weighting. */
#include "grade.h"
#include "tap.h"

#include <math.h>
#include <string.h>

static const char *const dns_checks[] = {
    "dns.dnssec.signed", "dns.dnssec.valid", "dns.spf.present",   "dns.spf.single",   "dns.spf.syntax",
    "dns.spf.all",       "dns.spf.lookups",  "dns.dmarc.present", "dns.dmarc.valid",  "dns.dmarc.policy",
    "dns.caa.present",   "dns.mx.present",   "dns.ns.count",      "dns.ns.diversity", "dns.axfr.refused",
};
#define NDNS (sizeof dns_checks / sizeof dns_checks[0])

/* Factor positions in versions 1 and 2 (both dns, transport, appsec); main checks them. */
enum { DNS = 0, TRANSPORT = 1, APPSEC = 2 };

static int near(double got, double want)
{
	return fabs(got - want) < 0.001;
}

/* Adds every DNS check as pass, except the ones listed with another status. */
static void add_dns(struct findings *fs, const char *const *ids, const enum fstatus *st, size_t n)
{
	for (size_t i = 0; i < NDNS; i++) {
		enum fstatus s = FS_PASS;
		for (size_t j = 0; j < n; j++)
			if (strcmp(ids[j], dns_checks[i]) == 0)
				s = st[j];
		findings_add(fs, dns_checks[i], "org001.test", s, s == FS_INDETERMINATE ? "timeout" : NULL,
		             NULL, "%s is %s", dns_checks[i], fstatus_name(s));
	}
}

static double ded_sum(const struct factor_score *f)
{
	double s = 0;
	for (size_t i = 0; i < f->nded; i++)
		s += f->ded[i].points;
	return s;
}

static void test_all_pass(const struct method *m)
{
	struct findings fs = {0};
	struct scorecard sc;
	add_dns(&fs, NULL, NULL, 0);
	is_int(grade_findings(m, &fs, &sc), 0, "all pass: graded");
	is_int(sc.f[DNS].has_score, 1, "all pass: dns has a score");
	is_int(sc.f[DNS].score, 100, "all pass: dns 100");
	is_int(sc.f[DNS].grade, 'A', "all pass: dns A");
	is_int(sc.f[DNS].passed, 15, "all pass: 15 passed");
	is_int(sc.f[DNS].nded, 0, "all pass: no deductions");
	is_int(sc.f[TRANSPORT].has_score, 0, "no transport findings: no score");
	is_int(sc.f[TRANSPORT].grade, '-', "no transport findings: grade -");
	is_int(sc.has_score, 1, "all pass: overall has a score");
	is_int(sc.score, 100, "all pass: overall 100 (only dns scored)");
	is_int(sc.grade, 'A', "all pass: overall A");
	is_int(sc.method, 1, "scorecard names method 1");
	scorecard_free(&sc);
	findings_clear(&fs);
}

static void test_one_fail(const struct method *m)
{
	struct findings fs = {0};
	struct scorecard sc;
	const char *ids[] = {"dns.caa.present"};
	enum fstatus st[] = {FS_FAIL};
	add_dns(&fs, ids, st, 1);
	grade_findings(m, &fs, &sc);
	/* 41 of 42 weight passed: 97.62 -> 98. */
	is_int(sc.f[DNS].score, 98, "one fail: dns 98");
	is_int(sc.f[DNS].failed, 1, "one fail: 1 failed");
	is_int(sc.f[DNS].nded, 1, "one fail: one deduction");
	ok(near(sc.f[DNS].ded[0].points, 100.0 / 42), "one fail: deduction 100*1/42");
	is_int(sc.f[DNS].ded[0].by_cap, 0, "one fail: not a cap");
	is_str(fs.v[sc.f[DNS].ded[0].finding].check, "dns.caa.present", "one fail: names the finding");
	scorecard_free(&sc);
	findings_clear(&fs);
}

/* The worked example as it read under version 1 (42 DNS weight). */
static void test_cap(const struct method *m)
{
	struct findings fs = {0};
	struct scorecard sc;
	const char *ids[] = {"dns.axfr.refused", "dns.spf.all", "dns.caa.present"};
	enum fstatus st[] = {FS_INDETERMINATE, FS_FAIL, FS_FAIL};
	add_dns(&fs, ids, st, 3);
	grade_findings(m, &fs, &sc);
	const struct factor_score *f = &sc.f[DNS];
	/* 33 of 38 determinate weight passed: 86.84 -> 87, capped at 70 by dns.spf.all. */
	is_int(f->score, 70, "cap: dns capped at 70");
	is_int(f->grade, 'C', "cap: grade C");
	is_int(f->passed, 12, "cap: 12 passed");
	is_int(f->failed, 2, "cap: 2 failed");
	is_int(f->indeterminate, 1, "cap: 1 indeterminate, costing nothing");
	is_int(f->nded, 3, "cap: two weight deductions and one cap deduction");
	ok(near(f->ded[0].points, 100.0 * 33 / 38 - 70), "cap: cap deduction 16.84 first");
	is_int(f->ded[0].by_cap, 1, "cap: first deduction is the cap");
	is_str(fs.v[f->ded[0].finding].check, "dns.spf.all", "cap: attributed to dns.spf.all");
	ok(near(f->ded[1].points, 400.0 / 38), "cap: dns.spf.all loses 10.53");
	is_str(fs.v[f->ded[1].finding].check, "dns.spf.all", "cap: second deduction dns.spf.all");
	ok(near(f->ded[2].points, 100.0 / 38), "cap: dns.caa.present loses 2.63");
	ok(near(ded_sum(f), 30.0), "cap: deductions add up to 100 - 70");
	scorecard_free(&sc);
	findings_clear(&fs);
}

static void test_lowest_cap(const struct method *m)
{
	struct findings fs = {0};
	struct scorecard sc;
	findings_add(&fs, "tls.cert.trusted", "a.test", FS_FAIL, NULL, NULL, "untrusted");
	findings_add(&fs, "tls.https.available", "a.test", FS_FAIL, NULL, NULL, "no https");
	findings_add(&fs, "tls.protocol.modern", "a.test", FS_PASS, NULL, NULL, "ok");
	findings_add(&fs, "web.hsts", "a.test", FS_PASS, NULL, NULL, "ok");
	findings_add(&fs, "web.hsts.subdomains", "a.test", FS_PASS, NULL, NULL, "ok");
	grade_findings(m, &fs, &sc);
	const struct factor_score *f = &sc.f[TRANSPORT];
	/* 8 of 18 passed: 44.4 -> 44; caps 60 and 50 are above it, so no cap applies. */
	is_int(f->score, 44, "caps above the pass rate change nothing");
	is_int(f->nded, 2, "no cap deduction when the cap is not binding");
	ok(near(ded_sum(f), 100.0 * 10 / 18), "deductions add up to the lost pass rate");
	scorecard_free(&sc);
	findings_clear(&fs);

	findings_add(&fs, "tls.cert.trusted", "a.test", FS_FAIL, NULL, NULL, "untrusted");
	findings_add(&fs, "tls.https.available", "b.test", FS_FAIL, NULL, NULL, "no https");
	for (int i = 0; i < 10; i++)
		findings_add(&fs, "tls.protocol.modern", "c.test", FS_PASS, NULL, NULL, "ok");
	grade_findings(m, &fs, &sc);
	f = &sc.f[TRANSPORT];
	/* 40 of 50 passed: 80, lowered to the lowest cap, 50 (tls.https.available). */
	is_int(f->score, 50, "lowest cap wins");
	is_int(f->grade, 'F', "capped to F");
	is_int(f->ded[0].by_cap, 1, "largest deduction is the cap");
	ok(near(f->ded[0].points, 30.0), "cap deduction 80 - 50");
	is_str(fs.v[f->ded[0].finding].check, "tls.https.available",
	       "cap attributed to the lowest-capped check");
	ok(near(ded_sum(f), 50.0), "deductions add up to 100 - 50");
	scorecard_free(&sc);
	findings_clear(&fs);
}

static void test_indeterminate_only(const struct method *m)
{
	struct findings fs = {0};
	struct scorecard sc;
	findings_add(&fs, "web.csp", "a.test", FS_INDETERMINATE, "timeout", NULL, "timed out");
	findings_add(&fs, "web.nosniff", "a.test", FS_INDETERMINATE, "timeout", NULL, "timed out");
	findings_add(&fs, "web.cookies.secure", "a.test", FS_NA, "no_cookies", NULL, "no cookies");
	findings_add(&fs, "no.such.check", "a.test", FS_FAIL, NULL, NULL, "unknown check is ignored");
	grade_findings(m, &fs, &sc);
	const struct factor_score *f = &sc.f[APPSEC];
	is_int(f->has_score, 0, "indeterminate only: no score");
	is_int(f->grade, '-', "indeterminate only: grade -");
	is_int(f->indeterminate, 2, "indeterminate only: 2 counted");
	is_int(f->na, 1, "indeterminate only: 1 na counted");
	is_int(f->failed, 0, "unknown check ignored");
	is_int(sc.has_score, 0, "no factor scored: no overall score");
	is_int(sc.grade, '-', "no factor scored: overall grade -");
	json_t *j = scorecard_to_json(m, &fs, &sc);
	ok(json_is_null(json_object_get(j, "score")), "json: overall score null");
	ok(json_is_null(json_object_get(j, "grade")), "json: overall grade null");
	ok(json_is_null(json_object_get(json_object_get(json_object_get(j, "factors"), "appsec"), "score")),
	   "json: appsec score null");
	json_decref(j);
	scorecard_free(&sc);
	findings_clear(&fs);
}

static void test_overall(const struct method *m)
{
	struct findings fs = {0};
	struct scorecard sc;
	const char *ids[] = {"dns.axfr.refused", "dns.spf.all", "dns.caa.present"};
	enum fstatus st[] = {FS_INDETERMINATE, FS_FAIL, FS_FAIL};
	add_dns(&fs, ids, st, 3);
	findings_add(&fs, "tls.https.available", "org001.test", FS_PASS, NULL, NULL, "ok");
	grade_findings(m, &fs, &sc);
	/* dns 70 (weight 30), transport 100 (weight 40), appsec none: 6100/70 = 87.14 -> 87. */
	is_int(sc.f[TRANSPORT].score, 100, "overall: transport 100");
	is_int(sc.score, 87, "overall: weighted mean 87");
	is_int(sc.grade, 'B', "overall: B");

	json_t *j = scorecard_to_json(m, &fs, &sc);
	is_int(json_integer_value(json_object_get(j, "method")), 1, "json: method 1");
	is_int(json_integer_value(json_object_get(j, "score")), 87, "json: score 87");
	is_str(json_string_value(json_object_get(j, "grade")), "B", "json: grade B");
	json_t *dns = json_object_get(json_object_get(j, "factors"), "dns");
	is_str(json_string_value(json_object_get(dns, "title")), "DNS health", "json: dns title");
	is_int(json_integer_value(json_object_get(dns, "score")), 70, "json: dns score 70");
	is_str(json_string_value(json_object_get(dns, "grade")), "C", "json: dns grade C");
	is_int(json_integer_value(json_object_get(dns, "passed")), 12, "json: dns passed");
	is_int(json_integer_value(json_object_get(dns, "failed")), 2, "json: dns failed");
	is_int(json_integer_value(json_object_get(dns, "indeterminate")), 1, "json: dns indeterminate");
	is_int(json_integer_value(json_object_get(dns, "na")), 0, "json: dns na");
	json_t *d0 = json_array_get(json_object_get(dns, "deductions"), 0);
	is_int(json_array_size(json_object_get(dns, "deductions")), 3, "json: 3 deductions");
	is_str(json_string_value(json_object_get(d0, "check")), "dns.spf.all", "json: deduction check");
	is_str(json_string_value(json_object_get(d0, "domain")), "org001.test", "json: deduction domain");
	ok(json_is_true(json_object_get(d0, "cap")), "json: first deduction is the cap");
	ok(near(json_real_value(json_object_get(d0, "points")), 100.0 * 33 / 38 - 70), "json: cap points");
	is_str(json_string_value(json_object_get(d0, "detail")), "dns.spf.all is fail",
	       "json: deduction detail");
	ok(json_is_null(json_object_get(json_object_get(json_object_get(j, "factors"), "appsec"), "grade")),
	   "json: appsec grade null");
	json_decref(j);
	scorecard_free(&sc);
	findings_clear(&fs);
}

static void test_rounding_and_zero(const struct method *m)
{
	struct findings fs = {0};
	struct scorecard sc;
	findings_add(&fs, "tls.protocol.modern", "a.test", FS_PASS, NULL, NULL, "ok");
	findings_add(&fs, "web.hsts", "a.test", FS_PASS, NULL, NULL, "ok");
	findings_add(&fs, "web.hsts.subdomains", "a.test", FS_FAIL, NULL, NULL, "no includeSubDomains");
	grade_findings(m, &fs, &sc);
	is_int(sc.f[TRANSPORT].score, 88, "7 of 8: 87.5 rounds half up to 88");
	is_int(sc.f[TRANSPORT].grade, 'B', "88 is B");
	scorecard_free(&sc);
	findings_clear(&fs);

	const char *ids[NDNS];
	enum fstatus st[NDNS];
	for (size_t i = 0; i < NDNS; i++)
		ids[i] = dns_checks[i], st[i] = FS_FAIL;
	add_dns(&fs, ids, st, NDNS);
	grade_findings(m, &fs, &sc);
	is_int(sc.f[DNS].score, 0, "all fail: 0");
	is_int(sc.f[DNS].grade, 'F', "all fail: F");
	is_int(sc.f[DNS].nded, 15, "all fail: no cap deduction below 0");
	ok(near(ded_sum(&sc.f[DNS]), 100.0), "all fail: deductions add up to 100");
	scorecard_free(&sc);
	scorecard_free(NULL);
	findings_clear(&fs);
}

/* Version 2 adds dns.spf.ptr (1) and dns.dmarc.subdomain (2): the worked example of docs/METHODOLOGY.md. */
static void test_v2_worked_example(void)
{
	static const char *const v2_dns[] = {
	    "dns.dnssec.signed", "dns.dnssec.valid", "dns.spf.present",  "dns.spf.single",
	    "dns.spf.syntax",    "dns.spf.all",      "dns.spf.lookups",  "dns.spf.ptr",
	    "dns.dmarc.present", "dns.dmarc.valid",  "dns.dmarc.policy", "dns.dmarc.subdomain",
	    "dns.caa.present",   "dns.mx.present",   "dns.ns.count",     "dns.ns.diversity",
	    "dns.axfr.refused",
	};
	const struct method *m2 = method_get(2);
	struct findings fs = {0};
	struct scorecard sc;
	ok(m2 != NULL && method_current() != m2, "method 2 exists and a later one is current");
	for (size_t i = 0; i < sizeof v2_dns / sizeof v2_dns[0]; i++) {
		const char *id = v2_dns[i];
		enum fstatus s = strcmp(id, "dns.axfr.refused") == 0 ? FS_INDETERMINATE
		                 : strcmp(id, "dns.spf.all") == 0 || strcmp(id, "dns.caa.present") == 0
		                     ? FS_FAIL
		                     : FS_PASS;
		findings_add(&fs, id, "org001.test", s, s == FS_INDETERMINATE ? "timeout" : NULL, NULL, "%s",
		             id);
	}
	grade_findings(m2, &fs, &sc);
	const struct factor_score *f = &sc.f[DNS];
	/* 45 in all; 41 determinate, 36 passed: 87.80 -> 88, capped at 70 by dns.spf.all. */
	is_int(sc.method, 2, "v2: scorecard names method 2");
	is_int(f->score, 70, "v2: dns capped at 70");
	is_int(f->passed, 14, "v2: 14 passed");
	ok(near(f->ded[0].points, 100.0 * 36 / 41 - 70), "v2: cap deduction 17.80 first");
	ok(near(f->ded[1].points, 400.0 / 41), "v2: dns.spf.all loses 9.76");
	ok(near(f->ded[2].points, 100.0 / 41), "v2: dns.caa.present loses 2.44");
	ok(near(ded_sum(f), 30.0), "v2: deductions add up to 100 - 70");
	scorecard_free(&sc);
	/* Version 1 does not know the new checks: they neither count nor cost. */
	grade_findings(method_get(1), &fs, &sc);
	is_int(sc.f[DNS].passed, 12, "v1 on the same findings: the two new checks are not counted");
	ok(near(sc.f[DNS].ded[1].points, 400.0 / 38), "v1 on the same findings: 10.53 as before");
	scorecard_free(&sc);
	findings_clear(&fs);
}

/* One web finding of `check` measured on host@addr. */
static void add_ep(struct findings *fs, const char *check, const char *host, const char *addr, enum fstatus s)
{
	findings_add(fs, check, host, s, s == FS_INDETERMINATE ? "timeout" : NULL, NULL, "%s on %s", check,
	             addr);
	fs->v[fs->n - 1].endpoint = strdup(addr);
}

/*
 * Version 3's roll-up: transport counts each check once, by the worst endpoint of the
 * organization; application security once per host, by its worst address. Version 2
 * counts every finding, so the same findings score differently.
 */
static void test_v3_rollup(void)
{
	const struct method *m3 = method_get(3), *m2 = method_get(2);
	struct findings fs = {0};
	struct scorecard sc;
	const struct method *cur = method_current();
	int same = m3 != NULL;
	for (size_t i = 0; same && i < m3->nfactors; i++) {
		int k = method_factor(cur, m3->factors[i].id);
		same = k >= 0 && cur->factors[k].rollup == m3->factors[i].rollup;
	}
	ok(same, "method 3 exists; the current one keeps its factors' roll-up");
	/* Four endpoints pass TLS 1.0/1.1 disabled, one (www's second address) fails it. */
	add_ep(&fs, "tls.protocol.legacy", "a.test", "127.1.0.1", FS_PASS);
	add_ep(&fs, "tls.protocol.legacy", "a.test", "127.1.0.2", FS_PASS);
	add_ep(&fs, "tls.protocol.legacy", "www.a.test", "127.1.0.3", FS_INDETERMINATE);
	add_ep(&fs, "tls.protocol.legacy", "www.a.test", "127.1.0.4", FS_FAIL);
	add_ep(&fs, "tls.https.available", "a.test", "127.1.0.1", FS_PASS);
	add_ep(&fs, "tls.https.available", "www.a.test", "127.1.0.4", FS_PASS);
	/* CSP: a.test fails on one of its two addresses; www.a.test passes. */
	add_ep(&fs, "web.csp", "a.test", "127.1.0.1", FS_PASS);
	add_ep(&fs, "web.csp", "a.test", "127.1.0.2", FS_FAIL);
	add_ep(&fs, "web.csp", "www.a.test", "127.1.0.3", FS_PASS);
	grade_findings(m3, &fs, &sc);
	const struct factor_score *t = &sc.f[method_factor(m3, "transport")];
	/* legacy (3, cap 80) by its worst endpoint: fail; https.available (5): pass. 5/8 = 62.5 -> 63. */
	is_int(t->failed, 1, "v3 transport: the legacy check counts once, failed");
	is_int(t->passed, 1, "v3 transport: https.available counts once");
	is_int(t->indeterminate, 0, "v3 transport: the rest of a group does not count");
	is_int(t->score, 63, "v3 transport: 5 of 8 weight, 63");
	is_str(fs.v[t->ded[0].finding].endpoint, "127.1.0.4",
	       "v3 transport: the deduction names the worst endpoint");
	const struct factor_score *a = &sc.f[method_factor(m3, "appsec")];
	/* web.csp per host: a.test fails (its worst address), www.a.test passes. */
	is_int(a->failed, 1, "v3 appsec: a.test's csp counts once, failed");
	is_int(a->passed, 1, "v3 appsec: www.a.test's csp counts on its own");
	is_int(a->score, 50, "v3 appsec: 3 of 6, 50");
	scorecard_free(&sc);
	grade_findings(m2, &fs, &sc);
	is_int(sc.f[method_factor(m2, "transport")].passed, 4,
	       "v2 on the same findings: every finding counts");
	is_int(sc.f[method_factor(m2, "appsec")].failed, 1, "v2 on the same findings: one csp failure");
	is_int(sc.f[method_factor(m2, "appsec")].passed, 2, "v2 on the same findings: two csp passes");
	scorecard_free(&sc);
	findings_clear(&fs);
}

/* Coverage: determined of applicable checks, in all and per domain; n/a is not counted. */
static void test_coverage(const struct method *m)
{
	struct findings fs = {0};
	struct scorecard sc;
	const char *ids[] = {"dns.axfr.refused", "dns.spf.all", "dns.mx.present"};
	enum fstatus st[] = {FS_INDETERMINATE, FS_FAIL, FS_NA};
	add_dns(&fs, ids, st, 3);
	findings_add(&fs, "tls.https.available", "www.org001.test", FS_INDETERMINATE, "timeout", NULL, "t");
	findings_add(&fs, "web.hsts", "www.org001.test", FS_NA, "no_https", NULL, "n");
	findings_add(&fs, "dns.no.such.check", "org001.test", FS_PASS, NULL, NULL, "not in the method");
	grade_findings(m, &fs, &sc);
	json_t *j = scorecard_to_json(m, &fs, &sc), *c = json_object_get(j, "coverage");
	/* org001.test: 15 DNS findings, 1 n/a, 1 indeterminate: 13 of 14; www: 0 of 1. */
	is_int(json_integer_value(json_object_get(c, "determinate")), 13, "coverage: 13 determined");
	is_int(json_integer_value(json_object_get(c, "of")), 15, "coverage: of 15 applicable");
	is_int(json_integer_value(json_object_get(c, "percent")), 87, "coverage: 87 percent");
	json_t *d = json_object_get(json_object_get(c, "domains"), "org001.test");
	json_t *w = json_object_get(json_object_get(c, "domains"), "www.org001.test");
	ok(json_integer_value(json_object_get(d, "determinate")) == 13 &&
	       json_integer_value(json_object_get(d, "of")) == 14,
	   "coverage: org001.test 13 of 14");
	ok(json_integer_value(json_object_get(w, "determinate")) == 0 &&
	       json_integer_value(json_object_get(w, "of")) == 1,
	   "coverage: www.org001.test 0 of 1");
	json_decref(j);
	scorecard_free(&sc);
	findings_clear(&fs);
	struct findings none = {0};
	grade_findings(m, &none, &sc);
	j = scorecard_to_json(m, &none, &sc);
	ok(json_is_null(json_object_get(json_object_get(j, "coverage"), "percent")),
	   "coverage: no findings, no percent");
	json_decref(j);
	scorecard_free(&sc);
}

int main(void)
{
	const struct method *m = method_get(1);
	ok(m != NULL, "method 1 exists");
	ok(method_factor(m, "dns") == DNS && method_factor(m, "transport") == TRANSPORT &&
	       method_factor(m, "appsec") == APPSEC && m->nfactors == 3,
	   "version 1's factors: dns, transport, appsec");
	test_all_pass(m);
	test_one_fail(m);
	test_cap(m);
	test_lowest_cap(m);
	test_indeterminate_only(m);
	test_overall(m);
	test_rounding_and_zero(m);
	test_v2_worked_example();
	test_v3_rollup();
	test_coverage(m);
	return done_testing();
}
