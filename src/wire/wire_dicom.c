/* DICOM upper-layer PDUs and the probe's two DIMSE commands: see wire_dicom.h. */
#include "wire_dicom.h"

#include <errno.h>
#include <string.h>

#define UID_APP_CTX    "1.2.840.10008.3.1.1.1"
#define UID_VERIFY     "1.2.840.10008.1.1"
#define UID_FIND_STUDY "1.2.840.10008.5.1.4.1.2.2.1"
#define UID_IMPLICIT   "1.2.840.10008.1.2"
#define UID_IMPL_CLASS "2.25.228349120745215393174312412399917341563" /* a UUID-derived root (PS3.5 B.2) */
#define IMPL_VERSION   "VITALS_0_1"

/* A bounded writer: the first overflow sticks and nothing more is written. */
struct wbuf {
	uint8_t *p;
	size_t cap, n;
	int err;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->err || n > w->cap - w->n) {
		w->err = -ENOSPC;
		return;
	}
	memcpy(w->p + w->n, src, n);
	w->n += n;
}

static void put8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put16be(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(w, b, 2);
}

static void put32be(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	put(w, b, 4);
}

/* Writes v big-endian at an earlier offset (a length known only afterwards). */
static void patch32be(struct wbuf *w, size_t at, uint32_t v)
{
	if (w->err)
		return;
	w->p[at] = (uint8_t)(v >> 24);
	w->p[at + 1] = (uint8_t)(v >> 16);
	w->p[at + 2] = (uint8_t)(v >> 8);
	w->p[at + 3] = (uint8_t)v;
}

