/*
 * Unit tests for the TLS registries (tls_suites.c) and wire layer (wire_tls.c): the
 * ClientHello builder against RFC 8448's example and hand-checked bytes, the record
 * reader on split and hostile input, and the parsers on server flights captured from
 * Debian's `openssl s_server` (tests/unit/fixtures/tls/, made by test_tls_live) plus a
 * hand-made hybrid post-quantum ServerHello.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tap.h"
#include "tls_suites.h"
#include "wire_tls.h"

static uint8_t *fixture(const char *name, size_t *len)
{
	char path[512];
	const char *src = getenv("VITALS_SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/tls/%s", src ? src : ".", name);
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);
	*len = 0;
	if (f != NULL && buf != NULL)
		*len = fread(buf, 1, 1 << 20, f);
	if (f != NULL)
		fclose(f);
	return buf;
}

/* Feeds a fixture in pieces of `step` bytes and summarizes it. */
static int summarize(const char *name, size_t step, struct tls_summary *s)
{
	size_t len;
	uint8_t *b = fixture(name, &len);
	struct tls_reader *r = tls_reader_new(0);
	int rc = 0;
	tls_summary_init(s);
	for (size_t off = 0; rc == 0 && off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		if (tls_reader_feed(r, b + off, n) < 0)
			break;
		rc = tls_summary_update(s, r);
	}
	tls_reader_free(r);
	free(b);
	return rc;
}

/* ---- registries ---- */

static void test_suite_registry(void)
{
	size_t n, cls[8] = {0}, tls13 = 0, rfc8446 = 0, drafts = 0, dup = 0, order = 0;
	const struct tls_suite *all = tls_suites_all(&n);
	is_int(n, 351, "suites: 351 entries");
	for (size_t i = 0; i < n; i++) {
		for (int b = 0; b < 8; b++)
			cls[b] += (all[i].cls >> b) & 1u;
		tls13 += all[i].kx == TLS_KX_TLS13;
		rfc8446 += all[i].kx == TLS_KX_TLS13 && all[i].code >= 0x1301 && all[i].code <= 0x1305;
		drafts += all[i].draft;
		order += i > 0 && all[i].code <= all[i - 1].code;
		dup += tls_suite_by_code(all[i].code) != &all[i];
	}
	is_int(order, 0, "suites: strictly ascending codes (so no duplicates)");
	is_int(dup, 0, "suites: every code finds its own entry");
	is_int(drafts, 14, "suites: 337 from IANA, 14 drafts and vendor code points");
	is_int(tls13, 9, "suites: nine TLS 1.3 suites (RFC 8998 SM4, RFC 9150 integrity-only)");
	is_int(rfc8446, 5, "suites: RFC 8446's five");
	is_int(cls[0], 23, "class NULL");
	is_int(cls[1], 21, "class EXPORT");
	is_int(cls[2], 28, "class ANON");
	is_int(cls[3], 22, "class RC4");
	is_int(cls[4], 49, "class BLOCK64");
	is_int(cls[5], 187, "class CBC");
	is_int(cls[6], 173, "class NO_FS");
	is_int(cls[7], 232, "class NO_AEAD");
}

