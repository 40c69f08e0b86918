/*
 * TLS ClientHello builder, record reader and server handshake parsers (see wire_tls.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls_suites.h"
#include "wire_tls.h"

/* ---- writing ---- */

/* A bounded writer: the first overflow sets err and later writes do nothing. */
struct wr {
	uint8_t *p;
	size_t cap, len;
	int err;
};

static void put8(struct wr *w, unsigned v)
{
	if (w->err == 0 && w->len >= w->cap)
		w->err = -E2BIG;
	if (w->err == 0)
		w->p[w->len++] = (uint8_t)v;
}

static void put16(struct wr *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v);
}

static void putn(struct wr *w, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(w, b[i]);
}

/* Reserves an n-byte length field; close_len() fills it with what was written since. */
static size_t open_len(struct wr *w, int n)
{
	size_t at = w->len;
	for (int i = 0; i < n; i++)
		put8(w, 0);
	return at;
}

static void close_len(struct wr *w, size_t at, int n)
{
	if (w->err != 0)
		return;
	size_t v = w->len - at - (size_t)n;
	if (v >> (8 * n) != 0) {
		w->err = -EINVAL;
		return;
	}
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		w->p[at + (size_t)i] = (uint8_t)v;
}

static void put_list16(struct wr *w, const uint16_t *v, size_t n, int lenbytes)
{
	size_t at = open_len(w, lenbytes);
	for (size_t i = 0; i < n; i++)
		put16(w, v[i]);
	close_len(w, at, lenbytes);
}

static void ext_sni(struct wr *w, const char *host)
{
	size_t n = strlen(host);
	put16(w, TLS_EXT_SERVER_NAME);
	size_t ext = open_len(w, 2), list = open_len(w, 2);
	put8(w, 0); /* host_name */
	put16(w, (unsigned)n);
	putn(w, (const uint8_t *)host, n);
	close_len(w, list, 2);
	close_len(w, ext, 2);
}

static void ext_u16_list(struct wr *w, unsigned type, const uint16_t *v, size_t n, int lenbytes)
{
	put16(w, type);
	size_t ext = open_len(w, 2);
	put_list16(w, v, n, lenbytes);
	close_len(w, ext, 2);
}

static void ext_key_share(struct wr *w, const struct tls_key_share *ks, size_t n)
{
	put16(w, TLS_EXT_KEY_SHARE);
	size_t ext = open_len(w, 2), list = open_len(w, 2);
	for (size_t i = 0; i < n; i++) {
		put16(w, ks[i].group);
		size_t k = open_len(w, 2);
		if (ks[i].len > 0)
			putn(w, ks[i].key, ks[i].len);
		close_len(w, k, 2);
	}
	close_len(w, list, 2);
	close_len(w, ext, 2);
}

static void ext_fixed(struct wr *w, unsigned type, const uint8_t *data, size_t n)
{
	put16(w, type);
	put16(w, (unsigned)n);
	putn(w, data, n);
}

/* The extensions in one fixed order (RFC 8446 asks only that pre_shared_key be last). */
static void put_extensions(struct wr *w, const struct tls_hello_spec *s)
{
	static const uint8_t ecpf[] = {1, 0}, reneg[] = {0}, status[] = {1, 0, 0, 0, 0};
	size_t at = open_len(w, 2);
	if (s->sni != NULL)
		ext_sni(w, s->sni);
	if (s->ec_point_formats)
		ext_fixed(w, TLS_EXT_EC_POINT_FORMATS, ecpf, sizeof(ecpf));
	if (s->ngroups > 0)
		ext_u16_list(w, TLS_EXT_SUPPORTED_GROUPS, s->groups, s->ngroups, 2);
	if (s->nsigalgs > 0)
		ext_u16_list(w, TLS_EXT_SIGNATURE_ALGORITHMS, s->sigalgs, s->nsigalgs, 2);
	if (s->status_request)
		ext_fixed(w, TLS_EXT_STATUS_REQUEST, status, sizeof(status));
	if (s->ems)
		ext_fixed(w, TLS_EXT_EXTENDED_MASTER_SECRET, NULL, 0);
	if (s->nversions > 0)
		ext_u16_list(w, TLS_EXT_SUPPORTED_VERSIONS, s->versions, s->nversions, 1);
	if (s->nshares > 0 || s->share_ext)
		ext_key_share(w, s->shares, s->nshares);
	if (s->reneg_info)
		ext_fixed(w, TLS_EXT_RENEGOTIATION_INFO, reneg, sizeof(reneg));
	if (w->len == at + 2)
		w->len = at; /* nothing to send: leave the block out, as an SSLv3 client would */
	else
		close_len(w, at, 2);
}

