/* Unit tests for the targets file parser: every accepted form and every rejection. */
#include "tap.h"
#include "targets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MISSING_HEADER "missing header line (expected org_id,name,domain)"

struct errs {
	size_t n;
	size_t line[64];
	char why[64][512];
};

static void record(void *arg, size_t line, const char *why)
{
	struct errs *e = arg;

	if (e->n < 64) {
		e->line[e->n] = line;
		snprintf(e->why[e->n], sizeof e->why[e->n], "%s", why);
	}
	e->n++;
}

/* Parses a NUL-terminated text (a fresh list and error record each time). */
static int parse(const char *text, struct target_list *tl, struct errs *e)
{
	memset(tl, 0, sizeof *tl);
	memset(e, 0, sizeof *e);
	return targets_parse(text, strlen(text), tl, record, e);
}

static void test_good(void)
{
	struct target_list tl;
	struct errs e;
	int r = parse("org_id,name,domain\n"
	              "h1,General Hospital,general-hospital.org\n"
	              "h2,Clinic Two,clinic.example.com,www.clinic.example.com\n",
	              &tl, &e);

	is_int(r, 0, "good: nothing skipped");
	is_int(e.n, 0, "good: no errors");
	is_int(tl.n, 2, "good: two targets");
	is_str(tl.v[0].org_id, "h1", "good: org_id");
	is_str(tl.v[0].name, "General Hospital", "good: name");
	is_int(tl.v[0].ndomains, 1, "good: one domain");
	is_str(tl.v[0].domains[0], "general-hospital.org", "good: domain");
	is_int(tl.v[1].ndomains, 2, "good: two domains on line 3");
	is_str(tl.v[1].domains[1], "www.clinic.example.com", "good: second domain");
	targets_free(&tl);
	is_int(tl.n, 0, "free: list emptied");
	ok(tl.v == NULL, "free: vector released");
	targets_free(NULL);
}

static void test_comments(void)
{
	struct target_list tl;
	struct errs e;
	int r = parse("# exported 2024-05-01\n\n   # indented comment\n"
	              "org_id,name,domain\n\n\t \n# h9,Commented,out.org\n"
	              "h1,A,a.org\n   \n",
	              &tl, &e);

	is_int(r, 0, "comments: nothing skipped");
	is_int(e.n, 0, "comments: no errors");
	is_int(tl.n, 1, "comments: one target");
	is_str(tl.v[0].org_id, "h1", "comments: the data line");
	targets_free(&tl);
}

static void test_crlf(void)
{
	struct target_list tl;
	struct errs e;
	int r = parse("org_id,name,domain\r\nh1,A,Example.ORG.\r\nh2,B,b.org\r\nh3,C,c.org", &tl, &e);

	is_int(r, 0, "crlf: nothing skipped");
	is_int(tl.n, 3, "crlf: three targets, the last without a newline");
	is_str(tl.v[0].domains[0], "example.org", "crlf: lower-cased, trailing dot gone");
	is_str(tl.v[1].domains[0], "b.org", "crlf: no CR left on the last field");
	is_str(tl.v[2].domains[0], "c.org", "crlf: unterminated last line read");
	targets_free(&tl);
}

static void test_quotes(void)
{
	struct target_list tl;
	struct errs e;
	int r = parse("org_id,name,domain\n"
	              "h1,\"Clinic, Inc.\",clinic.org\n"
	              "h2,\"Saint \"\"Mary\"\" Hospital\",mary.org\n"
	              " \"h3\" , \"  Spaced  \" , \"c.org\" \n"
	              "h4,  Trimmed name\t,d.org\n"
	              "h5,\"\",e.org\n",
	              &tl, &e);

	is_int(r, 1, "quotes: one line skipped");
	is_int(tl.n, 4, "quotes: four targets");
	is_str(tl.v[0].name, "Clinic, Inc.", "quotes: comma inside quotes");
	is_str(tl.v[1].name, "Saint \"Mary\" Hospital", "quotes: doubled quotes");
	is_str(tl.v[2].org_id, "h3", "quotes: quoted org_id");
	is_str(tl.v[2].name, "  Spaced  ", "quotes: blanks inside quotes kept");
	is_str(tl.v[2].domains[0], "c.org", "quotes: quoted domain");
	is_str(tl.v[3].name, "Trimmed name", "quotes: blanks around a plain field trimmed");
	is_int(e.n, 1, "quotes: one error");
	is_int(e.line[0], 6, "quotes: the empty quoted name on line 6");
	is_str(e.why[0], "empty name", "quotes: empty quoted name rejected");
	targets_free(&tl);
}

static void test_multi_domain(void)
{
	struct target_list tl;
	struct errs e;
	int r = parse("org_id,name,domain\n"
	              "h1,A,a.org,A.ORG,a.org.,b.org,,\n"
	              "h2,B,d1.org,d2.org,d3.org,d4.org,d5.org,d6.org,d7.org,d8.org,d9.org,d10.org,"
	              "d11.org,d12.org,d13.org,d14.org,d15.org,d16.org,d1.org\n"
	              "h3,C,xn--bcher-kva.de,sub.xn--80ak6aa92e.com\n",
	              &tl, &e);

	is_int(r, 0, "multi: nothing skipped");
	is_int(tl.n, 3, "multi: three targets");
	is_int(tl.v[0].ndomains, 2, "multi: duplicates merged, empty cells ignored");
	is_str(tl.v[0].domains[0], "a.org", "multi: first domain");
	is_str(tl.v[0].domains[1], "b.org", "multi: second domain");
	is_int(tl.v[1].ndomains, 16, "multi: sixteen distinct domains allowed");
	is_str(tl.v[1].domains[15], "d16.org", "multi: the sixteenth");
	is_int(tl.v[2].ndomains, 2, "multi: IDNA A-labels accepted");
	targets_free(&tl);
}

