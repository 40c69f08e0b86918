/* Unit tests for the MTA-STS and TLS-RPT parsers (wire_mtasts.c): RFC 8461/8460 examples and malformed ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "wire_dns.h"
#include "wire_mtasts.h"

static int rec(const char *s, struct mtasts_record *r)
{
	return mtasts_record_parse(s, strlen(s), r);
}

static int pol(const char *s, struct mtasts_policy *p)
{
	return mtasts_policy_parse(s, strlen(s), p);
}

static int rpt(const char *s, struct tlsrpt_record *r)
{
	return tlsrpt_record_parse(s, strlen(s), r);
}

static void test_sts_record(void)
{
	struct mtasts_record r;
	/* RFC 8461 s3.1's example. */
	is_int(rec("v=STSv1; id=20160831085700Z;", &r), 0, "s3.1 example: valid");
	is_str(r.id, "20160831085700Z", "s3.1 example: id");
	is_int(rec("v=STSv1;id=abc", &r), 0, "no spaces, no trailing ';': valid");
	is_int(rec("v=STSv1 ;\tid=1 ; ext_1.x=foo", &r), 0, "white space around ';' and an extension: valid");
	is_int(rec("v=STSv1", &r), -EINVAL, "version alone: invalid");
	is_str(r.error, "no field after the version", "version alone: why");
	is_int(rec("v=STSv1; ext=1", &r), -EINVAL, "no id: invalid");
	is_str(r.error, "no id=", "no id: why");
	is_int(rec("v=STSv1; id=123456789012345678901234567890123", &r), -EINVAL, "33-character id: invalid");
	is_int(rec("v=STSv1; id=2016-08-31", &r), -EINVAL, "id with '-': invalid");
	is_int(rec("v=STSv1; id=", &r), -EINVAL, "empty id: invalid");
	is_int(rec("v=STSv2; id=1", &r), -EINVAL, "v=STSv2: invalid");
	is_int(rec("v=stsv1; id=1", &r), -EINVAL, "version is case-sensitive");
	is_int(rec("id=1; v=STSv1", &r), -EINVAL, "version not first: invalid");
	is_int(rec("v=STSv1 id=1", &r), -EINVAL, "fields without ';': invalid");
	is_int(rec("v=STSv1; id=1; id=2", &r), -EINVAL, "two ids: invalid");
	is_int(rec("v=STSv1; id=1; x", &r), -EINVAL, "a field without '=': invalid");
	is_int(rec("v=STSv1; id=1; x=a b", &r), -EINVAL, "a space inside an extension value: invalid");
	ok(mtasts_is_record("v=STSv1; id=1", 13), "is_record: v=STSv1;");
	ok(!mtasts_is_record("v=STSv10; id=1", 14), "is_record: v=STSv10 is not");
	ok(!mtasts_is_record("v=spf1 -all", 11), "is_record: SPF is not");
	/* Not NUL-terminated: only n bytes are read. */
	is_int(mtasts_record_parse("v=STSv1; id=12XXXX", 14, &r), 0, "bounded input: parses");
	is_str(r.id, "12", "bounded input: id stops at n");
}

static const char *const rfc_policy = "version: STSv1\n"
                                      "mode: enforce\n"
                                      "mx: mail.example.com\n"
                                      "mx: *.example.net\n"
                                      "mx: backupmx.example.com\n"
                                      "max_age: 604800\n";

