/* wire_redis on canned replies: the probe's request, each reply type, split input, caps, INFO. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "wire_redis.h"

static int parse(const char *s, struct redis_reply *r)
{
	return redis_reply_parse((const uint8_t *)s, strlen(s), r);
}

static void test_request(void)
{
	is_int((int)redis_request_len,
	       (int)strlen("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"),
	       "the request is PING then INFO server");
	ok(memcmp(redis_request, "*1\r\n$4\r\nPING\r\n", 14) == 0, "PING first, as a RESP array");
}

static void test_types(void)
{
	struct redis_reply r;
	is_int(parse("+PONG\r\n$5\r\n", &r), 7, "a simple string takes its line only");
	ok(r.type == '+' && strcmp(r.line, "PONG") == 0, "+PONG");
	is_int(parse("-NOAUTH Authentication required.\r\n", &r), 34, "an error");
	ok(r.type == '-' && strncmp(r.line, "NOAUTH", 6) == 0, "its text");
	is_int(parse(":42\r\n", &r), 5, "an integer");
	is_int(parse("$5\r\nhello\r\n+OK\r\n", &r), 11, "a bulk string and its bytes");
	ok(r.bulk_len == 5 && memcmp(r.bulk, "hello", 5) == 0, "the bulk bytes");
	is_int(parse("$-1\r\n", &r), 5, "a null bulk");
	ok(r.bulk == NULL, "no bytes for null");
	is_int(parse("*3\r\n", &r), 4, "an array header");
}

static void test_incomplete_and_bad(void)
{
	struct redis_reply r;
	is_int(parse("", &r), 0, "nothing yet");
	is_int(parse("+PON", &r), 0, "a line without its end needs more");
	is_int(parse("$10\r\nhello", &r), 0, "a bulk cut short needs more");
	is_int(parse("SSH-2.0-OpenSSH_9.2\r\n", &r), -EPROTO, "another protocol's banner");
	is_int(redis_reply_parse((const uint8_t *)"\0+PONG\r\n", 8, &r), -EPROTO, "a NUL is no type");
	is_int(redis_reply_parse((const uint8_t *)"+PO\0NG\r\n", 8, &r), -EBADMSG, "a NUL inside a line");
	is_int(parse("+PO\nNG\r\n", &r), -EBADMSG, "a bare LF inside a line");
	is_int(parse("+PO\rNG\r\n", &r), -EBADMSG, "a bare CR inside a line");
	is_int(parse("$abc\r\n", &r), -EBADMSG, "a bulk length that is no number");
	is_int(parse("$-2\r\n", &r), -EBADMSG, "a negative length other than -1");
	is_int(parse("$5\r\nhelloXY", &r), -EBADMSG, "bulk bytes not ended by CR LF");
	is_int(parse("$99999999\r\n", &r), -E2BIG, "a bulk over the cap");
	is_int(parse("$999999999999999999999999\r\n", &r), -EBADMSG, "a length that would overflow");
	char big[REDIS_LINE_MAX + 10];
	memset(big, 'a', sizeof big);
	big[0] = '+';
	big[sizeof big - 1] = '\0';
	is_int(parse(big, &r), -E2BIG, "a line over the cap without its end");
}

static void test_info(void)
{
	const char *info =
	    "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\n";
	char v[REDIS_VERSION_MAX + 1];
	is_int(redis_info_version((const uint8_t *)info, strlen(info), v, sizeof v), 0,
	       "redis_version found");
	is_str(v, "7.0.15", "its value");
	const char *other = "# Server\r\nxredis_version:1\r\n";
	is_int(redis_info_version((const uint8_t *)other, strlen(other), v, sizeof v), -ENOENT,
	       "only a key at the start of a line");
	const char *odd = "redis_version:7.0<script>\r\n";
	is_int(redis_info_version((const uint8_t *)odd, strlen(odd), v, sizeof v), 0,
	       "a version with junk after");
	is_str(v, "7.0", "is cut at the first odd character");
}

int main(void)
{
	test_request();
	test_types();
	test_incomplete_and_bad();
	test_info();
	return done_testing();
}