static void test_empty_and_header_only(void)
{
	struct target_list tl;
	struct errs e;

	is_int(parse("", &tl, &e), 0, "empty: 0");
	is_int(tl.n, 0, "empty: no targets");
	is_int(e.n, 0, "empty: no errors");
	targets_free(&tl);
	is_int(targets_parse(NULL, 0, &tl, record, &e), 0, "empty: NULL buffer with length 0");
	is_int(parse("org_id,name,domain\n", &tl, &e), 0, "header only: 0");
	is_int(tl.n, 0, "header only: no targets");
	is_int(e.n, 0, "header only: no errors");
	targets_free(&tl);
	is_int(parse("\xef\xbb\xbf\"ORG_ID\",\"Name\",\"Domain\"\r\nh1,A,a.org\r\n", &tl, &e), 0,
	       "header: BOM, quoted, upper case");
	is_int(e.n, 0, "header: recognised");
	is_int(tl.n, 1, "header: data after it");
	targets_free(&tl);
}

static void test_missing_header(void)
{
	struct target_list tl;
	struct errs e;

	is_int(parse("# no header\nh1,A,a.org\nh2,B,b.org\n", &tl, &e), 0, "no header: nothing skipped");
	is_int(e.n, 1, "no header: one report");
	is_int(e.line[0], 2, "no header: on the first data line");
	is_str(e.why[0], MISSING_HEADER, "no header: reason");
	is_int(tl.n, 2, "no header: first line kept as data");
	targets_free(&tl);

	is_int(parse("org_idx,A,a.org\n", &tl, &e), 0, "no header: org_idx is data");
	is_int(e.n, 1, "no header: org_idx reported");
	is_str(tl.v[0].org_id, "org_idx", "no header: org_idx parsed as a target");
	targets_free(&tl);

	is_int(parse("h1,A\nh2,B,b.org\n", &tl, &e), 1, "no header, bad first line: skipped");
	is_int(e.n, 2, "no header, bad first line: two reports");
	is_str(e.why[0], MISSING_HEADER, "no header, bad first line: header reported first");
	is_int(e.line[1], 1, "no header, bad first line: line 1");
	is_str(e.why[1], "expected at least 3 fields (org_id,name,domain), found 2",
	       "no header, bad first line: field count");
	is_int(tl.n, 1, "no header, bad first line: second line kept");
	targets_free(&tl);
}