static void test_suite_entries(void)
{
	const struct tls_suite *s = tls_suite_by_code(0x0005);
	ok(s && strcmp(s->iana, "TLS_RSA_WITH_RC4_128_SHA") == 0 && strcmp(s->openssl, "RC4-SHA") == 0,
	   "0x0005 names");
	is_int(s ? s->cls : 0, TLS_CLS_RC4 | TLS_CLS_NO_FS | TLS_CLS_NO_AEAD, "0x0005 classes");
	s = tls_suite_by_code(0x000A);
	is_int(s ? s->cls : 0, TLS_CLS_BLOCK64 | TLS_CLS_CBC | TLS_CLS_NO_FS | TLS_CLS_NO_AEAD,
	       "0x000A 3DES classes");
	is_int(s ? (int)s->enc : -1, TLS_ENC_3DES_CBC, "0x000A 3DES cipher");
	s = tls_suite_by_code(0x1301);
	ok(s && s->kx == TLS_KX_TLS13 && s->min_version == TLS_V_TLS13 && s->cls == 0,
	   "0x1301 TLS 1.3, no weakness");
	s = tls_suite_by_code(0xC02F);
	ok(s && s->kx == TLS_KX_ECDHE && s->au == TLS_AU_RSA && s->enc == TLS_ENC_AES128_GCM && s->cls == 0 &&
	       s->min_version == TLS_V_TLS12 && s->max_version == TLS_V_TLS12,
	   "0xC02F ECDHE-RSA-AES128-GCM-SHA256");
	s = tls_suite_by_code(0x0017);
	is_int(s ? s->cls : 0, TLS_CLS_EXPORT | TLS_CLS_ANON | TLS_CLS_RC4 | TLS_CLS_NO_AEAD,
	       "0x0017 anon export RC4");
	is_int(s ? s->max_version : 0, TLS_V_TLS10, "export suites end at TLS 1.0");
	s = tls_suite_by_code(0xC018);
	is_int(s ? s->cls : 0, TLS_CLS_ANON | TLS_CLS_CBC | TLS_CLS_NO_AEAD,
	       "0xC018 AECDH: anonymous, forward secret");
	s = tls_suite_by_code(0xC0B4);
	ok(s && s->kx == TLS_KX_TLS13 && s->cls == (TLS_CLS_NULL | TLS_CLS_NO_AEAD) && !s->draft,
	   "0xC0B4 TLS_SHA256_SHA256: a TLS 1.3 NULL suite");
	s = tls_suite_by_code(0x0062);
	ok(s && s->draft &&
	       s->cls == (TLS_CLS_EXPORT | TLS_CLS_BLOCK64 | TLS_CLS_CBC | TLS_CLS_NO_FS | TLS_CLS_NO_AEAD),
	   "0x0062 EXP1024-DES-CBC-SHA: export, 64-bit block");
	s = tls_suite_by_code(0xFEFF);
	ok(s && s->draft && s->enc == TLS_ENC_3DES_CBC, "0xFEFF Netscape FIPS 3DES");
	s = tls_suite_by_name("ecdhe-ecdsa-null-sha");
	is_int(s ? s->code : 0, 0xC006, "by OpenSSL name, any case");
	s = tls_suite_by_name("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
	is_int(s ? s->code : 0, 0xCCAA, "by IANA name");
	ok(tls_suite_by_code(0x00FF) == NULL && tls_suite_by_name("nope") == NULL,
	   "SCSV and unknowns absent");
	/* The name index answers as a walk of the table would: the first suite of either name. */
	size_t n, wrong = 0;
	const struct tls_suite *all = tls_suites_all(&n);
	for (size_t i = 0; i < n; i++) {
		const char *names[] = {all[i].iana, all[i].openssl};
		for (size_t k = 0; k < 2 && names[k] != NULL; k++) {
			const struct tls_suite *first = NULL;
			for (size_t j = 0; j < n && first == NULL; j++)
				if (strcasecmp(all[j].iana, names[k]) == 0 ||
				    (all[j].openssl && strcasecmp(all[j].openssl, names[k]) == 0))
					first = &all[j];
			wrong += tls_suite_by_name(names[k]) != first;
		}
	}
	is_int((int)wrong, 0, "every IANA and OpenSSL name finds the first suite of that name");
	ok(tls_suite_by_name("TLS_AES_128_GCM_SHA25") == NULL && tls_suite_by_name("") == NULL,
	   "a prefix or an empty name finds none");
	is_str(tls_enc_name(TLS_ENC_CHACHA20_POLY1305), "CHACHA20-POLY1305", "cipher name");
	is_str(tls_kx_name(TLS_KX_ECDHE_PSK), "ECDHE-PSK", "key exchange name");
}

static void test_groups(void)
{
	size_t n;
	tls_groups_all(&n);
	is_int(n, 46, "groups: 46 entries");
	const struct tls_group *g = tls_group_by_code(0x11EC);
	ok(g && strcmp(g->name, "X25519MLKEM768") == 0 && g->kind == TLS_GROUP_HYBRID && g->share_len == 1216,
	   "0x11EC X25519MLKEM768");
	ok(tls_group_by_code(0x11EB) && tls_group_by_code(0x11ED) && tls_group_by_code(0x6399),
	   "other hybrids");
	g = tls_group_by_name("ffdhe3072");
	ok(g && g->code == 257 && g->bits == 3072, "ffdhe3072");
	g = tls_group_by_code(29);
	ok(g && g->share_len == 32 && strcmp(g->name, "x25519") == 0, "x25519");
	g = tls_group_by_code(32);
	is_str(g ? g->name : NULL, "brainpoolP384r1tls13", "brainpool TLS 1.3 group");
	const struct tls_sigscheme *ss = tls_sigscheme_by_code(0x0804);
	is_str(ss ? ss->name : NULL, "rsa_pss_rsae_sha256", "signature scheme 0x0804");
	ss = tls_sigscheme_by_code(0x0201);
	ok(ss && ss->legacy, "rsa_pkcs1_sha1 is legacy");
}

/* ---- builder ---- */

/* RFC 8448 s3, "Simple 1-RTT Handshake": the client's ClientHello handshake message. */
static const char rfc8448_hex[] =
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302"
    "010000910000000b0009000006736572766572ff01000100000a00140012001d00170018001901000101010201030104"
    "00230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b"
    "0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101"
    "001c00024001";

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	for (; h[0] && h[1]; h += 2)
		out[n++] = (uint8_t)strtoul((char[]){h[0], h[1], 0}, NULL, 16);
	return n;
}

