/* The opening of RFB: see wire_rfb.h. */
#include "wire_rfb.h"

#include <errno.h>
#include <string.h>

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Three ASCII digits. */
static int digits3(const uint8_t *p, unsigned *v)
{
	for (int i = 0; i < 3; i++)
		if (p[i] < '0' || p[i] > '9')
			return -EBADMSG;
	*v = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
	return 0;
}

int rfb_parse_version(const uint8_t *b, size_t len, unsigned *major, unsigned *minor)
{
	static const char head[] = "RFB ";
	size_t n = len < 4 ? len : 4;
	/* A wrong prefix is known before 12 bytes come: a silent wait would only time out. */
	if (memcmp(b, head, n) != 0)
		return -EBADMSG;
	if (len < RFB_VERSION_LEN)
		return 0;
	unsigned ma, mi;
	if (b[7] != '.' || b[11] != '\n' || digits3(b + 4, &ma) < 0 || digits3(b + 8, &mi) < 0)
		return -EBADMSG;
	*major = ma;
	*minor = mi;
	return 1;
}

unsigned rfb_client_version(unsigned major, unsigned minor, uint8_t out[RFB_VERSION_LEN])
{
	unsigned mi = 8;
	if (major == 3 && minor < 7)
		mi = 3;
	else if (major == 3 && minor == 7)
		mi = 7;
	else if (major < 3)
		mi = 3;
	memcpy(out, "RFB 003.00", 10);
	out[10] = (uint8_t)('0' + mi);
	out[11] = '\n';
	return mi;
}

/* A reason of 4-byte length then text at b; its total size, 0 for more, or an error. */
static int parse_reason(const uint8_t *b, size_t len, struct rfb_security *s)
{
	if (len < 4)
		return 0;
	uint32_t n = get_be32(b);
	if (n > RFB_REASON_MAX)
		return -E2BIG;
	if (len < 4 + (size_t)n)
		return 0;
	memcpy(s->reason, b + 4, n);
	s->reason[n] = '\0';
	/* A NUL inside would cut the text short: the reason is text. */
	if (strlen(s->reason) != n)
		return -EBADMSG;
	return (int)(4 + n);
}

static int parse_v33(const uint8_t *b, size_t len, struct rfb_security *s)
{
	if (len < 4)
		return 0;
	uint32_t t = get_be32(b);
	if (t > 255)
		return -EBADMSG;
	if (t != RFB_SEC_INVALID) {
		s->ntypes = 1;
		s->types[0] = (uint8_t)t;
		return 4;
	}
	int rc = parse_reason(b + 4, len - 4, s);
	return rc > 0 ? rc + 4 : rc;
}

static int parse_list(const uint8_t *b, size_t len, struct rfb_security *s)
{
	if (len < 1)
		return 0;
	unsigned n = b[0];
	if (n == 0) {
		int rc = parse_reason(b + 1, len - 1, s);
		return rc > 0 ? rc + 1 : rc;
	}
	if (len < 1 + (size_t)n)
		return 0;
	s->ntypes = n;
	memcpy(s->types, b + 1, n);
	return (int)(1 + n);
}

int rfb_parse_security(const uint8_t *b, size_t len, unsigned minor, struct rfb_security *s)
{
	struct rfb_security tmp = {0};
	int rc = minor == 3 ? parse_v33(b, len, &tmp) : parse_list(b, len, &tmp);
	if (rc > 0)
		*s = tmp;
	return rc;
}

const char *rfb_security_name(uint8_t type)
{
	/* The IANA "RFB Security Types" registry's names of the common ones. */
	switch (type) {
	case 0:
		return "invalid";
	case 1:
		return "none";
	case 2:
		return "vnc";
	case 5:
		return "ra2";
	case 6:
		return "ra2ne";
	case 16:
		return "tight";
	case 18:
		return "tls";
	case 19:
		return "vencrypt";
	case 22:
		return "xvp";
	case 30:
		return "apple_dh";
	}
	return NULL;
}
