/* DNS analyzer tests: canned observation documents in, one finding per check out. */
#include "analyze.h"
#include "method.h"
#include "tap.h"

#include <stdarg.h>
#include <string.h>

/* An organization that passes every DNS check. */
static const char base_json[] =
    "{\"domain\": \"org001.test\", \"started\": 1795000000, \"dns\": {"
    " \"soa\": {\"name\": \"org001.test.\", \"type\": \"SOA\", \"status\": \"ok\", \"rcode\": \"NOERROR\","
    "   \"sec\": \"secure\", \"why_bogus\": null, \"records\": [\"ns1.org001.test. admin.org001.test. 1 2 3 "
    "4 5\"]},"
    " \"txt\": {\"status\": \"ok\", \"sec\": \"secure\","
    "   \"records\": [\"google-site-verification=abc\", \"v=spf1 include:_spf.mailer.test -all\"]},"
    " \"dmarc\": {\"status\": \"ok\", \"records\": [\"v=DMARC1; p=reject; rua=mailto:d@org001.test\"]},"
    " \"caa\": {\"status\": \"ok\", \"records\": [{\"flags\": 0, \"tag\": \"issue\", \"value\": "
    "\"ca.test\"}]},"
    " \"mx\": {\"status\": \"ok\", \"records\": [{\"pref\": 10, \"host\": \"mx.org001.test.\"}]},"
    " \"ns\": {\"status\": \"ok\", \"records\": [\"ns1.org001.test.\", \"ns2.org001.test.\"]},"
    " \"ns_addrs\": {\"ns1.org001.test.\": {\"status\": \"ok\", \"records\": [\"127.53.1.1\"]},"
    "   \"ns2.org001.test.\": {\"status\": \"ok\", \"records\": [\"127.53.2.1\"]}},"
    " \"spf\": {\"_spf.mailer.test\": {\"status\": \"ok\", \"records\": [\"v=spf1 ip4:127.0.0.0/8 -all\"]}},"
    " \"spf_truncated\": false,"
    " \"axfr\": [{\"ns\": \"ns1.org001.test.\", \"addr\": \"127.53.1.1\", \"status\": \"refused\","
    "   \"rcode\": \"REFUSED\", \"records\": 0, \"error\": null}]"
    "}}";

static const char *const dns_checks[] = {
    "dns.dnssec.signed", "dns.dnssec.valid",    "dns.spf.present", "dns.spf.single",    "dns.spf.syntax",
    "dns.spf.all",       "dns.spf.lookups",     "dns.spf.ptr",     "dns.dmarc.present", "dns.dmarc.valid",
    "dns.dmarc.policy",  "dns.dmarc.subdomain", "dns.caa.present", "dns.mx.present",    "dns.ns.count",
    "dns.ns.diversity",  "dns.axfr.refused",
};
#define NDNS (sizeof dns_checks / sizeof dns_checks[0])

static json_t *base(void)
{
	json_error_t err;
	json_t *obs = json_loads(base_json, 0, &err);
	if (obs == NULL)
		printf("# base JSON: %s at %d\n", err.text, err.line);
	return obs;
}

/* A lookup object with a status and up to two string records (NULL for none). */
static json_t *lk(const char *status, const char *r1, const char *r2)
{
	json_t *recs = json_array();
	if (r1 != NULL)
		json_array_append_new(recs, json_string(r1));
	if (r2 != NULL)
		json_array_append_new(recs, json_string(r2));
	return json_pack("{s:s, s:o}", "status", status, "records", recs);
}

static void set_dns(json_t *obs, const char *key, json_t *v)
{
	json_object_set_new(json_object_get(obs, "dns"), key, v);
}

static void set_spf(json_t *obs, const char *name, json_t *v)
{
	json_object_set_new(json_object_get(json_object_get(obs, "dns"), "spf"), name, v);
}

/* The domain's TXT answer with one or two records. */
static void set_txt(json_t *obs, const char *r1, const char *r2)
{
	set_dns(obs, "txt", lk("ok", r1, r2));
}

/* Runs the analyzer and checks the one-finding-per-check contract. */
static void run(const json_t *obs, struct findings *fs, const char *what)
{
	char name[160];
	const struct method *m = method_current();
	findings_clear(fs);
	int rc = analyze_dns(obs, 0, fs);
	int complete = rc == 0 && fs->n == NDNS;
	for (size_t i = 0; complete && i < NDNS; i++) {
		const struct check_def *def = method_check(m, fs->v[i].check);
		complete = strcmp(fs->v[i].check, dns_checks[i]) == 0 && def != NULL &&
		           strcmp(def->factor, "dns") == 0 && fs->v[i].detail != NULL &&
		           fs->v[i].detail[0] != '\0' && fs->v[i].evidence != NULL;
		complete = complete && (fs->v[i].status == FS_PASS || fs->v[i].status == FS_FAIL ||
		                        fs->v[i].reason != NULL);
	}
	snprintf(name, sizeof name, "%s: %zu findings, one per DNS check, in table order", what, NDNS);
	ok(complete, name);
}

static const char *st(const struct findings *fs, const char *check)
{
	const struct finding *f = findings_get(fs, check, NULL);
	return f != NULL ? fstatus_name(f->status) : "missing";
}

static const char *reason(const struct findings *fs, const char *check)
{
	const struct finding *f = findings_get(fs, check, NULL);
	return f != NULL && f->reason != NULL ? f->reason : "(none)";
}

static const char *detail(const struct findings *fs, const char *check)
{
	const struct finding *f = findings_get(fs, check, NULL);
	return f != NULL ? f->detail : "missing";
}

