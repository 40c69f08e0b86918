/* wire_smtp on canned replies: multi-line greetings and EHLO, split input, bad codes, the caps. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "wire_smtp.h"

static int feed_all(struct smtp_reply *r, const char *s, size_t *used)
{
	return smtp_reply_feed(r, (const uint8_t *)s, strlen(s), used);
}

static void test_greeting(void)
{
	struct smtp_reply r;
	size_t used;
	smtp_reply_init(&r);
	const char *g = "220-mx.example.test ESMTP\r\n220-second line\r\n220 ready\r\nEXTRA";
	is_int(feed_all(&r, g, &used), 1, "a three-line greeting is whole");
	is_int(r.code, 220, "its code");
	is_int(r.nlines, 3, "its lines");
	is_str(smtp_reply_line(&r, 0), "mx.example.test ESMTP", "first line's text without code and CR LF");
	is_str(smtp_reply_line(&r, 2), "ready", "last line's text");
	is_int(used, strlen(g) - 5, "bytes after the reply are left to the caller");
	is_str(smtp_reply_line(&r, 9), "", "past the end: empty");
}

static void test_split_and_bare(void)
{
	struct smtp_reply r;
	size_t used;
	const char *e =
	    "250-mx.example.test\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-starttls\r\n250 8BITMIME\r\n";
	smtp_reply_init(&r);
	int rc = 0;
	for (size_t i = 0; i < strlen(e) && rc == 0; i++)
		rc = smtp_reply_feed(&r, (const uint8_t *)e + i, 1, &used);
	is_int(rc, 1, "an EHLO reply fed a byte at a time, bare LF accepted");
	is_int(r.nlines, 5, "five lines");
	ok(smtp_ehlo_has(&r, "STARTTLS"), "STARTTLS offered (case-insensitive)");
	ok(smtp_ehlo_has(&r, "SIZE") && !smtp_ehlo_has(&r, "SIZ"), "keywords match whole");
	ok(!smtp_ehlo_has(&r, "mx.example.test"), "the first line is not a keyword");
	smtp_reply_init(&r);
	is_int(feed_all(&r, "220\r\n", &used), 1, "a code alone is a last line");
	smtp_reply_init(&r);
	is_int(feed_all(&r, "454 4.7.0 TLS not available\r\n", &used), 1, "a refusal");
	is_int(r.code, 454, "its code");
	smtp_reply_init(&r);
	is_int(feed_all(&r, "220-partial", &used), 0, "a line without its end: more needed");
}

static void test_bad(void)
{
	struct smtp_reply r;
	size_t used;
	const char *bad[] = {"HTTP/1.1 200 OK\r\n", "22\r\n",      "2x0 hi\r\n",  "220_mx\r\n",
	                     "220-a\r\n250 b\r\n",  "099 low\r\n", "220 a\0b\r\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		smtp_reply_init(&r);
		size_t len = i == 6 ? 10 : strlen(bad[i]);
		int rc = smtp_reply_feed(&r, (const uint8_t *)bad[i], len, &used);
		char name[64];
		snprintf(name, sizeof name, "garbage %zu is -EBADMSG", i);
		is_int(rc, -EBADMSG, name);
	}
	is_int(smtp_reply_feed(&r, (const uint8_t *)"220 ok\r\n", 8, &used), -EBADMSG, "errors are sticky");
}

static void test_caps(void)
{
	static char big[3 * SMTP_REPLY_MAX];
	struct smtp_reply r;
	size_t used, off = 0;
	smtp_reply_init(&r);
	while (off + 12 < sizeof big)
		off += (size_t)snprintf(big + off, sizeof big - off, "220-xxxxxx\r\n");
	is_int(feed_all(&r, big, &used), -E2BIG, "more than 64 lines is -E2BIG");
	is_int(r.nlines, SMTP_LINES_MAX, "64 lines were kept");
	smtp_reply_init(&r);
	memset(big, 'a', sizeof big - 1);
	memcpy(big, "220 ", 4);
	big[sizeof big - 1] = '\0';
	is_int(feed_all(&r, big, &used), -E2BIG, "a line over 4 KB is -E2BIG");
	ok(used <= SMTP_REPLY_MAX, "at most 4 KB taken");
}

int main(void)
{
	test_greeting();
	test_split_and_bare();
	test_bad();
	test_caps();
	return done_testing();
}
