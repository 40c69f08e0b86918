/* DMARC record parser tests (RFC 7489 s6.3, s6.4). */
#include "tap.h"
#include "wire_dmarc.h"

#include <errno.h>
#include <string.h>

static int is_dmarc(const char *s)
{
	return dmarc_is_dmarc_record(s, strlen(s));
}

static struct dmarc_record parse(const char *s)
{
	struct dmarc_record d;
	dmarc_parse(s, strlen(s), &d);
	return d;
}

static void test_detect(void)
{
	ok(is_dmarc("v=DMARC1; p=none"), "plain record");
	ok(is_dmarc("v=DMARC1"), "version alone");
	ok(is_dmarc("v = DMARC1 ;p=none"), "spaces around = and ;");
	ok(is_dmarc(" v=DMARC1;p=none"), "leading space");
	ok(is_dmarc("v=dmarc1; p=none"), "version in lower case");
	ok(is_dmarc("v=DMARC1 p=none"), "missing ';' still starts with v=DMARC1");
	ok(!is_dmarc("v=DMARC10; p=none"), "DMARC10 is another version");
	ok(!is_dmarc("p=none; v=DMARC1"), "v not first: not a DMARC record");
	ok(!is_dmarc("v=spf1 -all"), "SPF is not DMARC");
	ok(!is_dmarc(""), "empty");
	ok(!dmarc_is_dmarc_record(NULL, 0), "NULL");
}

static void test_full(void)
{
	const char *txt = "v=DMARC1; p=reject; sp=quarantine; pct=50; "
	                  "rua=mailto:a@x.test,mailto:b@y.test!10m; ruf=mailto:f@x.test; adkim=s; aspf=r; "
	                  "fo=0:d; rf=afrf; ri=3600";
	struct dmarc_record d = parse(txt);
	is_int(d.valid, 1, "full record valid");
	is_str(d.reason, "ok", "reason ok");
	is_int(d.p, DMARC_POLICY_REJECT, "p=reject");
	is_int(d.sp, DMARC_POLICY_QUARANTINE, "sp=quarantine");
	is_int(d.has_sp, 1, "sp given");
	is_int(d.pct, 50, "pct=50");
	is_int(d.nrua, 2, "two rua URIs");
	is_int(d.nruf, 1, "one ruf URI");
	is_int(d.adkim, 's', "adkim=s");
	is_int(d.aspf, 'r', "aspf=r");
	is_int(d.ri, 3600, "ri=3600");
	is_int(d.ntags, 11, "eleven tags");
	is_int(d.nunknown, 0, "no unknown tags");
	is_int(d.nignored, 0, "nothing ignored");
	is_int(d.fo.len, 3, "fo value length");
	ok(strncmp(txt + d.fo.off, "0:d", 3) == 0, "fo span points at 0:d");
	ok(strncmp(txt + d.rua.off, "mailto:a@x.test,mailto:b@y.test!10m", d.rua.len) == 0 && d.rua.len == 35,
	   "rua span");
}

static void test_defaults_and_whitespace(void)
{
	struct dmarc_record d = parse("v = DMARC1 ;\tp = Quarantine ; ");
	is_int(d.valid, 1, "whitespace everywhere is fine");
	is_int(d.p, DMARC_POLICY_QUARANTINE, "policy value case-insensitive");
	is_int(d.sp, DMARC_POLICY_QUARANTINE, "sp defaults to p");
	is_int(d.has_sp, 0, "no sp given");
	is_int(d.pct, 100, "pct defaults to 100");
	is_int(d.adkim, 'r', "adkim defaults to r");
	is_int(d.ri, 86400, "ri defaults to a day");
	d = parse("v=DMARC1;;p=none;");
	is_int(d.valid, 1, "empty segments skipped");
	is_int(d.p, DMARC_POLICY_NONE, "p=none");
	d = parse("V=DMARC1; P=REJECT");
	is_int(d.valid, 1, "tag names case-insensitive");
	is_int(d.p, DMARC_POLICY_REJECT, "P=REJECT");
}