static const json_t *evidence(const struct findings *fs, const char *check)
{
	const struct finding *f = findings_get(fs, check, NULL);
	return f != NULL ? f->evidence : NULL;
}

static int detail_has(const struct findings *fs, const char *check, const char *needle)
{
	int found = strstr(detail(fs, check), needle) != NULL;
	if (!found)
		printf("# %s detail: %s\n", check, detail(fs, check));
	return found;
}

static void test_all_pass(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	run(obs, &fs, "base");
	for (size_t i = 0; i < NDNS; i++)
		is_str(st(&fs, dns_checks[i]), "pass", dns_checks[i]);
	is_str(detail(&fs, "dns.spf.lookups"),
	       "SPF needs 1 DNS lookup (limit 10), 0 void: include:_spf.mailer.test", "lookups detail");
	is_str(detail(&fs, "dns.spf.all"), "SPF ends in -all: unlisted senders fail", "all detail");
	is_str(detail(&fs, "dns.ns.diversity"), "name servers span 2 networks: 127.53.1.0/24, 127.53.2.0/24",
	       "diversity detail");
	is_str(detail(&fs, "dns.dmarc.policy"), "p=reject", "policy detail");
	is_str(detail(&fs, "dns.axfr.refused"), "zone transfer refused by 1 of 1 name-server addresses",
	       "axfr detail");
	const struct finding *f = findings_get(&fs, "dns.spf.lookups", NULL);
	is_int(json_integer_value(json_object_get(f->evidence, "lookups")), 1, "evidence counts lookups");
	is_int(json_array_size(json_object_get(f->evidence, "records")), 2, "evidence lists both records");
	f = findings_get(&fs, "dns.axfr.refused", NULL);
	is_str(json_string_value(json_object_get(json_array_get(f->evidence, 0), "status")), "refused",
	       "axfr evidence copied");
	json_decref(obs);
	findings_clear(&fs);
}

static void test_empty_shapes(void)
{
	struct findings fs = {0};
	const char *shapes[] = {"{}", "[]", "{\"domain\": 5, \"dns\": \"x\"}",
	                        "{\"dns\": {\"soa\": 1, \"txt\": []}}", "null"};
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		json_t *obs = json_loads(shapes[s], JSON_DECODE_ANY, NULL);
		int all = 1;
		run(obs, &fs, shapes[s]);
		for (size_t i = 0; i < fs.n; i++)
			all = all && fs.v[i].status == FS_INDETERMINATE &&
			      strcmp(fs.v[i].reason, "not_observed") == 0;
		ok(all, "every check indeterminate, reason not_observed");
		json_decref(obs);
	}
	run(NULL, &fs, "NULL observation");
	is_str(st(&fs, "dns.axfr.refused"), "indeterminate", "NULL: axfr indeterminate");
	findings_clear(&fs);
}

static void test_spf_loop(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_txt(obs, "v=spf1 include:a.test -all", NULL);
	set_spf(obs, "a.test", lk("ok", "v=spf1 include:b.test -all", NULL));
	set_spf(obs, "b.test", lk("ok", "v=spf1 include:a.test -all", NULL));
	run(obs, &fs, "loop");
	is_str(st(&fs, "dns.spf.lookups"), "fail", "loop: lookups fail");
	is_str(detail(&fs, "dns.spf.lookups"), "b.test: include:a.test loops back to a.test", "loop detail");
	is_str(st(&fs, "dns.spf.all"), "na", "loop: all na");
	is_str(reason(&fs, "dns.spf.all"), "permerror", "loop: permerror");
	is_str(st(&fs, "dns.spf.syntax"), "pass", "loop: syntax fine");
	json_decref(obs);
	findings_clear(&fs);
}

/* A tree of `extra` + 7 lookups: top a, mx, 2 includes; s1 a, mx, ptr; s2 `extra` a: terms. */
static json_t *lookups_obs(int extra)
{
	static const char *const s2[] = {
	    "v=spf1 -all", "v=spf1 a:x.test -all", "v=spf1 a:x.test a:y.test -all",
	    "v=spf1 a:x.test a:y.test a:z.test -all", "v=spf1 a:x.test a:y.test a:z.test a:w.test -all"};
	json_t *obs = base();
	set_txt(obs, "v=spf1 a mx include:s1.test include:s2.test -all", NULL);
	set_spf(obs, "s1.test", lk("ok", "v=spf1 a mx ptr -all", NULL));
	set_spf(obs, "s2.test", lk("ok", s2[extra], NULL));
	return obs;
}

static void test_spf_limits(void)
{
	struct findings fs = {0};
	json_t *obs = lookups_obs(4);
	run(obs, &fs, "11 lookups");
	is_str(st(&fs, "dns.spf.lookups"), "fail", "11 lookups fail");
	is_str(detail(&fs, "dns.spf.lookups"),
	       "SPF needs 11 DNS lookups (limit 10): a, mx, include:s1.test, a, mx, ptr, include:s2.test, "
	       "a:x.test, "
	       "a:y.test, a:z.test, a:w.test",
	       "11 lookups detail names the terms");
	is_str(st(&fs, "dns.spf.all"), "na", "over the limit: all na");
	is_str(reason(&fs, "dns.spf.all"), "permerror", "over the limit: permerror");
	json_decref(obs);
	obs = lookups_obs(3);
	run(obs, &fs, "10 lookups");
	is_str(st(&fs, "dns.spf.lookups"), "pass", "exactly 10 lookups pass");
	ok(detail_has(&fs, "dns.spf.lookups", "SPF needs 10 DNS lookups (limit 10), 0 void: a, mx"),
	   "10 detail");
	is_str(st(&fs, "dns.spf.all"), "pass", "10 lookups: all pass");
	set_dns(obs, "spf_truncated", json_true());
	run(obs, &fs, "10 lookups, truncated");
	is_str(st(&fs, "dns.spf.lookups"), "indeterminate", "truncated at 10: indeterminate");
	is_str(reason(&fs, "dns.spf.lookups"), "truncated", "truncated reason");
	json_decref(obs);
	obs = lookups_obs(4);
	set_dns(obs, "spf_truncated", json_true());
	run(obs, &fs, "11 lookups, truncated");
	is_str(st(&fs, "dns.spf.lookups"), "fail", "truncated but over 10: fail");
	json_decref(obs);
	findings_clear(&fs);
}

