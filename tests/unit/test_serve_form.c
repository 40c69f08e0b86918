/* Unit tests for the URL map (http_route.c) and the checks of what researchers send (vdp_form.c). */
#include <errno.h>
#include <string.h>

#include <stdlib.h>

#include "http_route.h"
#include "serve_int.h"
#include "wire_sectxt.h"
#include "tap.h"
#include "vdp_form.h"

static void test_routes(void)
{
	struct route r;
	is_int(route_match("/", &r), 0, "route: /");
	is_int(r.id, ROUTE_HOME, "route: / is home");
	is_int(route_match("/orgs/org001/program", &r), 0, "route: program");
	is_int(r.id, ROUTE_PROGRAM, "route: program id");
	is_str(r.arg, "org001", "route: program captures the org id");
	is_int(route_match("/orgs/org 1/security.txt", &r), 0, "route: security.txt");
	is_int(r.id, ROUTE_SECTXT, "route: security.txt id");
	is_str(r.arg, "org 1", "route: a decoded blank stays in the org id");
	is_int(route_match("/orgs/org001/report", &r), 0, "route: report");
	ok(route_allows(&r, "POST") && route_allows(&r, "GET"), "route: the form takes GET and POST");
	is_int(route_match("/orgs/org001", &r), 0, "route: scorecard");
	ok(!route_allows(&r, "POST"), "route: a scorecard takes no POST");
	ok(!route_allows(&r, "DELETE"), "route: nor DELETE");
	is_int(route_match("/r/abc", &r), 0, "route: link");
	is_str(r.arg, "abc", "route: link captures the token");
	is_int(route_match("/api/v1/reports/abc/messages", &r), 0, "route: api messages");
	is_int(r.id, ROUTE_API_MESSAGES, "route: api messages id");
	is_int(route_match("/orgs//program", &r), -ENOENT, "route: an empty org id is no page");
	is_int(route_match("/orgs/a/b/program", &r), -ENOENT, "route: a slash in the org id is no page");
	is_int(route_match("/orgs/a\x01/program", &r), -ENOENT, "route: a control character is no page");
	is_int(route_match("/orgs/org001/program/", &r), -ENOENT, "route: a trailing slash is no page");
	is_int(route_match("/r/", &r), -ENOENT, "route: an empty token is no page");
	char longp[400] = "/orgs/";
	memset(longp + 6, 'a', 300);
	longp[306] = '\0';
	is_int(route_match(longp, &r), -ENOENT, "route: an org id over the cap is no page");
	is_int(route_match("/assets/vitals.css", &r), 0, "route: stylesheet");
	is_int(route_match("/assets/other.css", &r), -ENOENT, "route: no other asset");
}

static struct vdp_submission good(void)
{
	return (struct vdp_submission){.asset = "www.org001.test",
	                               .title = "Directory listing",
	                               .description = "The uploads folder lists its files.\n",
	                               .steps = "1. open /uploads/\r\n2. see",
	                               .impact = "Files are readable."};
}

static void test_report_check(void)
{
	char why[160];
	const char *asset = NULL;
	struct vdp_submission s = good();
	is_int(vdp_report_check(&s, &asset, why, sizeof why), 0, "report: a good one passes");
	is_str(asset, "www.org001.test", "report: the chosen asset");
	s.asset = "";
	s.asset_typed = "portal.example.test";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), 0, "report: a typed asset");
	is_str(asset, "portal.example.test", "report: the typed asset is kept");
	s.asset_typed = NULL;
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL, "report: no asset refused");
	is_str(why, "asset: choose one from the scope or type it", "report: says asset");
	s = good();
	s.asset = "two words";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL,
	       "report: an asset with a blank refused");
	s = good();
	s.title = "line\nbreak";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL,
	       "report: a title with a newline refused");
	is_str(why, "title: not text (UTF-8 without control characters)", "report: says title");
	s = good();
	s.steps = NULL;
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL, "report: steps are required");
	is_str(why, "steps: required", "report: says steps");
	s = good();
	char big[VDP_TEXT_MAX + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	s.impact = big;
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL, "report: impact over the cap refused");
	is_str(why, "impact: longer than 20000 bytes", "report: says impact and the cap");
	big[VDP_TEXT_MAX] = '\0';
	is_int(vdp_report_check(&s, &asset, why, sizeof why), 0, "report: impact at the cap passes");
	s = good();
	s.description = "bad \xc0\xaf utf-8";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL,
	       "report: an overlong UTF-8 form refused");
	s.description = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), 0, "report: UTF-8 text passes");
	s.cvss = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), 0, "report: a CVSS vector passes");
	s.cvss = "CVSS:4.0/AV:N AC:L";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL,
	       "report: a CVSS vector with a blank refused");
	is_str(why, "cvss: printable ASCII without blanks, at most 200 characters", "report: says cvss");
	s.cvss = "CVSS:4.0/AV:N/AT:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL,
	       "report: a vector out of the specification's order refused");
	ok(strncmp(why, "cvss: not a CVSS v4.0 vector: ", 30) == 0 && strstr(why, "AT") != NULL,
	   "report: with cvss4_check's reason naming the metric");
	if (strstr(why, "AT") == NULL)
		printf("#   why: %s\n", why);
	s.cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL, "report: a CVSS v3.1 vector refused");
	s.cvss = NULL;
	s.contact = "\x1b[31m";
	is_int(vdp_report_check(&s, &asset, why, sizeof why), -EINVAL,
	       "report: an escape in contact refused");
}