static void test_policy(void)
{
	struct mtasts_policy p;
	is_int(pol(rfc_policy, &p), 0, "s3.2 example: valid");
	is_int(p.mode, MTASTS_MODE_ENFORCE, "s3.2 example: enforce");
	is_int(p.max_age, 604800, "s3.2 example: max_age");
	is_int(p.nmx, 3, "s3.2 example: three mx");
	is_str(p.mx[1], "*.example.net", "s3.2 example: wildcard kept");
	is_int(pol("version: STSv1\r\nmode: testing\r\nmx: MX.Org.Test.\r\nmax_age: 86400\r\n\r\n", &p), 0,
	       "CRLF, trailing blank line: valid");
	is_int(p.mode, MTASTS_MODE_TESTING, "CRLF: testing");
	is_str(p.mx[0], "mx.org.test", "mx lower-cased, trailing dot dropped");
	is_int(pol("version: STSv1\nmode: none\nmax_age: 86400", &p), 0, "mode none without mx: valid");
	is_int(pol("version: STSv1\nmode: enforce\nmax_age: 86400\n", &p), -EINVAL,
	       "enforce without mx: invalid");
	is_str(p.error, "no mx pattern", "enforce without mx: why");
	is_int(pol("version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n", &p), -EINVAL, "STSv2: invalid");
	is_int(pol("mode: enforce\nmx: a.test\nmax_age: 1\n", &p), -EINVAL, "no version: invalid");
	is_str(p.error, "no version", "no version: why");
	is_int(pol("version: STSv1\nmode: Enforce\nmx: a.test\nmax_age: 1\n", &p), -EINVAL,
	       "mode Enforce: invalid");
	is_int(pol("version: STSv1\nmode: enforce\nmx: a.test\n", &p), -EINVAL, "no max_age: invalid");
	is_int(pol("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n", &p), -EINVAL,
	       "max_age over a year: invalid");
	is_int(pol("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557600\n", &p), 0,
	       "max_age a year: valid");
	is_int(pol("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -5\n", &p), -EINVAL,
	       "negative max_age");
	is_int(pol("version: STSv1\nmode: enforce\nmx: *.*.test\nmax_age: 1\n", &p), -EINVAL,
	       "two wildcards");
	is_int(pol("version: STSv1\nmode: enforce\nmx: a..test\nmax_age: 1\n", &p), -EINVAL, "empty label");
	is_int(pol("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 1\nmode: none\n", &p), 0,
	       "repeated mode: the first counts");
	is_int(p.mode, MTASTS_MODE_ENFORCE, "repeated mode: enforce");
	is_int(pol("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 1\nfoo_bar: baz\n", &p), 0,
	       "an unknown key: ignored");
	is_int(pol("<html>not a policy</html>\n", &p), -EINVAL, "HTML: invalid");
	is_str(p.error, "a line without ':'", "HTML: why");
	char *big = malloc(MTASTS_POLICY_MAX + 2);
	memset(big, '\n', MTASTS_POLICY_MAX + 1);
	is_int(mtasts_policy_parse(big, MTASTS_POLICY_MAX + 1, &p), -EFBIG, "over 64 KiB: refused");
	free(big);
	char many[4096] = "version: STSv1\nmode: enforce\nmax_age: 1\n";
	for (int i = 0; i <= MTASTS_MX_MAX; i++)
		strcat(many, "mx: a.test\n");
	is_int(pol(many, &p), -EINVAL, "33 mx lines: invalid");
	is_str(mtasts_mode_name(MTASTS_MODE_TESTING), "testing", "mode name");
	ok(mtasts_mode_name(MTASTS_MODE_UNKNOWN) == NULL, "unknown mode has no name");
}

static void test_mx_match(void)
{
	/* RFC 8461 s4.1: "*.example.com" matches "mx1.example.com" but not "www.mx1.example.com". */
	ok(mtasts_mx_match("*.example.com", "mx1.example.com"), "wildcard: one label");
	ok(!mtasts_mx_match("*.example.com", "www.mx1.example.com"), "wildcard: not two labels");
	ok(!mtasts_mx_match("*.example.com", "example.com"), "wildcard: not the parent");
	ok(mtasts_mx_match("mail.example.com", "MAIL.example.com."), "exact: case and trailing dot");
	ok(!mtasts_mx_match("mail.example.com", "mail.example.co"), "exact: a different name");
	ok(!mtasts_mx_match("mail.example.com", "xmail.example.com"), "exact: no suffix match");
	ok(!mtasts_mx_match("*.example.com", ".example.com"), "wildcard: an empty label");
	ok(!mtasts_mx_match("", "a.test"), "empty pattern");
}