/* The bytes of extension `type` inside a ClientHello handshake message, or NULL. */
static const uint8_t *find_ext(const uint8_t *hs, size_t len, unsigned type, size_t *elen)
{
	size_t off = 4 + 2 + 32;
	off += 1 + hs[off];
	off += 2 + ((size_t)hs[off] << 8 | hs[off + 1]);
	off += 1 + hs[off];
	size_t end = off + 2 + ((size_t)hs[off] << 8 | hs[off + 1]);
	for (off += 2; end <= len && off + 4 <= end;) {
		unsigned t = (unsigned)hs[off] << 8 | hs[off + 1];
		size_t n = (size_t)hs[off + 2] << 8 | hs[off + 3];
		if (t == type) {
			*elen = n + 4;
			return hs + off;
		}
		off += 4 + n;
	}
	return NULL;
}

static void test_rfc8448(void)
{
	uint8_t want[256], got[512];
	size_t wlen = unhex(rfc8448_hex, want), a, b;
	static const uint16_t suites[] = {0x1301, 0x1303, 0x1302};
	static const uint16_t groups[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x0100,
	                                  0x0101, 0x0102, 0x0103, 0x0104};
	static const uint16_t sigalgs[] = {0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401,
	                                   0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202};
	static const uint16_t versions[] = {0x0304};
	struct tls_key_share ks = {0x001d, want + 0x4a + 4 + 6, 32};
	struct tls_hello_spec spec = {.record_version = 0x0301,
	                              .client_version = 0x0303,
	                              .suites = suites,
	                              .nsuites = 3,
	                              .sni = "server",
	                              .groups = groups,
	                              .ngroups = 9,
	                              .sigalgs = sigalgs,
	                              .nsigalgs = 15,
	                              .versions = versions,
	                              .nversions = 1,
	                              .shares = &ks,
	                              .nshares = 1,
	                              .reneg_info = 1};
	is_int(wlen, 196, "rfc8448: reference is 196 bytes");
	memcpy(spec.random, want + 6, 32);
	ks.key = find_ext(want, wlen, 51, &a) + 10;
	int n = tls_hello_build(&spec, got, sizeof(got));
	ok(n > 5 && got[0] == 22 && got[1] == 3 && got[2] == 1 && (got[3] << 8 | got[4]) == n - 5,
	   "rfc8448: one handshake record, version 0x0301");
	const uint8_t *hs = got + 5;
	ok(memcmp(hs + 4, want + 4, 2 + 32 + 1 + 2 + 6 + 2) == 0,
	   "rfc8448: version, random, empty session id, suites, compression as in the RFC");
	static const unsigned exts[] = {0, 0xff01, 10, 51, 43, 13};
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		char msg[64];
		const uint8_t *w = find_ext(want, wlen, exts[i], &a),
		              *g = find_ext(hs, (size_t)n - 5, exts[i], &b);
		snprintf(msg, sizeof(msg), "rfc8448: extension %u identical", exts[i]);
		ok(w && g && a == b && memcmp(w, g, a) == 0, msg);
	}
	/* The RFC also sends session_ticket, psk_key_exchange_modes, record_size_limit: 4+6+6. */
	is_int((size_t)n - 5, wlen - 16, "rfc8448: same length but for three extensions we do not send");
}

