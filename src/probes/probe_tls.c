/*
 * The TLS probe. Each handshake is a struct hs around one connection of the
 * connection layer (conn.h): its connected hook starts TLS with the handshake's own
 * SSL_CTX, secured records the session, done maps how the connection ended to the
 * observation's statuses. A hook records at once and frees its conn (the layer frees
 * at a safe point), then moves the probe on: modern, then both legacy handshakes at
 * once, then the callback. After the callback the probe frees itself through
 * libevent's finalizer on its `deadline` event.
 */
#include "probe_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "scope.h"
#include "errbuf.h"

#define TLS_ERRLEN     256 /* room for an OpenSSL error string */
#define SAN_MAX        500 /* DNS names kept from one certificate */
#define DEADLINE_TIMES 3   /* the whole probe gets this many handshake timeouts */
#define FIRST_MAX      64  /* first bytes from the server kept as evidence when no handshake completed */

enum hs_kind { HS_MODERN = 0, HS_TLS1, HS_TLS11, HS_COUNT };

enum tls_status { TS_PENDING = 0, TS_OK, TS_REFUSED, TS_TIMEOUT, TS_HANDSHAKE_FAILED, TS_ERROR };

enum probe_state { PS_MODERN = 0, PS_LEGACY, PS_DELIVERING };

static const char *const status_names[] = {
    [TS_PENDING] = "error",
    [TS_OK] = "ok",
    [TS_REFUSED] = "refused",
    [TS_TIMEOUT] = "timeout",
    [TS_HANDSHAKE_FAILED] = "handshake_failed",
    [TS_ERROR] = "error",
};

static const struct {
	const char *name; /* key in "legacy", NULL for the modern handshake */
	int version;      /* the only version offered, 0 for default versions */
} kinds[HS_COUNT] = {
    [HS_MODERN] = {NULL, 0},
    [HS_TLS1] = {"TLSv1", TLS1_VERSION},
    [HS_TLS11] = {"TLSv1.1", TLS1_1_VERSION},
};

struct tls_ctxs {
	SSL_CTX *ctx[HS_COUNT]; /* one context per kind of handshake */
	struct pace *pace;      /* pacing of every handshake's connection, or NULL */
};

struct hs {
	struct tls_probe *p;      /* the probe this handshake belongs to */
	enum hs_kind kind;        /* which context, hence which versions */
	struct conn *c;           /* its connection while it runs, else NULL */
	int running;              /* started (or about to be) and not yet recorded */
	enum tls_status status;   /* the outcome, once recorded */
	char error[TLS_ERRLEN];   /* text for handshake_failed and error */
	uint8_t first[FIRST_MAX]; /* the first bytes the server sent */
	size_t nfirst;            /* how many of them were kept */
};

struct tls_probe {
	struct event_base *base;    /* the loop everything runs in */
	struct tls_ctxs *ctxs;      /* shared contexts, not owned */
	struct sockaddr_storage sa; /* the server */
	socklen_t salen;            /* length of sa */
	struct cidr only[2];        /* the server's address (and for IPv6 any IPv4 it embeds) */
	struct scope scope;         /* only[] as the conns' scope: the caller checked the real one */
	char *host;                 /* SNI and name to check, without trailing dot */
	int host_is_ip;             /* host is an address literal: no SNI, IP check */
	int timeout_ms;             /* per handshake, connect included */
	tls_probe_cb cb;            /* called once at the end */
	void *arg;                  /* its argument */
	enum probe_state state;     /* which phase runs */
	int expired;                /* the whole-probe deadline passed */
	int nomem;                  /* recording ran out of memory */
	int starved;                /* a connection could not start for lack of descriptors or memory */
	struct hs hs[HS_COUNT];     /* the handshakes */
	struct event *deadline;     /* caps the whole probe; its finalizer frees the probe */
	json_t *tls;                /* the observation being built */
};

/* ---- contexts ---- */

