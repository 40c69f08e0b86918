/*
 * SSH as far as a scanner reads it without a key exchange (RFC 4253): the client's
 * identification string to send, the server's identification string (s4.2: lines before
 * it allowed, the identification line at most 255 bytes with CR LF) and the server's
 * first binary packet, SSH_MSG_KEXINIT (s7.1), whose name-lists say which key exchange,
 * host key, cipher, MAC and compression algorithms it offers.
 *
 * Parsers take everything read so far and say whether it is complete: they copy nothing
 * and allocate nothing; a kexinit's name-lists point into the caller's buffer. Caps are
 * the peer's error (-E2BIG), not a crash; bytes that are not SSH are -EBADMSG. It opens
 * no socket and never judges an algorithm (analyze_svc_sshdb.c does).
 */
#ifndef VITALS_WIRE_SSH_H
#define VITALS_WIRE_SSH_H

#include <stddef.h>
#include <stdint.h>

#define SSH_IDENT_MAX    255   /* RFC 4253 s4.2: the identification line, CR LF included */
#define SSH_PRELINE_MAX  1024  /* one line before the identification */
#define SSH_PRELINES_MAX 32    /* lines before the identification */
#define SSH_PACKET_MAX   35000 /* RFC 4253 s6.1: packet length every implementation takes */
#define SSH_SKIPPED_MAX  8     /* IGNORE/DEBUG messages tolerated before KEXINIT */
#define SSH_MSG_KEXINIT  20

/* The identification this client sends (RFC 4253 s4.2). */
#define SSH_CLIENT_IDENT "SSH-2.0-vitals\r\n"

/* The server's identification line. */
struct ssh_ident {
	char line[SSH_IDENT_MAX + 1];     /* the whole line without CR LF */
	char proto[SSH_IDENT_MAX + 1];    /* protoversion: "2.0", "1.99", "1.5" */
	char software[SSH_IDENT_MAX + 1]; /* everything after "SSH-proto-": softwareversion SP comments */
	unsigned prelines;                /* lines that came before it */
};

/*
 * Looks for the identification in buf[0..len): 1 when found (*used = bytes up to and with
 * its LF, the binary packets follow), 0 when more bytes are needed, -E2BIG when a line or
 * the count of lines is over its cap, -EBADMSG for a line with a NUL or an identification
 * that is not "SSH-proto-software".
 */
int ssh_ident_parse(const uint8_t *buf, size_t len, struct ssh_ident *out, size_t *used);

/* The name-lists of KEXINIT, in their order on the wire. */
enum ssh_list {
	SSH_KEX,
	SSH_HOSTKEY,
	SSH_ENC_CS,
	SSH_ENC_SC,
	SSH_MAC_CS,
	SSH_MAC_SC,
	SSH_COMP_CS,
	SSH_COMP_SC,
	SSH_LANG_CS,
	SSH_LANG_SC,
	SSH_NLISTS,
};

/* A name-list: comma-separated names (not NUL-terminated; points into the packet). */
struct ssh_namelist {
	const char *p; /* first byte (NULL when empty) */
	size_t n;      /* length */
};

struct ssh_kexinit {
	struct ssh_namelist lists[SSH_NLISTS]; /* each list, enum ssh_list order */
	int first_kex_follows;                 /* first_kex_packet_follows */
	unsigned skipped;                      /* IGNORE/DEBUG messages before it */
};

/*
 * The server's KEXINIT from the bytes after its identification: 1 when whole (*used = the
 * bytes of the packets read), 0 when more are needed, -E2BIG for a packet length over
 * SSH_PACKET_MAX or too many messages before it, -EBADMSG for a malformed packet, a
 * message other than KEXINIT (after IGNORE/DEBUG) or a name that is not printable ASCII.
 */
int ssh_kexinit_parse(const uint8_t *buf, size_t len, struct ssh_kexinit *out, size_t *used);

/* The list's name (for evidence): "kex", "hostkey", "ciphers_cs", ... */
const char *ssh_list_name(enum ssh_list l);

/*
 * The next name of a list: *pos (start at 0) moves past it. 1 with *name and *n set, 0 at
 * the end.
 */
int ssh_namelist_next(const struct ssh_namelist *l, size_t *pos, const char **name, size_t *n);

#endif