static void test_spf_records(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_txt(obs, "v=spf1 -all", "v=spf1 mx ~all");
	run(obs, &fs, "two SPF");
	is_str(st(&fs, "dns.spf.present"), "pass", "two SPF: present");
	is_str(st(&fs, "dns.spf.single"), "fail", "two SPF: single fails");
	is_str(detail(&fs, "dns.spf.single"), "2 SPF records at org001.test: receivers return permerror",
	       "two SPF detail");
	is_str(st(&fs, "dns.spf.syntax"), "na", "two SPF: syntax na");
	is_str(reason(&fs, "dns.spf.all"), "multiple_spf", "two SPF: all na multiple_spf");
	is_str(st(&fs, "dns.spf.lookups"), "na", "two SPF: lookups na");
	set_dns(obs, "txt", lk("nodata", NULL, NULL));
	run(obs, &fs, "no SPF");
	is_str(st(&fs, "dns.spf.present"), "fail", "nodata: present fails");
	is_str(detail(&fs, "dns.spf.present"), "no SPF record at org001.test (nodata, 0 TXT records)",
	       "nodata detail");
	is_str(reason(&fs, "dns.spf.single"), "no_spf", "nodata: single na no_spf");
	set_txt(obs, "some other text", NULL);
	run(obs, &fs, "TXT without SPF");
	is_str(st(&fs, "dns.spf.present"), "fail", "TXT without SPF: present fails");
	set_dns(obs, "txt", lk("timeout", NULL, NULL));
	run(obs, &fs, "TXT timeout");
	for (size_t i = 2; i <= 6; i++) {
		is_str(st(&fs, dns_checks[i]), "indeterminate", dns_checks[i]);
		is_str(reason(&fs, dns_checks[i]), "timeout", "reason timeout");
	}
	json_object_del(json_object_get(obs, "dns"), "txt");
	run(obs, &fs, "TXT missing");
	is_str(reason(&fs, "dns.spf.present"), "not_observed", "missing TXT lookup: not_observed");
	json_decref(obs);
	findings_clear(&fs);
}

static void test_spf_all(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_txt(obs, "v=spf1 mx +all", NULL);
	run(obs, &fs, "+all");
	is_str(st(&fs, "dns.spf.all"), "fail", "+all fails");
	is_str(detail(&fs, "dns.spf.all"), "SPF ends in +all: it authorises every sender on the internet",
	       "+all detail");
	set_txt(obs, "v=spf1 mx ?all", NULL);
	run(obs, &fs, "?all");
	is_str(st(&fs, "dns.spf.all"), "fail", "?all fails");
	is_str(detail(&fs, "dns.spf.all"), "SPF ends in ?all: forged mail is neutral, not rejected",
	       "?all detail");
	set_txt(obs, "v=spf1 mx ~all", NULL);
	run(obs, &fs, "~all");
	is_str(st(&fs, "dns.spf.all"), "pass", "~all passes");
	set_txt(obs, "v=spf1 mx", NULL);
	run(obs, &fs, "no all");
	is_str(st(&fs, "dns.spf.all"), "fail", "no all fails");
	is_str(detail(&fs, "dns.spf.all"), "SPF has no all mechanism: unlisted senders get neutral",
	       "no all detail");
	json_decref(obs);
	findings_clear(&fs);
}

static void test_spf_redirect(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_txt(obs, "v=spf1 mx redirect=_spf.r.test", NULL);
	set_spf(obs, "_spf.r.test", lk("ok", "v=spf1 ip4:192.0.2.1 -all", NULL));
	run(obs, &fs, "redirect");
	is_str(st(&fs, "dns.spf.all"), "pass", "redirect to -all passes");
	is_str(detail(&fs, "dns.spf.all"),
	       "SPF ends in -all (through redirect=_spf.r.test): unlisted senders fail", "redirect detail");
	is_str(st(&fs, "dns.spf.lookups"), "pass", "redirect: lookups pass");
	ok(detail_has(&fs, "dns.spf.lookups", "SPF needs 2 DNS lookups"), "mx and redirect counted");
	json_object_del(json_object_get(json_object_get(obs, "dns"), "spf"), "_spf.r.test");
	run(obs, &fs, "redirect target missing");
	is_str(st(&fs, "dns.spf.all"), "indeterminate", "missing redirect target: all indeterminate");
	is_str(reason(&fs, "dns.spf.all"), "not_observed", "missing target: not_observed");
	is_str(st(&fs, "dns.spf.lookups"), "indeterminate", "missing target: lookups indeterminate");
	is_str(st(&fs, "dns.spf.syntax"), "indeterminate", "missing target: syntax indeterminate");
	set_spf(obs, "_spf.r.test", lk("nxdomain", NULL, NULL));
	run(obs, &fs, "redirect target NXDOMAIN");
	is_str(st(&fs, "dns.spf.lookups"), "fail", "NXDOMAIN redirect: lookups fail");
	is_str(detail(&fs, "dns.spf.lookups"), "org001.test: redirect=_spf.r.test: no SPF record (NXDOMAIN)",
	       "NXDOMAIN redirect detail");
	is_str(reason(&fs, "dns.spf.all"), "permerror", "NXDOMAIN redirect: all permerror");
	set_txt(obs, "v=spf1 ~all redirect=_spf.r.test", NULL);
	set_spf(obs, "_spf.r.test", lk("ok", "v=spf1 +all", NULL));
	run(obs, &fs, "redirect with all");
	is_str(st(&fs, "dns.spf.all"), "pass", "redirect ignored when all present");
	is_str(detail(&fs, "dns.spf.all"), "SPF ends in ~all: unlisted senders soft-fail", "~all detail");
	is_str(detail(&fs, "dns.spf.lookups"), "SPF needs 0 DNS lookups (limit 10), 0 void", "no lookups");
	json_decref(obs);
	findings_clear(&fs);
}