static void test_sslv3_bytes(void)
{
	static const uint16_t suites[] = {0x000A, 0x0005};
	struct tls_hello_spec spec = {.record_version = 0x0300,
	                              .client_version = 0x0300,
	                              .suites = suites,
	                              .nsuites = 2,
	                              .empty_reneg_scsv = 1,
	                              .fallback_scsv = 1,
	                              .sslv3 = 1,
	                              .sni = "ignored.test",
	                              .ngroups = 0};
	uint8_t want[] = {0x16, 0x03, 0x00, 0x00, 0x33, 0x01, 0x00, 0x00, 0x2f, 0x03, 0x00};
	uint8_t tail[] = {0x00, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x05, 0x00, 0xff, 0x56, 0x00, 0x01, 0x00};
	uint8_t buf[128];
	memset(spec.random, 0xAB, 32);
	int n = tls_hello_build(&spec, buf, sizeof(buf));
	is_int(n, 56, "sslv3: 5 + 4 + 47 bytes");
	ok(memcmp(buf, want, sizeof(want)) == 0, "sslv3: record and handshake headers");
	ok(buf[11] == 0xAB && buf[42] == 0xAB, "sslv3: the caller's random");
	ok(memcmp(buf + 43, tail, sizeof(tail)) == 0,
	   "sslv3: suites, both SCSVs, null compression, no extensions");
	uint8_t again[128];
	ok(tls_hello_build(&spec, again, sizeof(again)) == n && memcmp(buf, again, (size_t)n) == 0,
	   "deterministic");
	is_int(tls_hello_build(&spec, buf, 55), -E2BIG, "one byte short: -E2BIG");
	spec.nsuites = 0;
	is_int(tls_hello_build(&spec, buf, sizeof(buf)), -EINVAL, "no suites: -EINVAL");
}

static void test_big_hello(void)
{
	static uint16_t suites[9000];
	static uint8_t buf[20000];
	for (size_t i = 0; i < 9000; i++)
		suites[i] = (uint16_t)(0x0A0A + i);
	struct tls_hello_spec spec = {
	    .record_version = 0x0301, .client_version = 0x0303, .suites = suites, .nsuites = 9000};
	int n = tls_hello_build(&spec, buf, sizeof(buf));
	size_t hs = 4 + 2 + 32 + 1 + 2 + 18000 + 2;
	is_int(n, hs + 10, "a hello over 2^14 bytes spans two records");
	is_int(buf[3] << 8 | buf[4], 16384, "first record full");
	is_int(buf[16392] << 8 | buf[16393], hs - 16384, "second record the rest");
	ok(buf[16389] == 22 && buf[16390] == 3 && buf[16391] == 1, "second record header");
	struct tls_reader *r = tls_reader_new(0);
	struct tls_event ev;
	tls_reader_feed(r, buf, (size_t)n);
	ok(tls_reader_next(r, &ev) == 1 && ev.hs_type == 1 && ev.len == hs - 4 && ev.body[ev.len - 2] == 1 &&
	       ev.body[ev.len - 1] == 0,
	   "the reader reassembles it");
	tls_reader_free(r);
}

/* ---- captured flights ---- */

