/*
 * Unit tests for the deep-TLS analyzer (analyze_tls.c) on canned tls_scans objects: one per
 * case of tests/testbed/tlscases.py, the hostile statuses, null answers, SMTP endpoints and
 * mail.starttls per domain.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "analyze_tls.h"
#include "grade.h"
#include "method.h"
#include "tap.h"

/* tls001 "modern": TLS 1.2 and 1.3, ECDHE-ECDSA AES-GCM/ChaCha20, complete chain, no staple. */
static const char modern_json[] =
    "{\"host\": \"tls001.tls.test\", \"addr\": \"127.97.0.10\", \"port\": 443, \"service\": \"https\","
    " \"site\": null, \"shared\": false, \"depth\": \"full\", \"status\": \"ok\", \"connections\": 14,"
    " \"smtp\": null,"
    " \"protocols\": {\"SSLv3\": false, \"TLSv1.0\": false, \"TLSv1.1\": false, \"TLSv1.2\": true,"
    "  \"TLSv1.3\": true},"
    " \"classes\": {\"null\": false, \"export\": false, \"anon\": false, \"rc4\": false, \"3des\": false,"
    "  \"cbc_only\": false, \"no_fs\": false, \"no_aead\": false},"
    " \"dh_bits\": null, \"dhe\": false, \"groups\": [\"x25519\", \"secp256r1\"], \"pq\": false,"
    " \"suites\": {\"TLSv1.2\": [\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\","
    "  \"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\"], \"TLSv1.3\": [\"TLS_AES_128_GCM_SHA256\"]},"
    " \"server_order\": true,"
    " \"cert\": {\"chain\": ["
    "   {\"subject\": \"CN=tls001.tls.test\", \"issuer\": \"CN=vitals tls-cases intermediate\","
    "    \"sha256\": \"aa\", \"spki_sha256\": \"bb\", \"spki_sha512\": \"cc\","
    "    \"not_before\": \"2026-06-01T00:00:00Z\", \"not_after\": \"2027-06-01T00:00:00Z\","
    "    \"key_type\": \"ec\", \"key_bits\": 256, \"sig\": \"ecdsa-sha256\", \"self_signed\": false,"
    "    \"ca\": false},"
    "   {\"subject\": \"CN=vitals tls-cases intermediate\", \"issuer\": \"CN=vitals tls-cases CA\","
    "    \"sha256\": \"dd\", \"spki_sha256\": \"ee\", \"spki_sha512\": \"ff\","
    "    \"not_before\": \"2026-01-01T00:00:00Z\", \"not_after\": \"2036-01-01T00:00:00Z\","
    "    \"key_type\": \"ec\", \"key_bits\": 256, \"sig\": \"ecdsa-sha256\", \"self_signed\": false,"
    "    \"ca\": true}],"
    "  \"names\": [\"tls001.tls.test\"], \"hostname_match\": true, \"trusted\": true,"
    "  \"verify_error\": null, \"chain_complete\": true, \"chain_ordered\": true,"
    "  \"validity_days\": 365, \"days_left\": 200, \"expired\": false, \"not_yet_valid\": false},"
    " \"ocsp_stapled\": false,"
    " \"asked\": [{\"q\": \"SSLv3\", \"conns\": 1, \"answer\": \"rejected: protocol_version\"},"
    "  {\"q\": \"TLSv1.3\", \"conns\": 1, \"answer\": \"accepted: TLS_AES_128_GCM_SHA256\"},"
    "  {\"q\": \"TLSv1.2 rc4\", \"conns\": 1, \"answer\": \"rejected: handshake_failure\"},"
    "  {\"q\": \"TLSv1.2 3des\", \"conns\": 1, \"answer\": \"rejected: handshake_failure\"},"
    "  {\"q\": \"TLSv1.2 null\", \"conns\": 1, \"answer\": \"rejected: handshake_failure\"},"
    "  {\"q\": \"TLSv1.2 no_fs\", \"conns\": 1, \"answer\": \"rejected: handshake_failure\"}]}";