static void test_spf_tree_errors(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_txt(obs, "v=spf1 include:_spf.bad.test -all", NULL);
	set_spf(obs, "_spf.bad.test", lk("ok", "v=spf1 ip4:300.1.1.1 -all", NULL));
	run(obs, &fs, "syntax error in include");
	is_str(st(&fs, "dns.spf.syntax"), "fail", "include syntax error fails syntax");
	is_str(detail(&fs, "dns.spf.syntax"),
	       "SPF syntax error: _spf.bad.test: invalid IPv4 address '300.1.1.1'", "syntax detail");
	is_str(reason(&fs, "dns.spf.all"), "permerror", "syntax error: all permerror");
	is_str(st(&fs, "dns.spf.lookups"), "na", "syntax error: lookups na");
	set_txt(obs, "v=spf1 include:v1.test include:v2.test include:v3.test -all", NULL);
	set_spf(obs, "v1.test", lk("nxdomain", NULL, NULL));
	set_spf(obs, "v2.test", lk("nodata", NULL, NULL));
	set_spf(obs, "v3.test", lk("nxdomain", NULL, NULL));
	run(obs, &fs, "three voids");
	is_str(st(&fs, "dns.spf.lookups"), "fail", "three void lookups fail");
	ok(detail_has(
	       &fs, "dns.spf.lookups",
	       "3 void lookups (limit 2): include:v1.test: v1.test TXT NXDOMAIN, include:v2.test: v2.test "
	       "TXT "
	       "NODATA, include:v3.test: v3.test TXT NXDOMAIN; org001.test: include:v1.test: no SPF record "
	       "(NXDOMAIN)"),
	   "void detail");
	set_txt(obs, "v=spf1 include:t.test -all", NULL);
	set_spf(obs, "t.test", lk("timeout", NULL, NULL));
	run(obs, &fs, "include timeout");
	is_str(st(&fs, "dns.spf.lookups"), "indeterminate", "include timeout: lookups indeterminate");
	is_str(reason(&fs, "dns.spf.lookups"), "timeout", "include timeout reason");
	is_str(st(&fs, "dns.spf.all"), "indeterminate", "include timeout: it might have given +all");
	is_str(reason(&fs, "dns.spf.all"), "timeout", "include timeout: all reason");
	ok(detail_has(&fs, "dns.spf.all", "depends on a lookup that could not be seen (timeout)"),
	   "all detail");
	ok(json_is_null(json_object_get(evidence(&fs, "dns.spf.all"), "all")), "no all in the evidence");
	set_txt(obs, "v=spf1 -include:t.test -all", NULL);
	run(obs, &fs, "-include timeout");
	is_str(st(&fs, "dns.spf.all"), "pass", "-include timeout before -all: fail either way");
	set_txt(obs, "v=spf1 exists:e.test -all", NULL);
	set_dns(obs, "spf_rr", json_pack("{s:{s:o}}", "A", "x.test", lk("ok", "192.0.2.1", NULL)));
	set_dns(obs, "spf_rr_truncated", json_true());
	run(obs, &fs, "exists cut off by the probe");
	is_str(st(&fs, "dns.spf.all"), "indeterminate", "exists not asked: all indeterminate");
	is_str(reason(&fs, "dns.spf.all"), "truncated", "exists not asked: truncated");
	set_dns(obs, "spf_rr_truncated", json_false());
	set_txt(obs, "v=spf1 ip4:1.2.3.4 foo:bar -all", NULL);
	run(obs, &fs, "top syntax error");
	is_str(detail(&fs, "dns.spf.syntax"), "SPF syntax error: org001.test: unknown mechanism 'foo'",
	       "top syntax detail");
	json_decref(obs);
	findings_clear(&fs);
}