static void test_flight_legacy(const char *name, uint16_t version)
{
	struct tls_summary s;
	char msg[96];
	snprintf(msg, sizeof(msg), "%s: complete, byte by byte", name);
	is_int(summarize(name, 1, &s), 1, msg);
	snprintf(msg, sizeof(msg), "%s: version, ECDHE suite, x25519, no alert", name);
	ok(s.version == version && (s.suite == 0xC013 || s.suite == 0xC02F) && s.group == 29 &&
	       s.alert == -1 && s.done && s.peer == TLS_PEER_TLS,
	   msg);
	snprintf(msg, sizeof(msg), "%s: one DER certificate of its stated length", name);
	ok(s.ncerts == 1 && s.certs[0] == 0x30 && s.certs[1] == 0x82 &&
	       s.cert_len[0] == 4 + (size_t)(s.certs[2] << 8 | s.certs[3]),
	   msg);
	tls_summary_clear(&s);
}

static void test_flights(void)
{
	struct tls_summary s;
	test_flight_legacy("tls10.bin", 0x0301);
	test_flight_legacy("tls11.bin", 0x0302);
	test_flight_legacy("tls12_ecdhe.bin", 0x0303);
	is_int(summarize("tls12_dhe1024.bin", 7, &s), 1, "dhe1024: complete");
	ok(s.suite == 0x009E && s.dh_bits == 1024 && s.group == 0 && s.ncerts == 1,
	   "dhe1024: 1024-bit prime");
	tls_summary_clear(&s);
	is_int(summarize("tls12_dhe2048.bin", 100, &s), 1, "dhe2048: complete");
	is_int(s.dh_bits, 2048, "dhe2048: 2048-bit prime");
	tls_summary_clear(&s);
	is_int(summarize("tls13.bin", 3, &s), 1, "tls13: answered");
	ok(s.version == 0x0304 && s.suite == 0x1301 && s.group == 29 && !s.hrr && s.ncerts == 0 && s.done,
	   "tls13: version, suite, group; certificate encrypted");
	tls_summary_clear(&s);
	is_int(summarize("hrr.bin", 1000, &s), 1, "hrr: answered");
	ok(s.hrr == 1 && s.group == 29 && s.suite == 0x1301 && s.version == 0x0304 && !s.done,
	   "hrr: asks for x25519");
	tls_summary_clear(&s);
	is_int(summarize("alert_rc4.bin", 1, &s), 1, "alert: answered");
	ok(s.alert == 40 && s.alert_level == 2 && !s.server_hello && s.bytes_seen == 7 && s.records == 1,
	   "alert: fatal handshake_failure, 7 bytes, one record");
	is_str(tls_alert_name((uint8_t)s.alert), "handshake_failure", "alert name");
	tls_summary_clear(&s);
	is_int(summarize("tls13_x25519mlkem768.bin", 64, &s), 1, "hybrid: answered");
	ok(s.version == 0x0304 && s.suite == 0x1302 && s.group == 0x11EC, "hybrid: X25519MLKEM768 detected");
	tls_summary_clear(&s);
}

/* A warning alert before the flight is noted and the handshake read on. */
static void test_warning_alert(void)
{
	size_t len;
	uint8_t *b = fixture("tls12_ecdhe.bin", &len);
	static const uint8_t warn[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x70};
	struct tls_reader *r = tls_reader_new(0);
	struct tls_summary s;
	tls_summary_init(&s);
	tls_reader_feed(r, warn, sizeof(warn));
	is_int(tls_summary_update(&s, r), 0, "warning: not an answer yet");
	tls_reader_feed(r, b, len);
	is_int(tls_summary_update(&s, r), 1, "warning: then the flight");
	ok(s.alert == 112 && s.alert_level == 1 && s.version == 0x0303 && s.done && s.ncerts == 1 &&
	       s.records == 5,
	   "warning: unrecognized_name kept, handshake complete");
	tls_summary_clear(&s);
	tls_reader_free(r);
	free(b);
}