/* The checks in analyze_tls.c's order: the letters of an expectation string follow it. */
static const char *const ids[] = {
    "tls.cert.current",  "tls.cert.chain",    "tls.cert.key",       "tls.cert.signature",
    "tls.cert.lifetime", "tls.ocsp.stapling", "tls.protocol.sslv3", "tls.protocol.tls13",
    "tls.cipher.null",   "tls.cipher.export", "tls.cipher.anon",    "tls.cipher.rc4",
    "tls.cipher.3des",   "tls.cipher.fs",     "tls.cipher.aead",    "tls.cipher.cbc",
    "tls.kex.dh",
};
#define NIDS 17

static json_t *modern(void)
{
	json_t *o = json_loads(modern_json, 0, NULL);
	if (o == NULL)
		abort();
	return o;
}

/* Sets "a.b" (one dot at most) in `o`, stealing `v`. */
static void set(json_t *o, const char *path, json_t *v)
{
	const char *dot = strchr(path, '.');
	if (dot == NULL) {
		json_object_set_new(o, path, v);
		return;
	}
	char first[32];
	snprintf(first, sizeof first, "%.*s", (int)(dot - path), path);
	json_object_set_new(json_object_get(o, first), dot + 1, v);
}

static json_t *leaf(json_t *scan)
{
	return json_array_get(json_object_get(json_object_get(scan, "cert"), "chain"), 0);
}

/* A domain document holding these scans (stolen) and an MX lookup. */
static json_t *doc(json_t *scans, const char *mx_status)
{
	json_t *d =
	    json_pack("{s:s, s:o, s:{s:{s:s, s:[{s:i, s:s}]}}}", "domain", "org1.test", "tls_scans", scans,
	              "dns", "mx", "status", mx_status, "records", "pref", 10, "host", "mx.org1.test.");
	if (d == NULL)
		abort();
	return d;
}

static struct findings fs;

static void run(json_t *d)
{
	findings_clear(&fs);
	is_int(analyze_tls(d, &fs), 0, "analyze_tls succeeds");
	json_decref(d);
}

static const struct finding *get(const char *check, const char *endpoint)
{
	for (size_t i = 0; i < fs.n; i++)
		if (strcmp(fs.v[i].check, check) == 0 &&
		    (endpoint == NULL || (fs.v[i].endpoint && strcmp(fs.v[i].endpoint, endpoint) == 0)))
			return &fs.v[i];
	return NULL;
}

static char letter(enum fstatus s)
{
	return "pfin"[s];
}

/* Every check's status on `endpoint` as a string of letters, in ids[] order ('-' when missing). */
static void statuses(const char *endpoint, char out[NIDS + 1])
{
	for (size_t i = 0; i < NIDS; i++) {
		const struct finding *f = get(ids[i], endpoint);
		out[i] = f ? letter(f->status) : '-';
	}
	out[NIDS] = '\0';
}

/* One scan in a document: its findings' statuses must read `want`. */
static void expect_case(const char *name, json_t *scan, const char *want)
{
	char got[NIDS + 1], title[160];
	char ep[64];
	snprintf(ep, sizeof ep, "%s", json_string_value(json_object_get(scan, "addr")));
	run(doc(json_pack("[o]", scan), "ok"));
	statuses(ep, got);
	snprintf(title, sizeof title, "case %s: statuses %s", name, want);
	is_str(got, want, title);
}

/* ---- the tls cases (tests/testbed/tlscases.py) ---- */

/*                           cur chn key sig lif ocs ss3 t13 nul exp ano rc4 3de fs  aea cbc dh */
#define ALL_PASS_BUT_OCSP "pppppfppppppppppp"