static void test_dmarc(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=quarantine; foo=bar", NULL));
	run(obs, &fs, "dmarc unknown tag");
	is_str(st(&fs, "dns.dmarc.valid"), "pass", "unknown tag: valid");
	is_str(detail(&fs, "dns.dmarc.valid"), "DMARC record valid (p=quarantine); unknown tags ignored: foo",
	       "unknown tag detail");
	is_str(st(&fs, "dns.dmarc.policy"), "pass", "quarantine passes");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; sp=reject", NULL));
	run(obs, &fs, "dmarc without p or rua");
	is_str(st(&fs, "dns.dmarc.present"), "pass", "without p: present");
	is_str(st(&fs, "dns.dmarc.valid"), "fail", "without p or rua: invalid");
	is_str(detail(&fs, "dns.dmarc.valid"), "DMARC record invalid: p= tag missing", "missing p detail");
	is_str(reason(&fs, "dns.dmarc.policy"), "invalid", "without p: policy na");
	is_str(reason(&fs, "dns.dmarc.subdomain"), "invalid", "without p: subdomain na");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; rua=mailto:d@org001.test", NULL));
	run(obs, &fs, "dmarc rua without p");
	is_str(st(&fs, "dns.dmarc.valid"), "pass", "rua without p: valid (s6.6.3)");
	is_str(detail(&fs, "dns.dmarc.valid"),
	       "DMARC record valid (p=none); p= tag missing, taken as p=none because rua= is valid (RFC 7489 "
	       "s6.6.3)",
	       "rua without p: detail");
	is_str(st(&fs, "dns.dmarc.policy"), "fail", "rua without p: p=none does not enforce");
	is_str(st(&fs, "dns.dmarc.subdomain"), "pass", "rua without p: subdomains inherit none");
	ok(json_is_true(json_object_get(evidence(&fs, "dns.dmarc.policy"), "p_implied")),
	   "rua without p: evidence p_implied");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=reject", "v=DMARC1; p=none"));
	run(obs, &fs, "two dmarc");
	is_str(st(&fs, "dns.dmarc.valid"), "fail", "two records: invalid");
	ok(detail_has(&fs, "dns.dmarc.valid", "2 DMARC records"), "two records detail");
	is_str(st(&fs, "dns.dmarc.policy"), "na", "two records: policy na");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=none; rua=mailto:d@org001.test", "unrelated"));
	run(obs, &fs, "p=none");
	is_str(st(&fs, "dns.dmarc.valid"), "pass", "p=none valid");
	is_str(st(&fs, "dns.dmarc.policy"), "fail", "p=none fails policy");
	is_str(detail(&fs, "dns.dmarc.policy"), "p=none only monitors: spoofed mail is delivered",
	       "p=none detail");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=reject; sp=none", NULL));
	run(obs, &fs, "sp weaker");
	is_str(st(&fs, "dns.dmarc.policy"), "pass", "sp weaker: p=reject still passes policy");
	is_str(st(&fs, "dns.dmarc.subdomain"), "fail", "sp=none under p=reject fails");
	is_str(detail(&fs, "dns.dmarc.subdomain"),
	       "sp=none is weaker than p=reject: mail forged from subdomains is treated more leniently",
	       "sp weaker detail");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=reject; sp=quarantine", NULL));
	run(obs, &fs, "sp quarantine under reject");
	is_str(st(&fs, "dns.dmarc.subdomain"), "fail", "sp=quarantine under p=reject fails");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=quarantine; sp=reject", NULL));
	run(obs, &fs, "sp stronger");
	is_str(st(&fs, "dns.dmarc.subdomain"), "pass", "sp=reject under p=quarantine passes");
	is_str(detail(&fs, "dns.dmarc.subdomain"), "sp=reject is not weaker than p=quarantine",
	       "sp stronger detail");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=none; sp=none", NULL));
	run(obs, &fs, "sp equal");
	is_str(st(&fs, "dns.dmarc.subdomain"), "pass", "sp=none under p=none is not weaker");
	set_dns(obs, "dmarc", lk("nxdomain", NULL, NULL));
	run(obs, &fs, "no dmarc");
	is_str(reason(&fs, "dns.dmarc.subdomain"), "no_dmarc", "absent: subdomain na");
	is_str(st(&fs, "dns.dmarc.present"), "fail", "nxdomain: absent");
	is_str(reason(&fs, "dns.dmarc.valid"), "no_dmarc", "absent: valid na");
	set_dns(obs, "dmarc", lk("ok", "p=reject; v=DMARC1", NULL));
	run(obs, &fs, "v not first");
	is_str(st(&fs, "dns.dmarc.present"), "fail", "v not first: not a DMARC record");
	set_dns(obs, "dmarc", lk("servfail", NULL, NULL));
	run(obs, &fs, "dmarc servfail");
	is_str(reason(&fs, "dns.dmarc.present"), "servfail", "servfail: present indeterminate");
	is_str(reason(&fs, "dns.dmarc.policy"), "servfail", "servfail: policy indeterminate");
	json_decref(obs);
	findings_clear(&fs);
}

/* The detail and status of dns.dmarc.policy for one record. */
static void dmarc_policy_is(json_t *obs, const char *rec, const char *status, const char *want)
{
	struct findings fs = {0};
	set_dns(obs, "dmarc", lk("ok", rec, NULL));
	run(obs, &fs, rec);
	is_str(st(&fs, "dns.dmarc.policy"), status, rec);
	is_str(detail(&fs, "dns.dmarc.policy"), want, "its detail");
	findings_clear(&fs);
}

/*
 * RFC 7489 s6.6.4: failing mail outside the pct= sample gets the next policy down,
 * reject -> quarantine -> none; the check judges the weakest policy any of it gets.
 */