static void test_server_hello_fields(void)
{
	size_t len;
	uint8_t *b = fixture("tls13_x25519mlkem768.bin", &len);
	struct tls_server_hello sh;
	is_int(tls_parse_server_hello(b + 9, (size_t)(b[6] << 16 | b[7] << 8 | b[8]), &sh), 0, "sh: parses");
	ok(sh.legacy_version == 0x0303 && sh.selected_version == 0x0304 && sh.key_share_len == 1120 &&
	       sh.session_id_len == 32 && sh.session_id[0] == 100 && sh.random[31] == 31 && sh.nexts == 2 &&
	       sh.ext[0] == 43 && sh.ext[1] == 51,
	   "sh: fields");
	size_t n = (size_t)(b[6] << 16 | b[7] << 8 | b[8]), bad = 0;
	for (size_t cut = 0; cut < n; cut++)
		bad += tls_parse_server_hello(b + 9, cut, &sh) != (cut == 70 ? 0 : -EBADMSG);
	is_int(bad, 0, "sh: every truncation is -EBADMSG but the one without extensions");
	free(b);
	b = fixture("tls12_ecdhe.bin", &len);
	struct tls_reader *r = tls_reader_new(0);
	struct tls_event ev;
	tls_reader_feed(r, b, len);
	tls_reader_next(r, &ev);
	is_int(tls_parse_server_hello(ev.body, ev.len, &sh), 0, "sh 1.2: parses");
	ok(sh.reneg_info && sh.ec_point_formats && !sh.ems && sh.nexts == 2 && sh.selected_version == 0,
	   "sh 1.2: renegotiation_info, ec_point_formats (no EMS: not offered)");
	is_int(sh.downgrade, 0x0303, "sh 1.2: a TLS 1.3 server marks the random (RFC 8446 s4.1.3)");
	tls_reader_free(r);
	free(b);
}

/* ---- reader on hostile or foreign input ---- */

static int first_error(const char *bytes, size_t n, enum tls_peer *peer)
{
	struct tls_reader *r = tls_reader_new(0);
	struct tls_event ev;
	int rc = tls_reader_feed(r, (const uint8_t *)bytes, n);
	while (rc == 0 && (rc = tls_reader_next(r, &ev)) > 0)
		rc = 0;
	*peer = tls_reader_peer(r);
	tls_reader_free(r);
	return rc;
}

static void test_reader_errors(void)
{
	enum tls_peer p;
	/* found by fuzz_tlsrec: an empty handshake record before any handshake byte */
	is_int(first_error("\x16\x03\x03\x00\x00", 5, &p), -EBADMSG,
	       "a zero-length handshake record is malformed (RFC 8446 s5.1)");
	is_int(first_error("HTTP/1.1 400 Bad Request\r\n", 26, &p), -EPROTO, "http: -EPROTO");
	is_int(p, TLS_PEER_HTTP, "http: recognized");
	is_int(first_error("220 mx.test ESMTP\r\n", 19, &p), -EPROTO, "banner: -EPROTO");
	is_int(p, TLS_PEER_BANNER, "banner: recognized");
	is_int(first_error("SSH-2.0-OpenSSH_9.2\r\n", 21, &p), -EPROTO, "ssh: recognized");
	is_int(p, TLS_PEER_SSH, "ssh: peer");
	is_int(first_error("\x80\x2e\x04\x00\x01", 5, &p), -EPROTO, "sslv2: -EPROTO");
	is_int(p, TLS_PEER_SSL2, "sslv2: recognized");
	is_int(first_error("\x16\x03", 2, &p), 0, "two bytes: need more");
	is_int(p, TLS_PEER_UNKNOWN, "two bytes: undecided");
	is_int(first_error("\x16\x03\x03\x48\x01", 5, &p), -EBADMSG, "record over 2^14+2048: -EBADMSG");
	is_int(first_error("\x16\x03\x03\x00\x01\x02\x19\x03\x03\x00\x00", 11, &p), -EBADMSG,
	       "bad content type after a good record: -EBADMSG");
	is_int(first_error("\x15\x03\x03\x00\x01\x02", 6, &p), -EBADMSG, "one-byte alert: -EBADMSG");
	struct tls_reader *r = tls_reader_new(1000);
	uint8_t big[600] = {0x16, 0x03, 0x03, 0x02, 0x50, 0x0b, 0xff, 0xff, 0xff};
	struct tls_event ev;
	is_int(tls_reader_feed(r, big, 600), 0, "cap: 600 bytes taken");
	is_int(tls_reader_next(r, &ev), -EBADMSG, "cap: a 16 MB handshake message is refused");
	is_int(tls_reader_feed(r, big, 600), -EMSGSIZE, "cap: more than 1000 bytes refused");
	tls_reader_free(r);
	ok(tls_reader_free(NULL) == NULL, "free(NULL)");
}