static uint16_t get16be(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get32be(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint16_t get16le(const uint8_t *b)
{
	return (uint16_t)(b[1] << 8 | b[0]);
}

static uint32_t get32le(const uint8_t *b)
{
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

int dicom_pdu_frame(const uint8_t *buf, size_t len, size_t *pdu_len)
{
	if (len < 1)
		return 0;
	if (buf[0] < DICOM_ASSOC_RQ || buf[0] > DICOM_ABORT)
		return -EBADMSG;
	if (len < 6)
		return 0;
	uint32_t body = get32be(buf + 2);
	if (body > DICOM_PDU_MAX - 6)
		return -E2BIG;
	if (len < 6 + (size_t)body)
		return 0;
	*pdu_len = 6 + (size_t)body;
	return 1;
}

/* ---- A-ASSOCIATE-RQ ---- */

static int aet_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n == 0 || n > DICOM_AET_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (t[i] < 0x20 || t[i] > 0x7e || t[i] == '\\')
			return 0;
	return 1;
}

static void put_aet(struct wbuf *w, const char *t)
{
	char pad[DICOM_AET_LEN];
	memset(pad, ' ', sizeof pad);
	memcpy(pad, t, strlen(t));
	put(w, pad, sizeof pad);
}

/* An item or sub-item holding one UID (PS3.8 9.3.2.1-2): type, reserved, length, text. */
static void put_uid_item(struct wbuf *w, uint8_t type, const char *uid)
{
	put8(w, type);
	put8(w, 0);
	put16be(w, (uint16_t)strlen(uid));
	put(w, uid, strlen(uid));
}

static void put_ctx(struct wbuf *w, uint8_t id, const char *abstract)
{
	put8(w, 0x20);
	put8(w, 0);
	put16be(w, (uint16_t)(4 + 4 + strlen(abstract) + 4 + strlen(UID_IMPLICIT)));
	put8(w, id);
	put8(w, 0);
	put8(w, 0);
	put8(w, 0);
	put_uid_item(w, 0x30, abstract);
	put_uid_item(w, 0x40, UID_IMPLICIT);
}

static void put_user_info(struct wbuf *w)
{
	put8(w, 0x50);
	put8(w, 0);
	put16be(w, (uint16_t)(8 + 4 + strlen(UID_IMPL_CLASS) + 4 + strlen(IMPL_VERSION)));
	put8(w, 0x51);
	put8(w, 0);
	put16be(w, 4);
	put32be(w, DICOM_MAX_PDV);
	put_uid_item(w, 0x52, UID_IMPL_CLASS);
	put_uid_item(w, 0x55, IMPL_VERSION);
}

int dicom_assoc_rq(uint8_t *out, size_t cap, const char *called, const char *calling, size_t *len)
{
	if (!aet_ok(called) || !aet_ok(calling))
		return -EINVAL;
	struct wbuf w = {out, cap, 0, 0};
	uint8_t zero[32] = {0};
	put8(&w, DICOM_ASSOC_RQ);
	put8(&w, 0);
	put32be(&w, 0); /* the PDU length, patched below */
	put16be(&w, 1); /* protocol version */
	put16be(&w, 0);
	put_aet(&w, called);
	put_aet(&w, calling);
	put(&w, zero, sizeof zero);
	put_uid_item(&w, 0x10, UID_APP_CTX);
	put_ctx(&w, DICOM_CTX_ECHO, UID_VERIFY);
	put_ctx(&w, DICOM_CTX_FIND, UID_FIND_STUDY);
	put_user_info(&w);
	patch32be(&w, 2, (uint32_t)(w.n - 6));
	if (w.err)
		return w.err;
	*len = w.n;
	return 0;
}

/* ---- A-ASSOCIATE-AC / -RJ, A-ABORT ---- */

/* Copies a sub-item's text, NUL-terminated and cut to the room, without trailing NULs or blanks. */
static void copy_text(char *dst, size_t room, const uint8_t *src, size_t n)
{
	if (n > room - 1)
		n = room - 1;
	while (n > 0 && (src[n - 1] == 0 || src[n - 1] == ' '))
		n--;
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] <= 0x7e ? (char)src[i] : '?';
	dst[n] = '\0';
}

static int parse_user_info(const uint8_t *p, size_t n, struct dicom_assoc *a)
{
	size_t off = 0;
	while (off < n) {
		if (n - off < 4)
			return -EBADMSG;
		uint8_t type = p[off];
		size_t ilen = get16be(p + off + 2);
		if (ilen > n - off - 4)
			return -EBADMSG;
		const uint8_t *v = p + off + 4;
		if (type == 0x51 && ilen == 4)
			a->max_pdu = get32be(v);
		else if (type == 0x52)
			copy_text(a->impl_uid, sizeof a->impl_uid, v, ilen);
		else if (type == 0x55)
			copy_text(a->impl_version, sizeof a->impl_version, v, ilen);
		off += 4 + ilen;
	}
	return 0;
}

static int parse_ac_items(const uint8_t *p, size_t n, struct dicom_assoc *a)
{
	size_t off = 0;
	while (off < n) {
		if (n - off < 4)
			return -EBADMSG;
		uint8_t type = p[off];
		size_t ilen = get16be(p + off + 2);
		if (ilen > n - off - 4)
			return -EBADMSG;
		const uint8_t *v = p + off + 4;
		if (type == 0x21) {
			if (ilen < 4)
				return -EBADMSG;
			if (a->nctx < DICOM_CTX_MAX) {
				a->ctx_id[a->nctx] = v[0];
				a->ctx_result[a->nctx] = v[2];
				a->nctx++;
			}
		} else if (type == 0x50 && parse_user_info(v, ilen, a) < 0) {
			return -EBADMSG;
		}
		off += 4 + ilen;
	}
	return 0;
}

int dicom_assoc_parse(const uint8_t *pdu, size_t len, struct dicom_assoc *out)
{
	size_t plen;
	if (dicom_pdu_frame(pdu, len, &plen) != 1 || plen != len)
		return -EBADMSG;
	struct dicom_assoc a;
	memset(&a, 0, sizeof a);
	a.type = pdu[0];
	if (a.type == DICOM_ASSOC_RJ || a.type == DICOM_ABORT) {
		if (len != 10)
			return -EBADMSG;
		a.result = a.type == DICOM_ASSOC_RJ ? pdu[7] : 0;
		a.source = pdu[8];
		a.reason = pdu[9];
	} else if (a.type == DICOM_ASSOC_AC) {
		/* header 6, version 2, reserved 2, AE titles 32, reserved 32 */
		if (len < 74 || parse_ac_items(pdu + 74, len - 74, &a) < 0)
			return -EBADMSG;
	} else {
		return -EPROTO;
	}
	*out = a;
	return 0;
}

int dicom_ctx_result(const struct dicom_assoc *a, uint8_t id)
{
	for (unsigned i = 0; i < a->nctx && i < DICOM_CTX_MAX; i++)
		if (a->ctx_id[i] == id)
			return a->ctx_result[i];
	return -1;
}

/* ---- DIMSE requests (Implicit VR Little Endian, PS3.5 7.1.3) ---- */

static void put_elem(struct wbuf *w, uint16_t group, uint16_t elem, const void *v, uint32_t n)
{
	uint8_t h[8] = {(uint8_t)group, (uint8_t)(group >> 8), (uint8_t)elem,      (uint8_t)(elem >> 8),
	                (uint8_t)n,     (uint8_t)(n >> 8),     (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
	put(w, h, sizeof h);
	put(w, v, n);
}

static void put_elem16(struct wbuf *w, uint16_t elem, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put_elem(w, 0x0000, elem, b, 2);
}

/* A UID value is padded with a NUL to an even length (PS3.5 9.1). */
static void put_elem_uid(struct wbuf *w, uint16_t elem, const char *uid)
{
	char v[68] = {0};
	size_t n = strlen(uid);
	memcpy(v, uid, n);
	put_elem(w, 0x0000, elem, v, (uint32_t)(n + (n & 1)));
}

/* The command set's elements after (0000,0000) into `w`. */
static void put_command(struct wbuf *w, const char *sop, uint16_t field, uint16_t msg_id, int with_data)
{
	put_elem_uid(w, 0x0002, sop);
	put_elem16(w, 0x0100, field);
	put_elem16(w, 0x0110, msg_id);
	if (field == DICOM_C_FIND_RQ)
		put_elem16(w, 0x0700, 0); /* priority: medium */
	put_elem16(w, 0x0800, with_data ? 0x0000 : 0x0101);
}

/* One PDV item: length, context id, control header (bit 0 command, bit 1 last), value. */
static void put_pdv(struct wbuf *w, uint8_t ctx, uint8_t control, const uint8_t *v, size_t n)
{
	put32be(w, (uint32_t)(n + 2));
	put8(w, ctx);
	put8(w, control);
	put(w, v, n);
}

/* The command set with its group length first. */
static int command_set(uint8_t *buf, size_t cap, const char *sop, uint16_t field, uint16_t msg_id,
                       int with_data, size_t *len)
{
	struct wbuf body = {buf + 12, cap > 12 ? cap - 12 : 0, 0, cap > 12 ? 0 : -ENOSPC};
	put_command(&body, sop, field, msg_id, with_data);
	if (body.err)
		return body.err;
	uint32_t gl = (uint32_t)body.n;
	uint8_t v[4] = {(uint8_t)gl, (uint8_t)(gl >> 8), (uint8_t)(gl >> 16), (uint8_t)(gl >> 24)};
	struct wbuf head = {buf, 12, 0, 0};
	put_elem(&head, 0x0000, 0x0000, v, 4);
	*len = 12 + body.n;
	return 0;
}

int dicom_echo_rq(uint8_t *out, size_t cap, uint16_t msg_id, size_t *len)
{
	uint8_t cmd[128];
	size_t n;
	int rc = command_set(cmd, sizeof cmd, UID_VERIFY, DICOM_C_ECHO_RQ, msg_id, 0, &n);
	if (rc < 0)
		return rc;
	struct wbuf w = {out, cap, 0, 0};
	put8(&w, DICOM_P_DATA);
	put8(&w, 0);
	put32be(&w, (uint32_t)(4 + 2 + n));
	put_pdv(&w, DICOM_CTX_ECHO, 0x03, cmd, n);
	if (w.err)
		return w.err;
	*len = w.n;
	return 0;
}

/* The identifier: QueryRetrieveLevel STUDY and StudyDate 19000101, in tag order. No other key. */
static size_t find_identifier(uint8_t *buf, size_t cap)
{
	struct wbuf w = {buf, cap, 0, 0};
	put_elem(&w, 0x0008, 0x0020, DICOM_FIND_DATE, 8);
	put_elem(&w, 0x0008, 0x0052, "STUDY ", 6);
	return w.err ? 0 : w.n;
}

int dicom_find_rq(uint8_t *out, size_t cap, uint16_t msg_id, size_t *len)
{
	uint8_t cmd[128], ident[64];
	size_t n, m = find_identifier(ident, sizeof ident);
	int rc = command_set(cmd, sizeof cmd, UID_FIND_STUDY, DICOM_C_FIND_RQ, msg_id, 1, &n);
	if (rc < 0)
		return rc;
	struct wbuf w = {out, cap, 0, 0};
	put8(&w, DICOM_P_DATA);
	put8(&w, 0);
	put32be(&w, (uint32_t)(6 + n + 6 + m));
	put_pdv(&w, DICOM_CTX_FIND, 0x03, cmd, n);
	put_pdv(&w, DICOM_CTX_FIND, 0x02, ident, m);
	if (w.err)
		return w.err;
	*len = w.n;
	return 0;
}

int dicom_release_rq(uint8_t *out, size_t cap, size_t *len)
{
	static const uint8_t rq[10] = {DICOM_RELEASE_RQ, 0, 0, 0, 0, 4, 0, 0, 0, 0};
	if (cap < sizeof rq)
		return -ENOSPC;
	memcpy(out, rq, sizeof rq);
	*len = sizeof rq;
	return 0;
}

/* ---- P-DATA-TF replies ---- */

void dicom_dimse_init(struct dicom_dimse *d)
{
	memset(d, 0, sizeof *d);
}

/* Reads the whole command set: the three elements we use, every element's bounds checked. */
static int read_command(struct dicom_dimse *d)
{
	size_t off = 0;
	while (off < d->cmd_len) {
		if (d->cmd_len - off < 8)
			return -EBADMSG;
		uint16_t group = get16le(d->cmd + off), elem = get16le(d->cmd + off + 2);
		uint32_t vlen = get32le(d->cmd + off + 4);
		if (group != 0x0000 || vlen > d->cmd_len - off - 8)
			return -EBADMSG;
		const uint8_t *v = d->cmd + off + 8;
		if (vlen == 2 && elem == 0x0100) {
			d->field = get16le(v);
			d->has_field = 1;
		} else if (vlen == 2 && elem == 0x0120) {
			d->responding_to = get16le(v);
		} else if (vlen == 2 && elem == 0x0900) {
			d->status = get16le(v);
			d->has_status = 1;
		} else if (vlen == 2 && elem == 0x0800) {
			d->dataset_type = get16le(v);
		}
		off += 8 + vlen;
	}
	d->cmd_done = 1;
	return d->has_field ? 1 : -EBADMSG;
}

static int take_pdv(struct dicom_dimse *d, const uint8_t *v, size_t n, uint8_t control)
{
	if (!(control & 0x01)) {
		d->data_bytes += n;
		return 0;
	}
	if (d->cmd_done)
		return -EBADMSG; /* a second command set in one exchange step */
	if (n > DICOM_CMD_MAX - d->cmd_len)
		return -E2BIG;
	memcpy(d->cmd + d->cmd_len, v, n);
	d->cmd_len += n;
	return control & 0x02 ? read_command(d) : 0;
}

int dicom_dimse_feed(struct dicom_dimse *d, const uint8_t *pdu, size_t len)
{
	size_t plen;
	if (dicom_pdu_frame(pdu, len, &plen) != 1 || plen != len || pdu[0] != DICOM_P_DATA)
		return -EBADMSG;
	size_t off = 6;
	int rc = 0;
	while (off < len && rc >= 0) {
		if (len - off < 6)
			return -EBADMSG;
		uint32_t ilen = get32be(pdu + off);
		if (ilen < 2 || ilen > len - off - 4)
			return -EBADMSG;
		int r = take_pdv(d, pdu + off + 6, ilen - 2, pdu[off + 5]);
		if (r != 0)
			rc = r;
		off += 4 + ilen;
	}
	if (rc < 0)
		return rc;
	return d->cmd_done ? 1 : 0;
}