static void test_dmarc_pct(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	dmarc_policy_is(obs, "v=DMARC1; p=reject; pct=0; rua=mailto:d@org001.test", "pass",
	                "p=reject with pct=0: RFC 7489 s6.6.4 downgrades all failing mail to quarantine");
	dmarc_policy_is(obs, "v=DMARC1; p=quarantine; pct=0", "fail",
	                "p=quarantine with pct=0: RFC 7489 s6.6.4 downgrades all failing mail to none: "
	                "spoofed mail is delivered");
	dmarc_policy_is(obs, "v=DMARC1; p=reject; pct=50", "pass",
	                "p=reject, pct=50: the other 50% of failing mail gets quarantine (RFC 7489 s6.6.4)");
	dmarc_policy_is(obs, "v=DMARC1; p=quarantine; pct=1", "fail",
	                "p=quarantine, pct=1: the other 99% of failing mail gets none (RFC 7489 s6.6.4): "
	                "spoofed mail is delivered");
	dmarc_policy_is(obs, "v=DMARC1; p=quarantine; pct=100; sp=reject", "pass",
	                "p=quarantine, sp=reject for subdomains");
	dmarc_policy_is(obs, "v=DMARC1; p=none; pct=0", "fail",
	                "p=none only monitors: spoofed mail is delivered");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=reject; pct=0", NULL));
	run(obs, &fs, "pct=0 evidence");
	is_int(json_integer_value(json_object_get(evidence(&fs, "dns.dmarc.policy"), "pct")), 0,
	       "pct=0 in the evidence");
	is_str(st(&fs, "dns.dmarc.subdomain"), "pass", "pct=0 leaves the subdomain check alone");
	json_decref(obs);
	findings_clear(&fs);
}

/* RFC 7489 s6.6.3 step 6: a bad sp= is treated as a bad p=, not ignored. */
static void test_dmarc_bad_sp(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=reject; sp=bogus", NULL));
	run(obs, &fs, "bad sp without rua");
	is_str(st(&fs, "dns.dmarc.valid"), "fail", "bad sp without rua: invalid");
	is_str(detail(&fs, "dns.dmarc.valid"),
	       "DMARC record invalid: sp=bogus is not none, quarantine or reject", "bad sp detail");
	is_str(reason(&fs, "dns.dmarc.policy"), "invalid", "bad sp without rua: policy na");
	is_str(reason(&fs, "dns.dmarc.subdomain"), "invalid", "bad sp without rua: subdomain na");
	set_dns(obs, "dmarc", lk("ok", "v=DMARC1; p=reject; sp=bogus; rua=mailto:d@org001.test", NULL));
	run(obs, &fs, "bad sp with rua");
	is_str(st(&fs, "dns.dmarc.valid"), "pass", "bad sp with rua: valid as p=none");
	is_str(detail(&fs, "dns.dmarc.valid"),
	       "DMARC record valid (p=none); sp=bogus is not none, quarantine or reject, taken as p=none "
	       "because rua= is valid (RFC 7489 s6.6.3)",
	       "bad sp with rua: detail");
	is_str(st(&fs, "dns.dmarc.policy"), "fail", "bad sp with rua: p=none does not enforce");
	is_str(st(&fs, "dns.dmarc.subdomain"), "pass", "bad sp with rua: subdomains get none as p does");
	ok(json_is_true(json_object_get(evidence(&fs, "dns.dmarc.policy"), "p_implied")),
	   "bad sp with rua: evidence p_implied");
	is_str(json_string_value(json_object_get(evidence(&fs, "dns.dmarc.policy"), "sp")), "none",
	       "bad sp with rua: evidence sp=none");
	json_decref(obs);
	findings_clear(&fs);
}

static void set_sec(json_t *obs, const char *sec, const char *why)
{
	json_t *soa = json_object_get(json_object_get(obs, "dns"), "soa");
	json_object_set_new(soa, "sec", json_string(sec));
	json_object_set_new(soa, "why_bogus", why ? json_string(why) : json_null());
}

static void test_dnssec(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_sec(obs, "insecure", NULL);
	run(obs, &fs, "insecure");
	is_str(st(&fs, "dns.dnssec.signed"), "fail", "insecure: not signed");
	is_str(st(&fs, "dns.dnssec.valid"), "na", "insecure: valid na");
	is_str(reason(&fs, "dns.dnssec.valid"), "insecure", "insecure reason");
	set_sec(obs, "bogus", "signature expired");
	run(obs, &fs, "bogus");
	is_str(st(&fs, "dns.dnssec.signed"), "na", "bogus: signed na");
	is_str(reason(&fs, "dns.dnssec.signed"), "bogus", "bogus reason");
	is_str(st(&fs, "dns.dnssec.valid"), "fail", "bogus: invalid");
	is_str(detail(&fs, "dns.dnssec.valid"),
	       "DNSSEC validation fails for org001.test (bogus): signature expired", "bogus detail");
	set_dns(obs, "soa", lk("servfail", NULL, NULL));
	run(obs, &fs, "soa servfail");
	is_str(reason(&fs, "dns.dnssec.signed"), "servfail", "servfail: indeterminate");
	json_decref(obs);
	findings_clear(&fs);
}

static json_t *axfr_entry(const char *status, int records)
{
	return json_pack("{s:s, s:s, s:s, s:i}", "ns", "ns1.org001.test.", "addr", "127.53.1.1", "status",
	                 status, "records", records);
}

static void test_axfr(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_dns(obs, "axfr", json_pack("[o, o]", axfr_entry("refused", 0), axfr_entry("open", 12)));
	run(obs, &fs, "axfr open");
	is_str(st(&fs, "dns.axfr.refused"), "fail", "open transfer fails");
	is_str(detail(&fs, "dns.axfr.refused"),
	       "zone transfer open at ns1.org001.test. (127.53.1.1): 12 records (open at 1 of 2 addresses)",
	       "open detail");
	set_dns(obs, "axfr", json_pack("[o, o]", axfr_entry("timeout", 0), axfr_entry("timeout", 0)));
	run(obs, &fs, "axfr timeouts");
	is_str(st(&fs, "dns.axfr.refused"), "indeterminate", "all timeouts: indeterminate");
	is_str(reason(&fs, "dns.axfr.refused"), "timeout", "timeout reason");
	set_dns(obs, "axfr", json_pack("[o, o]", axfr_entry("timeout", 0), axfr_entry("refused", 0)));
	run(obs, &fs, "axfr refused and timeout");
	is_str(st(&fs, "dns.axfr.refused"), "pass", "one refused, none open: pass");
	set_dns(obs, "axfr", json_array());
	run(obs, &fs, "axfr empty");
	is_str(reason(&fs, "dns.axfr.refused"), "not_observed", "empty list: not_observed");
	json_decref(obs);
	findings_clear(&fs);
}

