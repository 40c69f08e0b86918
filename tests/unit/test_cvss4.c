/*
 * cvss4 on canned vectors: what the specification's vector grammar accepts and refuses (with
 * the reason a researcher sees), and scores against FIRST's published examples.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cvss4.h"
#include "tap.h"

#define BASE "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"

/* Checks a vector is refused with exactly this reason. */
static void refused(const char *vec, const char *want, const char *name)
{
	char why[160] = "unset";
	is_int(cvss4_check(vec, why, sizeof why), -EINVAL, name);
	is_str(why, want, name);
}

static void test_valid(void)
{
	char why[160] = "unset";
	is_int(cvss4_check(BASE, why, sizeof why), 0, "the eleven base metrics");
	is_str(why, "", "no reason when valid");
	is_int(cvss4_check(BASE "/E:A", NULL, 0), 0, "threat metric");
	is_int(cvss4_check(BASE
	                   "/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/"
	                   "MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X",
	                   NULL, 0),
	       0, "every optional metric Not Defined");
	is_int(cvss4_check(BASE "/MSI:S/MSA:S", NULL, 0), 0, "MSI and MSA allow Safety");
	is_int(cvss4_check(BASE "/U:Clear", NULL, 0), 0, "U:Clear");
	is_int(cvss4_check(BASE "/U:Red", NULL, 0), 0, "U:Red");
	/* Every metric once, the longest values: 178 characters. */
	const char *full =
	    "CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:L/SA:N/E:P/CR:M/IR:H/AR:L/MAV:N/"
	    "MAC:L/MAT:P/MPR:N/MUI:N/MVC:L/MVI:H/MVA:H/MSC:N/MSI:S/MSA:L/S:P/AU:Y/R:I/V:C/RE:H/"
	    "U:Amber";
	is_int(strlen(full), 178, "the full vector's length");
	is_int(cvss4_check(full, NULL, 0), 0, "all 32 metrics in order");
	is_int(cvss4_check(BASE "/S:N/RE:L", NULL, 0), 0, "supplemental metrics skipping some");
}

static void test_refused(void)
{
	refused(NULL, "no vector", "NULL");
	refused("", "does not start with CVSS:4.0/", "empty string");
	refused("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "does not start with CVSS:4.0/",
	        "a v3.1 vector");
	refused("cvss:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
	        "does not start with CVSS:4.0/", "lower-case prefix");
	refused("CVSS:4.0", "does not start with CVSS:4.0/", "prefix without slash");
	refused("CVSS:4.0/", "no metrics after CVSS:4.0/", "prefix only");
	refused("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "does not start with CVSS:4.0/",
	        "no prefix");
	refused("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", "base metric SA is missing",
	        "last base metric missing");
	refused("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/E:A",
	        "expected base metric SA before E (component 11, character 59)", "base metric skipped");
	refused("CVSS:4.0/AV:N/AT:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
	        "expected base metric AC before AT (component 2, character 14)", "AT before AC");
	refused(BASE "/E:A/E:P", "metric E appears twice (component 13, character 68)", "duplicate metric");
	refused(BASE "/CR:H/E:A", "metric E (component 13, character 69) must come before CR", "E after CR");
	refused(BASE "/U:Red/S:N", "metric S (component 13, character 70) must come before U",
	        "supplemental out of order");
	refused(BASE "/XX:Y", "unknown metric \"XX\" (component 12, character 64)", "unknown metric");
	refused(BASE "/Scope:C", "unknown metric \"Scope\" (component 12, character 64)", "v3 metric name");
	refused("CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
	        "AV:X is not allowed (component 1, character 9): AV takes N, A, L, P",
	        "base metric Not Defined");
	refused("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
	        "SI:S is not allowed (component 10, character 54): SI takes H, L, N", "SI:S only as MSI");
	refused(BASE "/MSC:S", "MSC:S is not allowed (component 12, character 64): MSC takes X, H, L, N",
	        "MSC has no Safety");
	refused(BASE "/U:amber",
	        "U:amber is not allowed (component 12, character 64): U takes X, Clear, Green, Amber, Red",
	        "U is case-sensitive");
	refused(BASE "/E:AA", "E:AA is not allowed (component 12, character 64): E takes X, A, P, U",
	        "value too long");
	refused(BASE "/E:", "E: is not allowed (component 12, character 64): E takes X, A, P, U",
	        "empty value");
	refused(BASE "/AU", "component 12 (\"AU\", character 64) is not metric:value", "no colon");
	refused("CVSS:4.0/AV:N/AC:L//AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
	        "empty component at character 19", "empty component");
	refused(BASE "/", "trailing '/' at character 64", "trailing slash");
	refused(BASE " ", "SA:N? is not allowed (component 11, character 59): SA takes H, L, N",
	        "trailing space, quoted as ?");
	refused(BASE "/VERYLONGMETRICNAMEHERE:1",
	        "unknown metric \"VERYLONGMETRICNA~\" (component 12, character 64)",
	        "long names are cut in the reason");
}