/* One bad line after a header and a good line: expects the reason on line 3. */
static void expect_error(const char *line, const char *why, const char *name)
{
	struct target_list tl;
	struct errs e;
	size_t len = strlen(line);
	char *text = malloc(len + 64);
	char label[160];

	snprintf(text, len + 64, "org_id,name,domain\nh0,Good,good.org\n%s\nh9,After,after.org\n", line);
	memset(&tl, 0, sizeof tl);
	memset(&e, 0, sizeof e);
	int r = targets_parse(text, strlen(text), &tl, record, &e);
	snprintf(label, sizeof label, "%s: one line skipped", name);
	is_int(r, 1, label);
	snprintf(label, sizeof label, "%s: one report", name);
	is_int(e.n, 1, label);
	snprintf(label, sizeof label, "%s: on line 3", name);
	is_int(e.line[0], 3, label);
	snprintf(label, sizeof label, "%s: reason", name);
	is_str(e.why[0], why, label);
	snprintf(label, sizeof label, "%s: parsing went on", name);
	ok(tl.n == 2 && strcmp(tl.v[1].org_id, "h9") == 0, label);
	targets_free(&tl);
	free(text);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_field_errors(void)
{
	char buf[8192];
	char *s;

	expect_error("h1,A", "expected at least 3 fields (org_id,name,domain), found 2", "two fields");
	expect_error("h1", "expected at least 3 fields (org_id,name,domain), found 1", "one field");
	expect_error(",A,a.org", "empty org_id", "empty org_id");
	expect_error("h 1,A,a.org", "org_id has a character outside [A-Za-z0-9._-]", "org_id space");
	expect_error("h/1,A,a.org", "org_id has a character outside [A-Za-z0-9._-]", "org_id slash");
	s = repeat('x', 65);
	snprintf(buf, sizeof buf, "%s,A,a.org", s);
	expect_error(buf, "org_id longer than 64 characters", "org_id 65");
	free(s);
	expect_error("h1,,a.org", "empty name", "empty name");
	s = repeat('n', 257);
	snprintf(buf, sizeof buf, "h1,%s,a.org", s);
	expect_error(buf, "name longer than 256 characters", "name 257");
	free(s);
	expect_error("h1,Bad\xff,a.org", "name is not valid UTF-8", "name bad UTF-8");
	expect_error("h1,Over\xc0\xaflong,a.org", "name is not valid UTF-8", "name overlong UTF-8");
	expect_error("h1,Tab\there,a.org", "name contains a control character", "name tab");
	expect_error("h1,\"A,a.org", "unterminated quoted field", "unterminated quote");
	expect_error("h1,\"A\"x,a.org", "unexpected character after a closing quote", "text after quote");
	expect_error("h1,A\"B,a.org", "quote inside an unquoted field (quote the whole field)",
	             "stray quote");
	expect_error("h1,A,,", "no domain given", "no domain");
	expect_error("h0,Again,again.org", "duplicate org_id h0 (first on line 2)", "duplicate org_id");
}

static void test_domain_errors(void)
{
	char buf[8192];
	char *s;

	expect_error("h1,A,-a.org", "invalid domain '-a.org': label starts or ends with a hyphen", "hyphen");
	expect_error("h1,A,a-.org", "invalid domain 'a-.org': label starts or ends with a hyphen",
	             "hyphen end");
	expect_error("h1,A,localhost", "invalid domain 'localhost': needs at least two labels", "one label");
	expect_error("h1,A,a..org", "invalid domain 'a..org': empty label", "empty label");
	expect_error("h1,A,.a.org", "invalid domain '.a.org': empty label", "leading dot");
	expect_error("h1,A,a.org..", "invalid domain 'a.org.': empty label", "two trailing dots");
	expect_error(
	    "h1,A,a_b.org",
	    "invalid domain 'a_b.org': character outside letters, digits and hyphen (IDNs go in xn-- form)",
	    "underscore");
	expect_error(
	    "h1,A,b\xc3\xbc"
	    "cher.de",
	    "invalid domain 'b??cher.de': character outside letters, digits and hyphen (IDNs go in xn-- "
	    "form)",
	    "U-label");
	expect_error("h1,A,10.0.0.1",
	             "invalid domain '10.0.0.1': top-level label is all digits (an address is not a domain)",
	             "IP address");
	s = repeat('a', 64);
	snprintf(buf, sizeof buf, "h1,A,%s.org", s);
	expect_error(buf,
	             "invalid domain 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org': "
	             "label longer than 63 characters",
	             "label 64");
	free(s);
	/* 4 labels of 63 plus a 1-char TLD: 63*4 + 4 dots + 1 = 257 > 253; shown cut to 76 + "..." */
	s = repeat('b', 63);
	snprintf(buf, sizeof buf, "h1,A,%s.%s.%s.%s.c", s, s, s, s);
	expect_error(buf,
	             "invalid domain "
	             "'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbb...': "
	             "longer than 253 characters",
	             "domain 257");
	free(s);
	expect_error("h1,A,d1.org,d2.org,d3.org,d4.org,d5.org,d6.org,d7.org,d8.org,d9.org,d10.org,d11.org,"
	             "d12.org,d13.org,d14.org,d15.org,d16.org,d17.org",
	             "more than 16 domains", "17 domains");
}

static void test_line_errors(void)
{
	static const char nul_text[] = "org_id,name,domain\nh1,A\0B,a.org\nh2,B,b.org\n";
	struct target_list tl = {0};
	struct errs e = {0};
	char *line = malloc(4200);

	int r = targets_parse(nul_text, sizeof nul_text - 1, &tl, record, &e);
	is_int(r, 1, "NUL: skipped");
	is_int(e.line[0], 2, "NUL: line 2");
	is_str(e.why[0], "NUL byte in line", "NUL: reason");
	is_int(tl.n, 1, "NUL: next line read");
	targets_free(&tl);

	/* exactly 4096 bytes: trailing blanks are trimmed, so it is valid */
	snprintf(line, 4200, "h1,A,a.org%*s", 4096 - 10, "");
	is_int(strlen(line), 4096, "long: built 4096 bytes");
	is_int(parse(line, &tl, &e), 0, "long: 4096 bytes accepted");
	is_int(tl.n, 1, "long: the 4096-byte line is a target");
	targets_free(&tl);
	snprintf(line, 4200, "h1,A,a.org%*s", 4096 - 9, "");
	expect_error(line, "line longer than 4096 bytes", "4097 bytes");
	snprintf(line, 4200, "h1,A,a.org%*s\r", 4096 - 10, "");
	is_int(parse(line, &tl, &e), 0, "long: CR not counted");
	targets_free(&tl);
	free(line);
}

/* Values exactly at each limit are accepted. */
static void test_limits(void)
{
	struct target_list tl;
	struct errs e;
	char *id = repeat('i', 64), *name = repeat('n', 256), *label = repeat('b', 63);
	char *text = malloc(8192), *wide = malloc(600);

	for (int i = 0; i < 256; i++)
		memcpy(wide + 2 * i, "\xc3\xa9", 2); /* e-acute, 2 bytes */
	wide[512] = '\0';
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253, plus a trailing dot */
	snprintf(text, 8192, "org_id,name,domain\n%s,%s,%s.%s.%s.%.61s.\nh2,%s,%s.org\n", id, name, label,
	         label, label, label, wide, label);
	is_int(parse(text, &tl, &e), 0, "limits: nothing skipped");
	is_int(tl.n, 2, "limits: both targets");
	is_int(strlen(tl.v[0].org_id), 64, "limits: 64-character org_id");
	is_int(strlen(tl.v[0].name), 256, "limits: 256-character name");
	is_int(strlen(tl.v[0].domains[0]), 253, "limits: 253-character domain, trailing dot dropped");
	is_int(strlen(tl.v[1].name), 512, "limits: 256 two-byte characters");
	is_int(strlen(tl.v[1].domains[0]), 67, "limits: 63-character label");
	targets_free(&tl);
	free(id);
	free(name);
	free(label);
	free(text);
	free(wide);
}

static void test_append(void)
{
	struct target_list tl;
	struct errs e;

	is_int(parse("org_id,name,domain\nh1,A,a.org\n", &tl, &e), 0, "append: first file");
	memset(&e, 0, sizeof e);
	int r = targets_parse("org_id,name,domain\nh2,B,b.org\nh1,A,a.org\n", 41, &tl, record, &e);
	is_int(r, 1, "append: duplicate across calls skipped");
	is_str(e.why[0], "duplicate org_id h1 (already loaded)", "append: reason");
	is_int(e.line[0], 3, "append: line 3 of the second file");
	is_int(tl.n, 2, "append: two targets in all");
	is_str(tl.v[1].org_id, "h2", "append: appended after the first");
	targets_free(&tl);
}

static void test_many(void)
{
	size_t cap = 1000 * 40, len = 0;
	char *text = malloc(cap);
	struct target_list tl = {0};
	struct errs e = {0};

	len += (size_t)snprintf(text, cap, "org_id,name,domain\n");
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, cap - len, "org%d,Org %d,d%d.example\n", i % 900, i, i);
	is_int(targets_parse(text, len, &tl, record, &e), 100, "many: 100 duplicates skipped");
	is_int(tl.n, 900, "many: 900 targets");
	is_int(e.line[0], 902, "many: first duplicate on line 902");
	is_str(e.why[0], "duplicate org_id org0 (first on line 2)", "many: it names the first");
	is_str(tl.v[899].domains[0], "d899.example", "many: order kept");
	targets_free(&tl);
	free(text);
}