static void test_cases(void)
{
	json_t *s;
	expect_case("modern", modern(), ALL_PASS_BUT_OCSP);

	s = modern();
	set(s, "protocols.TLSv1.0", json_true());
	set(s, "protocols.TLSv1.1", json_true());
	set(s, "protocols.TLSv1.3", json_false());
	expect_case("legacy_protocols", s, "pppppfpfppppppppp");

	s = modern();
	set(s, "protocols.TLSv1.2", json_false());
	expect_case("tls13_only", s, ALL_PASS_BUT_OCSP);

	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "classes.null", json_true());
	set(s, "suites",
	    json_pack("{s:[s, s]}", "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	              "TLS_ECDHE_ECDSA_WITH_NULL_SHA"));
	expect_case("null_cipher", s, "pppppfpffpppppppp");
	const struct finding *f = get("tls.cipher.null", "127.97.0.10");
	ok(f && strstr(f->detail, "TLS_ECDHE_ECDSA_WITH_NULL_SHA") != NULL,
	   "null_cipher: the detail names the suite");
	const json_t *listed = json_object_get(json_object_get(f ? f->evidence : NULL, "suites"), "TLSv1.2");
	is_int(json_array_size(listed), 1, "null_cipher: evidence lists the NULL suite alone");
	json_t *asked = json_object_get(f ? f->evidence : NULL, "asked");
	is_str(json_string_value(json_object_get(json_array_get(asked, 0), "q")), "TLSv1.2 null",
	       "null_cipher: evidence holds the question asked about it");
	is_int(json_array_size(asked), 1, "null_cipher: and no other question");

	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "classes.anon", json_true());
	expect_case("anon_cipher", s, "pppppfpfppfpppppp");

	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "classes.cbc_only", json_true());
	set(s, "classes.no_aead", json_true());
	expect_case("cbc_only", s, "pppppfpfppppppffp");

	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "classes.no_fs", json_true());
	set(s, "suites",
	    json_pack("{s:[s, s]}", "TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256",
	              "TLS_RSA_WITH_AES_256_CBC_SHA"));
	json_object_set_new(leaf(s), "key_type", json_string("rsa"));
	json_object_set_new(leaf(s), "key_bits", json_integer(2048));
	expect_case("static_rsa", s, "pppppfpfpppppfppp");
	f = get("tls.cipher.fs", "127.97.0.10");
	ok(f && strstr(f->detail, "accepts no suite with forward secrecy: TLS_RSA_WITH_AES_128_GCM_SHA256") !=
	            NULL,
	   "static_rsa: the detail names the suites without forward secrecy");
	is_str(
	    json_string_value(json_object_get(json_array_get(json_object_get(f->evidence, "asked"), 0), "q")),
	    "TLSv1.2 no_fs", "static_rsa: evidence holds the forward-secrecy question");

	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "dh_bits", json_integer(1024));
	expect_case("dhe_1024", s, "pppppfpfppppppppf");
	is_str(get("tls.kex.dh", NULL)->detail,
	       "tls001.tls.test 127.97.0.10 uses a 1024-bit finite-field DH group (below 2048)",
	       "dhe_1024: the detail gives the size");

	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	json_object_set_new(leaf(s), "key_type", json_string("rsa"));
	json_object_set_new(leaf(s), "key_bits", json_integer(1024));
	expect_case("rsa_1024", s, "ppfppfpfppppppppp");

	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	json_object_set_new(leaf(s), "sig", json_string("ecdsa-sha1"));
	expect_case("sha1_signature", s, "pppfpfpfppppppppp");
	is_str(get("tls.cert.signature", NULL)->detail,
	       "tls001.tls.test 127.97.0.10: CN=tls001.tls.test is signed with ecdsa-sha1",
	       "sha1_signature: the detail names the certificate");

	s = modern();
	set(s, "cert.chain_complete", json_false());
	json_array_remove(json_object_get(json_object_get(s, "cert"), "chain"), 1);
	expect_case("chain_incomplete", s, "pfpppfppppppppppp");

	s = modern();
	set(s, "cert.validity_days", json_integer(1825));
	expect_case("long_validity", s, "ppppffppppppppppp");

	s = modern();
	set(s, "cert.expired", json_true());
	set(s, "cert.days_left", json_integer(-35));
	expect_case("expired", s, ALL_PASS_BUT_OCSP);

	s = modern();
	set(s, "cert.not_yet_valid", json_true());
	expect_case("not_yet_valid", s, "fppppfppppppppppp");

	s = modern();
	json_object_set_new(leaf(s), "self_signed", json_true());
	json_object_set_new(leaf(s), "sig", json_string("ecdsa-sha1"));
	json_array_remove(json_object_get(json_object_get(s, "cert"), "chain"), 1);
	set(s, "cert.chain_complete", json_false());
	set(s, "cert.trusted", json_false());
	expect_case("self_signed (its own signature not judged)", s, ALL_PASS_BUT_OCSP);

	s = modern();
	set(s, "ocsp_stapled", json_true());
	expect_case("ocsp_stapled", s, "ppppppppppppppppp");

	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "classes.rc4", json_true());
	set(s, "suites",
	    json_pack("{s:[s, s]}", "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	              "TLS_ECDHE_RSA_WITH_RC4_128_SHA"));
	expect_case("rc4_cipher", s, "pppppfpfpppfppppp");
	f = get("tls.cipher.rc4", NULL);
	is_str(json_string_value(
	           json_array_get(json_object_get(json_object_get(f->evidence, "suites"), "TLSv1.2"), 0)),
	       "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "rc4_cipher: evidence lists the RC4 suite");
	is_str(json_string_value(
	           json_object_get(json_array_get(json_object_get(f->evidence, "asked"), 0), "answer")),
	       "rejected: handshake_failure", "rc4_cipher: evidence holds the answer recorded");

	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "classes.3des", json_true());
	expect_case("3des_cipher", s, "pppppfpfppppfpppp");

	s = modern();
	set(s, "protocols.SSLv3", json_true());
	set(s, "classes.export", json_true());
	expect_case("sslv3 and export (canned only: no Debian server has them)", s, "pppppffppfppppppp");
}

/* ---- statuses other than ok, null answers ---- */

static void test_statuses(void)
{
	static const struct {
		const char *status; /* tls_scans[].status */
		char letter;        /* every check's status */
	} gates[] = {{"timeout", 'i'}, {"refused", 'n'}, {"error", 'i'},     {"out_of_scope", 'i'},
	             {"no_tls", 'n'},  {"not_tls", 'n'}, {"no_address", 'n'}};
	for (size_t g = 0; g < sizeof gates / sizeof gates[0]; g++) {
		json_t *s = modern();
		set(s, "status", json_string(gates[g].status));
		char want[NIDS + 1];
		memset(want, gates[g].letter, NIDS);
		want[NIDS] = '\0';
		expect_case(gates[g].status, s, want);
		const struct finding *f = get("tls.protocol.sslv3", NULL);
		is_str(f ? f->reason : NULL, gates[g].status, "the reason is the endpoint's status");
	}

	json_t *s = modern();
	set(s, "protocols.SSLv3", json_null());
	set(s, "classes.rc4", json_null());
	set(s, "cert", json_null());
	expect_case("null answers", s, "iiiiifippppippppp");
	is_str(get("tls.protocol.sslv3", NULL)->reason, "unanswered:protocols.SSLv3",
	       "a null protocol answer: the reason names the question");
	is_str(get("tls.cipher.rc4", NULL)->reason, "unanswered:classes.rc4", "a null class answer names it");
	is_str(get("tls.cert.key", NULL)->reason, "unanswered:cert",
	       "no certificate: the cert checks say so");
	is_str(get("tls.protocol.sslv3", NULL)->detail,
	       "tls001.tls.test 127.97.0.10: could not tell (protocols.SSLv3 has no answer)",
	       "and the detail too");

	s = modern();
	set(s, "dhe", json_null());
	expect_case("DHE unknown", s, "pppppfppppppppppi");
	is_str(get("tls.kex.dh", NULL)->reason, "unanswered:dhe", "no answer about DHE: never a pass");
	s = modern();
	set(s, "dhe", json_true());
	expect_case("DHE without its prime", s, "pppppfppppppppppi");
	is_str(get("tls.kex.dh", NULL)->reason, "unanswered:dh_bits", "a DHE suite whose prime was not read");

	s = modern();
	json_object_set_new(leaf(s), "key_type", json_string("other"));
	json_object_set_new(leaf(s), "sig", json_null());
	set(s, "cert.chain_ordered", json_null());
	expect_case("unknown key type, signature, order", s, "piiipfppppppppppp");
}

/* ---- SMTP endpoints and mail.starttls ---- */

static json_t *mx(const char *addr, const char *status)
{
	json_t *s = modern();
	set(s, "host", json_string("mx.org1.test"));
	set(s, "addr", json_string(addr));
	set(s, "port", json_integer(25));
	set(s, "service", json_string("smtp"));
	set(s, "status", json_string(status));
	set(s, "smtp",
	    json_pack("{s:s, s:[s, s], s:b, s:i, s:s}", "banner", "220 mx.org1.test ESMTP", "ehlo",
	              "PIPELINING", "STARTTLS", "starttls", 1, "starttls_reply", 220, "status", "ok"));
	return s;
}

static enum fstatus starttls_status(void)
{
	const struct finding *f = get("mail.starttls", NULL);
	return f ? f->status : (enum fstatus) - 1;
}

static void test_smtp(void)
{
	json_t *s = mx("127.26.0.25", "ok");
	json_object_set_new(leaf(s), "key_type", json_string("rsa"));
	json_object_set_new(leaf(s), "key_bits", json_integer(1024));
	set(s, "cert.not_yet_valid", json_true());
	set(s, "cert.chain_complete", json_false());
	run(doc(json_pack("[o]", s), "ok"));
	char got[NIDS + 1];
	statuses("127.26.0.25:25", got);
	is_str(got, "nnfpnnppppppppppp", "smtp: trust checks na, key and protocol judged, on ADDR:25");
	const struct finding *f = get("tls.cert.chain", "127.26.0.25:25");
	is_str(f ? f->reason : NULL, "smtp_opportunistic", "smtp: why the chain is not judged");
	is_str(f ? f->domain : NULL, "mx.org1.test", "smtp: the finding names the MX host");
	f = get("mail.starttls", NULL);
	is_int(starttls_status(), FS_PASS, "mail.starttls passes: STARTTLS with TLS 1.2+");
	is_str(f ? f->domain : NULL, "org1.test", "mail.starttls is the domain's");
	ok(f && f->endpoint == NULL, "mail.starttls names no endpoint");

	run(doc(json_pack("[o]", mx("::1", "ok")), "ok"));
	ok(get("tls.cipher.rc4", "[::1]:25") != NULL, "an IPv6 MX endpoint is [ADDR]:25");

	/* One good MX, one without STARTTLS: not every MX offers it. */
	run(doc(json_pack("[o, o]", mx("127.26.0.25", "ok"), mx("127.26.0.26", "no_starttls")), "ok"));
	f = get("mail.starttls", NULL);
	is_int(starttls_status(), FS_FAIL, "mail.starttls fails when one MX lacks STARTTLS");
	is_str(f ? f->detail : NULL, "mx.org1.test of org1.test: no_starttls", "and says which and why");
	is_int(json_array_size(json_object_get(f ? f->evidence : NULL, "mx")), 2,
	       "evidence lists every MX endpoint");
	f = get("tls.cipher.rc4", "127.26.0.26:25");
	is_str(f ? f->reason : NULL, "no_starttls", "the MX without STARTTLS: its tls checks say why");
	is_int(f ? (long long)f->status : -1, FS_NA, "... not applicable");

	/* Port 25 refused is an MX not reached (port 443 refused is a site without HTTPS: na). */
	run(doc(json_pack("[o]", mx("127.26.0.25", "refused")), "ok"));
	statuses("127.26.0.25:25", got);
	is_str(got, "iiiiiiiiiiiiiiiii", "smtp refused: every check indeterminate");

	/* An MX the scope keeps out: every check, certificate ones too, says so. */
	run(doc(json_pack("[o]", mx("127.99.0.10", "out_of_scope")), "ok"));
	statuses("127.99.0.10:25", got);
	is_str(got, "iiiiiiiiiiiiiiiii", "smtp out of scope: every check indeterminate");
	f = get("tls.cert.chain", "127.99.0.10:25");
	is_str(f ? f->reason : NULL, "out_of_scope",
	       "... the certificate checks too (not smtp_opportunistic)");

	run(doc(json_pack("[o]", mx("127.26.0.25", "starttls_failed")), "ok"));
	is_int(starttls_status(), FS_FAIL, "STARTTLS answered other than 220: fail");

	s = mx("127.26.0.25", "ok");
	set(s, "protocols.TLSv1.2", json_false());
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "protocols.TLSv1.0", json_true());
	run(doc(json_pack("[o]", s), "ok"));
	f = get("mail.starttls", NULL);
	is_str(f ? f->detail : NULL, "mx.org1.test of org1.test: STARTTLS with TLS 1.0/1.1 only",
	       "STARTTLS with TLS 1.0 only: fail");

	run(doc(json_pack("[o, o]", mx("127.26.0.25", "ok"), mx("127.26.0.26", "timeout")), "ok"));
	f = get("mail.starttls", NULL);
	is_int(starttls_status(), FS_INDETERMINATE, "a timed-out MX leaves mail.starttls indeterminate");
	is_str(f ? f->reason : NULL, "timeout", "with its reason");

	run(doc(json_pack("[o]", mx("127.26.0.25", "not_tls")), "ok"));
	is_int(starttls_status(), FS_FAIL, "220 to STARTTLS, then no TLS: fail");
	s = mx("127.26.0.25", "not_tls");
	set(s, "smtp", json_null());
	run(doc(json_pack("[o]", s), "ok"));
	is_int(starttls_status(), FS_INDETERMINATE, "port 25 speaking no SMTP: indeterminate");

	/* A web endpoint only: mail.starttls by the MX lookup. */
	run(doc(json_pack("[o]", modern()), "nodata"));
	is_int(starttls_status(), FS_NA, "no MX: mail.starttls not applicable");
	is_str(get("mail.starttls", NULL)->reason, "no_mx", "reason no_mx");
	run(doc(json_pack("[o]", modern()), "servfail"));
	is_str(get("mail.starttls", NULL)->reason, "servfail", "MX lookup failed: indeterminate servfail");
	run(doc(json_pack("[o]", modern()), "ok"));
	is_str(get("mail.starttls", NULL)->reason, "not_observed",
	       "MX exists but no scan of it: not_observed");
}