/* Trust anchors and verify settings; 1 on success, as OpenSSL counts. */
static int ctx_trust(SSL_CTX *ctx, const char *ca_file)
{
	X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ctx);

	/* Trust is judged apart from dates: the analyzers read not_before/not_after. */
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_NO_CHECK_TIME);
	X509_VERIFY_PARAM_clear_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
	/* Verification still runs with VERIFY_NONE; its result is read afterwards. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ca_file ? SSL_CTX_load_verify_file(ctx, ca_file) : SSL_CTX_set_default_verify_paths(ctx);
}

static int ctx_modern_new(const char *ca_file, SSL_CTX **out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return -ENOMEM;
	if (ctx_trust(ctx, ca_file) != 1) {
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	*out = ctx;
	return 0;
}

/* A legacy-only server's certificate is judged from these handshakes: they verify too. */
static int ctx_legacy_new(const char *ca_file, int version, SSL_CTX **out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return -ENOMEM;
	if (ctx_trust(ctx, ca_file) != 1 || SSL_CTX_set_min_proto_version(ctx, version) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, version) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") != 1) {
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	*out = ctx;
	return 0;
}

int tls_ctxs_new(const char *ca_file, struct tls_ctxs **out)
{
	struct tls_ctxs *c = calloc(1, sizeof(*c));
	int r, k;

	if (!c)
		return -ENOMEM;
	r = ctx_modern_new(ca_file, &c->ctx[HS_MODERN]);
	for (k = HS_TLS1; r == 0 && k < HS_COUNT; k++)
		r = ctx_legacy_new(ca_file, kinds[k].version, &c->ctx[k]);
	if (r < 0)
		goto fail;
	/* Like browsers, talk to servers without RFC 5746 (never renegotiating). */
	for (k = 0; k < HS_COUNT; k++)
		SSL_CTX_set_options(c->ctx[k], SSL_OP_LEGACY_SERVER_CONNECT);
	ERR_clear_error();
	*out = c;
	return 0;
fail:
	ERR_clear_error();
	tls_ctxs_free(c);
	return r;
}

void tls_ctxs_set_pace(struct tls_ctxs *c, struct pace *pace)
{
	c->pace = pace;
}

struct tls_ctxs *tls_ctxs_free(struct tls_ctxs *c)
{
	int k;

	if (!c)
		return NULL;
	for (k = 0; k < HS_COUNT; k++)
		SSL_CTX_free(c->ctx[k]);
	free(c);
	return NULL;
}

/* ---- recording ---- */

static void obs_put(struct tls_probe *p, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		p->nomem = 1;
}

/* One-line RFC 2253 form; non-ASCII bytes come out escaped, so the text is ASCII. */
static json_t *name_json(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	json_t *v = NULL;
	char *data;
	long len;

	if (!b)
		return NULL;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		len = BIO_get_mem_data(b, &data);
		v = json_stringn(len > 0 ? data : "", len > 0 ? (size_t)len : 0);
	}
	BIO_free(b);
	return v;
}

static json_t *time_json(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return NULL;
	return json_integer((json_int_t)timegm(&tm));
}

static void san_append(json_t *arr, const ASN1_IA5STRING *s)
{
	const unsigned char *d = ASN1_STRING_get0_data(s);
	int len = ASN1_STRING_length(s);

	/* A name with a NUL or bad UTF-8 cannot be a host name: leave it out. */
	if (len <= 0 || memchr(d, 0, (size_t)len))
		return;
	json_array_append_new(arr, json_stringn((const char *)d, (size_t)len));
}

static json_t *san_json(X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	json_t *arr = json_array();
	int i, n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	for (i = 0; arr && i < n && json_array_size(arr) < SAN_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS)
			san_append(arr, g->d.dNSName);
	}
	GENERAL_NAMES_free(gens);
	return arr;
}