static void test_read(void)
{
	static const char text[] = "org_id,name,domain\nh1,A,a.org\nh2,B\n";
	struct target_list tl = {0};
	struct errs e = {0};
	FILE *f = fmemopen((void *)text, sizeof text - 1, "r");

	is_int(targets_read(f, &tl, record, &e), 1, "read: one skipped");
	is_int(tl.n, 1, "read: one target");
	is_int(e.line[0], 3, "read: error on line 3");
	fclose(f);
	targets_free(&tl);

	f = fopen(".", "r"); /* reading a directory fails with EISDIR */
	if (f != NULL) {
		is_int(targets_read(f, &tl, record, &e), -EIO, "read: read error is -EIO");
		fclose(f);
	}
	f = fopen("/dev/zero", "r");
	if (f != NULL) {
		is_int(targets_read(f, &tl, record, &e), -EFBIG, "read: endless stream is -EFBIG");
		is_int(tl.n, 0, "read: nothing parsed from it");
		fclose(f);
	}
}

/* The tags of a target as "k=v;k=v" (for compact assertions). */
static const char *tags_of(const struct target *t)
{
	static char buf[4096];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->ntags; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s=%s", i ? ";" : "", t->tags[i].key,
		                        t->tags[i].value);
	return buf;
}

static void test_named(void)
{
	struct target_list tl;
	struct errs e;
	int r =
	    parse("# exported\n"
	          "org_id,name,domains,type,region,tags,tag:Tier\n"
	          "h1,General Hospital,\"gh.org; www.gh.org  GH.org.\",hospital,north,pilot; beds = 200 ;,1\n"
	          "h2,Clinic,clinic.org,,,,\n"
	          "h3,Tele,tele.org;tele.example,telehealth vendor,\"  South East \",Flag\n",
	          &tl, &e);

	is_int(r, 0, "named: nothing skipped");
	is_int(e.n, 0, "named: no errors, no missing-header note");
	is_int(tl.n, 3, "named: three targets");
	is_int(tl.v[0].ndomains, 2, "named: domains split on ';' and blanks, duplicates merged");
	is_str(tl.v[0].domains[1], "www.gh.org", "named: second domain");
	is_str(tags_of(&tl.v[0]), "type=hospital;region=north;pilot=true;beds=200;tier=1",
	       "named: type, region, tags (bare word is true), tag:KEY lower-cased, in column order");
	is_int(tl.v[1].ntags, 0, "named: empty cells give no tags");
	is_str(tags_of(&tl.v[2]), "type=telehealth vendor;region=South East;flag=true",
	       "named: blanks inside a value kept, around it trimmed; bare key lower-cased");
	is_str(tl.v[2].domains[1], "tele.example", "named: domains split on ';'");
	targets_free(&tl);

	r = parse("Name,Tags,Org_ID,Domain\nClinic A,type=clinic,c1,a.org,b.org,,\n", &tl, &e);
	is_int(r, 0, "named: columns in any order, any case");
	is_str(tl.v[0].org_id, "c1", "named: org_id read by name");
	is_str(tl.v[0].name, "Clinic A", "named: name read by name");
	is_int(tl.v[0].ndomains, 2, "named: fields past a last domain column are domains, as before");
	is_str(tags_of(&tl.v[0]), "type=clinic", "named: tags column");
	targets_free(&tl);

	r = parse("org_id,name,domain,alt_domain\nh1,A,a.org,b.org\n", &tl, &e);
	is_int(r, 0, "positional: a header naming no new column is read by position, as before");
	is_int(tl.v[0].ndomains, 2, "positional: the fourth field is a domain");
	is_int(tl.v[0].ntags, 0, "positional: no tags");
	targets_free(&tl);
}