static void test_bounds(void)
{
	char vec[300], why[8];
	/* 257 characters: the length is checked first, so the reason names it. */
	memset(vec, 'A', sizeof vec);
	memcpy(vec, BASE, strlen(BASE));
	vec[257] = '\0';
	char full[160];
	is_int(cvss4_check(vec, full, sizeof full), -EINVAL, "257 characters");
	is_str(full, "longer than 256 characters", "the length reason");
	is_int(cvss4_check(BASE "/XX:Y", why, sizeof why), -EINVAL, "a short reason buffer");
	is_str(why, "unknown", "the reason is cut, still terminated");
	is_int(cvss4_check(BASE "/XX:Y", why, 0), -EINVAL, "whylen 0 writes nothing");
}

/*
 * Scores FIRST publishes in "Common Vulnerability Scoring System v4.0: Examples", document
 * version 1.7.1 (https://www.first.org/cvss/v4.0/examples), each the score printed next to
 * its vector in the example's table. Where the document's own summary line disagrees with
 * its table (CVE-2018-3652: table 7.0, summary 8.6; CVE-2023-48228: 9.3 and 9.4;
 * CVE-2016-5729: 8.4 and 9.3), the table is what FIRST's calculator computes and is kept; the
 * "v4.0 Base 8.2" of log4shell's variation 1 is the E:P score of that vector and is left out.
 */