static void set_ns(json_t *obs, const char *a1, const char *a2)
{
	set_dns(obs, "ns", lk("ok", "ns1.org001.test.", a2 ? "ns2.org001.test." : NULL));
	json_t *addrs = json_object();
	json_object_set_new(addrs, "ns1.org001.test.", lk("ok", a1, NULL));
	if (a2 != NULL)
		json_object_set_new(addrs, "ns2.org001.test.", lk("ok", a2, NULL));
	set_dns(obs, "ns_addrs", addrs);
}

static void test_ns(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_ns(obs, "127.53.1.1", NULL);
	run(obs, &fs, "one NS");
	is_str(st(&fs, "dns.ns.count"), "fail", "one NS fails");
	is_str(detail(&fs, "dns.ns.count"), "only 1 name server: ns1.org001.test.", "one NS detail");
	is_str(st(&fs, "dns.ns.diversity"), "fail", "one NS: one network");
	set_ns(obs, "127.53.1.1", "127.53.1.2");
	run(obs, &fs, "two NS, one /24");
	is_str(st(&fs, "dns.ns.count"), "pass", "two NS pass");
	is_str(st(&fs, "dns.ns.diversity"), "fail", "same /24 fails");
	is_str(detail(&fs, "dns.ns.diversity"),
	       "all 2 name-server addresses are in one network: 127.53.1.0/24", "same /24 detail");
	set_ns(obs, "2001:db8:1:1::53", "2001:db8:1:2::53");
	run(obs, &fs, "two NS, one /48");
	is_str(st(&fs, "dns.ns.diversity"), "fail", "same IPv6 /48 fails");
	ok(detail_has(&fs, "dns.ns.diversity", "2001:db8:1::/48"), "IPv6 prefix shown");
	set_ns(obs, "2001:db8:1::53", "2001:db8:2::53");
	run(obs, &fs, "two NS, two /48");
	is_str(st(&fs, "dns.ns.diversity"), "pass", "different /48 pass");
	set_dns(obs, "ns", lk("ok", "NS1.org001.test.", "ns1.org001.test"));
	run(obs, &fs, "one NS spelled twice");
	is_str(st(&fs, "dns.ns.count"), "fail", "names compared without case and trailing dot");
	set_ns(obs, "127.53.1.1", "127.53.2.1");
	json_object_del(json_object_get(obs, "dns"), "ns_addrs");
	run(obs, &fs, "no addresses");
	is_str(st(&fs, "dns.ns.diversity"), "indeterminate", "unresolved: indeterminate");
	is_str(reason(&fs, "dns.ns.diversity"), "not_observed", "unresolved reason");
	set_dns(obs, "ns", lk("nodata", NULL, NULL));
	run(obs, &fs, "no NS");
	is_str(reason(&fs, "dns.ns.count"), "no_ns", "not a zone apex: na");
	json_decref(obs);
	findings_clear(&fs);
}

static void test_caa_mx(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_dns(obs, "caa", lk("nodata", NULL, NULL));
	set_dns(obs, "mx",
	        json_pack("{s:s, s:[{s:i, s:s}]}", "status", "ok", "records", "pref", 0, "host", "."));
	run(obs, &fs, "no CAA, null MX");
	is_str(st(&fs, "dns.caa.present"), "fail", "no CAA fails");
	is_str(st(&fs, "dns.mx.present"), "pass", "null MX passes");
	is_str(detail(&fs, "dns.mx.present"), "null MX (RFC 7505): org001.test deliberately accepts no mail",
	       "null MX detail");
	set_dns(obs, "mx", lk("nodata", NULL, NULL));
	set_dns(obs, "caa", lk("refused", NULL, NULL));
	run(obs, &fs, "no MX, CAA refused");
	is_str(st(&fs, "dns.mx.present"), "fail", "no MX fails");
	is_str(reason(&fs, "dns.caa.present"), "refused", "CAA refused: indeterminate");
	set_dns(obs, "mx", lk("out_of_scope", NULL, NULL));
	set_dns(obs, "caa", lk("weird-status", NULL, NULL));
	run(obs, &fs, "MX out of scope");
	is_str(reason(&fs, "dns.mx.present"), "out_of_scope", "out_of_scope reason passes through");
	is_str(reason(&fs, "dns.caa.present"), "error", "unknown status becomes error");
	json_decref(obs);
	findings_clear(&fs);
}

/* Sets dns.spf_rr.TYPE.NAME (creating the objects). */
static void set_rr(json_t *obs, const char *type, const char *name, json_t *v)
{
	json_t *dns = json_object_get(obs, "dns");
	if (json_object_get(dns, "spf_rr") == NULL)
		json_object_set_new(dns, "spf_rr", json_object());
	json_t *rr = json_object_get(dns, "spf_rr");
	if (json_object_get(rr, type) == NULL)
		json_object_set_new(rr, type, json_object());
	json_object_set_new(json_object_get(rr, type), name, v);
}

/* An MX lookup with `n` hosts mN.test. */
static json_t *mx_lk(int n)
{
	json_t *recs = json_array();
	char host[32];
	for (int i = 1; i <= n; i++) {
		snprintf(host, sizeof host, "m%d.test.", i);
		json_array_append_new(recs, json_pack("{s:i, s:s}", "pref", 10, "host", host));
	}
	return json_pack("{s:s, s:o}", "status", "ok", "records", recs);
}