/* A named file with a good line 2, the line under test on 3 and a good line 4. */
static void expect_named_error(const char *line, const char *why, const char *name)
{
	struct target_list tl;
	struct errs e;
	char text[8192], label[160];

	snprintf(text, sizeof text,
	         "org_id,name,domains,tags,tag:unit\nh0,Good,good.org,a=b,x\n%s\nh9,After,after.org,,\n",
	         line);
	memset(&e, 0, sizeof e);
	memset(&tl, 0, sizeof tl);
	int r = targets_parse(text, strlen(text), &tl, record, &e);
	snprintf(label, sizeof label, "%s: one line skipped, on line 3", name);
	ok(r == 1 && e.n == 1 && e.line[0] == 3, label);
	snprintf(label, sizeof label, "%s: reason", name);
	is_str(e.why[0], why, label);
	snprintf(label, sizeof label, "%s: parsing went on", name);
	ok(tl.n == 2 && strcmp(tl.v[1].org_id, "h9") == 0, label);
	targets_free(&tl);
}

static void test_named_errors(void)
{
	char buf[4096], *s;
	size_t off = 0;

	expect_named_error("h1,A,a.org,type=x;Type=y,", "tag 'type' given twice", "duplicate tag");
	expect_named_error("h1,A,a.org,unit=x,y", "tag 'unit' given twice", "tags cell and tag column");
	expect_named_error("h1,A,a.org,ty pe=x,", "tag 'ty pe': tag key has a character outside [a-z0-9._-]",
	                   "key with a blank");
	expect_named_error("h1,A,a.org,=x,", "tag '': empty tag key", "empty key");
	expect_named_error("h1,A,a.org,k=,", "tag 'k': empty tag value", "empty value");
	expect_named_error("h1,A,a.org,k=a\tb,", "tag 'k': tag value contains a control character", "tab");
	expect_named_error("h1,A,a.org,k=a\xc2\x85"
	                   "b,",
	                   "tag 'k': tag value contains a control character", "C1 control");
	expect_named_error("h1,A,a.org,k=a\xff,", "tag 'k': tag value is not valid UTF-8", "bad UTF-8");
	expect_named_error("h1,A,a.org,,\"a;b\"", "tag 'unit': tag value contains ';'",
	                   "';' in a tag column");
	expect_named_error("h1,A,a.org,,x,extra", "more fields than the header's 5 columns", "extra field");
	expect_named_error("h1,A,,k=v,", "no domain given", "no domain");
	expect_named_error("h1,A,a.org -b.org,,",
	                   "invalid domain '-b.org': label starts or ends with a hyphen",
	                   "bad second domain");
	expect_named_error("h 1,A,a.org,,", "org_id has a character outside [A-Za-z0-9._-]", "bad org_id");
	expect_named_error("h0,A,a.org,,", "duplicate org_id h0 (first on line 2)", "duplicate org_id");
	s = repeat('k', 33);
	snprintf(buf, sizeof buf, "h1,A,a.org,%s=v,", s);
	expect_named_error(buf, "tag 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk': tag key longer than 32 characters",
	                   "key 33");
	free(s);
	s = repeat('v', 129);
	snprintf(buf, sizeof buf, "h1,A,a.org,k=%s,", s);
	expect_named_error(buf, "tag 'k': tag value longer than 128 characters", "value 129");
	free(s);
	off = (size_t)snprintf(buf, sizeof buf, "h1,A,a.org,");
	for (int i = 0; i < 16; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "k%d=v;", i);
	snprintf(buf + off, sizeof buf - off, ",u");
	expect_named_error(buf, "more than 16 tags", "17 tags");
}

/* Keys and values at their caps, and 16 tags, are accepted. */
static void test_tag_limits(void)
{
	struct target_list tl;
	struct errs e;
	char text[8192];
	char *k = repeat('k', 32), *v = repeat('v', 128);
	size_t off = (size_t)snprintf(text, sizeof text, "org_id,name,domain,tags\nh1,A,a.org,%s=%s;", k, v);

	for (int i = 1; i < 16; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "k%d;", i);
	is_int(parse(text, &tl, &e), 0, "tag limits: nothing skipped");
	is_int(tl.v[0].ntags, 16, "tag limits: 16 tags");
	is_int(strlen(tl.v[0].tags[0].key), 32, "tag limits: 32-character key");
	is_int(strlen(tl.v[0].tags[0].value), 128, "tag limits: 128-character value");
	targets_free(&tl);
	free(k);
	free(v);
}

/* A named header that cannot be used: reported on its line, nothing after it read. */
static void expect_header_error(const char *header, const char *why, const char *name)
{
	struct target_list tl;
	struct errs e;
	char text[4096], label[160];

	snprintf(text, sizeof text, "# comment\n%s\nh1,A,a.org\n", header);
	int r = parse(text, &tl, &e);
	snprintf(label, sizeof label, "%s: one report on line 2, nothing read", name);
	ok(r == 1 && e.n == 1 && e.line[0] == 2 && tl.n == 0, label);
	snprintf(label, sizeof label, "%s: reason", name);
	is_str(e.why[0], why, label);
	targets_free(&tl);
}

