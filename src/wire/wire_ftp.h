/*
 * FTP replies on the wire (RFC 959 s4.2), read incrementally under a cap: the greeting, and
 * the answers to USER and PASS of an anonymous login attempt.
 *
 * A reply is one line "ddd text" (or "ddd"), or a first line "ddd-text", any lines, and a
 * last line starting with the same code and a blank; lines end with CR LF (a bare LF is
 * accepted). Unlike SMTP (wire_smtp.h), the lines between need not carry the code, so the
 * two do not share a parser. A reply over FTP_REPLY_MAX bytes or FTP_LINES_MAX lines is the
 * peer's error (-E2BIG); anything else that is not a reply is -EBADMSG. It opens no socket,
 * sends nothing and judges nothing.
 */
#ifndef VITALS_WIRE_FTP_H
#define VITALS_WIRE_FTP_H

#include <stddef.h>
#include <stdint.h>

#define FTP_REPLY_MAX 2048 /* bytes of one reply */
#define FTP_LINES_MAX 32   /* lines of one reply */

/* One reply being read. */
struct ftp_reply {
	int code;                     /* the first line's code (0 until that line is whole) */
	int done;                     /* the last line arrived */
	int error;                    /* 0, -EBADMSG or -E2BIG (sticky) */
	unsigned nlines;              /* whole lines so far */
	size_t bytes;                 /* bytes taken so far */
	size_t partial;               /* bytes of the line not yet ended */
	char text[FTP_REPLY_MAX + 1]; /* the lines' text, code and CR LF removed, joined by LF */
	size_t textlen;               /* bytes in text */
	char line[FTP_REPLY_MAX + 1]; /* the line being read */
};

void ftp_reply_init(struct ftp_reply *r);

/*
 * Takes bytes as they arrive, up to the end of the reply: *used receives how many were
 * taken. Returns 1 when the reply is complete, 0 when more bytes are needed, or the sticky
 * error.
 */
int ftp_reply_feed(struct ftp_reply *r, const uint8_t *data, size_t len, size_t *used);

#endif
