/* Unit tests for the mail transport analyzer (analyze_mail.c) on canned observation documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "tap.h"

#define LEAF_SPKI "aa11aa11"
#define LEAF_CERT "bb22bb22"
#define CA_SPKI   "cc33cc33"

/* A domain with one MX host mx.m.test (in the given zone state) and the given mail_policy and tls_scans. */
static json_t *doc(const char *mx_records, const char *mail_policy, const char *tls_scans)
{
	char text[8192];
	snprintf(
	    text, sizeof text,
	    "{\"domain\": \"m.test\", \"dns\": {\"mx\": {\"name\": \"m.test.\", \"type\": \"MX\", "
	    "\"status\": "
	    "\"%s\", \"rcode\": \"NOERROR\", \"sec\": \"secure\", \"why_bogus\": null, \"records\": %s}},"
	    " \"mail_policy\": %s, \"tls_scans\": %s}",
	    strcmp(mx_records, "[]") == 0 ? "nodata" : "ok", mx_records, mail_policy, tls_scans);
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	if (j == NULL)
		printf("# bad canned document: %s\n", err.text);
	return j;
}

static const char *const MX1 = "[{\"pref\": 10, \"host\": \"mx.m.test.\"}]";

static const struct finding *get(const struct findings *fs, const char *check, const char *domain)
{
	return findings_get(fs, check, domain);
}

/* The status of `check` on `domain` (or "missing"), and its reason in *reason. */
static const char *status(const char *mx, const char *mp, const char *scans, const char *check,
                          const char *domain, char *reason, size_t rlen)
{
	static char out[32];
	struct findings fs = {0};
	json_t *d = doc(mx, mp, scans);
	snprintf(out, sizeof out, "missing");
	reason[0] = '\0';
	if (d != NULL && analyze_mail(d, 0, &fs) == 0) {
		const struct finding *f = get(&fs, check, domain);
		if (f != NULL) {
			snprintf(out, sizeof out, "%s", fstatus_name(f->status));
			snprintf(reason, rlen, "%s", f->reason ? f->reason : "");
		}
	}
	json_decref(d);
	findings_clear(&fs);
	return out;
}

/* mail_policy with the given MTA-STS member, a valid TLS-RPT record and the given dane array. */
static char *policy(const char *sts, const char *rpt_txt, const char *rpt_rec, const char *dane)
{
	static char buf[4096];
	snprintf(
	    buf, sizeof buf,
	    "{\"mta_sts\": %s, \"tls_rpt\": {\"txt\": {\"status\": \"%s\", \"records\": []}, \"record\": %s},"
	    " \"dane\": %s}",
	    sts, rpt_txt, rpt_rec, dane);
	return buf;
}

#define TXT_OK  "{\"status\": \"ok\", \"records\": [\"v=STSv1; id=1\"]}"
#define REC_OK  "{\"valid\": true, \"id\": \"1\", \"error\": null}"
#define RPT_OK  "{\"valid\": true, \"rua\": [\"mailto:r@m.test\"], \"error\": null}"
#define NO_DANE "[]"

static char *sts_with_policy(const char *pol)
{
	static char buf[2048];
	snprintf(buf, sizeof buf, "{\"txt\": " TXT_OK ", \"record\": " REC_OK ", \"policy\": %s}", pol);
	return buf;
}

static char *pol(const char *status, int valid, const char *mode, const char *mx)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
	         "{\"url\": \"https://mta-sts.m.test/.well-known/mta-sts.txt\", \"status\": \"%s\", "
	         "\"http_status\": 200, \"valid\": %s, \"error\": null, \"mode\": \"%s\", \"mx\": %s, "
	         "\"max_age\": 86400, \"mx_match\": true}",
	         status, valid ? "true" : "false", mode, mx);
	return buf;
}

