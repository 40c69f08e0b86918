/*
 * What a Telnet server sends first (RFC 854, RFC 855): option negotiation commands
 * (IAC DO/DONT/WILL/WONT option, IAC SB ... IAC SE) and text such as a banner or a login
 * prompt, read incrementally from the byte stream.
 *
 * The probe only listens: it never answers a negotiation, never sends a user name. It keeps
 * the first TELNET_OPTS_MAX negotiations and the first TELNET_TEXT_MAX bytes of printable
 * text; more is counted, never stored, so any stream is accepted within those bounds.
 * Judging is the analyzer's.
 */
#ifndef VITALS_WIRE_TELNET_H
#define VITALS_WIRE_TELNET_H

#include <stddef.h>
#include <stdint.h>

#define TELNET_OPTS_MAX 16  /* negotiations kept */
#define TELNET_TEXT_MAX 256 /* bytes of text kept */
#define TELNET_SB_MAX   64  /* parameter bytes of one subnegotiation; more count as unprintable data */

#define TELNET_IAC  255
#define TELNET_DONT 254
#define TELNET_DO   253
#define TELNET_WONT 252
#define TELNET_WILL 251
#define TELNET_SB   250
#define TELNET_SE   240

/* One negotiation: a command (DO, DONT, WILL, WONT, SB) and its option. */
struct telnet_neg {
	uint8_t cmd;
	uint8_t opt;
};

/* The stream read so far. */
struct telnet_scan {
	int state;      /* the parser's place (inside a command, a subnegotiation) */
	uint8_t cmd;    /* the command whose option byte is awaited */
	unsigned ncmds; /* IAC commands seen (negotiations and others) */
	unsigned nnegs; /* negotiations kept in negs */
	struct telnet_neg negs[TELNET_OPTS_MAX];
	size_t textlen;                 /* bytes in text */
	char text[TELNET_TEXT_MAX + 1]; /* printable text (and LF), NUL-terminated */
	size_t other;                   /* data bytes neither kept nor printable (control bytes, 8-bit) */
	size_t sblen;                   /* parameter bytes of the subnegotiation in progress */
	size_t bytes;                   /* every byte taken */
};

void telnet_init(struct telnet_scan *t);

/* Takes `len` more bytes of the stream. Never fails: every byte is data or a command. */
void telnet_feed(struct telnet_scan *t, const uint8_t *b, size_t len);

/*
 * 1 when what came reads as a Telnet server's opening: some command or text, and no more
 * unprintable data bytes than printable ones (a binary protocol's bytes hold IAC pairs and
 * printable runs by chance, but are mostly unprintable); else 0.
 */
int telnet_plausible(const struct telnet_scan *t);

/* "DO", "DONT", "WILL", "WONT", "SB" for a negotiation command; NULL otherwise. */
const char *telnet_cmd_name(uint8_t cmd);

/* The option's name ("terminal-type", "echo", ...; RFC 855's registry), NULL when unnamed. */
const char *telnet_opt_name(uint8_t opt);

#endif
