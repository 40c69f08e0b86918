/*
 * wire_http1 on canned responses: Orthanc's 401 with its realm, a body ended by
 * Content-Length or by the close, a body cut by the read cap, split input, and what is not
 * an HTTP/1.x response.
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "wire_http1.h"

static int parse(const char *s, int closed, struct http1_response *r)
{
	return http1_parse((const uint8_t *)s, strlen(s), closed, r);
}

static void test_orthanc(void)
{
	struct http1_response r;
	char v[64];
	const char *s =
	    "HTTP/1.0 401 Unauthorized\r\nConnection: close\r\nWWW-Authenticate: Basic realm=\"Orthanc "
	    "Secure Area\"\r\nContent-Length: 0\r\n\r\n";
	is_int(parse(s, 0, &r), 1, "a 401 with Content-Length 0 is whole before the close");
	is_int(r.status, 401, "status");
	is_int(r.minor, 0, "HTTP/1.0");
	is_int(http1_header(&r, "www-authenticate", v, sizeof v), 0, "header found case-insensitively");
	is_str(v, "Basic realm=\"Orthanc Secure Area\"", "its value");
	is_int(http1_header(&r, "Server", v, sizeof v), -ENOENT, "absent header");
	is_int(r.body_len, 0, "no body");
	is_int(http1_header(&r, "WWW", v, sizeof v), -ENOENT, "a prefix of a name is not the name");
}

static void test_bodies(void)
{
	struct http1_response r;
	char v[8];
	const char *cl =
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\n[1,2]extra";
	is_int(parse(cl, 0, &r), 1, "Content-Length reached");
	is_int(r.body_len, 5, "body cut at Content-Length");
	ok(memcmp(r.body, "[1,2]", 5) == 0, "body bytes");
	is_int(r.truncated, 0, "not truncated");
	const char *eof = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n{\"a\":1}";
	is_int(parse(eof, 0, &r), 0, "no Content-Length: more until the close");
	is_int(parse(eof, 1, &r), 1, "whole at the close");
	is_int(r.body_len, 7, "body to the close");
	is_int(r.content_length, -1, "no length");
	const char *cut = "HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\nabc";
	is_int(parse(cut, 1, &r), 1, "closed (or the cap) before Content-Length");
	is_int(r.truncated, 1, "truncated");
	is_int(r.body_len, 3, "what came");
	const char *head = "HTTP/1.1 204 No Content\r\nX-Long: abcdefghijkl\r\n\r\n";
	is_int(parse(head, 1, &r), 1, "204");
	is_int(http1_header(&r, "x-long", v, sizeof v), 0, "long value");
	is_str(v, "abcdefg", "cut to the room");
}

static void test_bad(void)
{
	struct http1_response r;
	is_int(parse("HTTP/1.1 200 OK\r\nServer: x\r\n", 0, &r), 0, "head unfinished: more");
	is_int(parse("HTTP/1.1 200 OK\r\nServer: x\r\n", 1, &r), -EBADMSG, "closed inside the head");
	is_int(parse("SSH-2.0-OpenSSH_9.2\r\n", 0, &r), -EBADMSG, "an SSH banner");
	is_int(parse("HTTP/1.1 2x0 OK\r\n\r\n", 0, &r), -EBADMSG, "a non-numeric status");
	is_int(parse("HTTP/1.1 999 Odd\r\n\r\n", 0, &r), -EBADMSG, "status past 599");
	is_int(parse("HTT", 0, &r), 0, "a prefix: more");
	static char big[HTTP1_HEAD_MAX + 64];
	memset(big, 'a', sizeof big - 1);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	is_int(parse(big, 0, &r), -E2BIG, "a head over the cap");
}

int main(void)
{
	test_orthanc();
	test_bodies();
	test_bad();
	return done_testing();
}