static void test_tlsrpt(void)
{
	struct tlsrpt_record r;
	/* RFC 8460 s3's examples. */
	is_int(rpt("v=TLSRPTv1; rua=mailto:reports@example.com", &r), 0, "s3 mailto example: valid");
	is_str(r.rua[0], "mailto:reports@example.com", "s3 mailto example: rua");
	is_int(rpt("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", &r), 0,
	       "s3 https example: valid");
	is_int(rpt("v=TLSRPTv1;rua=mailto:a@x.test, https://r.test/x;", &r), 0, "two URIs: valid");
	is_int(r.nrua, 2, "two URIs: both kept");
	is_str(r.rua[1], "https://r.test/x", "two URIs: second trimmed");
	is_int(rpt("v=TLSRPTv1", &r), -EINVAL, "no rua: invalid");
	is_int(rpt("v=TLSRPTv1; ext=1", &r), -EINVAL, "only an extension: invalid");
	is_str(r.error, "no rua=", "only an extension: why");
	is_int(rpt("v=TLSRPTv1; rua=reports@example.com", &r), -EINVAL, "a URI without scheme: invalid");
	is_int(rpt("v=TLSRPTv1; rua=http://r.test/", &r), -EINVAL, "http: invalid");
	is_int(rpt("v=TLSRPTv1; rua=mailto:", &r), -EINVAL, "empty mailto: invalid");
	is_int(rpt("v=TLSRPTv1; rua=mailto:a@x.test,", &r), -EINVAL, "a trailing comma: invalid");
	is_int(rpt("v=TLSRPTv2; rua=mailto:a@x.test", &r), -EINVAL, "v=TLSRPTv2: invalid");
	is_int(rpt("v=TLSRPTv1; rua=mailto:a@x.test; rua=mailto:b@x.test", &r), -EINVAL, "two rua=: invalid");
	ok(tlsrpt_is_record("v=TLSRPTv1;rua=x", 16), "is_record: v=TLSRPTv1;");
	ok(!tlsrpt_is_record("v=TLSRPTv10", 11), "is_record: v=TLSRPTv10 is not");
}

/* The TLSA records DANE is judged on reach the evidence as usage, selector, matching type, hex (wire_dns.c).
 */
static void test_tlsa_evidence(void)
{
	unsigned char pkt[512] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
	size_t n = 12;
	static const unsigned char q[] = {3,   '_', '2', '5', 4, '_', 't', 'c', 'p', 2,
	                                  'm', 'x', 1,   't', 0, 0,   52,  0,   1};
	memcpy(pkt + n, q, sizeof q);
	n += sizeof q;
	static const unsigned char an[] = {0xc0, 0x0c, 0, 52, 0, 1, 0, 0, 1, 44, 0, 3 + 32, 3, 1, 1};
	memcpy(pkt + n, an, sizeof an);
	n += sizeof an;
	for (int i = 0; i < 32; i++)
		pkt[n++] = (unsigned char)(0xa0 + i);
	json_t *lk = dns_lookup_new("_25._tcp.mx.t.", 52, "error");
	dns_lookup_fill(lk, 52, pkt, n);
	json_t *r = json_array_get(json_object_get(lk, "records"), 0);
	is_str(json_string_value(json_object_get(lk, "status")), "ok", "TLSA answer: ok");
	is_int(json_integer_value(json_object_get(r, "usage")), 3, "TLSA: usage");
	is_int(json_integer_value(json_object_get(r, "selector")), 1, "TLSA: selector");
	is_int(json_integer_value(json_object_get(r, "mtype")), 1, "TLSA: matching type");
	is_str(json_string_value(json_object_get(r, "data")),
	       "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
	       "TLSA: data as lower-case hex");
	json_decref(lk);
}

int main(void)
{
	test_sts_record();
	test_policy();
	test_mx_match();
	test_tlsrpt();
	test_tlsa_evidence();
	return done_testing();
}