static void test_parser_errors(void)
{
	static const uint8_t cert[] = {0x00, 0x00, 0x05, 0x00, 0x00, 0x02, 0x30, 0x00};
	static const uint8_t ske_ec[] = {0x03, 0x00, 0x17, 0x41, 0x04};
	static const uint8_t ske_dh[] = {0x00, 0x02, 0x01, 0x01, 0x00, 0x01, 0x02, 0x00, 0x01, 0x07};
	struct tls_cert_list cl;
	struct tls_ske ske;
	struct tls_alert al;
	is_int(tls_parse_certificate(cert, sizeof(cert), &cl), 0, "cert: parses");
	ok(cl.n == 1 && cl.cert[0].len == 2 && cl.cert[0].der == cert + 6, "cert: one 2-byte entry");
	is_int(tls_parse_certificate(cert, sizeof(cert) - 1, &cl), -EBADMSG, "cert: truncated");
	is_int(tls_parse_server_key_exchange(ske_ec, sizeof(ske_ec), 0xC02F, &ske), -EBADMSG,
	       "ske: short point");
	is_int(tls_parse_server_key_exchange(ske_dh, sizeof(ske_dh), 0x0033, &ske), 0, "ske: tiny DH parses");
	ok(ske.dh_bits == 9 && ske.dh_g == 2 && ske.dh_ys_bits == 3, "ske: 9-bit prime, g=2");
	is_int(tls_parse_server_key_exchange(ske_dh, sizeof(ske_dh), 0x002F, &ske), -ENOTSUP,
	       "ske: RSA suite");
	is_int(tls_parse_server_hello_done((const uint8_t *)"", 0), 0, "shd: empty");
	is_int(tls_parse_server_hello_done(cert, 1), -EBADMSG, "shd: not empty");
	is_int(tls_parse_alert(cert + 6, 2, &al), 0, "alert: parses");
	is_str(tls_alert_name(70), "protocol_version", "alert 70");
	is_str(tls_alert_name(200), "unknown", "alert 200");
}

/* A CertificateStatus message (RFC 6066 s8) is a stapled OCSP response; an empty one is not. */
static void test_certificate_status(void)
{
	static const uint8_t staple[] = {22, 3, 3, 0, 11, 22, 0, 0, 7, 1, 0, 0, 3, 0xaa, 0xbb, 0xcc};
	static const uint8_t empty[] = {22, 3, 3, 0, 4, 22, 0, 0, 0};
	const uint8_t *recs[] = {staple, empty};
	size_t lens[] = {sizeof staple, sizeof empty};
	for (int i = 0; i < 2; i++) {
		struct tls_reader *r = tls_reader_new(0);
		struct tls_summary s;
		tls_summary_init(&s);
		int rc = r ? tls_reader_feed(r, recs[i], lens[i]) : -1;
		if (rc == 0)
			rc = tls_summary_update(&s, r);
		is_int(rc, 0,
		       i == 0 ? "CertificateStatus: read, more to come" : "empty CertificateStatus: read");
		is_int(s.ocsp, i == 0,
		       i == 0 ? "a stapled OCSP response is noted" : "an empty one is not a staple");
		tls_summary_clear(&s);
		tls_reader_free(r);
	}
}

int main(void)
{
	test_certificate_status();
	test_suite_registry();
	test_suite_entries();
	test_groups();
	test_rfc8448();
	test_sslv3_bytes();
	test_big_hello();
	test_flights();
	test_server_hello_fields();
	test_warning_alert();
	test_reader_errors();
	test_parser_errors();
	return done_testing();
}