static const struct {
	const char *name, *vec;
	double score;
	const char *severity;
} first_examples[] = {
    {"CVE-2022-41741 (NGINX mp4, Attack Requirements)",
     "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3, "High"},
    {"CVE-2020-3549 (Cisco FMC sftunnel) Base",
     "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.7, "High"},
    {"CVE-2020-3549 Base + Threat", "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
     5.2, "Medium"},
    {"CVE-2023-3089 (OpenShift FIPS) Base", "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N",
     8.3, "High"},
    {"CVE-2023-3089 Base + Environmental",
     "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:H/IR:L/AR:L/MAV:N/MAC:H/MVC:H/MVI:L/"
     "MVA:L",
     8.1, "High"},
    {"CVE-2021-44714 (Acrobat Reader, UI:A)",
     "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 4.6, "Medium"},
    {"CVE-2022-21830 (RocketChat self XSS)",
     "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1, "Medium"},
    {"CVE-2022-22186 (Junos EX4650)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 6.9,
     "Medium"},
    {"CVE-2023-21989 (VirtualBox)", "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N", 5.9,
     "Medium"},
    {"CVE-2020-3947 (VMware vmnetdhcp)", "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
     9.4, "Critical"},
    {"CVE-2023-48228 (authentik PKCE)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:N/SC:H/SI:H/SA:H",
     9.3, "Critical"},
    {"CVE-2023-30560 (BD infusion PCU, Safety)",
     "CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D", 8.3, "High"},
    {"CVE-2026-48172 (CISA KEV) Base + Threat",
     "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A", 10.0, "Critical"},
    {"CVE-2014-0160 (Heartbleed)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:A", 8.7,
     "High"},
    {"CVE-2021-44228 (log4shell)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A", 9.3,
     "Critical"},
    {"CVE-2021-44228 variation 1 (immutable containers)",
     "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/MAC:L/MAT:N/MVC:N/MVI:N/MVA:L", 5.5,
     "Medium"},
    {"CVE-2013-6014 (Junos proxy ARP)", "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H",
     6.4, "Medium"},
    {"CVE-2016-5729 (Lenovo ThinkPwn)", "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/R:I",
     8.4, "High"},
    {"CVE-2015-2890 (flash lock on resume)",
     "CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/R:I", 7.1, "High"},
    {"CVE-2018-3652 (Intel DCI)", "CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.0,
     "High"},
    {"CVE-2024-6387 (regreSSHion)", "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P",
     8.2, "High"},
    {"CVE-2023-30545 (PrestaShop SQL injection)",
     "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 7.1, "High"},
    {"CVE-2021-23846 (Bosch on-path)", "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 8.2,
     "High"},
    {"CVE-2023-22394 (Junos SIP DoS) Base", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L",
     8.7, "High"},
    {"CVE-2023-22394 Base + Threat", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L/E:U",
     6.6, "Medium"},
};

static void test_first_examples(void)
{
	for (size_t i = 0; i < sizeof first_examples / sizeof first_examples[0]; i++) {
		double s = -1;
		char name[120];
		snprintf(name, sizeof name, "%s scores %.1f", first_examples[i].name,
		         first_examples[i].score);
		is_int(cvss4_score(first_examples[i].vec, &s), 0, name);
		is_int(lround(s * 10), lround(first_examples[i].score * 10), name);
		is_str(cvss4_severity(s), first_examples[i].severity, name);
	}
}

/*
 * Environmental and edge cases, with the scores of FIRST's reference calculator
 * (github.com/RedHatProductSecurity/cvss-v4-calculator, cvss40.js, which the first.org
 * calculator serves): the example in its own documentation, Safety, requirements, no impact.
 */
static void test_environmental(void)
{
	static const struct {
		const char *vec;
		long tenths;
	} cases[] = {
	    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A", 87},
	    {BASE "/SC:H", -1}, /* refused: SC appears twice */
	    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MSI:S", 100},
	    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0},
	    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:S", 89},
	    {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:U/CR:L/IR:L/AR:L", 1},
	    {"CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:L/SA:N/E:P/CR:M/IR:H/AR:L/MAV:N/MAC:L/"
	     "MAT:P/"
	     "MPR:N/MUI:N/MVC:L/MVI:H/MVA:H/MSC:N/MSI:S/MSA:L/S:P/AU:Y/R:I/V:C/RE:H/U:Amber",
	     89},
	    /* A half-way case: the mean distance leaves 5.6499... in floating point; the
	     * calculator's rounding (with its 1e-6) gives 5.7, plain rounding 5.6. 1,979 of the
	     * 719,904 vectors compared with the calculator are such cases. */
	    {"CVSS:4.0/AV:L/AC:H/AT:N/PR:H/UI:N/VC:H/VI:L/VA:N/SC:L/SI:N/SA:N", 57},
	    /* Supplemental metrics never change the score. */
	    {BASE "/S:P/AU:Y/R:I/V:C/RE:H/U:Red", 93},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double s = 42;
		char name[60];
		snprintf(name, sizeof name, "environmental case %zu", i);
		if (cases[i].tenths < 0) {
			is_int(cvss4_score(cases[i].vec, &s), -EINVAL, name);
			ok(s == 42, "an invalid vector leaves the score untouched");
			continue;
		}
		is_int(cvss4_score(cases[i].vec, &s), 0, name);
		is_int(lround(s * 10), cases[i].tenths, name);
	}
}

static void test_severity(void)
{
	is_str(cvss4_severity(0.0), "None", "0.0 None");
	is_str(cvss4_severity(0.1), "Low", "0.1 Low");
	is_str(cvss4_severity(3.9), "Low", "3.9 Low");
	is_str(cvss4_severity(4.0), "Medium", "4.0 Medium");
	is_str(cvss4_severity(6.9), "Medium", "6.9 Medium");
	is_str(cvss4_severity(7.0), "High", "7.0 High");
	is_str(cvss4_severity(8.9), "High", "8.9 High");
	is_str(cvss4_severity(9.0), "Critical", "9.0 Critical");
	is_str(cvss4_severity(10.0), "Critical", "10.0 Critical");
	ok(cvss4_severity(10.1) == NULL, "above 10: no rating");
	ok(cvss4_severity(-0.1) == NULL, "below 0: no rating");
	ok(cvss4_severity(NAN) == NULL, "NaN: no rating");
}

int main(void)
{
	test_valid();
	test_refused();
	test_bounds();
	test_first_examples();
	test_environmental();
	test_severity();
	return done_testing();
}
