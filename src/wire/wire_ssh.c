/* SSH identification and KEXINIT: see wire_ssh.h. */
#include "wire_ssh.h"

#include <errno.h>
#include <string.h>

/* The identification line (CR LF stripped) split into its parts; -EBADMSG when not SSH-x-y. */
static int ident_split(const char *line, size_t n, struct ssh_ident *out)
{
	const char *proto = line + 4, *end = line + n;
	const char *dash = memchr(proto, '-', (size_t)(end - proto));
	if (dash == NULL || dash == proto || dash + 1 == end)
		return -EBADMSG;
	memcpy(out->line, line, n);
	out->line[n] = '\0';
	memcpy(out->proto, proto, (size_t)(dash - proto));
	out->proto[dash - proto] = '\0';
	memcpy(out->software, dash + 1, (size_t)(end - dash - 1));
	out->software[end - dash - 1] = '\0';
	return 0;
}

int ssh_ident_parse(const uint8_t *buf, size_t len, struct ssh_ident *out, size_t *used)
{
	size_t start = 0;
	unsigned pre = 0;
	for (;;) {
		const uint8_t *lf = memchr(buf + start, '\n', len - start);
		size_t avail = lf ? (size_t)(lf - (buf + start)) + 1 : len - start;
		int is_ident = avail >= 4 && memcmp(buf + start, "SSH-", 4) == 0;
		if (avail > (is_ident ? SSH_IDENT_MAX : SSH_PRELINE_MAX))
			return -E2BIG;
		/* A NUL has no place in either kind of line: what sends one is not an SSH server. */
		if (memchr(buf + start, '\0', avail) != NULL)
			return -EBADMSG;
		if (lf == NULL)
			return 0;
		if (is_ident) {
			size_t n = avail - 1;
			if (n > 0 && buf[start + n - 1] == '\r')
				n--;
			struct ssh_ident id = {.prelines = pre};
			int rc = ident_split((const char *)buf + start, n, &id);
			if (rc < 0)
				return rc;
			*out = id;
			*used = start + avail;
			return 1;
		}
		if (++pre > SSH_PRELINES_MAX)
			return -E2BIG;
		start += avail;
	}
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Names are non-empty printable US-ASCII without commas between commas (RFC 4251 s5). */
static int namelist_valid(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int comma = p[i] == ',';
		if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
		if (comma && (i == 0 || i + 1 == n || p[i - 1] == ','))
			return 0;
	}
	return 1;
}

/* A KEXINIT payload (its message byte first) into out; -EBADMSG when malformed. */
static int kexinit_payload(const uint8_t *p, size_t n, struct ssh_kexinit *out)
{
	size_t off = 1 + 16; /* message number, cookie */
	for (int i = 0; i < SSH_NLISTS; i++) {
		if (off > n || n - off < 4)
			return -EBADMSG;
		uint32_t ln = get32(p + off);
		off += 4;
		if (ln > n - off || !namelist_valid(p + off, ln))
			return -EBADMSG;
		out->lists[i].p = ln ? (const char *)p + off : NULL;
		out->lists[i].n = ln;
		off += ln;
	}
	if (off > n || n - off < 5) /* first_kex_packet_follows, reserved uint32 */
		return -EBADMSG;
	out->first_kex_follows = p[off] != 0;
	return 0;
}

int ssh_kexinit_parse(const uint8_t *buf, size_t len, struct ssh_kexinit *out, size_t *used)
{
	size_t off = 0;
	struct ssh_kexinit k = {0};
	for (;;) {
		if (len - off < 5)
			return 0;
		uint32_t plen = get32(buf + off);
		uint8_t pad = buf[off + 4];
		if (plen > SSH_PACKET_MAX)
			return -E2BIG;
		/* RFC 4253 s6: padding at least 4 bytes, and a payload of at least its message byte. */
		if (plen < (uint32_t)pad + 2 || pad < 4)
			return -EBADMSG;
		if (len - off - 4 < plen)
			return 0;
		const uint8_t *payload = buf + off + 5;
		size_t n = plen - pad - 1;
		off += 4 + plen;
		if (payload[0] == SSH_MSG_KEXINIT) {
			int rc = kexinit_payload(payload, n, &k);
			if (rc < 0)
				return rc;
			*out = k;
			*used = off;
			return 1;
		}
		if (payload[0] != 2 && payload[0] != 4) /* SSH_MSG_IGNORE, SSH_MSG_DEBUG */
			return -EBADMSG;
		if (++k.skipped > SSH_SKIPPED_MAX)
			return -E2BIG;
	}
}

const char *ssh_list_name(enum ssh_list l)
{
	static const char *const names[SSH_NLISTS] = {
	    "kex",     "hostkey",        "ciphers_cs",     "ciphers_sc",   "macs_cs",
	    "macs_sc", "compression_cs", "compression_sc", "languages_cs", "languages_sc",
	};
	return (unsigned)l < SSH_NLISTS ? names[l] : "?";
}

int ssh_namelist_next(const struct ssh_namelist *l, size_t *pos, const char **name, size_t *n)
{
	if (l->p == NULL || *pos >= l->n)
		return 0;
	const char *s = l->p + *pos, *comma = memchr(s, ',', l->n - *pos);
	size_t k = comma ? (size_t)(comma - s) : l->n - *pos;
	*name = s;
	*n = k;
	*pos += k + (comma ? 1 : 0);
	return 1;
}
