/* SMB negotiation: see wire_smb.h. */
#include "wire_smb.h"

#include <errno.h>
#include <string.h>

#define SMB2_HDR       64
#define SMB1_HDR       32
#define SMB2_NEG_RSP   65 /* StructureSize of the negotiate response */
#define SMB_NEGOTIATE2 0x0000u
#define SMB_NEGOTIATE1 0x72u

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The direct-TCP transport header: a zero byte and the message length, 24 bits big-endian. */
static void put_transport(uint8_t *p, size_t len)
{
	p[0] = 0;
	p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
}

void smb2_build_negotiate(uint8_t buf[SMB2_NEGOTIATE_LEN])
{
	static const uint16_t dialects[] = {0x0202, 0x0210, 0x0300, 0x0302, 0x0311};
	memset(buf, 0, SMB2_NEGOTIATE_LEN);
	put_transport(buf, SMB2_NEGOTIATE_LEN - 4);
	uint8_t *h = buf + 4, *n = h + SMB2_HDR;
	memcpy(h, "\xFESMB", 4);
	put_le16(h + 4, SMB2_HDR);
	put_le16(h + 14, 1); /* CreditRequest */
	put_le16(n, 36);     /* StructureSize */
	put_le16(n + 2, 5);
	put_le16(n + 4, SMB2_SIGNING_ENABLED);
	memcpy(n + 12, "vitals-smb-probe", 16); /* ClientGuid: any fixed value identifies us */
	for (size_t i = 0; i < 5; i++)
		put_le16(n + 36 + 2 * i, dialects[i]);
	/* 3.1.1 requires a preauth-integrity context, 8-aligned from the SMB2 header. */
	size_t ctx = SMB2_HDR + 36 + 10 + 2;
	n[28] = (uint8_t)ctx;
	put_le16(n + 32, 1);
	uint8_t *c = h + ctx;
	put_le16(c, 1);           /* SMB2_PREAUTH_INTEGRITY_CAPABILITIES */
	put_le16(c + 2, 38);      /* DataLength */
	put_le16(c + 8, 1);       /* HashAlgorithmCount */
	put_le16(c + 10, 32);     /* SaltLength */
	put_le16(c + 12, 0x0001); /* SHA-512 */
	memset(c + 14, 0x5a, 32); /* the salt: nothing secret rests on it, we stop here */
}

void smb1_build_negotiate(uint8_t buf[SMB1_NEGOTIATE_LEN])
{
	memset(buf, 0, SMB1_NEGOTIATE_LEN);
	put_transport(buf, SMB1_NEGOTIATE_LEN - 4);
	uint8_t *h = buf + 4;
	memcpy(h, "\xFFSMB", 4);
	h[4] = SMB_NEGOTIATE1;
	h[9] = 0x18;              /* Flags: canonical, case-insensitive paths */
	put_le16(h + 10, 0xC001); /* Flags2: Unicode, NT status codes, long names */
	/* WordCount 0, ByteCount 12, one dialect: the SMBv1 one servers still accept. */
	put_le16(h + SMB1_HDR + 1, 12);
	memcpy(h + SMB1_HDR + 3, "\x02NT LM 0.12", 12);
}

static int parse_smb2(const uint8_t *m, size_t n, struct smb_reply *r)
{
	if (n < SMB2_HDR || get_le16(m + 4) != SMB2_HDR || get_le16(m + 12) != SMB_NEGOTIATE2)
		return -EBADMSG;
	*r = (struct smb_reply){.version = 2, .status = get_le32(m + 8)};
	if (r->status != 0)
		return 0; /* an error response: the status says it */
	const uint8_t *b = m + SMB2_HDR;
	if (n < SMB2_HDR + 64 || get_le16(b) != SMB2_NEG_RSP)
		return -EBADMSG;
	r->negotiated = 1;
	r->security_mode = get_le16(b + 2);
	r->dialect = get_le16(b + 4);
	return 0;
}

static int parse_smb1(const uint8_t *m, size_t n, struct smb_reply *r)
{
	if (n < SMB1_HDR + 3 || m[4] != SMB_NEGOTIATE1)
		return -EBADMSG;
	*r = (struct smb_reply){.version = 1, .status = get_le32(m + 5)};
	unsigned words = m[SMB1_HDR];
	if (r->status != 0 || words == 0)
		return 0;
	if (n < SMB1_HDR + 1 + 2 * (size_t)words)
		return -EBADMSG;
	r->negotiated = 1;
	r->dialect = get_le16(m + SMB1_HDR + 1);
	/* The NT LM 0.12 response (17 words) has SecurityMode after DialectIndex. */
	r->security_mode = words >= 17 ? m[SMB1_HDR + 3] : 0;
	return 0;
}

int smb_parse_reply(const uint8_t *b, size_t len, struct smb_reply *r)
{
	if (len > 0 && b[0] != 0)
		return -EBADMSG;
	if (len < 4)
		return 0;
	size_t n = (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
	if (n > SMB_REPLY_MAX)
		return -E2BIG;
	if (len < 4 + n)
		return 0;
	const uint8_t *m = b + 4;
	struct smb_reply tmp;
	int rc = -EBADMSG;
	if (n >= 4 && memcmp(m, "\xFESMB", 4) == 0)
		rc = parse_smb2(m, n, &tmp);
	else if (n >= 4 && memcmp(m, "\xFFSMB", 4) == 0)
		rc = parse_smb1(m, n, &tmp);
	if (rc < 0)
		return rc;
	*r = tmp;
	return (int)(4 + n);
}

const char *smb2_dialect_name(uint16_t dialect)
{
	switch (dialect) {
	case 0x0202:
		return "2.0.2";
	case 0x0210:
		return "2.1";
	case 0x0300:
		return "3.0";
	case 0x0302:
		return "3.0.2";
	case 0x0311:
		return "3.1.1";
	case 0x02FF:
		return "2.x";
	}
	return NULL;
}
