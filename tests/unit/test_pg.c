/* wire_pg on canned bytes: the StartupMessage, PostgreSQL 15's real answers under trust, scram and
 * a rejecting pg_hba.conf, split input, caps and malformed messages. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "wire_pg.h"

static size_t load(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	return n;
}

static void test_startup(void)
{
	uint8_t buf[256];
	int n = pg_startup_build(buf, sizeof buf);
	static const uint8_t head[] = {0, 0, 0, 73, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0};
	is_int(n, 73, "the StartupMessage's length");
	ok(n > 0 && memcmp(buf, head, sizeof head) == 0, "length, protocol 3.0, then the user parameter");
	ok(n > 0 && memcmp(buf + 13, "vitals-probe\0database\0vitals-probe\0", 35) == 0,
	   "a user and database no one has");
	ok(n > 0 && buf[n - 1] == 0 && buf[n - 2] == 0, "the list ends with an empty name");
	is_int(pg_startup_build(buf, 72), -ENOSPC, "a buffer too small");
}

static void test_real(void)
{
	uint8_t buf[1024];
	struct pg_reply r;
	size_t used = 0, n = load("tests/fuzz/corpus/pg/pg15_trust.bin", buf, sizeof buf);
	is_int(pg_reply_parse(buf, n, &r, &used), 1, "trust: a whole first message");
	is_int(r.type, 'R', "an authentication request");
	is_int(r.auth, PG_AUTH_OK, "AuthenticationOk: no password asked");
	is_int(used, 9, "nine bytes: the error that follows is left");
	is_int(pg_reply_parse(buf + used, n - used, &r, &used), 1, "then the error");
	is_str(r.sqlstate, "28000", "invalid authorization: the role does not exist");
	is_str(r.message, "role \"vitals-probe\" does not exist", "its message");
	is_str(r.severity, "FATAL", "its severity");

	n = load("tests/fuzz/corpus/pg/pg15_scram.bin", buf, sizeof buf);
	is_int(pg_reply_parse(buf, n, &r, &used), 1, "scram: a whole first message");
	is_int(r.auth, PG_AUTH_SASL, "AuthenticationSASL");
	is_str(r.mechs, "SCRAM-SHA-256", "its mechanism");
	is_str(pg_auth_name(r.auth), "sasl", "its name");

	n = load("tests/fuzz/corpus/pg/pg15_reject.bin", buf, sizeof buf);
	is_int(pg_reply_parse(buf, n, &r, &used), 1, "reject: a whole first message");
	is_int(r.type, 'E', "an ErrorResponse before any authentication");
	is_str(r.sqlstate, "28000", "its SQLSTATE");
	ok(strncmp(r.message, "pg_hba.conf rejects connection", 30) == 0, "its message");
	for (size_t i = 0; i < n; i++)
		if (pg_reply_parse(buf, i, &r, &used) != 0)
			break;
	is_int(pg_reply_parse(buf, n - 1, &r, &used), 0, "a byte short: more needed");
}

static void test_bad(void)
{
	struct pg_reply r;
	size_t used;
	is_int(pg_reply_parse((const uint8_t *)"H", 1, &r, &used), -EBADMSG,
	       "an H (HTTP) is not a backend message");
	is_int(pg_reply_parse((const uint8_t *)"R\x00\x00\x00\x03", 5, &r, &used), -EBADMSG,
	       "length under 4");
	is_int(pg_reply_parse((const uint8_t *)"E\x00\x00\x20\x01", 5, &r, &used), -E2BIG,
	       "length over 8192");
	is_int(pg_reply_parse((const uint8_t *)"R\x00\x00\x00\x06\x00\x00", 7, &r, &used), -EBADMSG,
	       "an authentication request without its code");
	is_int(pg_reply_parse((const uint8_t *)"R\x00\x00\x00\x0c\x00\x00\x00\x0aSCRA", 13, &r, &used),
	       -EBADMSG, "SASL mechanisms without their NULs");
	is_int(pg_reply_parse((const uint8_t *)"E\x00\x00\x00\x08SFAT", 9, &r, &used), -EBADMSG,
	       "an error field without its NUL");
	is_int(pg_reply_parse((const uint8_t *)"R\x00\x00\x00\x08\x00\x00\x00\x05", 9, &r, &used), 1, "MD5");
	is_str(pg_auth_name(r.auth), "md5", "named md5");
	is_int(pg_reply_parse((const uint8_t *)"v\x00\x00\x00\x0c\x00\x00\x00\x00\x00\x00\x00\x00", 13, &r,
	                      &used),
	       1, "NegotiateProtocolVersion");
	is_int(r.newest_minor, 0, "newest minor 0");
}

int main(void)
{
	test_startup();
	test_real();
	test_bad();
	return done_testing();
}