static json_t *serial_json(const X509 *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	json_t *v = hex ? json_string(hex) : NULL;

	OPENSSL_free(hex);
	BN_free(bn);
	return v;
}

static json_t *key_json(X509 *x)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	const char *type;
	char buf[64];

	if (!k)
		return NULL;
	type = EVP_PKEY_get0_type_name(k);
	snprintf(buf, sizeof(buf), "%s %d", type ? type : "unknown", EVP_PKEY_get_bits(k));
	return json_string(buf);
}

static json_t *cert_json(X509 *x)
{
	const char *sig = OBJ_nid2ln(X509_get_signature_nid(x));

	return json_pack("{s:o?,s:o?,s:o?,s:o?,s:o?,s:b,s:o?,s:o?,s:o?}", "subject",
	                 name_json(X509_get_subject_name(x)), "issuer", name_json(X509_get_issuer_name(x)),
	                 "not_before", time_json(X509_get0_notBefore(x)), "not_after",
	                 time_json(X509_get0_notAfter(x)), "san", san_json(x), "self_signed",
	                 X509_self_signed(x, 1) == 1, "serial", serial_json(x), "key", key_json(x), "sig_alg",
	                 sig ? json_string(sig) : NULL);
}

static int host_matches(X509 *x, const char *host, int is_ip)
{
	if (is_ip)
		return X509_check_ip_asc(x, host, 0) == 1;
	return X509_check_host(x, host, strlen(host), X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1;
}

static void session_record(struct tls_probe *p, SSL *ssl)
{
	X509 *x = SSL_get0_peer_certificate(ssl);
	long vr = SSL_get_verify_result(ssl);

	obs_put(p, p->tls, "protocol", json_string(SSL_get_version(ssl)));
	obs_put(p, p->tls, "cipher", json_string(SSL_get_cipher_name(ssl)));
	/* Without a certificate (anonymous suites) the verify result says nothing. */
	if (!x) {
		obs_put(p, p->tls, "verify_error", json_string("no certificate"));
		return;
	}
	obs_put(p, p->tls, "verify_code", json_integer(vr));
	obs_put(p, p->tls, "verify_error", json_string(X509_verify_cert_error_string(vr)));
	obs_put(p, p->tls, "hostname_match", json_boolean(host_matches(x, p->host, p->host_is_ip)));
	obs_put(p, p->tls, "cert", cert_json(x));
}

/* Bytes as lower-case hex: the evidence of what answered instead of a TLS server. */
static json_t *hex_json(const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char buf[2 * FIRST_MAX + 1];

	for (size_t i = 0; i < n && i < FIRST_MAX; i++) {
		buf[2 * i] = digits[b[i] >> 4];
		buf[2 * i + 1] = digits[b[i] & 15];
	}
	return json_stringn(buf, 2 * (n < FIRST_MAX ? n : FIRST_MAX));
}

static void modern_record(struct hs *h, SSL *ssl)
{
	struct tls_probe *p = h->p;

	obs_put(p, p->tls, "status", json_string(status_names[h->status]));
	if (h->status == TS_HANDSHAKE_FAILED || h->status == TS_ERROR)
		obs_put(p, p->tls, "error", json_string(h->error));
	if (h->status != TS_OK && h->nfirst > 0)
		obs_put(p, p->tls, "first_bytes", hex_json(h->first, h->nfirst));
	if (h->status == TS_OK)
		session_record(p, ssl);
}

/* Accepted means completed at that version; only connection-level failures are noted. */
static void legacy_record(struct hs *h, SSL *ssl)
{
	struct tls_probe *p = h->p;
	const char *name = kinds[h->kind].name;
	int accepted = h->status == TS_OK && SSL_version(ssl) == kinds[h->kind].version;
	char note[TLS_ERRLEN + 8];

	obs_put(p, json_object_get(p->tls, "legacy"), name, json_boolean(accepted));
	/* Without a modern session, the certificate is the one a legacy handshake showed (the highest). */
	if (accepted && p->hs[HS_MODERN].status != TS_OK &&
	    (h->kind == HS_TLS11 || json_is_null(json_object_get(p->tls, "protocol"))))
		session_record(p, ssl);
	if (h->status != TS_TIMEOUT && h->status != TS_REFUSED && h->status != TS_ERROR)
		return;
	if (h->status == TS_ERROR)
		snprintf(note, sizeof(note), "error: %s", h->error);
	else
		snprintf(note, sizeof(note), "%s", status_names[h->status]);
	obs_put(p, json_object_get(p->tls, "legacy_errors"), name, json_string(note));
}

/* ---- one handshake ---- */

static void probe_next(struct tls_probe *p);

/*
 * OpenSSL stops at the first record header it cannot use (5 bytes): add what else has
 * already arrived, without waiting, so the evidence shows more of what answered.
 */
static void hs_read_more(struct hs *h)
{
	ssize_t n;

	if (!h->c || h->nfirst == 0 || h->nfirst >= FIRST_MAX)
		return;
	n = conn_peek(h->c, h->first + h->nfirst, FIRST_MAX - h->nfirst);
	if (n > 0)
		h->nfirst += (size_t)n;
}

/* Ends a handshake, from one of its hooks or the deadline: records it, frees its conn, moves on. */
static void hs_finish(struct hs *h, enum tls_status st, const char *err, SSL *ssl)
{
	if (!h->running)
		return;
	h->running = 0;
	h->status = st;
	snprintf(h->error, sizeof(h->error), "%s", err ? err : "");
	if (h->kind == HS_MODERN && st != TS_OK)
		hs_read_more(h);
	if (h->kind == HS_MODERN)
		modern_record(h, ssl);
	else
		legacy_record(h, ssl);
	h->c = conn_free(h->c);
	probe_next(h->p);
}

/* Keeps a copy of the first bytes the server sent (OpenSSL reads them through this BIO). */
static long first_bytes_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret,
                           size_t *processed)
{
	struct hs *h = (struct hs *)BIO_get_callback_arg(b);

	if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed && h && h->nfirst < FIRST_MAX) {
		size_t take = *processed < FIRST_MAX - h->nfirst ? *processed : FIRST_MAX - h->nfirst;
		memcpy(h->first + h->nfirst, argp, take);
		h->nfirst += take;
	}
	return ret;
}