static void test_spf_mechanisms(void)
{
	struct findings fs = {0};
	json_t *obs = base();
	set_txt(obs, "v=spf1 a:gone.test mx exists:none.test a:h.test -all", NULL);
	set_rr(obs, "A", "gone.test", lk("nxdomain", NULL, NULL));
	set_rr(obs, "A", "mx.org001.test", lk("ok", "192.0.2.1", NULL));
	set_rr(obs, "A", "none.test", lk("nodata", NULL, NULL));
	set_rr(obs, "A", "h.test", lk("ok", "192.0.2.2", NULL));
	run(obs, &fs, "two voids through a and exists");
	is_str(st(&fs, "dns.spf.lookups"), "pass", "two voids pass");
	is_str(detail(&fs, "dns.spf.lookups"),
	       "SPF needs 4 DNS lookups (limit 10), 2 void: a:gone.test, mx, exists:none.test, a:h.test",
	       "own MX from dns.mx, its host's A from dns.spf_rr");
	is_str(st(&fs, "dns.spf.ptr"), "pass", "no ptr");
	set_rr(obs, "A", "h.test", lk("nxdomain", NULL, NULL));
	run(obs, &fs, "three voids through a and exists");
	is_str(st(&fs, "dns.spf.lookups"), "fail", "three voids fail");
	ok(detail_has(
	       &fs, "dns.spf.lookups",
	       "3 void lookups (limit 2): a:gone.test: gone.test A NXDOMAIN, exists:none.test: none.test A "
	       "NODATA, a:h.test: h.test A NXDOMAIN"),
	   "voids named");
	is_str(reason(&fs, "dns.spf.all"), "permerror", "three voids: all na permerror");
	set_rr(obs, "A", "h.test", json_pack("{s:s, s:[]}", "status", "timeout", "records"));
	set_rr(obs, "A", "gone.test", lk("ok", "192.0.2.3", NULL));
	run(obs, &fs, "a target timed out");
	is_str(st(&fs, "dns.spf.lookups"), "indeterminate", "timed-out a target: lookups indeterminate");
	is_str(reason(&fs, "dns.spf.lookups"), "timeout", "reason timeout");
	is_str(st(&fs, "dns.spf.all"), "pass", "the all qualifier does not depend on it");

	set_txt(obs, "v=spf1 mx:big.test -all", NULL);
	set_rr(obs, "MX", "big.test", mx_lk(11));
	run(obs, &fs, "mx with 11 names");
	is_str(st(&fs, "dns.spf.lookups"), "fail", "mx over 10 names fails");
	is_str(detail(&fs, "dns.spf.lookups"), "org001.test: mx:big.test: 11 MX names (limit 10)",
	       "mx detail");

	set_txt(obs, "v=spf1 ptr:org001.test include:p.test -all", NULL);
	set_spf(obs, "p.test", lk("ok", "v=spf1 ptr ~all", NULL));
	run(obs, &fs, "ptr");
	is_str(st(&fs, "dns.spf.ptr"), "fail", "ptr fails");
	is_str(detail(&fs, "dns.spf.ptr"),
	       "SPF uses the ptr mechanism (RFC 7208 s5.5: SHOULD NOT): org001.test: ptr:org001.test; "
	       "p.test: ptr",
	       "ptr detail names both");
	is_str(st(&fs, "dns.spf.lookups"), "pass", "ptr counts as a lookup, nothing more");

	set_txt(obs, "v=spf1 ip4:0.0.0.0/0 -all", NULL);
	run(obs, &fs, "ip4 /0");
	is_str(st(&fs, "dns.spf.all"), "fail", "ip4:0.0.0.0/0 is +all in disguise");
	is_str(detail(&fs, "dns.spf.all"),
	       "SPF matches every sender at 'ip4:0.0.0.0/0' (+): it authorises every sender on the internet",
	       "ip4 /0 detail");
	set_txt(obs, "v=spf1 exists:%{i}.x.test -all", NULL);
	run(obs, &fs, "macro");
	is_str(
	    detail(&fs, "dns.spf.lookups"),
	    "SPF needs 1 DNS lookup (limit 10), 0 void, 1 macro target not expanded (they need the sender): "
	    "exists:%{i}.x.test",
	    "macro target counted and said so");
	/* As the probe records it: bytes outside printable ASCII as \DDD (wire_dns.c). */
	set_txt(obs, "v=spf1 a:caf\\195\\169.test -all", NULL);
	run(obs, &fs, "non-ASCII");
	is_str(st(&fs, "dns.spf.syntax"), "fail", "non-ASCII record: syntax fails");
	is_str(detail(&fs, "dns.spf.syntax"),
	       "SPF syntax error: org001.test: non-ASCII byte 0xc3 at offset 12",
	       "non-ASCII detail, offset in the published record");
	is_str(st(&fs, "dns.spf.ptr"), "na", "and ptr is not applicable");
	findings_clear(&fs);
	json_decref(obs);
}

int main(void)
{
	test_all_pass();
	test_empty_shapes();
	test_spf_loop();
	test_spf_limits();
	test_spf_records();
	test_spf_all();
	test_spf_redirect();
	test_spf_tree_errors();
	test_spf_mechanisms();
	test_dmarc();
	test_dmarc_pct();
	test_dmarc_bad_sp();
	test_dnssec();
	test_axfr();
	test_ns();
	test_caa_mx();
	return done_testing();
}