static void test_unknown_and_ignored(void)
{
	struct dmarc_record d = parse("v=DMARC1; p=none; foo=bar; x_y=1");
	is_int(d.valid, 1, "unknown tags keep the record valid");
	is_int(d.nunknown, 2, "two unknown tags");
	is_str(d.unknown, "foo,x_y", "unknown tag names");
	d = parse("v=DMARC1; p=reject; pct=150");
	is_int(d.valid, 1, "pct out of range is ignored");
	is_int(d.pct, 100, "pct back to the default");
	is_int(d.nignored, 1, "one value ignored");
	is_str(d.ignored, "pct=150 (not 0-100)", "ignored text");
	d = parse("v=DMARC1; p=reject; pct=abc; adkim=x; rua=a@b.test; ri=-1");
	is_int(d.valid, 1, "bad optional values ignored");
	is_int(d.nignored, 4, "four values ignored");
	is_int(d.nrua, 0, "URI without scheme ignored");
	is_int(d.adkim, 'r', "bad adkim falls back to r");
	d = parse("v=DMARC1; p=reject; pct=0");
	is_int(d.pct, 0, "pct=0 accepted");
	d = parse("v=DMARC1; p=none; garbage");
	is_int(d.valid, 1, "malformed tag ignored");
	is_int(d.nignored, 1, "and recorded");
	d = parse("v=DMARC1; p=none; fo=2; rf=af rf");
	is_int(d.nignored, 2, "bad fo and rf ignored");
	is_int(d.fo.len, 0, "ignored fo leaves no span");
	d = parse("v=DMARC1; p=none; rua=mailto:a@b.test!10x");
	is_int(d.nrua, 0, "bad size suffix ignored");
}

static void test_invalid(void)
{
	struct dmarc_record d = parse("v=DMARC1; sp=reject");
	is_int(d.valid, 0, "missing p= without rua= invalid");
	is_str(d.reason, "p= tag missing", "missing p reason");
	is_int(d.p, DMARC_POLICY_UNSET, "no policy");
	d = parse("v=DMARC1; rua=a@b.test");
	is_str(d.reason, "p= tag missing", "a rua= without a valid URI does not save it");
	d = parse("v=DMARC1; p=block");
	is_int(d.valid, 0, "bad p invalid");
	is_str(d.reason, "p=block is not none, quarantine or reject", "bad p reason");
	d = parse("v=DMARC1; p=none; p=reject");
	is_int(d.valid, 0, "duplicate p invalid");
	is_str(d.reason, "duplicate tag 'p'", "duplicate reason");
	d = parse("v=DMARC1; p=none; P=reject");
	is_int(d.valid, 0, "duplicate differing in case");
	d = parse("v=DMARC1; p=none; foo=1; foo=2");
	is_str(d.reason, "duplicate tag 'foo'", "duplicate unknown tag");
	d = parse("p=none; v=DMARC1");
	is_int(d.valid, 0, "v not first");
	is_str(d.reason, "v=DMARC1 must be the first tag", "v not first reason");
	d = parse("v=DMARC2; p=none");
	is_str(d.reason, "v=DMARC2 is not DMARC1", "wrong version");
	d = parse("v=DMARC1 p=none");
	is_str(d.reason, "v=DMARC1 p=none is not DMARC1", "missing separator");
	d = parse("");
	is_str(d.reason, "empty record", "empty record");
	d = parse("garbage");
	is_str(d.reason, "v=DMARC1 must be the first tag", "garbage");
	is_int(dmarc_parse(NULL, 0, &d), -EINVAL, "NULL text");
}