static void hs_connected(struct conn *c, void *arg)
{
	struct hs *h = arg;
	struct tls_probe *p = h->p;
	int r = conn_start_tls(c, p->ctxs->ctx[h->kind], p->host_is_ip ? NULL : p->host);
	SSL *ssl = conn_ssl(c);

	if (r < 0) {
		hs_finish(h, TS_ERROR, err_text(-r), NULL);
		return;
	}
	/* The evidence names an early close as OpenSSL does ("unexpected eof while reading"). */
	SSL_clear_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	BIO_set_callback_arg(SSL_get_rbio(ssl), (char *)h);
	BIO_set_callback_ex(SSL_get_rbio(ssl), first_bytes_cb);
}

static void hs_secured(struct conn *c, void *arg)
{
	hs_finish(arg, TS_OK, NULL, conn_ssl(c));
}

static int resource_errno(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* The layer's statuses in the observation's words; the handshake is the only exchange. */
static void hs_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct hs *h = arg;
	/* A paced connect that found no descriptor: as when it fails at the start. */
	h->p->starved |= resource_errno(-err);
	switch (st) {
	case CONN_REFUSED:
		hs_finish(arg, TS_REFUSED, conn_error(c), NULL);
		break;
	case CONN_TIMEOUT:
		hs_finish(arg, TS_TIMEOUT, NULL, NULL);
		break;
	case CONN_TLS_FAILED:
	case CONN_CLOSED:
		hs_finish(arg, TS_HANDSHAKE_FAILED, conn_error(c), NULL);
		break;
	default:
		hs_finish(arg, TS_ERROR, conn_error(c), NULL);
	}
}