/* ---- TLS service endpoints of the port sweep ---- */

static json_t *service(const char *name, unsigned port)
{
	json_t *s = modern();
	set(s, "host", json_null());
	set(s, "addr", json_string("127.40.3.5"));
	set(s, "port", json_integer(port));
	set(s, "service", json_string(name));
	set(s, "cert.validity_days", json_integer(3650));
	set(s, "ocsp_stapled", json_false());
	return s;
}

static void test_services(void)
{
	char got[NIDS + 1];
	json_t *s = service("dicom-tls", 2762);
	set(s, "classes.rc4", json_true());
	run(doc(json_pack("[o]", s), "nodata"));
	statuses("127.40.3.5:2762", got);
	is_str(got, "ppppnnpppppfppppp", "DICOM over TLS: web PKI rules na, suites and chain judged");
	const struct finding *f = get("tls.cert.lifetime", "127.40.3.5:2762");
	is_str(f ? f->reason : NULL, "not_web", "... the 398-day rule is the web's");
	is_str(f ? f->domain : NULL, "127.40.3.5", "a given address names its findings");
	f = get("tls.cipher.rc4", NULL);
	is_str(f ? f->detail : NULL, "127.40.3.5 127.40.3.5:2762 accepts RC4 suites",
	       "the detail names the address and port");
	ok(get("tls.protocol.tls13", NULL) != NULL && fs.n > NIDS + 1,
	   "a DICOM port is not the domain's web: its web endpoints are still said unscanned");
	int unscanned = 0;
	for (size_t i = 0; i < fs.n; i++)
		unscanned += fs.v[i].endpoint == NULL && strcmp(fs.v[i].domain, "org1.test") == 0 &&
		             strncmp(fs.v[i].check, "tls.", 4) == 0;
	is_int(unscanned, NIDS, "... one finding per check on the domain");

	run(doc(json_pack("[o]", service("turns", 5349)), "nodata"));
	statuses("127.40.3.5:5349", got);
	is_str(got, "ppppnnppppppppppp", "TURN over TLS: the same");

	run(doc(json_pack("[o]", service("https-alt", 8443)), "nodata"));
	statuses("127.40.3.5:8443", got);
	is_str(got, "ppppffppppppppppp", "HTTPS on 8443 is the web: lifetime and stapling judged");
	unscanned = 0;
	for (size_t i = 0; i < fs.n; i++)
		unscanned += fs.v[i].endpoint == NULL && strncmp(fs.v[i].check, "tls.", 4) == 0;
	is_int(unscanned, 0, "... and counts as the domain's deep-TLS scan");
}