/* RFC 7489 s6.6.3 step 6: no usable p=, but a valid rua=: act as if p=none. */
static void test_implied_none(void)
{
	struct dmarc_record d = parse("v=DMARC1; rua=mailto:a@b.test");
	is_int(d.valid, 1, "missing p= with a valid rua= is valid");
	is_str(d.reason, "ok", "implied p reason ok");
	is_int(d.p, DMARC_POLICY_NONE, "taken as p=none");
	is_int(d.p_implied, 1, "p_implied set");
	is_int(d.nrua, 1, "its rua URI counted");
	d = parse("v=DMARC1; p=bogus; sp=reject; rua=mailto:a@b.test");
	is_int(d.valid, 1, "bad p= with a valid rua= is valid");
	is_int(d.p, DMARC_POLICY_NONE, "bad p taken as none");
	is_int(d.sp, DMARC_POLICY_NONE, "the implied record has no sp=");
	is_int(d.has_sp, 0, "sp dropped with the bad p");
	d = parse("v=DMARC1; rua=bad, mailto:a@b.test");
	is_int(d.valid, 1, "one valid URI among bad ones is enough");
	is_int(d.nrua, 0, "the rua tag itself is still ignored");
	d = parse("v=DMARC1; p=reject; rua=mailto:a@b.test");
	is_int(d.p_implied, 0, "an explicit p= is not implied");
}

/*
 * RFC 7489 s6.6.3 step 6: an sp= that is not valid is treated as a bad p= is, not
 * ignored: p=none when rua= holds a valid URI, no DMARC at all otherwise.
 */
static void test_bad_sp(void)
{
	struct dmarc_record d = parse("v=DMARC1; p=reject; sp=bogus");
	is_int(d.valid, 0, "bad sp= without rua= invalid");
	is_str(d.reason, "sp=bogus is not none, quarantine or reject", "bad sp reason");
	is_int(d.p, DMARC_POLICY_UNSET, "bad sp: no policy");
	is_int(d.sp, DMARC_POLICY_UNSET, "bad sp: no subdomain policy");
	is_int(d.nignored, 0, "a bad sp= is not merely ignored");
	d = parse("v=DMARC1; p=reject; sp=; rua=a@b.test");
	is_int(d.valid, 0, "empty sp= with an unusable rua= invalid");
	is_str(d.reason, "sp= is not none, quarantine or reject", "empty sp reason");
	d = parse("v=DMARC1; p=reject; sp=bogus; rua=mailto:a@b.test");
	is_int(d.valid, 1, "bad sp= with a valid rua= is valid");
	is_int(d.p, DMARC_POLICY_NONE, "bad sp: taken as p=none");
	is_int(d.sp, DMARC_POLICY_NONE, "bad sp: subdomains get none too");
	is_int(d.has_sp, 0, "bad sp: the implied record has no sp=");
	is_int(d.p_implied, 1, "bad sp: p_implied set");
	is_str(d.implied, "sp=bogus is not none, quarantine or reject", "bad sp: why p=none");
	d = parse("v=DMARC1; sp=bogus");
	is_str(d.reason, "p= tag missing", "missing p named before a bad sp");
	d = parse("v=DMARC1; rua=mailto:a@b.test");
	is_str(d.implied, "p= tag missing", "missing p: why p=none");
	d = parse("v=DMARC1; p=reject; sp=Quarantine");
	is_int(d.valid, 1, "a valid sp= keeps the record");
	is_int(d.sp, DMARC_POLICY_QUARANTINE, "sp=Quarantine");
	is_str(d.implied, "", "nothing implied");
}

static void test_limits(void)
{
	char buf[2048];
	size_t n = (size_t)snprintf(buf, sizeof buf, "v=DMARC1; p=none");
	for (int i = 0; i < DMARC_MAX_TAGS; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "; t%d=x", i);
	struct dmarc_record d = parse(buf);
	is_int(d.valid, 0, "too many tags");
	is_str(d.reason, "more than 64 tags", "tag cap reason");
	const char nul[] = "v=DMARC1; p=none\0x; p=reject";
	dmarc_parse(nul, sizeof nul - 1, &d);
	is_int(d.valid, 1, "embedded NUL makes only that tag malformed");
	is_int(d.p, DMARC_POLICY_REJECT, "the well-formed p= applies");
	is_str(dmarc_policy_name(DMARC_POLICY_QUARANTINE), "quarantine", "policy name");
	is_str(dmarc_policy_name((enum dmarc_policy)9), "unset", "out-of-range policy name");
}

int main(void)
{
	test_detect();
	test_full();
	test_defaults_and_whitespace();
	test_unknown_and_ignored();
	test_invalid();
	test_implied_none();
	test_bad_sp();
	test_limits();
	return done_testing();
}