static const struct conn_hooks hs_hooks = {
    .connected = hs_connected,
    .secured = hs_secured,
    .done = hs_done,
};

/* Starts connecting; connect and handshake share one deadline. A refusal is a result, not an error here. */
static int hs_open(struct hs *h)
{
	struct tls_probe *p = h->p;
	struct conn_cfg cfg = {.scope = &p->scope,
	                       .connect_ms = p->timeout_ms,
	                       .total_ms = p->timeout_ms,
	                       .rcap = FIRST_MAX,
	                       .pace = p->ctxs->pace};
	int r = conn_new(p->base, &cfg, &hs_hooks, h, &h->c);

	if (r == 0)
		r = conn_connect(h->c, (const struct sockaddr *)&p->sa, p->salen);
	if (r < 0) {
		h->c = conn_free(h->c);
		p->starved |= resource_errno(-r);
	}
	return r;
}

/* ---- the probe ---- */

static void probe_free(struct tls_probe *p)
{
	int k;

	if (!p)
		return;
	for (k = 0; k < HS_COUNT; k++)
		p->hs[k].c = conn_free(p->hs[k].c);
	if (p->deadline)
		event_free(p->deadline);
	json_decref(p->tls);
	free(p->host);
	free(p);
}

static void probe_finalize(struct event *ev, void *arg)
{
	struct tls_probe *p = arg;

	p->deadline = NULL; /* libevent frees it */
	probe_free(p);
}

static void probe_expire(evutil_socket_t fd, short what, void *arg)
{
	struct tls_probe *p = arg;
	int k;

	p->expired = 1;
	for (k = 0; k < HS_COUNT; k++)
		hs_finish(&p->hs[k], TS_TIMEOUT, NULL, NULL);
}

static json_t *probe_result(struct tls_probe *p)
{
	json_t *tls = p->tls;

	p->tls = NULL;
	if (!p->nomem)
		return tls;
	json_decref(tls);
	return json_pack("{s:s,s:s}", "status", "error", "error", "out of memory");
}

/* Hands the result over, then lets libevent free `deadline` and us once no callback of it runs. */
static void probe_deliver(struct tls_probe *p)
{
	json_t *tls = probe_result(p);

	p->state = PS_DELIVERING;
	p->cb(p->arg, tls);
	event_free_finalize(0, p->deadline, probe_finalize);
}

static void legacy_start(struct tls_probe *p)
{
	int k, r;

	p->state = PS_LEGACY;
	obs_put(p, p->tls, "legacy", json_pack("{s:b,s:b}", "TLSv1", 0, "TLSv1.1", 0));
	obs_put(p, p->tls, "legacy_errors", json_object());
	/* Both count as running first: one failing at once must not end the phase alone. */
	for (k = HS_TLS1; k < HS_COUNT; k++)
		p->hs[k].running = 1;
	for (k = HS_TLS1; k < HS_COUNT; k++) {
		r = hs_open(&p->hs[k]);
		if (r < 0)
			hs_finish(&p->hs[k], TS_ERROR, err_text(-r), NULL);
	}
}

/* After a handshake was recorded: the next phase, or the result once nothing runs. */
static void probe_next(struct tls_probe *p)
{
	enum tls_status st = p->hs[HS_MODERN].status;

	if (p->state == PS_MODERN) {
		/* A server that speaks only TLS 1.0/1.1 fails the modern handshake: still ask. */
		if ((st == TS_OK || st == TS_HANDSHAKE_FAILED) && !p->expired && !p->nomem)
			legacy_start(p);
		else
			probe_deliver(p);
	} else if (p->state == PS_LEGACY && !p->hs[HS_TLS1].running && !p->hs[HS_TLS11].running) {
		probe_deliver(p);
	}
}