static void test_header_errors(void)
{
	char buf[1024];
	size_t off;

	expect_header_error("org_id,name,domains,hosts,Hosts", "header: column 'Hosts' is given twice",
	                    "hosts twice");
	expect_header_error("org_id,name,addresses,type", "header: no domain column",
	                    "addresses, no domains");
	expect_header_error("org_id,name,domain,tags,notes",
	                    "header: column 'notes' is unknown (org_id, name, domain or domains, hosts, "
	                    "addresses, tags, type, region, tag:KEY)",
	                    "unknown column");
	expect_header_error("org_id,name,domain,domains", "header: column 'domains' is given twice",
	                    "domain twice");
	expect_header_error("org_id,name,domains,type,tag:TYPE", "header: column 'tag:TYPE' is given twice",
	                    "tag column twice");
	expect_header_error("org_id,name,tags", "header: no domain column", "no domain column");
	expect_header_error("org_id,domains", "header: no name column", "no name column");
	expect_header_error("org_id,name,domains,tag:a/b",
	                    "header: column 'tag:a/b' tag key has a character outside [a-z0-9._-]",
	                    "bad tag key");
	expect_header_error("org_id,name,domains,tag:", "header: column 'tag:' empty tag key",
	                    "empty tag key");
	off = (size_t)snprintf(buf, sizeof buf, "org_id,name,domains");
	for (int i = 0; i < 30; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, ",tag:t%d", i);
	expect_header_error(buf, "header: more than 32 columns", "33 columns");
}

static void test_json(void)
{
	struct target_list tl;
	struct errs e;
	int r = parse(
	    "\xef\xbb\xbf# JSON Lines\n\n"
	    "{\"org_id\": \"h1\", \"name\": \"General \\u00e9\", \"domains\": [\"GH.org.\", \"www.gh.org\", "
	    "\"gh.org\"], \"tags\": {\"Type\": \"hospital\", \"region\": \"north\", \"pilot\": true}}\r\n"
	    "  {\"name\": \"Clinic\", \"org_id\": \"h2\", \"domains\": [\"c.org\"]}\n",
	    &tl, &e);

	is_int(r, 0, "json: nothing skipped");
	is_int(e.n, 0, "json: no errors, no missing-header note");
	is_int(tl.n, 2, "json: two targets");
	is_str(tl.v[0].name, "General \xc3\xa9", "json: escapes decoded");
	is_int(tl.v[0].ndomains, 2, "json: domains normalised and merged");
	is_str(tl.v[0].domains[0], "gh.org", "json: first domain");
	is_str(tags_of(&tl.v[0]), "type=hospital;region=north;pilot=true",
	       "json: tags in order, true is bare");
	is_int(tl.v[1].ntags, 0, "json: no tags");
	is_str(tl.v[1].org_id, "h2", "json: keys in any order");
	targets_free(&tl);
}