/* ---- documents without tls_scans ---- */

static void test_unscanned(void)
{
	run(json_pack("{s:s, s:[{s:s, s:s}]}", "domain", "org1.test", "webs", "host", "org1.test", "status",
	              "no_address"));
	is_int(fs.n, NIDS + 1, "no tls_scans: one finding per check, and mail.starttls");
	is_int(get("tls.cipher.rc4", NULL)->status, FS_NA, "the apex has no address: not applicable");
	is_str(get("tls.cipher.rc4", NULL)->domain, "org1.test", "on the domain");

	run(json_pack("{s:s, s:{s:s}}", "domain", "org1.test", "web", "status", "ok"));
	is_int(get("tls.protocol.tls13", NULL)->status, FS_INDETERMINATE,
	       "the probe did not run: indeterminate");
	is_str(get("tls.protocol.tls13", NULL)->reason, "not_observed", "reason not_observed");

	/* Through analyze_domain, for a domain whose lookups failed. */
	json_t *d = json_pack("{s:s, s:{s:{s:s}}, s:{s:s}}", "domain", "org1.test", "dns", "soa", "status",
	                      "servfail", "web", "status", "servfail");
	findings_clear(&fs);
	is_int(analyze_domain(d, 0, &fs), 0, "analyze_domain succeeds");
	is_str(findings_get(&fs, "tls.cipher.fs", NULL)->reason, "servfail",
	       "the apex lookup's failure is the reason");
	is_str(findings_get(&fs, "mail.starttls", NULL)->reason, "not_observed",
	       "mail.starttls: not observed");
	json_decref(d);
}

