/* Unit tests for the security.txt parser (wire_sectxt.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "wire_sectxt.h"

static int parse(const char *text, struct sectxt *st)
{
	return sectxt_parse(text, strlen(text), st);
}

static int span_eq(struct sectxt_span s, const char *want)
{
	return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static void test_minimal(void)
{
	struct sectxt st;
	is_int(parse("# our policy\nContact: mailto:security@org.test\nExpires: 2027-01-01T00:00:00Z\n", &st),
	       0, "minimal: parses");
	is_int(st.nknown, 2, "minimal: two known fields");
	is_int(st.ncontact, 1, "minimal: one contact");
	ok(span_eq(st.contact[0], "mailto:security@org.test"), "minimal: contact value");
	is_int(st.count[SECTXT_EXPIRES], 1, "minimal: one Expires");
	is_int(st.expires_valid, 1, "minimal: Expires parsed");
	is_int(st.expires, 1798761600, "minimal: Expires time");
	is_int(st.nerr, 0, "minimal: no errors");
	is_int(st.is_signed, 0, "minimal: unsigned");
	is_int(st.nlines, 3, "minimal: three lines");
}

static void test_crlf_and_fields(void)
{
	struct sectxt st;
	const char *text = "contact: https://org.test/report\r\n"
	                   "Contact: tel:+1-201-555-0123\r\n"
	                   "EXPIRES: 2026-06-30T12:00:00+02:00\r\n"
	                   "Encryption: https://org.test/pgp.asc\r\n"
	                   "Acknowledgments: https://org.test/thanks\r\n"
	                   "Preferred-Languages: en, nl\r\n"
	                   "Canonical: https://org.test/.well-known/security.txt\r\n"
	                   "Policy: https://org.test/vdp\r\n"
	                   "Hiring: https://org.test/jobs\r\n"
	                   "CSAF: https://org.test/.well-known/csaf/provider-metadata.json\r\n"
	                   "X-Custom: whatever\r\n";
	is_int(parse(text, &st), 0, "crlf: parses");
	is_int(st.nknown, 10, "crlf: ten known fields");
	is_int(st.nother, 1, "crlf: one extension field");
	is_int(st.ncontact, 2, "crlf: two contacts");
	ok(span_eq(st.contact[0], "https://org.test/report"), "crlf: CR not part of the value");
	is_int(st.expires, 1782813600, "crlf: Expires with +02:00 offset");
	is_int(st.count[SECTXT_CSAF], 1, "crlf: CSAF counted");
	is_int(st.nerr, 0, "crlf: no errors");
}

static void test_errors(void)
{
	struct sectxt st;
	const char *text = "Contact: security@org.test\n"      /* 1: not a URI */
	                   "Contact: http://org.test/report\n" /* 2: http */
	                   "this line is junk\n"               /* 3: no colon */
	                   ": no name\n"                       /* 4: empty name */
	                   "Bad Name: x\n"                     /* 5: space in name */
	                   "Policy:\n"                         /* 6: empty value */
	                   "Expires: 2027-02-30T00:00:00Z\n"   /* 7: no such day */
	                   "Expires: 2027-01-01T00:00:00Z\n"   /* 8: second Expires */
	                   "Preferred-Languages: en\n"         /* 9 */
	                   "Preferred-Languages: de\n";        /* 10: second one */
	is_int(parse(text, &st), 0, "errors: still parses");
	is_int(st.ncontact, 0, "errors: no usable contact");
	ok(span_eq(st.bad_contact, "security@org.test"), "errors: first bad contact kept");
	is_int(st.count[SECTXT_EXPIRES], 2, "errors: two Expires counted");
	is_int(st.expires_valid, 0, "errors: first Expires invalid");
	ok(span_eq(st.expires_text, "2027-02-30T00:00:00Z"), "errors: first Expires text kept");
	is_int(st.nerr, 9, "errors: nine problems");
	is_int(st.err[0].line, 1, "errors: line 1");
	is_str(st.err[0].what, "Contact is not a mailto:, https: or tel: URI", "errors: non-URI contact");
	is_str(st.err[1].what, "Contact web URI must use https", "errors: http contact");
	is_int(st.err[2].line, 3, "errors: line 3");
	is_str(st.err[2].what, "not a field: no ':'", "errors: junk line");
	is_str(st.err[3].what, "empty field name", "errors: empty name");
	is_str(st.err[4].what, "bad character in field name", "errors: space in name");
	is_str(st.err[5].what, "empty field value", "errors: empty value");
	is_int(st.err[6].line, 7, "errors: bad date on line 7");
	is_str(st.err[6].what, "Expires is not an RFC 3339 date-time", "errors: bad date");
	is_str(st.err[7].what, "more than one Expires field", "errors: duplicate Expires");
	is_int(st.err[8].line, 10, "errors: duplicate Preferred-Languages on line 10");
}

