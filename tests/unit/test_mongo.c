/* wire_mongo on canned bytes: the OP_MSG hello, replies of a standalone server (the shape MongoDB 7
 * sends), of a server without the hello command and of a mongos, split input, caps and bad BSON. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "wire_mongo.h"

static size_t load(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	return n;
}

static void test_build(void)
{
	uint8_t buf[128];
	static const uint8_t want[] = {52,  0,   0,   0,   'a', 't', 'i', 'v', 0,   0,   0,   0,   0xdd,
	                               7,   0,   0,   0,   0,   0,   0,   0,   32,  0,   0,   0,   0x10,
	                               'h', 'e', 'l', 'l', 'o', 0,   1,   0,   0,   0,   2,   '$', 'd',
	                               'b', 0,   6,   0,   0,   0,   'a', 'd', 'm', 'i', 'n', 0,   0};
	int n = mongo_hello_build(buf, sizeof buf);
	is_int(n, sizeof want, "52 bytes");
	ok(n == (int)sizeof want && memcmp(buf, want, sizeof want) == 0,
	   "header (request id, OP_MSG 2013), flags 0, body {hello: 1, $db: \"admin\"}");
	is_int(mongo_hello_build(buf, 51), -ENOSPC, "a buffer too small");
}

static void test_replies(void)
{
	uint8_t buf[1024];
	struct mongo_hello h;
	size_t used = 0, n = load("tests/fuzz/corpus/mongo/hello_standalone.bin", buf, sizeof buf);
	is_int(mongo_hello_parse(buf, n, &h, &used), 1, "a standalone server's hello reply");
	is_int(used, n, "all of it");
	ok(h.has_ok && h.ok == 1.0, "ok 1");
	is_int(h.writable, 1, "isWritablePrimary");
	is_int(h.has_wire, 1, "maxWireVersion present");
	is_int(h.max_wire, 21, "maxWireVersion 21 (7.0)");
	is_int(h.min_wire, 0, "minWireVersion 0");
	is_str(h.set_name, "", "no replica set");
	for (size_t i = 0; i < n; i++)
		if (mongo_hello_parse(buf, i, &h, &used) != 0)
			break;
	is_int(mongo_hello_parse(buf, n - 1, &h, &used), 0, "a byte short: more needed");

	n = load("tests/fuzz/corpus/mongo/hello_unknown.bin", buf, sizeof buf);
	is_int(mongo_hello_parse(buf, n, &h, &used), 1, "an older server without hello");
	ok(h.has_ok && h.ok == 0.0, "ok 0");
	is_int(h.code, 59, "CommandNotFound");
	is_str(h.errmsg, "no such command: 'hello'", "its message");
	is_int(h.writable, -1, "no primary flag");

	n = load("tests/fuzz/corpus/mongo/mongos_int64.bin", buf, sizeof buf);
	is_int(mongo_hello_parse(buf, n, &h, &used), 1, "a mongos");
	is_str(h.msg, "isdbgrid", "msg isdbgrid");
	is_str(h.set_name, "rs0", "setName");
	is_int(h.writable, 1, "ismaster");
	is_int(h.has_wire, 0, "a maxWireVersion that is not an int32 is not taken");
	ok(h.ok == 1.0, "an int64 ok");

	/* checksumPresent: the CRC trails the body and is not BSON */
	uint8_t ck[1024];
	n = load("tests/fuzz/corpus/mongo/hello_unknown.bin", ck, sizeof ck - 4);
	ck[0] = (uint8_t)(n + 4);
	ck[16] = 1;
	memset(ck + n, 0xEE, 4);
	is_int(mongo_hello_parse(ck, n + 4, &h, &used), 1, "a trailing checksum");
	is_int(used, n + 4, "counted");
}

static void test_bad(void)
{
	uint8_t buf[1024];
	struct mongo_hello h;
	size_t used = 0, n = load("tests/fuzz/corpus/mongo/hello_standalone.bin", buf, sizeof buf);
	buf[8] ^= 1;
	is_int(mongo_hello_parse(buf, n, &h, &used), -EBADMSG, "an answer to another request");
	buf[8] ^= 1;
	buf[12] = 1;
	is_int(mongo_hello_parse(buf, n, &h, &used), -EBADMSG, "OP_REPLY instead of OP_MSG");
	buf[12] = 0xdd;
	buf[2] = 1;
	is_int(mongo_hello_parse(buf, n, &h, &used), -E2BIG, "a message over 16 KiB");
	buf[2] = 0;
	buf[21] += 1;
	is_int(mongo_hello_parse(buf, n, &h, &used), -EBADMSG, "a body longer than the message");
	buf[21] -= 1;
	buf[25] = 0x42;
	is_int(mongo_hello_parse(buf, n, &h, &used), -EBADMSG, "an unknown element type");
	buf[25] = 0x08;
	buf[20] = 1;
	is_int(mongo_hello_parse(buf, n, &h, &used), -EBADMSG, "a document sequence instead of the body");
	buf[20] = 0;
	/* a string whose length runs past the document */
	static const uint8_t s[] = {42,  0, 0,    0, 'a', 't', 'i', 'v', 0, 0, 0, 0, 0xdd, 7,
	                            0,   0, 0,    0, 0,   0,   0,   21,  0, 0, 0, 2, 'm',  's',
	                            'g', 0, 0x7f, 0, 0,   0,   'x', 0,   0, 0, 0, 0, 0,    0};
	is_int(mongo_hello_parse(s, sizeof s, &h, &used), -EBADMSG, "a string longer than its document");
	is_int(mongo_hello_parse((const uint8_t *)"HTTP/1.1 400 Bad Request\r\n", 26, &h, &used), -E2BIG,
	       "an HTTP answer reads as a huge length");
}

int main(void)
{
	test_build();
	test_replies();
	test_bad();
	return done_testing();
}