/* ---- the table ---- */

static void test_ids(void)
{
	size_t n = 0;
	int same = 1, known = 1;
	for (; analyze_tls_check_id(n) != NULL; n++) {
		same &= n < NIDS && strcmp(analyze_tls_check_id(n), ids[n]) == 0;
		known &= method_check(method_get(4), analyze_tls_check_id(n)) != NULL;
	}
	is_int(n, NIDS, "17 deep-TLS checks per endpoint");
	ok(same, "in the order this test reads them");
	ok(known && method_check(method_get(4), "mail.starttls") != NULL, "every one is a check of method 4");
	ok(method_check(method_get(3), "tls.cipher.rc4") == NULL, "and not of method 3");
}

/* ---- the budget: what version 4 makes of each case's transport score ---- */

/* The transport score under method 4 of one endpoint scanned as `scan`, every other transport check passing.
 */
static int transport_score(json_t *scan)
{
	const struct method *m = method_get(4);
	run(doc(json_pack("[o]", scan), "nodata"));
	for (size_t i = 0; i < m->nchecks; i++)
		if (strcmp(m->checks[i].factor, "transport") == 0 &&
		    findings_get(&fs, m->checks[i].id, NULL) == NULL)
			findings_add(&fs, m->checks[i].id, "tls001.tls.test", FS_PASS, NULL, NULL, "passes");
	struct scorecard sc;
	if (grade_findings(m, &fs, &sc) < 0)
		return -1;
	int score = sc.f[method_factor(m, "transport")].score;
	scorecard_free(&sc);
	return score;
}

static void test_budget(void)
{
	json_t *s = modern();
	is_int(transport_score(s), 99, "modern without a staple: 99 (one low-weight check of 76 lost)");
	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "classes.rc4", json_true());
	is_int(transport_score(s), 70, "RC4: a C at best, as SSL Labs caps it");
	s = modern();
	set(s, "classes.null", json_true());
	is_int(transport_score(s), 50, "a NULL suite: an F, as SSL Labs grades it");
	s = modern();
	set(s, "classes.no_fs", json_true());
	is_int(transport_score(s), 80, "no forward secrecy: a B at best");
	s = modern();
	json_object_set_new(leaf(s), "sig", json_string("rsa-sha1"));
	is_int(transport_score(s), 60, "a SHA-1 signed leaf: a D at best, SSL Labs' T");
	s = modern();
	set(s, "protocols.TLSv1.3", json_false());
	set(s, "classes.cbc_only", json_true());
	set(s, "classes.no_aead", json_true());
	is_int(transport_score(s), 80, "CBC only: a B at best (no AEAD), not lower");
}

int main(void)
{
	test_ids();
	test_cases();
	test_statuses();
	test_smtp();
	test_services();
	test_unscanned();
	test_budget();
	findings_clear(&fs);
	return done_testing();
}