static void put_hello(struct wr *w, const struct tls_hello_spec *s)
{
	static const uint8_t no_compression[] = {1, 0};
	put8(w, 1); /* client_hello */
	size_t body = open_len(w, 3);
	put16(w, s->client_version);
	putn(w, s->random, 32);
	put8(w, (unsigned)s->session_id_len);
	if (s->session_id_len > 0)
		putn(w, s->session_id, s->session_id_len);
	size_t suites = open_len(w, 2);
	for (size_t i = 0; i < s->nsuites; i++)
		put16(w, s->suites[i]);
	if (s->empty_reneg_scsv)
		put16(w, TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
	if (s->fallback_scsv)
		put16(w, TLS_FALLBACK_SCSV);
	close_len(w, suites, 2);
	putn(w, no_compression, sizeof(no_compression));
	if (!s->sslv3)
		put_extensions(w, s);
	close_len(w, body, 3);
}

static int spec_ok(const struct tls_hello_spec *s)
{
	return s->session_id_len <= 32 && (s->session_id_len == 0 || s->session_id != NULL) &&
	       s->nsuites > 0 && s->suites != NULL && (s->sni == NULL || strlen(s->sni) <= 255) &&
	       (s->ngroups == 0 || s->groups != NULL) && (s->nsigalgs == 0 || s->sigalgs != NULL) &&
	       (s->nversions == 0 || s->versions != NULL) && (s->nshares == 0 || s->shares != NULL);
}

/* Splits the handshake bytes at buf+5 into records of at most 2^14 bytes, in place:
 * later fragments move further, so moving the last one first never overwrites. */
static int frame_records(uint8_t *buf, size_t cap, size_t hs_len, uint16_t version)
{
	size_t nrec = hs_len == 0 ? 1 : (hs_len + TLS_MAX_PLAINTEXT - 1) / TLS_MAX_PLAINTEXT;
	size_t total = hs_len + 5 * nrec;
	if (total > cap)
		return -E2BIG;
	for (size_t i = nrec; i-- > 0;) {
		size_t off = i * TLS_MAX_PLAINTEXT;
		size_t n = hs_len - off < TLS_MAX_PLAINTEXT ? hs_len - off : TLS_MAX_PLAINTEXT;
		uint8_t *rec = buf + i * (TLS_MAX_PLAINTEXT + 5);
		memmove(rec + 5, buf + 5 + off, n);
		rec[0] = TLS_CT_HANDSHAKE;
		rec[1] = (uint8_t)(version >> 8);
		rec[2] = (uint8_t)version;
		rec[3] = (uint8_t)(n >> 8);
		rec[4] = (uint8_t)n;
	}
	return (int)total;
}

int tls_hello_build(const struct tls_hello_spec *spec, uint8_t *buf, size_t cap)
{
	if (spec == NULL || buf == NULL || !spec_ok(spec))
		return -EINVAL;
	if (cap < 5)
		return -E2BIG;
	if (cap > INT32_MAX)
		cap = INT32_MAX;
	struct wr w = {.p = buf + 5, .cap = cap - 5};
	put_hello(&w, spec);
	if (w.err != 0)
		return w.err;
	return frame_records(buf, cap, w.len, spec->record_version);
}

/* ---- reading ---- */

/* A bounded cursor: a short read sets bad and yields zeros. */
struct rd {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

static int have(struct rd *r, size_t n)
{
	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return 0;
	}
	return 1;
}

static unsigned get_be(struct rd *r, int n)
{
	unsigned v = 0;
	if (!have(r, (size_t)n))
		return 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | r->p[r->off++];
	return v;
}

static const uint8_t *getn(struct rd *r, size_t n)
{
	if (!have(r, n))
		return NULL;
	r->off += n;
	return r->p + r->off - n;
}

/* A cursor over the next vector with an n-byte length prefix. */
static struct rd sub(struct rd *r, int lenbytes)
{
	size_t n = get_be(r, lenbytes);
	const uint8_t *p = getn(r, n);
	struct rd s = {.p = p, .len = p ? n : 0, .bad = p == NULL};
	return s;
}

static size_t left(const struct rd *r)
{
	return r->len - r->off;
}

struct tls_reader {
	size_t cap;              /* bytes kept at most (input and handshake buffer each) */
	uint8_t *in;             /* every byte fed */
	size_t in_len, in_alloc; /* bytes in it, its size */
	size_t pos;              /* the first byte not yet framed */
	uint8_t *hs;             /* handshake bytes awaiting a whole message */
	size_t hs_len, hs_pos, hs_alloc;
	uint16_t hs_version; /* record version of the last handshake record */
	enum tls_peer peer;  /* what the first bytes show */
	int encrypted;       /* after ChangeCipherSpec: records are not read */
	int err;             /* sticky error */
	unsigned records;    /* records framed */
};

struct tls_reader *tls_reader_new(size_t cap)
{
	struct tls_reader *r = calloc(1, sizeof(*r));
	if (r != NULL)
		r->cap = cap > 0 ? cap : TLS_READER_MAX;
	return r;
}

struct tls_reader *tls_reader_free(struct tls_reader *r)
{
	if (r != NULL) {
		free(r->in);
		free(r->hs);
		free(r);
	}
	return NULL;
}

/* Grows *buf to hold `need` bytes, doubling; the reader's cap bounds `need`. */
static int grow(uint8_t **buf, size_t *alloc, size_t need)
{
	if (need <= *alloc)
		return 0;
	size_t n = *alloc ? *alloc : 4096;
	while (n < need)
		n *= 2;
	uint8_t *p = realloc(*buf, n);
	if (p == NULL)
		return -ENOMEM;
	*buf = p;
	*alloc = n;
	return 0;
}

int tls_reader_feed(struct tls_reader *r, const uint8_t *data, size_t len)
{
	if (r->err != 0 && r->err != -EPROTO && r->err != -EBADMSG)
		return r->err;
	if (len > r->cap - r->in_len)
		return r->err = -EMSGSIZE;
	int rc = grow(&r->in, &r->in_alloc, r->in_len + len);
	if (rc < 0)
		return rc;
	if (len > 0)
		memcpy(r->in + r->in_len, data, len);
	r->in_len += len;
	return 0;
}

static enum tls_peer classify(const uint8_t *b)
{
	if (b[0] >= TLS_CT_CCS && b[0] <= TLS_CT_APPDATA && b[1] == 3)
		return TLS_PEER_TLS;
	/* SSLv2: a two-byte length with the top bit set, then SERVER-HELLO (4) or ERROR (0). */
	if ((b[0] & 0x80) && (b[2] == 4 || b[2] == 0))
		return TLS_PEER_SSL2;
	if (memcmp(b, "HTTP/", 5) == 0)
		return TLS_PEER_HTTP;
	if (memcmp(b, "220 ", 4) == 0 || memcmp(b, "220-", 4) == 0)
		return TLS_PEER_BANNER;
	if (memcmp(b, "SSH-", 4) == 0)
		return TLS_PEER_SSH;
	return TLS_PEER_OTHER;
}

/* A whole handshake message from the reassembly buffer: 1, 0 (need more) or error. */
static int next_message(struct tls_reader *r, struct tls_event *ev)
{
	size_t avail = r->hs_len - r->hs_pos;
	if (avail < 4)
		return 0;
	const uint8_t *h = r->hs + r->hs_pos;
	size_t mlen = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
	if (mlen > r->cap)
		return -EBADMSG;
	if (avail < 4 + mlen)
		return 0;
	*ev = (struct tls_event){.type = TLS_EV_HANDSHAKE,
	                         .ctype = TLS_CT_HANDSHAKE,
	                         .version = r->hs_version,
	                         .hs_type = h[0],
	                         .body = h + 4,
	                         .len = mlen};
	r->hs_pos += 4 + mlen;
	return 1;
}

static int append_handshake(struct tls_reader *r, const uint8_t *frag, size_t n)
{
	if (r->hs_pos > 0) {
		memmove(r->hs, r->hs + r->hs_pos, r->hs_len - r->hs_pos);
		r->hs_len -= r->hs_pos;
		r->hs_pos = 0;
	}
	if (n > r->cap - r->hs_len)
		return -EBADMSG;
	int rc = grow(&r->hs, &r->hs_alloc, r->hs_len + n);
	if (rc < 0)
		return rc;
	memcpy(r->hs + r->hs_len, frag, n);
	r->hs_len += n;
	return 0;
}

/* Turns one framed record into an event (1), or feeds the handshake buffer (0). */
static int record_event(struct tls_reader *r, uint8_t ct, uint16_t ver, const uint8_t *frag, size_t n,
                        struct tls_event *ev)
{
	*ev = (struct tls_event){.ctype = ct, .version = ver, .len = n};
	if (ct == TLS_CT_CCS) {
		r->encrypted = 1;
		ev->type = TLS_EV_CCS;
		return 1;
	}
	if (r->encrypted || ct == TLS_CT_APPDATA) {
		ev->type = TLS_EV_ENCRYPTED;
		return 1;
	}
	if (ct == TLS_CT_ALERT) {
		/* An alert record holds whole two-byte alerts; the first one is the answer. */
		if (n < 2 || n % 2 != 0)
			return -EBADMSG;
		ev->type = TLS_EV_ALERT;
		ev->level = frag[0];
		ev->desc = frag[1];
		return 1;
	}
	/* Zero-length handshake fragments MUST NOT be sent (RFC 5246 s6.2.1, RFC 8446 s5.1). */
	if (n == 0)
		return -EBADMSG;
	r->hs_version = ver;
	return append_handshake(r, frag, n);
}

/* Frames the next record at r->pos: 1 event, 0 (need more or handshake bytes taken), error. */
static int next_record(struct tls_reader *r, struct tls_event *ev)
{
	size_t avail = r->in_len - r->pos;
	if (avail < 5)
		return 0;
	const uint8_t *h = r->in + r->pos;
	if (r->peer == TLS_PEER_UNKNOWN) {
		r->peer = classify(h);
		if (r->peer != TLS_PEER_TLS)
			return -EPROTO;
	}
	size_t n = (size_t)h[3] << 8 | h[4];
	if (h[0] < TLS_CT_CCS || h[0] > TLS_CT_APPDATA || h[1] != 3 || n > TLS_MAX_RECORD)
		return -EBADMSG;
	if (avail < 5 + n)
		return 0;
	r->pos += 5 + n;
	r->records++;
	return record_event(r, h[0], (uint16_t)(h[1] << 8 | h[2]), h + 5, n, ev);
}

int tls_reader_next(struct tls_reader *r, struct tls_event *ev)
{
	for (;;) {
		if (r->err != 0)
			return r->err;
		int rc = next_message(r, ev);
		if (rc != 0)
			return rc < 0 ? (r->err = rc) : rc;
		size_t before = r->pos;
		rc = next_record(r, ev);
		if (rc < 0)
			return r->err = rc;
		if (rc > 0)
			return rc;
		if (r->pos == before)
			return 0; /* no whole record yet */
	}
}

enum tls_peer tls_reader_peer(const struct tls_reader *r)
{
	return r->peer;
}

const uint8_t *tls_reader_bytes(const struct tls_reader *r, size_t *len)
{
	*len = r->in_len;
	return r->in;
}

unsigned tls_reader_records(const struct tls_reader *r)
{
	return r->records;
}

/* ---- parsers ---- */

/* RFC 8446 s4.1.3: the ServerHello.random that marks a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

/* A TLS 1.3 server negotiating an older version ends its random with "DOWNGRD" and 1
 * (TLS 1.2) or 0 (TLS 1.1 and older): a sign the server also speaks TLS 1.3. */
static uint16_t downgrade_mark(const uint8_t *rnd)
{
	if (memcmp(rnd + 24, "DOWNGRD", 7) != 0 || rnd[31] > 1)
		return 0;
	return rnd[31] == 1 ? TLS_V_TLS12 : TLS_V_TLS11;
}

static void sh_key_share(struct rd *e, struct tls_server_hello *o)
{
	o->group = (uint16_t)get_be(e, 2);
	if (o->hrr)
		return; /* an HRR names only the group it wants */
	struct rd k = sub(e, 2);
	e->bad |= k.bad;
	o->key_share_len = (uint16_t)k.len;
}

static int sh_extension(unsigned type, struct rd *e, struct tls_server_hello *o)
{
	switch (type) {
	case TLS_EXT_SUPPORTED_VERSIONS:
		o->selected_version = (uint16_t)get_be(e, 2);
		break;
	case TLS_EXT_KEY_SHARE:
		sh_key_share(e, o);
		break;
	case TLS_EXT_RENEGOTIATION_INFO:
		o->reneg_info = 1;
		e->off = e->len;
		break;
	default:
		o->ems |= type == TLS_EXT_EXTENDED_MASTER_SECRET;
		o->ec_point_formats |= type == TLS_EXT_EC_POINT_FORMATS;
		o->status_request |= type == TLS_EXT_STATUS_REQUEST;
		o->session_ticket |= type == TLS_EXT_SESSION_TICKET;
		e->off = e->len;
	}
	return e->bad || left(e) != 0 ? -EBADMSG : 0;
}

static int sh_extensions(struct rd *r, struct tls_server_hello *o)
{
	if (left(r) == 0)
		return 0; /* SSLv3 and old servers send no extensions block */
	struct rd all = sub(r, 2);
	if (all.bad || left(r) != 0)
		return -EBADMSG;
	while (left(&all) > 0) {
		unsigned type = get_be(&all, 2);
		struct rd e = sub(&all, 2);
		if (all.bad || e.bad)
			return -EBADMSG;
		if (o->nexts < sizeof(o->ext) / sizeof(o->ext[0]))
			o->ext[o->nexts] = (uint16_t)type;
		o->nexts++;
		if (sh_extension(type, &e, o) < 0)
			return -EBADMSG;
	}
	return 0;
}

int tls_parse_server_hello(const uint8_t *body, size_t len, struct tls_server_hello *out)
{
	struct tls_server_hello o = {0};
	struct rd r = {.p = body, .len = body ? len : 0};
	o.legacy_version = (uint16_t)get_be(&r, 2);
	const uint8_t *rnd = getn(&r, 32);
	o.session_id_len = (uint8_t)get_be(&r, 1);
	const uint8_t *sid = o.session_id_len <= 32 ? getn(&r, o.session_id_len) : NULL;
	o.suite = (uint16_t)get_be(&r, 2);
	o.compression = (uint8_t)get_be(&r, 1);
	if (r.bad || rnd == NULL || sid == NULL)
		return -EBADMSG;
	memcpy(o.random, rnd, 32);
	memcpy(o.session_id, sid, o.session_id_len);
	o.hrr = memcmp(rnd, hrr_random, 32) == 0;
	o.downgrade = downgrade_mark(rnd);
	if (sh_extensions(&r, &o) < 0)
		return -EBADMSG;
	o.version = o.selected_version ? o.selected_version : o.legacy_version;
	*out = o;
	return 0;
}

int tls_parse_alert(const uint8_t *p, size_t len, struct tls_alert *out)
{
	if (p == NULL || len != 2)
		return -EBADMSG;
	out->level = p[0];
	out->desc = p[1];
	return 0;
}

static const struct {
	uint8_t desc;
	const char *name;
} alert_names[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
    {121, "ech_required"},
};

const char *tls_alert_name(uint8_t desc)
{
	for (size_t i = 0; i < sizeof(alert_names) / sizeof(alert_names[0]); i++)
		if (alert_names[i].desc == desc)
			return alert_names[i].name;
	return "unknown";
}

int tls_parse_certificate(const uint8_t *body, size_t len, struct tls_cert_list *out)
{
	struct rd r = {.p = body, .len = body ? len : 0};
	struct rd list = sub(&r, 3);
	if (list.bad || left(&r) != 0)
		return -EBADMSG;
	unsigned n = 0;
	const uint8_t *der[TLS_MAX_CERTS];
	size_t dlen[TLS_MAX_CERTS];
	while (left(&list) > 0) {
		struct rd c = sub(&list, 3);
		if (c.bad || c.len == 0)
			return -EBADMSG;
		if (n == TLS_MAX_CERTS || c.len > TLS_MAX_CERT_BYTES)
			return -E2BIG;
		der[n] = c.p;
		dlen[n++] = c.len;
	}
	out->n = n;
	for (unsigned i = 0; i < n; i++) {
		out->cert[i].der = der[i];
		out->cert[i].len = dlen[i];
	}
	return 0;
}

/* Bits in a big-endian unsigned integer, leading zero bytes and bits ignored. */
static unsigned bit_length(const uint8_t *p, size_t n)
{
	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	if (n == 0)
		return 0;
	unsigned bits = (unsigned)(n - 1) * 8;
	for (uint8_t b = *p; b != 0; b >>= 1)
		bits++;
	return bits;
}

static int ske_dhe(struct rd *r, struct tls_ske *o)
{
	struct rd p = sub(r, 2), g = sub(r, 2), ys = sub(r, 2);
	if (r->bad || p.len == 0 || g.len == 0 || ys.len == 0)
		return -EBADMSG;
	o->kind = TLS_SKE_DHE;
	o->dh_bits = bit_length(p.p, p.len);
	o->dh_ys_bits = bit_length(ys.p, ys.len);
	unsigned gbits = bit_length(g.p, g.len);
	o->dh_g = gbits > 32 ? UINT32_MAX : 0;
	for (size_t i = 0; gbits <= 32 && i < g.len; i++)
		o->dh_g = o->dh_g << 8 | g.p[i];
	return 0;
}

static int ske_ecdhe(struct rd *r, struct tls_ske *o)
{
	o->kind = TLS_SKE_ECDHE;
	o->curve_type = (uint8_t)get_be(r, 1);
	if (o->curve_type == 3) {
		o->curve = (uint16_t)get_be(r, 2);
		struct rd pt = sub(r, 1);
		o->point_len = (uint8_t)pt.len;
		if (pt.len == 0)
			r->bad = 1;
	}
	return r->bad ? -EBADMSG : 0;
}

int tls_parse_server_key_exchange(const uint8_t *body, size_t len, uint16_t suite, struct tls_ske *out)
{
	const struct tls_suite *s = tls_suite_by_code(suite);
	struct rd r = {.p = body, .len = body ? len : 0};
	struct tls_ske o = {0};
	int rc;
	if (s == NULL || (s->kx != TLS_KX_DHE && s->kx != TLS_KX_ECDHE))
		return -ENOTSUP;
	rc = s->kx == TLS_KX_DHE ? ske_dhe(&r, &o) : ske_ecdhe(&r, &o);
	if (rc == 0)
		*out = o;
	return rc;
}

int tls_parse_server_hello_done(const uint8_t *body, size_t len)
{
	(void)body;
	return len == 0 ? 0 : -EBADMSG;
}

/* ---- summary ---- */

void tls_summary_init(struct tls_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->alert = -1;
}

void tls_summary_clear(struct tls_summary *s)
{
	if (s == NULL)
		return;
	free(s->certs);
	tls_summary_init(s);
}

static int keep_certs(struct tls_summary *s, const struct tls_cert_list *cl)
{
	size_t total = 0;
	for (unsigned i = 0; i < cl->n; i++)
		total += cl->cert[i].len;
	uint8_t *p = malloc(total ? total : 1);
	if (p == NULL)
		return -ENOMEM;
	free(s->certs);
	s->certs = p;
	s->certs_len = total;
	s->ncerts = cl->n;
	for (unsigned i = 0; i < cl->n; i++) {
		memcpy(p, cl->cert[i].der, cl->cert[i].len);
		p += cl->cert[i].len;
		s->cert_len[i] = cl->cert[i].len;
	}
	return 0;
}

static int on_server_hello(struct tls_summary *s, const struct tls_event *ev)
{
	struct tls_server_hello sh;
	int rc = tls_parse_server_hello(ev->body, ev->len, &sh);
	if (rc < 0)
		return rc;
	s->server_hello = 1;
	s->version = sh.version;
	s->suite = sh.suite;
	s->group = sh.group;
	s->hrr = sh.hrr;
	/* An HRR asks for another ClientHello; TLS 1.3 encrypts everything after the SH. */
	return sh.hrr || sh.version >= TLS_V_TLS13;
}

static int on_handshake(struct tls_summary *s, const struct tls_event *ev)
{
	struct tls_cert_list cl;
	struct tls_ske ske;
	int rc;
	switch (ev->hs_type) {
	case TLS_HS_SERVER_HELLO:
		rc = on_server_hello(s, ev);
		s->done = rc > 0 && !s->hrr;
		return rc;
	case TLS_HS_CERTIFICATE:
		rc = tls_parse_certificate(ev->body, ev->len, &cl);
		return rc < 0 ? rc : keep_certs(s, &cl);
	case TLS_HS_SERVER_KEY_EXCHANGE:
		rc = tls_parse_server_key_exchange(ev->body, ev->len, s->suite, &ske);
		if (rc == 0 && ske.kind == TLS_SKE_DHE)
			s->dh_bits = ske.dh_bits;
		if (rc == 0 && ske.kind == TLS_SKE_ECDHE)
			s->group = ske.curve;
		return rc == -ENOTSUP ? 0 : rc;
	case TLS_HS_CERTIFICATE_STATUS:
		/* RFC 6066 s8: status_type ocsp(1) and a non-empty response. */
		s->ocsp = ev->len > 4 && ev->body[0] == 1;
		return 0;
	case TLS_HS_SERVER_HELLO_DONE:
		rc = tls_parse_server_hello_done(ev->body, ev->len);
		s->done = rc == 0;
		return rc < 0 ? rc : 1;
	default:
		return 0;
	}
}

static int on_event(struct tls_summary *s, const struct tls_event *ev)
{
	switch (ev->type) {
	case TLS_EV_HANDSHAKE:
		return on_handshake(s, ev);
	case TLS_EV_ALERT:
		s->alert = ev->desc;
		s->alert_level = ev->level;
		/* A warning (say unrecognized_name) lets the handshake go on; close_notify ends it. */
		return ev->level != 1 || ev->desc == 0;
	case TLS_EV_ENCRYPTED:
		s->done = s->server_hello;
		return s->server_hello;
	default:
		return 0;
	}
}

int tls_summary_update(struct tls_summary *s, struct tls_reader *r)
{
	struct tls_event ev;
	int rc;
	while ((rc = tls_reader_next(r, &ev)) > 0) {
		rc = on_event(s, &ev);
		if (rc != 0)
			break;
	}
	s->peer = tls_reader_peer(r);
	tls_reader_bytes(r, &s->bytes_seen);
	s->records = tls_reader_records(r);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		s->error = rc;
	return rc != 0;
}
