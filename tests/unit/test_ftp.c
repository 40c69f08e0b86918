/* wire_ftp on canned replies: vsftpd's, multi-line ones with uncoded lines, split input, bad codes, caps. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "wire_ftp.h"

static int feed(struct ftp_reply *r, const char *s, size_t *used)
{
	return ftp_reply_feed(r, (const uint8_t *)s, strlen(s), used);
}

static void test_vsftpd(void)
{
	struct ftp_reply r;
	size_t used;
	ftp_reply_init(&r);
	/* Captured from vsftpd 3.0.3: the failed PASS's reply and QUIT's arrived together. */
	const char *two = "530 Login incorrect.\r\n221 Goodbye.\r\n";
	is_int(feed(&r, two, &used), 1, "the first reply is whole");
	is_int(r.code, 530, "its code");
	is_str(r.text, "Login incorrect.", "its text");
	is_int(used, 22, "the second reply is left");
	ftp_reply_init(&r);
	is_int(feed(&r, two + used, &used), 1, "then the second");
	is_int(r.code, 221, "its code");
	ftp_reply_init(&r);
	const char *g = "220 (vsFTPd 3.0.3)\r\n";
	int rc = 0;
	for (size_t i = 0; i < strlen(g) && rc == 0; i++)
		rc = ftp_reply_feed(&r, (const uint8_t *)g + i, 1, &used);
	is_int(rc, 1, "the greeting, a byte at a time");
	is_str(r.text, "(vsFTPd 3.0.3)", "the banner");
}

static void test_multiline(void)
{
	struct ftp_reply r;
	size_t used;
	ftp_reply_init(&r);
	is_int(feed(&r, "220-Welcome\r\n  to the server\r\n220-more\n220 ready\r\n", &used), 1,
	       "RFC 959 multi-line");
	is_int(r.nlines, 4, "four lines");
	is_str(r.text, "Welcome\n  to the server\nmore\nready", "uncoded lines are text, codes stripped");
	ftp_reply_init(&r);
	is_int(feed(&r, "230-a\r\n231 b\r\n230 c\r\n", &used), 1, "another code does not end it");
	is_int(r.nlines, 3, "three lines");
	ftp_reply_init(&r);
	is_int(feed(&r, "331\r\n", &used), 1, "a code alone");
	ftp_reply_init(&r);
	is_int(feed(&r, "220-partial\r\n220 no end", &used), 0, "a last line without its end: more needed");
}

static void test_bad(void)
{
	struct ftp_reply r;
	size_t used;
	const char *bad[] = {"SSH-2.0-OpenSSH_9.2\r\n", "22\r\n", "220_x\r\n", "099 low\r\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ftp_reply_init(&r);
		is_int(feed(&r, bad[i], &used), -EBADMSG, bad[i]);
	}
	ftp_reply_init(&r);
	is_int(ftp_reply_feed(&r, (const uint8_t *)"220 a\0b\r\n", 9, &used), -EBADMSG, "a NUL");
	is_int(feed(&r, "220 ok\r\n", &used), -EBADMSG, "the error is sticky");
	char big[FTP_REPLY_MAX + 10];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "220-", 4);
	ftp_reply_init(&r);
	is_int(feed(&r, big, &used), -E2BIG, "a reply over FTP_REPLY_MAX");
	ftp_reply_init(&r);
	int rc = 0;
	for (int i = 0; i < 40 && rc == 0; i++)
		rc = feed(&r, i == 0 ? "220-x\r\n" : "x\r\n", &used);
	is_int(rc, -E2BIG, "a reply over FTP_LINES_MAX lines");
}

int main(void)
{
	test_vsftpd();
	test_multiline();
	test_bad();
	return done_testing();
}
