/* HL7 v2 over MLLP: the probe message and the framed reply; see wire_hl7.h. */
#include "wire_hl7.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int all_digits(const char *s, size_t want)
{
	size_t n = strlen(s);
	if (n != want)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int alnum_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 20)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return 0;
	}
	return 1;
}

int hl7_probe_message(uint8_t *out, size_t cap, const char *timestamp, const char *control_id, size_t *len)
{
	if (timestamp == NULL || control_id == NULL || !all_digits(timestamp, 14) || !alnum_id(control_id))
		return -EINVAL;
	/* MSH only: MSH-9 a type no interface has, MSH-11 "D" (debugging), version 2.5. */
	int n = snprintf(
	    (char *)out, cap,
	    "%cMSH|^~\\&|VITALS|VITALS-SCANNER|VITALS-NOSUCH|VITALS-NOSUCH|%s||ZZZ^Z99^ZZZ|%s|D|2.5%c%c%c",
	    HL7_VT, timestamp, control_id, HL7_CR, HL7_FS, HL7_CR);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	*len = (size_t)n;
	return 0;
}

void hl7_reply_init(struct hl7_reply *r)
{
	memset(r, 0, sizeof *r);
}

static int take_byte(struct hl7_reply *r, uint8_t c)
{
	if (r->len == 0 && c != HL7_VT)
		return -EBADMSG; /* MLLP starts with VT: anything else is another protocol */
	if (c == 0)
		return -EBADMSG;
	if (r->len == HL7_REPLY_MAX)
		return -E2BIG;
	r->buf[r->len++] = c;
	r->done = r->len >= 3 && c == HL7_CR && r->buf[r->len - 2] == HL7_FS;
	return 0;
}

int hl7_reply_feed(struct hl7_reply *r, const uint8_t *data, size_t len, size_t *used)
{
	size_t i = 0;
	int rc = r->error;
	while (rc == 0 && !r->done && i < len)
		rc = take_byte(r, data[i++]);
	*used = i;
	if (rc < 0)
		r->error = rc;
	return rc < 0 ? rc : r->done;
}

/* Field `idx` (0: the segment name) of the segment [p, end) split by `sep`, as printable text. */
static void field(const uint8_t *p, const uint8_t *end, uint8_t sep, unsigned idx, char *dst)
{
	unsigned k = 0;
	while (p < end && k < idx) {
		if (*p++ == sep)
			k++;
	}
	size_t n = 0;
	if (k == idx) {
		for (; p < end && *p != sep && n < HL7_FIELD_MAX - 1; p++)
			dst[n++] = *p >= 0x20 && *p <= 0x7e ? (char)*p : '?';
	}
	dst[n] = '\0';
}

/* MSH-n is field n-1 of the split: MSH-1 is the separator itself. */
static void read_msh(const uint8_t *p, const uint8_t *end, struct hl7_ack *a)
{
	uint8_t sep = p[3];
	a->has_msh = 1;
	field(p, end, sep, 2, a->sending_app);
	field(p, end, sep, 3, a->sending_facility);
	field(p, end, sep, 8, a->message_type);
	field(p, end, sep, 11, a->version);
}

static void read_msa(const uint8_t *p, const uint8_t *end, uint8_t sep, struct hl7_ack *a)
{
	a->has_msa = 1;
	field(p, end, sep, 1, a->ack_code);
	field(p, end, sep, 2, a->ack_control_id);
	field(p, end, sep, 3, a->ack_text);
}

int hl7_ack_parse(const struct hl7_reply *r, struct hl7_ack *out)
{
	if (!r->done || r->len < 7 || memcmp(r->buf + 1, "MSH", 3) != 0)
		return -EBADMSG;
	struct hl7_ack a;
	memset(&a, 0, sizeof a);
	const uint8_t *p = r->buf + 1, *end = r->buf + r->len - 2; /* between VT and FS CR */
	uint8_t sep = p[3];
	if (sep < 0x20 || sep > 0x7e)
		return -EBADMSG;
	while (p < end) {
		const uint8_t *e = p;
		while (e < end && *e != HL7_CR && *e != '\n')
			e++;
		if (e - p >= 4 && memcmp(p, "MSH", 3) == 0 && !a.has_msh)
			read_msh(p, e, &a);
		else if (e - p >= 3 && memcmp(p, "MSA", 3) == 0 && !a.has_msa)
			read_msa(p, e, sep, &a);
		p = e < end ? e + 1 : e;
	}
	*out = a;
	return 0;
}