static void test_small_checks(void)
{
	char why[160];
	is_int(vdp_message_check("thanks\n", why, sizeof why), 0, "message: text passes");
	is_int(vdp_message_check("", why, sizeof why), -EINVAL, "message: empty refused");
	is_int(vdp_filename_check("proof.png"), 0, "filename: plain passes");
	is_int(vdp_filename_check("../etc/passwd"), -EINVAL, "filename: a slash refused");
	is_int(vdp_filename_check("a\\b"), -EINVAL, "filename: a backslash refused");
	is_int(vdp_filename_check(""), -EINVAL, "filename: empty refused");
	is_str(vdp_ctype("image/png"), "image/png", "ctype: a plain type kept");
	is_str(vdp_ctype("text/html; charset=utf-8"), "application/octet-stream",
	       "ctype: parameters dropped");
	is_str(vdp_ctype("text/<script>"), "application/octet-stream", "ctype: odd characters dropped");
	is_str(vdp_ctype(NULL), "application/octet-stream", "ctype: none");
	ok(!vdp_text_ok("\xed\xa0\x80", 3, 1), "utf-8: a surrogate refused");
	ok(!vdp_text_ok("\xc2\x85", 2, 1), "utf-8: a C1 control refused");
	ok(!vdp_text_ok("\xe2\x82", 2, 1), "utf-8: a cut sequence refused");
}

/* The security.txt we hand out must satisfy the parser vitals grades others' files with. */
static void test_sectxt(void)
{
	char *text = NULL;
	size_t n = 0;
	struct sectxt st;
	FILE *f = open_memstream(&text, &n);
	serve_sectxt_text(f, "https://vdp.example.test", "org 1/x", 1800000000);
	fclose(f);
	is_int(sectxt_parse(text, n, &st), 0, "security.txt: parses");
	is_int(st.nerr, 0, "security.txt: no malformed line");
	is_int(st.ncontact, 1, "security.txt: one usable Contact");
	const char *want = "https://vdp.example.test/orgs/org%201%2Fx/report";
	ok(st.contact[0].n == strlen(want) && memcmp(st.contact[0].p, want, strlen(want)) == 0,
	   "security.txt: Contact is the form, the org id percent-encoded");
	is_int(st.expires_valid, 1, "security.txt: Expires is a date-time");
	is_int(st.expires, 1800000000 + 364 * 86400,
	       "security.txt: Expires 364 days ahead (RFC 9116: under a year)");
	is_int(st.count[SECTXT_POLICY], 1, "security.txt: Policy");
	is_int(st.count[SECTXT_CANONICAL], 1, "security.txt: Canonical");
	is_int(st.count[SECTXT_PREFERRED_LANGUAGES], 1, "security.txt: Preferred-Languages");
	is_int(st.count[SECTXT_EXPIRES], 1, "security.txt: one Expires");
	ok(strstr(text, "Preferred-Languages: en\n") != NULL, "security.txt: English");
	free(text);
}

int main(void)
{
	test_routes();
	test_sectxt();
	test_report_check();
	test_small_checks();
	return done_testing();
}
