/* wire_mysql on canned bytes: MariaDB 10.11's real greeting, an ERR greeting (host not allowed),
 * an old short handshake, split input, caps and malformed packets. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "wire_mysql.h"

static size_t load(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	return n;
}

static void test_real(void)
{
	uint8_t buf[2048];
	struct mysql_greeting g;
	size_t used = 0, n = load("tests/fuzz/corpus/mysql/mariadb1011.bin", buf, sizeof buf);
	is_int(mysql_greeting_parse(buf, n, &g, &used), 1, "MariaDB's greeting");
	is_int(used, n, "all of it");
	is_int(g.is_error, 0, "a handshake");
	is_int(g.protocol, 10, "protocol 10");
	is_str(g.version, "5.5.5-10.11.19-MariaDB-0+deb12u1", "the server version");
	is_int(g.conn_id, 3, "connection id");
	is_str(g.auth_plugin, "mysql_native_password", "default plugin");
	is_int(g.caps & MYSQL_CLIENT_SSL, 0, "no TLS offered (no certificate configured)");
	ok(g.caps & 0x00080000, "upper capabilities read (PLUGIN_AUTH)");
	for (size_t i = 0; i < n; i++)
		if (mysql_greeting_parse(buf, i, &g, &used) != 0)
			break;
	is_int(mysql_greeting_parse(buf, n - 1, &g, &used), 0, "a byte short: more needed");

	n = load("tests/fuzz/corpus/mysql/host_denied.bin", buf, sizeof buf);
	is_int(mysql_greeting_parse(buf, n, &g, &used), 1, "an ERR greeting");
	is_int(g.is_error, 1, "is an error");
	is_int(g.err_code, 1130, "ER_HOST_NOT_PRIVILEGED");
	is_str(g.err_msg, "Host '127.0.0.1' is not allowed to connect to this MariaDB server", "its message");

	n = load("tests/fuzz/corpus/mysql/short_v10.bin", buf, sizeof buf);
	is_int(mysql_greeting_parse(buf, n, &g, &used), 1, "a greeting ending after the lower capabilities");
	is_str(g.version, "5.7.44", "its version");
	is_int(g.caps, 0xf7ff, "lower capabilities only");
	is_str(g.auth_plugin, "", "no plugin");
}

static void test_bad(void)
{
	struct mysql_greeting g;
	size_t used;
	is_int(mysql_greeting_parse((const uint8_t *)"\x05\x00\x00\x01\x0a", 5, &g, &used), -EBADMSG,
	       "sequence 1");
	is_int(mysql_greeting_parse((const uint8_t *)"\x01\x04\x00\x00", 4, &g, &used), -E2BIG,
	       "a 1025-byte payload");
	is_int(mysql_greeting_parse((const uint8_t *)"\x04\x00\x00\x00SSH-", 8, &g, &used), -EBADMSG,
	       "neither ERR nor protocol 9/10");
	is_int(mysql_greeting_parse((const uint8_t *)"\x04\x00\x00\x00\x0a"
	                                             "5.7",
	                            8, &g, &used),
	       -EBADMSG, "an unterminated version");
	is_int(mysql_greeting_parse((const uint8_t *)"\x05\x00\x00\x00\x0a"
	                                             "5.7\0",
	                            9, &g, &used),
	       -EBADMSG, "a handshake cut after the version");
	is_int(mysql_greeting_parse((const uint8_t *)"\x00\x00\x00\x00", 4, &g, &used), -EBADMSG,
	       "an empty payload");
	is_int(mysql_greeting_parse((const uint8_t *)"\x0a\x00\x00\x00", 4, &g, &used), 0,
	       "header only: more needed");
}

int main(void)
{
	test_real();
	test_bad();
	return done_testing();
}