static void test_mta_sts(void)
{
	char r[64];
	char p[4096];
	snprintf(p, sizeof p, "%s",
	         policy(sts_with_policy(pol("ok", 1, "enforce", "[\"mx.m.test\"]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "pass",
	       "enforce, matching mx: pass");
	snprintf(p, sizeof p, "%s",
	         policy(sts_with_policy(pol("ok", 1, "enforce", "[\"*.m.test\"]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "pass",
	       "enforce, wildcard mx: pass");
	snprintf(p, sizeof p, "%s",
	         policy(sts_with_policy(pol("ok", 1, "enforce", "[\"*.test\"]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "fail",
	       "enforce, a wildcard two labels up: fail");
	snprintf(
	    p, sizeof p, "%s",
	    policy(sts_with_policy(pol("ok", 1, "enforce", "[\"other.m.test\"]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "fail",
	       "enforce, mx not matching: fail");
	snprintf(p, sizeof p, "%s",
	         policy(sts_with_policy(pol("ok", 1, "testing", "[\"mx.m.test\"]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "fail", "testing mode: fail");
	snprintf(p, sizeof p, "%s",
	         policy(sts_with_policy(pol("ok", 1, "none", "[]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "fail", "mode none: fail");
	snprintf(p, sizeof p, "%s",
	         policy(sts_with_policy(pol("ok", 0, "enforce", "[\"mx.m.test\"]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "fail", "invalid policy: fail");
	snprintf(p, sizeof p, "%s",
	         policy(sts_with_policy(pol("tls_failed", 0, "enforce", "[]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "fail",
	       "policy over a bad certificate: fail");
	snprintf(p, sizeof p, "%s",
	         policy(sts_with_policy(pol("http_404", 0, "enforce", "[]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "fail", "policy 404: fail");
	snprintf(p, sizeof p, "%s",
	         policy(sts_with_policy(pol("timeout", 0, "enforce", "[]")), "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "indeterminate",
	       "policy timeout");
	is_str(r, "timeout", "policy timeout: reason");
	snprintf(
	    p, sizeof p, "%s",
	    policy(
	        "{\"txt\": {\"status\": \"nxdomain\", \"records\": []}, \"record\": null, \"policy\": null}",
	        "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "fail", "no record: fail");
	snprintf(p, sizeof p, "%s",
	         policy("{\"txt\": " TXT_OK
	                ", \"record\": {\"valid\": false, \"error\": \"no id=\"}, \"policy\": null}",
	                "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "fail", "invalid record: fail");
	snprintf(
	    p, sizeof p, "%s",
	    policy(
	        "{\"txt\": {\"status\": \"servfail\", \"records\": []}, \"record\": null, \"policy\": null}",
	        "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "indeterminate", "TXT servfail");
	is_str(r, "servfail", "TXT servfail: reason");
	is_str(status("[]", p, "[]", "mail.mta_sts", "m.test", r, sizeof r), "na", "no MX: na");
	is_str(status("[{\"pref\": 0, \"host\": \".\"}]", p, "[]", "mail.mta_sts", "m.test", r, sizeof r),
	       "na", "null MX: na");
	is_str(status(MX1, "null", "[]", "mail.mta_sts", "m.test", r, sizeof r), "indeterminate",
	       "no mail_policy");
	is_str(r, "not_observed", "no mail_policy: reason");
}

static void test_tlsrpt(void)
{
	char r[64];
	char p[4096];
	snprintf(p, sizeof p, "%s", policy("null", "ok", RPT_OK, NO_DANE));
	is_str(status(MX1, p, "[]", "mail.tlsrpt", "m.test", r, sizeof r), "pass", "valid TLS-RPT: pass");
	snprintf(p, sizeof p, "%s", policy("null", "nxdomain", "null", NO_DANE));
	is_str(status(MX1, p, "[]", "mail.tlsrpt", "m.test", r, sizeof r), "fail", "no TLS-RPT: fail");
	snprintf(p, sizeof p, "%s",
	         policy("null", "ok", "{\"valid\": false, \"rua\": [], \"error\": \"no rua=\"}", NO_DANE));
	is_str(status(MX1, p, "[]", "mail.tlsrpt", "m.test", r, sizeof r), "fail", "malformed TLS-RPT: fail");
	snprintf(p, sizeof p, "%s", policy("null", "timeout", "null", NO_DANE));
	is_str(status(MX1, p, "[]", "mail.tlsrpt", "m.test", r, sizeof r), "indeterminate",
	       "TLS-RPT timeout");
	is_str(status("[]", p, "[]", "mail.tlsrpt", "m.test", r, sizeof r), "na", "TLS-RPT without MX: na");
}

static char *dane(const char *status_, const char *sec, const char *records)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
	         "[{\"mx\": \"mx.m.test\", \"tlsa\": {\"name\": \"_25._tcp.mx.m.test\", \"type\": \"TLSA\", "
	         "\"status\": "
	         "\"%s\", \"sec\": \"%s\", \"why_bogus\": null, \"records\": %s, \"secure\": %s}}]",
	         status_, sec, records, strcmp(sec, "secure") == 0 ? "true" : "false");
	return buf;
}

static const char *const SCAN =
    "[{\"host\": \"mx.m.test\", \"addr\": \"127.0.0.25\", \"port\": 25, \"service\": "
    "\"smtp\", \"status\": \"ok\", \"cert\": {\"chain\": [{\"sha256\": \"" LEAF_CERT
    "\", \"spki_sha256\": \"" LEAF_SPKI "\", \"spki_sha512\": \"dd\"}, {\"sha256\": "
    "\"ee\", \"spki_sha256\": \"" CA_SPKI "\"}]}}]";

static const char *dane_status(const char *d, const char *scans, char *r)
{
	char p[4096];
	snprintf(p, sizeof p, "%s", policy("null", "ok", RPT_OK, d));
	return status(MX1, p, scans, "mail.dane", "m.test", r, 64);
}

static void test_dane(void)
{
	char r[64];
	const char *rec311 = "[{\"usage\": 3, \"selector\": 1, \"mtype\": 1, \"data\": \"AA11AA11\"}]";
	is_str(dane_status(dane("ok", "secure", rec311), SCAN, r), "pass",
	       "3 1 1 matching the leaf SPKI: pass");
	is_str(
	    dane_status(dane("ok", "secure",
	                     "[{\"usage\": 3, \"selector\": 0, \"mtype\": 1, \"data\": \"" LEAF_CERT "\"}]"),
	                SCAN, r),
	    "pass", "3 0 1 matching the leaf certificate: pass");
	is_str(dane_status(dane("ok", "secure",
	                        "[{\"usage\": 2, \"selector\": 1, \"mtype\": 1, \"data\": \"" CA_SPKI "\"}]"),
	                   SCAN, r),
	       "pass", "2 1 1 matching the CA in the chain: pass");
	is_str(
	    dane_status(dane("ok", "secure",
	                     "[{\"usage\": 2, \"selector\": 1, \"mtype\": 1, \"data\": \"" LEAF_SPKI "\"}]"),
	                SCAN, r),
	    "fail", "2 1 1 naming the leaf (not a CA): fail");
	is_str(dane_status(
	           dane("ok", "secure", "[{\"usage\": 3, \"selector\": 1, \"mtype\": 1, \"data\": \"00\"}]"),
	           SCAN, r),
	       "fail", "3 1 1 not matching: fail");
	is_str(
	    dane_status(dane("ok", "secure",
	                     "[{\"usage\": 1, \"selector\": 1, \"mtype\": 1, \"data\": \"" LEAF_SPKI "\"}]"),
	                SCAN, r),
	    "fail", "PKIX-EE usage only: fail");
	is_str(dane_status(
	           dane("ok", "secure", "[{\"usage\": 3, \"selector\": 0, \"mtype\": 2, \"data\": \"ff\"}]"),
	           SCAN, r),
	       "indeterminate", "3 0 2: the digest is not recorded");
	is_str(r, "digest not observed", "3 0 2: reason");
	is_str(dane_status(dane("ok", "insecure", rec311), SCAN, r), "fail",
	       "TLSA in an unsigned zone: fail");
	is_str(dane_status(dane("nodata", "secure", "[]"), SCAN, r), "fail",
	       "no TLSA in a signed zone: fail");
	is_str(dane_status(dane("nxdomain", "insecure", "[]"), SCAN, r), "fail",
	       "no TLSA, unsigned zone: fail");
	is_str(dane_status(dane("servfail", "bogus", "[]"), SCAN, r), "fail", "bogus TLSA: fail");
	is_str(dane_status(dane("timeout", "secure", "[]"), SCAN, r), "indeterminate", "TLSA timeout");
	is_str(r, "timeout", "TLSA timeout: reason");
	is_str(dane_status(dane("ok", "secure", rec311), "[]", r), "indeterminate", "no tls_scans yet");
	is_str(r, "no certificate observed", "no tls_scans yet: reason");
	is_str(dane_status(dane("ok", "secure", rec311),
	                   "[{\"host\": \"mx.m.test\", \"service\": \"smtp\", \"status\": \"no_starttls\", "
	                   "\"cert\": null}]",
	                   r),
	       "indeterminate", "no STARTTLS, no certificate");
	is_str(
	    dane_status(
	        dane("ok", "secure", rec311),
	        "[{\"host\": \"mx.m.test\", \"service\": \"https\", \"cert\": {\"chain\": [{\"spki_sha256\": "
	        "\"aa11aa11\"}]}}]",
	        r),
	    "indeterminate", "an https certificate is not the MX's");
	is_str(dane_status(NO_DANE, SCAN, r), "indeterminate", "no TLSA lookup recorded");
	is_str(r, "not_observed", "no TLSA lookup recorded: reason");
	/* Evidence names the records and digests compared. */
	struct findings fs = {0};
	char p[4096];
	snprintf(p, sizeof p, "%s",
	         policy("null", "ok", RPT_OK,
	                dane("ok", "secure",
	                     "[{\"usage\": 3, \"selector\": 1, \"mtype\": 1, \"data\": \"00\"}]")));
	json_t *d = doc(MX1, p, SCAN);
	analyze_mail(d, 0, &fs);
	const struct finding *f = get(&fs, "mail.dane", "m.test");
	ok(f != NULL && f->endpoint == NULL, "mail.dane: one finding on the domain, no endpoint");
	json_t *host = json_array_get(json_object_get(f ? f->evidence : NULL, "mx"), 0);
	is_str(json_string_value(json_object_get(host, "mx")), "mx.m.test", "evidence: the MX host");
	is_str(json_string_value(json_object_get(host, "status")), "fail", "evidence: the host's verdict");
	json_t *cert = json_array_get(json_object_get(host, "certs"), 0);
	is_str(json_string_value(json_object_get(cert, "leaf_spki_sha256")), LEAF_SPKI,
	       "evidence: the leaf SPKI digest");
	ok(json_is_false(json_object_get(cert, "matched")), "evidence: not matched");
	json_t *rec0 = json_array_get(json_object_get(json_object_get(host, "tlsa"), "records"), 0);
	is_str(json_string_value(json_object_get(rec0, "data")), "00", "evidence: the TLSA record");
	is_int(fs.n, 3, "one finding per check: mta_sts, tlsrpt, dane");
	json_decref(d);
	findings_clear(&fs);
}

/* Two MX hosts: the worst stands for the domain, and a host without TLSA is a way around DANE. */
static void test_dane_two_hosts(void)
{
	char r[64], p[4096];
	const char *mx2 =
	    "[{\"pref\": 10, \"host\": \"mx.m.test.\"}, {\"pref\": 20, \"host\": \"mx2.m.test.\"}]";
	const char *both =
	    "[{\"mx\": \"mx.m.test\", \"tlsa\": {\"status\": \"ok\", \"sec\": \"secure\", "
	    "\"records\": [{\"usage\": 3, \"selector\": 1, \"mtype\": 1, \"data\": \"" LEAF_SPKI "\"}]}},"
	    " {\"mx\": \"mx2.m.test\", \"tlsa\": {\"status\": \"nodata\", \"sec\": \"secure\", "
	    "\"records\": []}}]";
	snprintf(p, sizeof p, "%s", policy("null", "ok", RPT_OK, both));
	is_str(status(mx2, p, SCAN, "mail.dane", "m.test", r, sizeof r), "fail",
	       "two MX, one without TLSA: fail");
	const char *second =
	    "[{\"mx\": \"mx.m.test\", \"tlsa\": {\"status\": \"ok\", \"sec\": \"secure\", "
	    "\"records\": [{\"usage\": 3, \"selector\": 1, \"mtype\": 1, \"data\": \"" LEAF_SPKI "\"}]}}]";
	snprintf(p, sizeof p, "%s", policy("null", "ok", RPT_OK, second));
	is_str(status(mx2, p, SCAN, "mail.dane", "m.test", r, sizeof r), "indeterminate",
	       "two MX, the second's TLSA not looked up: indeterminate");
	is_str(r, "not_observed", "two MX, the second not looked up: reason");
}

int main(void)
{
	test_mta_sts();
	test_tlsrpt();
	test_dane();
	test_dane_two_hosts();
	return done_testing();
}