static int host_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* A copy of host without one trailing dot. */
static char *host_dup(const char *host)
{
	size_t len = strlen(host);

	if (len > 1 && host[len - 1] == '.')
		len--;
	return strndup(host, len);
}

static int probe_new(struct event_base *base, struct tls_ctxs *ctxs, const char *host, struct tls_probe **out)
{
	struct tls_probe *p = calloc(1, sizeof(*p));
	int k;

	if (!p)
		return -ENOMEM;
	for (k = 0; k < HS_COUNT; k++) {
		p->hs[k].p = p;
		p->hs[k].kind = (enum hs_kind)k;
	}
	p->base = base;
	p->ctxs = ctxs;
	p->host = host_dup(host);
	p->deadline = evtimer_new(base, probe_expire, p);
	p->tls = json_pack("{s:s,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n}", "status", "error", "error",
	                   "protocol", "cipher", "verify_code", "verify_error", "hostname_match", "cert",
	                   "legacy", "legacy_errors");
	if (!p->host || !p->deadline || !p->tls) {
		probe_free(p);
		return -ENOMEM;
	}
	p->host_is_ip = host_is_ip(p->host);
	*out = p;
	return 0;
}

/*
 * The conns may contact the server's address and nothing else. An IPv6 address
 * that embeds an IPv4 one is allowed only with that IPv4 address too: any is.
 */
static void probe_scope(struct tls_probe *p)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&p->sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&p->sa;

	p->scope.allow = p->only;
	p->scope.nallow = 1;
	p->only[0].family = p->sa.ss_family;
	if (p->sa.ss_family == AF_INET) {
		memcpy(p->only[0].addr, &sin->sin_addr, 4);
		p->only[0].prefix = 32;
		return;
	}
	memcpy(p->only[0].addr, &sin6->sin6_addr, 16);
	p->only[0].prefix = 128;
	p->only[1].family = AF_INET; /* 0.0.0.0/0 */
	p->scope.nallow = 2;
}

static int sa_valid(const struct sockaddr *sa, socklen_t salen)
{
	if (!sa || salen > sizeof(struct sockaddr_storage))
		return 0;
	if (sa->sa_family == AF_INET)
		return salen >= sizeof(struct sockaddr_in);
	if (sa->sa_family == AF_INET6)
		return salen >= sizeof(struct sockaddr_in6);
	return 0;
}

static struct timeval ms_to_tv(long long ms)
{
	struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};

	return tv;
}

int tls_probe_start(struct event_base *base, struct tls_ctxs *ctxs, const struct sockaddr *sa,
                    socklen_t salen, const char *host, int timeout_ms, tls_probe_cb cb, void *arg,
                    struct tls_probe **out)
{
	struct tls_probe *p = NULL;
	struct timeval tv = ms_to_tv((long long)timeout_ms * DEADLINE_TIMES);
	int r;

	if (!base || !ctxs || !host || !*host || !cb || timeout_ms <= 0 || !sa_valid(sa, salen))
		return -EINVAL;
	r = probe_new(base, ctxs, host, &p);
	if (r < 0)
		return r;
	memcpy(&p->sa, sa, salen);
	p->salen = salen;
	probe_scope(p);
	p->timeout_ms = timeout_ms;
	p->cb = cb;
	p->arg = arg;
	p->hs[HS_MODERN].running = 1;
	r = evtimer_add(p->deadline, &tv) < 0 ? -ENOMEM : hs_open(&p->hs[HS_MODERN]);
	if (r < 0)
		goto fail;
	if (out)
		*out = p;
	return 0;
fail:
	probe_free(p);
	return r;
}

int tls_probe_starved(const struct tls_probe *p)
{
	return p != NULL && p->starved;
}

void tls_probe_cancel(struct tls_probe *p)
{
	/* From its own callback the probe is already on its way out. */
	if (!p || p->state == PS_DELIVERING)
		return;
	probe_free(p);
}