static const char signed_text[] = "-----BEGIN PGP SIGNED MESSAGE-----\n"
                                  "Hash: SHA512\n"
                                  "\n"
                                  "# Signed security.txt\n"
                                  "Contact: mailto:security@org.test\n"
                                  "- -- a dash-escaped comment is not a field\n"
                                  "Expires: 2027-01-01T00:00:00.000Z\n"
                                  "-----BEGIN PGP SIGNATURE-----\n"
                                  "\n"
                                  "iHUEARYKAB0WIQ: not: a: field\n"
                                  "=abcd\n"
                                  "-----END PGP SIGNATURE-----\n";

static void test_signed(void)
{
	struct sectxt st;
	is_int(parse(signed_text, &st), 0, "signed: parses");
	is_int(st.is_signed, 1, "signed: wrapper recognised");
	is_int(st.nknown, 2, "signed: armor and signature lines are not fields");
	is_int(st.ncontact, 1, "signed: contact");
	is_int(st.expires_valid, 1, "signed: Expires with fraction");
	is_int(st.expires, 1798761600, "signed: Expires time");
	is_int(st.nerr, 1, "signed: the dash-escaped junk line is the only problem");
	is_int(st.err[0].line, 6, "signed: problem on line 6");

	is_int(parse("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: tel:+3112345\n", &st), 0,
	       "signed: unterminated parses");
	is_int(st.ncontact, 1, "signed: unterminated still yields the contact");
	is_int(st.nerr, 1, "signed: one problem");
	is_str(st.err[0].what, "PGP signature block missing", "signed: missing signature noted");

	is_int(parse("-----BEGIN PGP SIGNED MESSAGE-----\nContact: mailto:a@b.test\n", &st), 0,
	       "signed: no armor header");
	is_int(st.ncontact, 1, "signed: body line after missing blank line still read");
	is_str(st.err[0].what, "PGP armor headers not followed by a blank line",
	       "signed: missing blank line");
}

static void test_datetime(void)
{
	time_t t = 0;
	is_int(sectxt_parse_datetime("2027-01-01T00:00:00Z", 20, &t), 0, "date: Z");
	is_int(t, 1798761600, "date: Z value");
	is_int(sectxt_parse_datetime("2026-12-31t19:00:00-05:00", 25, &t), 0, "date: lower-case t, offset");
	is_int(t, 1798761600, "date: -05:00 is the same instant");
	is_int(sectxt_parse_datetime("2024-02-29T00:00:00z", 20, &t), 0, "date: leap day");
	is_int(sectxt_parse_datetime("2023-02-29T00:00:00Z", 20, &t), -EINVAL, "date: no leap day in 2023");
	is_int(sectxt_parse_datetime("2027-01-01", 10, &t), -EINVAL, "date: date only");
	is_int(sectxt_parse_datetime("2027-01-01T00:00:00", 19, &t), -EINVAL, "date: no offset");
	is_int(sectxt_parse_datetime("2027-01-01 00:00:00Z", 20, &t), -EINVAL, "date: space instead of T");
	is_int(sectxt_parse_datetime("2027-13-01T00:00:00Z", 20, &t), -EINVAL, "date: month 13");
	is_int(sectxt_parse_datetime("2027-01-01T24:00:00Z", 20, &t), -EINVAL, "date: hour 24");
	is_int(sectxt_parse_datetime("2027-01-01T00:00:00Zjunk", 24, &t), -EINVAL, "date: trailing junk");
	is_int(sectxt_parse_datetime("2027-01-01T00:00:00.Z", 21, &t), -EINVAL, "date: empty fraction");
	is_int(sectxt_parse_datetime("Thu, 01 Jan 2027 00:00:00 GMT", 29, &t), -EINVAL, "date: HTTP date");
	is_int(sectxt_parse_datetime("2027-01-01T00:00:00Z", 19, &t), -EINVAL, "date: length honoured");
}

