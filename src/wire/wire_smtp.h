/*
 * SMTP replies on the wire (RFC 5321 s4.2), read incrementally under caps, for the
 * STARTTLS preamble of the deep-TLS probe: the greeting ("220-..." lines then "220 ..."),
 * the EHLO reply (its lines after the first are the extension keywords) and the answer to
 * STARTTLS.
 *
 * A reply is lines of a three-digit code, then '-' (more lines follow) or ' ' (or nothing:
 * the last line), then text, each ended by LF (CR LF, a bare LF is accepted). Every line of
 * one reply must carry the same code. A reply over SMTP_REPLY_MAX bytes or SMTP_LINES_MAX
 * lines is the peer's error (-E2BIG), not a crash; anything that is not a reply line is
 * -EBADMSG. It opens no socket and judges nothing: the probe records what came.
 */
#ifndef VITALS_WIRE_SMTP_H
#define VITALS_WIRE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#define SMTP_REPLY_MAX 4096 /* bytes of one reply kept and accepted */
#define SMTP_LINES_MAX 64   /* lines of one reply */

/* One reply being read. */
struct smtp_reply {
	int code;                     /* the reply code (0 until the first line is whole) */
	int done;                     /* the last line arrived */
	int error;                    /* 0, -EBADMSG or -E2BIG (sticky) */
	unsigned nlines;              /* whole lines so far */
	size_t bytes;                 /* bytes taken so far, line ends included */
	size_t partial;               /* bytes of the line not yet ended, in buf after the lines */
	size_t off[SMTP_LINES_MAX];   /* each line's text: offset in buf (after "ddd-") */
	size_t len[SMTP_LINES_MAX];   /* and length (without CR LF) */
	char buf[SMTP_REPLY_MAX + 1]; /* the lines' text, NUL-separated */
};

void smtp_reply_init(struct smtp_reply *r);

/*
 * Takes bytes as they arrive, up to the end of the reply: *used receives how many were
 * taken (bytes after the reply's last line belong to what follows). Returns 1 when the
 * reply is complete, 0 when more bytes are needed, or the sticky error.
 */
int smtp_reply_feed(struct smtp_reply *r, const uint8_t *data, size_t len, size_t *used);

/* The text of line i (NUL-terminated; "" past the end). */
const char *smtp_reply_line(const struct smtp_reply *r, unsigned i);

/*
 * In an EHLO reply: 1 when a line after the first has the keyword `kw` (case-insensitive,
 * followed by the end or a blank), else 0.
 */
int smtp_ehlo_has(const struct smtp_reply *r, const char *kw);

#endif