static void test_json_errors(void)
{
	static const struct {
		const char *line, *why;
	} cases[] = {
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [\"a.org\"], \"hosts\": \"b.org\"}",
	     "\"hosts\" must be an array of strings"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [\"a.org\"], \"hosts\": [\"b_c.org\"]}",
	     "invalid host 'b_c.org': character outside letters, digits and hyphen (IDNs go in xn-- form)"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [\"a.org\"], \"addresses\": [1]}",
	     "\"addresses[]\" must be a string"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [\"a.org\"], \"addresses\": "
	     "[\"2001:db8::/64\"]}",
	     "invalid address '2001:db8::/64': at most 16 addresses per block (/124 or longer)"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"addresses\": [\"127.0.0.1\"]}", "no domain given"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [], \"hosts\": [\"www.a.org\"]}",
	     "no domain given"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domain\": \"a.org\"}", "unknown key \"domain\""},
	    {"{\"name\": \"A\", \"domains\": [\"a.org\"]}", "missing \"org_id\""},
	    {"{\"org_id\": \"h1\", \"domains\": [\"a.org\"]}", "missing \"name\""},
	    {"{\"org_id\": 1, \"name\": \"A\", \"domains\": [\"a.org\"]}", "\"org_id\" must be a string"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": \"a.org\"}",
	     "\"domains\" must be an array of strings"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [1]}", "\"domains[]\" must be a string"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": []}", "no domain given"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [\"a.org\"], \"tags\": [\"x\"]}",
	     "\"tags\" must be an object"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [\"a.org\"], \"tags\": {\"k\": 1}}",
	     "tag 'k' must be a string or true"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [\"a.org\"], \"tags\": {\"k\": \"a;b\"}}",
	     "tag 'k': tag value contains ';'"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [\"a.org\"], \"tags\": {\"k\": \" a\"}}",
	     "tag 'k': tag value starts or ends with a blank"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\", \"domains\": [\"a.org\"], \"tags\": {\"K\": \"a\", "
	     "\"k\": \"b\"}}",
	     "tag 'k' given twice"},
	    {"{\"org_id\": \"h1\", \"name\": \"A\\u0001\", \"domains\": [\"a.org\"]}",
	     "name contains a control character"},
	    {"{\"org_id\": \"h0\", \"name\": \"A\", \"domains\": [\"a.org\"]}",
	     "duplicate org_id h0 (first on line 1)"},
	    {"{\"org_id\": \"h1\", \"org_id\": \"h2\", \"name\": \"A\", \"domains\": [\"a.org\"]}",
	     "invalid JSON at column 25: duplicate object key near '\"org_id\"'"},
	    {"[\"h1\"]", "expected a JSON object"},
	    {"h1,A,a.org", "invalid JSON at column 1: '[' or '{' expected near 'h'"},
	};
	char text[1024], label[160];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct target_list tl;
		struct errs e;
		snprintf(text, sizeof text,
		         "{\"org_id\": \"h0\", \"name\": \"G\", \"domains\": [\"g.org\"]}\n%s\n"
		         "{\"org_id\": \"h9\", \"name\": \"Z\", \"domains\": [\"z.org\"]}\n",
		         cases[i].line);
		int r = parse(text, &tl, &e);
		snprintf(label, sizeof label, "json error %zu: one line skipped, on line 2, parsing went on",
		         i);
		ok(r == 1 && e.n == 1 && e.line[0] == 2 && tl.n == 2, label);
		snprintf(label, sizeof label, "json error %zu: reason", i);
		is_str(e.why[0], cases[i].why, label);
		targets_free(&tl);
	}
}

/* The addresses of a target, joined by blanks. */
static const char *addrs_of(const struct target *t)
{
	static char buf[4096];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->naddrs; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", i ? " " : "", t->addrs[i]);
	return buf;
}

static const char *hosts_of(const struct target *t)
{
	static char buf[4096];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->nhosts; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", i ? " " : "", t->hosts[i]);
	return buf;
}

static void test_named_hosts_addresses(void)
{
	struct target_list tl;
	struct errs e;
	int r = parse("org_id,name,hosts,domains,addresses\n"
	              "h1,A,\"Portal.A.org. a.org;vpn.a.org  portal.a.org\",a.org,"
	              "\"127.0.0.1; 127.0.0.9 ::1 2001:DB8:0::0:1 ::ffff:127.0.0.5 127.0.0.1\"\n"
	              "h2,B,,b.org,127.0.0.8/30\n"
	              "h3,C,www.c.org,c.org,2001:db8::10/126\n"
	              "h4,D,,d.org,127.0.0.0/30 127.0.0.2 127.0.0.0/31 ::ffff:127.0.0.4/126 127.0.0.7/32\n"
	              "h5,E,,e.org,\n",
	              &tl, &e);

	is_int(r, 0, "hosts/addresses: nothing skipped");
	is_int(e.n, 0, "hosts/addresses: no errors");
	is_int(tl.n, 5, "hosts/addresses: five targets");
	if (tl.n != 5) {
		targets_free(&tl);
		return; /* the rest reads targets that are not there */
	}
	is_str(hosts_of(&tl.v[0]), "portal.a.org vpn.a.org",
	       "hosts: normalised, distinct, the domain dropped though its column comes later");
	is_str(addrs_of(&tl.v[0]), "127.0.0.1 127.0.0.9 ::1 2001:db8::1 127.0.0.5",
	       "addresses: canonical text, IPv4-mapped as IPv4, distinct");
	is_str(addrs_of(&tl.v[1]), "127.0.0.8 127.0.0.9 127.0.0.10 127.0.0.11",
	       "addresses: a /30 is its 4 addresses, first and last included");
	is_int(tl.v[1].nhosts, 0, "hosts: an empty cell gives none");
	is_str(hosts_of(&tl.v[2]), "www.c.org", "hosts: www of a domain is a host of its own");
	is_str(addrs_of(&tl.v[2]), "2001:db8::10 2001:db8::11 2001:db8::12 2001:db8::13",
	       "addresses: a v6 /126 is its 4 addresses");
	is_str(addrs_of(&tl.v[3]),
	       "127.0.0.0 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7",
	       "addresses: overlapping blocks merged; a mapped /126 is an IPv4 /30; a /32 is one address");
	is_int(tl.v[4].naddrs, 0, "addresses: an empty cell gives none");
	targets_free(&tl);

	r = parse("org_id,name,domain\nh1,A,a.org,127.0.0.1\n", &tl, &e);
	ok(r == 1 && e.n == 1 && e.line[0] == 2,
	   "positional: no addresses there, a fourth field is a domain");
	targets_free(&tl);
}

static void test_json_hosts_addresses(void)
{
	struct target_list tl;
	struct errs e;
	int r = parse(
	    "{\"org_id\": \"h1\", \"name\": \"A\", \"hosts\": [\"WWW.a.org\", \"a.org.\", \"www.a.org\"], "
	    "\"domains\": [\"a.org\"], \"addresses\": [\"127.0.0.4/30\", \"::ffff:7f00:1\", "
	    "\"2001:db8::10/126\", \"127.0.0.5\"]}\n"
	    "{\"org_id\": \"h2\", \"name\": \"B\", \"domains\": [\"b.org\"], \"hosts\": [], "
	    "\"addresses\": []}\n",
	    &tl, &e);

	is_int(r, 0, "json hosts/addresses: nothing skipped");
	is_int(tl.n, 2, "json hosts/addresses: two targets");
	if (tl.n != 2) {
		targets_free(&tl);
		return; /* the rest reads targets that are not there */
	}
	is_str(hosts_of(&tl.v[0]), "www.a.org", "json hosts: normalised, distinct, the domain dropped");
	is_str(addrs_of(&tl.v[0]),
	       "127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 127.0.0.1 2001:db8::10 2001:db8::11 2001:db8::12 "
	       "2001:db8::13",
	       "json addresses: blocks expanded, mapped as IPv4, distinct");
	ok(tl.v[1].nhosts == 0 && tl.v[1].naddrs == 0, "json: empty arrays give none");
	targets_free(&tl);
}

/* A hosts-and-addresses file with a good line 2, the line under test on 3 and a good line 4. */
static void expect_asset_error(const char *cells, const char *why, const char *name)
{
	struct target_list tl;
	struct errs e;
	char text[8192], label[160];

	snprintf(text, sizeof text,
	         "org_id,name,domains,hosts,addresses\nh0,Good,good.org,www.good.org,127.0.0.1\n"
	         "h1,A,a.org,%s\nh9,After,after.org,,::1\n",
	         cells);
	int r = parse(text, &tl, &e);
	snprintf(label, sizeof label, "%s: one line skipped, on line 3, parsing went on", name);
	ok(r == 1 && e.n == 1 && e.line[0] == 3 && tl.n == 2 && strcmp(tl.v[1].org_id, "h9") == 0, label);
	snprintf(label, sizeof label, "%s: reason", name);
	is_str(e.why[0], why, label);
	targets_free(&tl);
}

static void test_asset_errors(void)
{
	expect_asset_error(
	    ",127.0.0.256",
	    "invalid address '127.0.0.256': not an IPv4 or IPv6 address (nor a CIDR block of one)",
	    "bad octet");
	expect_asset_error(",127.1",
	                   "invalid address '127.1': not an IPv4 or IPv6 address (nor a CIDR block of one)",
	                   "short IPv4");
	expect_asset_error(
	    ",fe80::1%lo",
	    "invalid address 'fe80::1%lo': not an IPv4 or IPv6 address (nor a CIDR block of one)",
	    "zone index");
	expect_asset_error(
	    ",www.a.org",
	    "invalid address 'www.a.org': not an IPv4 or IPv6 address (nor a CIDR block of one)",
	    "a name as an address");
	expect_asset_error(",127.0.0.0/33", "invalid address '127.0.0.0/33': prefix length is not 0 to 32",
	                   "/33");
	expect_asset_error(",127.0.0.0/", "invalid address '127.0.0.0/': prefix length is not 0 to 32",
	                   "empty prefix");
	expect_asset_error(",::/129", "invalid address '::/129': prefix length is not 0 to 128", "/129");
	expect_asset_error(",127.0.0.0/8",
	                   "invalid address '127.0.0.0/8': at most 16 addresses per block (/28 or longer)",
	                   "/8");
	expect_asset_error(",127.0.0.0/27",
	                   "invalid address '127.0.0.0/27': at most 16 addresses per block (/28 or longer)",
	                   "/27");
	expect_asset_error(
	    ",2001:db8::/123",
	    "invalid address '2001:db8::/123': at most 16 addresses per block (/124 or longer)", "/123");
	expect_asset_error(",127.0.0.1/30",
	                   "invalid address '127.0.0.1/30': host bits set (the block is 127.0.0.0/30)",
	                   "v4 host bits");
	expect_asset_error(",2001:db8::1/126",
	                   "invalid address '2001:db8::1/126': host bits set (the block is 2001:db8::/126)",
	                   "v6 host bits");
	expect_asset_error("bad_host.a.org,",
	                   "invalid host 'bad_host.a.org': character outside letters, digits and hyphen "
	                   "(IDNs go in xn-- form)",
	                   "bad host");
	expect_asset_error(
	    "127.0.0.1,",
	    "invalid host '127.0.0.1': top-level label is all digits (an address is not a domain)",
	    "an address as a host");
	expect_asset_error("localhost,", "invalid host 'localhost': needs at least two labels", "one label");
}

/* 16 hosts and 64 addresses fit; one more of either is refused with its line. */
static void test_asset_limits(void)
{
	struct target_list tl;
	struct errs e;
	char text[8192], hosts[2048];
	size_t off = 0;

	/* the domain among the hosts does not count: it is dropped */
	off += (size_t)snprintf(hosts + off, sizeof hosts - off, "a.org");
	for (int i = 0; i < 16; i++)
		off += (size_t)snprintf(hosts + off, sizeof hosts - off, " h%d.a.org", i);
	snprintf(text, sizeof text,
	         "org_id,name,hosts,domains,addresses\n"
	         "h1,A,%s,a.org,127.0.0.0/28 127.0.0.16/28 127.0.1.0/28 ::/124 ::5\n"
	         "h2,B,%s h16.a.org,b.org,\n"
	         "h3,C,,c.org,127.0.0.0/28 127.0.0.16/28 127.0.1.0/28 ::/124 127.0.2.0\n",
	         hosts, hosts);
	is_int(parse(text, &tl, &e), 2, "asset limits: two lines skipped");
	is_int(tl.n, 1, "asset limits: one target");
	if (tl.n != 1) {
		targets_free(&tl);
		return; /* the rest reads targets that are not there */
	}
	is_int(tl.v[0].nhosts, 16, "asset limits: 16 hosts");
	is_int(tl.v[0].naddrs, 64, "asset limits: 64 addresses from four blocks and a duplicate");
	is_str(tl.v[0].addrs[63], "::f", "asset limits: the last address of the v6 block");
	ok(e.n == 2 && e.line[0] == 3 && e.line[1] == 4, "asset limits: errors on lines 3 and 4");
	is_str(e.why[0], "more than 16 hosts", "asset limits: 17 hosts");
	is_str(e.why[1], "more than 64 addresses (a block counts each of its addresses)",
	       "asset limits: 65 addresses");
	targets_free(&tl);
}

int main(void)
{
	test_good();
	test_comments();
	test_crlf();
	test_quotes();
	test_multi_domain();
	test_empty_and_header_only();
	test_missing_header();
	test_field_errors();
	test_domain_errors();
	test_line_errors();
	test_limits();
	test_append();
	test_many();
	test_read();
	test_named();
	test_named_errors();
	test_tag_limits();
	test_header_errors();
	test_json();
	test_json_errors();
	test_named_hosts_addresses();
	test_json_hosts_addresses();
	test_asset_errors();
	test_asset_limits();
	return done_testing();
}