static void test_kind(void)
{
	is_int(sectxt_content_type_ok("text/plain"), 1, "ctype: text/plain");
	is_int(sectxt_content_type_ok("Text/Plain; charset=utf-8"), 1, "ctype: with charset");
	is_int(sectxt_content_type_ok("text/plain ;charset=utf-8"), 1, "ctype: space before ';'");
	is_int(sectxt_content_type_ok("text/html; charset=utf-8"), 0, "ctype: html");
	is_int(sectxt_content_type_ok("text/plainx"), 0, "ctype: longer subtype");
	is_int(sectxt_content_type_ok(NULL), 0, "ctype: absent");

	const char *html = "\n  <!DOCTYPE html><html><body>Not found</body></html>";
	is_int(sectxt_looks_like_html(html, strlen(html)), 1, "html: doctype page");
	const char *html2 = "Page not found <html>";
	is_int(sectxt_looks_like_html(html2, strlen(html2)), 1, "html: markup later on");
	const char *text = "Contact: mailto:a@b.test\nExpires: 2027-01-01T00:00:00Z\n";
	is_int(sectxt_looks_like_html(text, strlen(text)), 0, "html: plain security.txt");
	is_int(sectxt_looks_like_html("<", 1), 1, "html: lone '<'");
	is_int(sectxt_looks_like_html("", 0), 0, "html: empty");
}

static void test_limits(void)
{
	struct sectxt st;
	size_t big = SECTXT_MAX_BYTES + 1;
	char *buf = malloc(big);
	memset(buf, '\n', big);
	is_int(sectxt_parse(buf, big, &st), -EFBIG, "limits: over 32 KiB refused");
	/* Many empty lines: the line cap stops reading. */
	is_int(sectxt_parse(buf, SECTXT_MAX_BYTES, &st), 0, "limits: 32 KiB of newlines");
	is_int(st.nlines, SECTXT_MAX_LINES, "limits: line cap");
	is_int(st.nerr, 1, "limits: one problem");
	is_str(st.err[0].what, "too many lines: the rest is ignored", "limits: line cap noted");
	free(buf);

	/* More problems than are kept: counted, and the kept ones are the first. */
	char many[201];
	for (int i = 0; i < 40; i++)
		memcpy(many + i * 5, "junk\n", 5);
	many[200] = '\0';
	is_int(parse(many, &st), 0, "limits: many errors parse");
	is_int(st.nerr, 40, "limits: all problems counted");
	is_int(st.err[SECTXT_MAX_ERRORS - 1].line, SECTXT_MAX_ERRORS, "limits: the first problems kept");

	is_int(sectxt_parse("Contact: mailto:a@b.test\0junk", 29, &st), 0, "limits: NUL inside");
	is_int(st.ncontact, 0, "limits: a line with NUL is rejected");
	is_str(st.err[0].what, "control character in line", "limits: NUL reported");
	is_int(sectxt_parse(NULL, 0, &st), 0, "limits: empty input");
	is_int(st.nknown, 0, "limits: empty input has no fields");
	is_int(sectxt_parse("\xef\xbb\xbf"
	                    "Contact: mailto:a@b.test",
	                    27, &st),
	       0, "limits: BOM, no final LF");
	is_int(st.ncontact, 1, "limits: contact after BOM");
	is_str(sectxt_field_name(SECTXT_PREFERRED_LANGUAGES), "Preferred-Languages", "field name");
}

int main(void)
{
	test_minimal();
	test_crlf_and_fields();
	test_errors();
	test_signed();
	test_datetime();
	test_kind();
	test_limits();
	return done_testing();
}
