/*
 * The TLS probe. Each handshake is a struct tls_conn: a non-blocking socket, an SSL
 * and three events (readable, writable, timeout), of which at most one I/O event is
 * pending at a time. A finished handshake is not torn down in its own callback: it is
 * marked done and the probe's `reap` event, the safe point, closes it and moves the
 * probe on (modern, then both legacy handshakes at once, then the callback). After the
 * callback the probe frees itself through libevent's finalizer on `reap`.
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
#include <unistd.h>

#define TLS_ERRLEN     256   /* room for an OpenSSL error string */
#define SAN_MAX        500   /* DNS names kept from one certificate */
#define DRAIN_MAX      16384 /* unread bytes dropped before close, so close sends FIN, not RST */
#define DEADLINE_TIMES 3     /* the whole probe gets this many handshake timeouts */
#define FIRST_MAX      64    /* first bytes from the server kept as evidence when no handshake completed */

enum conn_kind { CONN_MODERN = 0, CONN_TLS1, CONN_TLS11, CONN_COUNT };

enum conn_state { CS_IDLE = 0, CS_CONNECTING, CS_HANDSHAKING, CS_DONE, CS_CLOSED };

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
} kinds[CONN_COUNT] = {
    [CONN_MODERN] = {NULL, 0},
    [CONN_TLS1] = {"TLSv1", TLS1_VERSION},
    [CONN_TLS11] = {"TLSv1.1", TLS1_1_VERSION},
};

struct tls_ctxs {
	SSL_CTX *ctx[CONN_COUNT]; /* one context per kind of handshake */
};

struct tls_conn {
	struct tls_probe *p;      /* the probe this handshake belongs to */
	enum conn_kind kind;      /* which context, hence which versions */
	enum conn_state state;    /* how far it got */
	int fd;                   /* the socket, -1 when closed */
	SSL *ssl;                 /* the TLS session, NULL when closed */
	struct event *rd;         /* waits for the socket to be readable */
	struct event *wr;         /* waits for it to be writable (connect, handshake) */
	struct event *timer;      /* fires when connect plus handshake took too long */
	enum tls_status status;   /* the outcome, once done */
	char error[TLS_ERRLEN];   /* text for handshake_failed and error */
	uint8_t first[FIRST_MAX]; /* the first bytes the server sent */
	size_t nfirst;            /* how many of them were kept */
};

struct tls_probe {
	struct event_base *base;          /* the loop everything runs in */
	struct tls_ctxs *ctxs;            /* shared contexts, not owned */
	struct sockaddr_storage sa;       /* the server */
	socklen_t salen;                  /* length of sa */
	char *host;                       /* SNI and name to check, without trailing dot */
	int host_is_ip;                   /* host is an address literal: no SNI, IP check */
	int timeout_ms;                   /* per handshake, connect included */
	tls_probe_cb cb;                  /* called once at the end */
	void *arg;                        /* its argument */
	enum probe_state state;           /* which phase runs */
	int expired;                      /* the whole-probe deadline passed */
	int nomem;                        /* recording ran out of memory */
	int starved;                      /* a socket could not be opened for lack of descriptors */
	struct tls_conn conn[CONN_COUNT]; /* the handshakes */
	struct event *deadline;           /* caps the whole probe */
	struct event *reap;               /* the safe point: closes finished handshakes, moves on */
	json_t *tls;                      /* the observation being built */
};

static void probe_reap(evutil_socket_t fd, short what, void *arg);

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
	r = ctx_modern_new(ca_file, &c->ctx[CONN_MODERN]);
	for (k = CONN_TLS1; r == 0 && k < CONN_COUNT; k++)
		r = ctx_legacy_new(ca_file, kinds[k].version, &c->ctx[k]);
	if (r < 0)
		goto fail;
	/* Like browsers, talk to servers without RFC 5746 (never renegotiating). */
	for (k = 0; k < CONN_COUNT; k++)
		SSL_CTX_set_options(c->ctx[k], SSL_OP_LEGACY_SERVER_CONNECT);
	ERR_clear_error();
	*out = c;
	return 0;
fail:
	ERR_clear_error();
	tls_ctxs_free(c);
	return r;
}

struct tls_ctxs *tls_ctxs_free(struct tls_ctxs *c)
{
	int k;

	if (!c)
		return NULL;
	for (k = 0; k < CONN_COUNT; k++)
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

static void modern_record(struct tls_conn *c)
{
	struct tls_probe *p = c->p;

	obs_put(p, p->tls, "status", json_string(status_names[c->status]));
	if (c->status == TS_HANDSHAKE_FAILED || c->status == TS_ERROR)
		obs_put(p, p->tls, "error", json_string(c->error));
	if (c->status != TS_OK && c->nfirst > 0)
		obs_put(p, p->tls, "first_bytes", hex_json(c->first, c->nfirst));
	if (c->status == TS_OK)
		session_record(p, c->ssl);
}

/* Accepted means completed at that version; only connection-level failures are noted. */
static void legacy_record(struct tls_conn *c)
{
	struct tls_probe *p = c->p;
	const char *name = kinds[c->kind].name;
	int accepted = c->status == TS_OK && SSL_version(c->ssl) == kinds[c->kind].version;
	char note[TLS_ERRLEN + 8];

	obs_put(p, json_object_get(p->tls, "legacy"), name, json_boolean(accepted));
	/* Without a modern session, the certificate is the one a legacy handshake showed (the highest). */
	if (accepted && p->conn[CONN_MODERN].status != TS_OK &&
	    (c->kind == CONN_TLS11 || json_is_null(json_object_get(p->tls, "protocol"))))
		session_record(p, c->ssl);
	if (c->status != TS_TIMEOUT && c->status != TS_REFUSED && c->status != TS_ERROR)
		return;
	if (c->status == TS_ERROR)
		snprintf(note, sizeof(note), "error: %s", c->error);
	else
		snprintf(note, sizeof(note), "%s", status_names[c->status]);
	obs_put(p, json_object_get(p->tls, "legacy_errors"), name, json_string(note));
}

/* ---- one handshake ---- */

/*
 * OpenSSL stops at the first record header it cannot use (5 bytes): add what else has
 * already arrived, without waiting, so the evidence shows more of what answered.
 */
static void conn_read_more(struct tls_conn *c)
{
	ssize_t n;

	if (c->fd < 0 || c->nfirst == 0 || c->nfirst >= FIRST_MAX)
		return;
	n = recv(c->fd, c->first + c->nfirst, FIRST_MAX - c->nfirst, MSG_DONTWAIT);
	if (n > 0)
		c->nfirst += (size_t)n;
}

/* Ends a handshake: records it and wakes the safe point, which will close it. */
static void conn_finish(struct tls_conn *c, enum tls_status st, const char *err)
{
	if (c->state == CS_DONE || c->state == CS_CLOSED)
		return;
	c->state = CS_DONE;
	c->status = st;
	snprintf(c->error, sizeof(c->error), "%s", err ? err : "");
	if (c->rd)
		event_del(c->rd);
	if (c->wr)
		event_del(c->wr);
	if (c->timer)
		event_del(c->timer);
	if (c->kind == CONN_MODERN && st != TS_OK)
		conn_read_more(c);
	if (c->kind == CONN_MODERN)
		modern_record(c);
	else
		legacy_record(c);
	event_active(c->p->reap, EV_TIMEOUT, 0);
}

static void conn_wait(struct tls_conn *c, struct event *ev)
{
	if (event_add(ev, NULL) < 0)
		conn_finish(c, TS_ERROR, "cannot wait for the socket");
}

static void conn_fail_ssl(struct tls_conn *c, int sslerr, int saved_errno)
{
	unsigned long code = ERR_get_error();
	char buf[TLS_ERRLEN];

	if (code)
		ERR_error_string_n(code, buf, sizeof(buf));
	else if (sslerr == SSL_ERROR_SYSCALL && saved_errno)
		snprintf(buf, sizeof(buf), "%s", strerror(saved_errno));
	else if (sslerr == SSL_ERROR_ZERO_RETURN)
		snprintf(buf, sizeof(buf), "closed by peer");
	else
		snprintf(buf, sizeof(buf), "SSL error %d", sslerr);
	ERR_clear_error();
	conn_finish(c, TS_HANDSHAKE_FAILED, buf);
}

static void conn_step(struct tls_conn *c)
{
	int r, e, saved;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	saved = errno;
	if (r == 1) {
		conn_finish(c, TS_OK, NULL);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		conn_wait(c, c->rd);
	else if (e == SSL_ERROR_WANT_WRITE)
		conn_wait(c, c->wr);
	else
		conn_fail_ssl(c, e, saved);
}

static enum tls_status connect_status(int err)
{
	if (err == ECONNREFUSED)
		return TS_REFUSED;
	if (err == ETIMEDOUT)
		return TS_TIMEOUT;
	return TS_ERROR;
}

static void conn_connected(struct tls_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		conn_finish(c, connect_status(err), strerror(err));
		return;
	}
	c->state = CS_HANDSHAKING;
	conn_step(c);
}

static void conn_on_io(evutil_socket_t fd, short what, void *arg)
{
	struct tls_conn *c = arg;

	if (c->state == CS_CONNECTING)
		conn_connected(c);
	else if (c->state == CS_HANDSHAKING)
		conn_step(c);
}

static void conn_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	conn_finish(arg, TS_TIMEOUT, NULL);
}

static struct timeval ms_to_tv(long long ms)
{
	struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};

	return tv;
}

/* Keeps a copy of the first bytes the server sent (OpenSSL reads them through this BIO). */
static long first_bytes_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret,
                           size_t *processed)
{
	struct tls_conn *c = (struct tls_conn *)BIO_get_callback_arg(b);

	if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed && c && c->nfirst < FIRST_MAX) {
		size_t take = *processed < FIRST_MAX - c->nfirst ? *processed : FIRST_MAX - c->nfirst;
		memcpy(c->first + c->nfirst, argp, take);
		c->nfirst += take;
	}
	return ret;
}

/* Events, SSL and the timer for a fresh socket. */
static int conn_prepare(struct tls_conn *c)
{
	struct tls_probe *p = c->p;
	struct timeval tv = ms_to_tv(p->timeout_ms);

	c->rd = event_new(p->base, c->fd, EV_READ, conn_on_io, c);
	c->wr = event_new(p->base, c->fd, EV_WRITE, conn_on_io, c);
	c->timer = evtimer_new(p->base, conn_on_timeout, c);
	c->ssl = SSL_new(p->ctxs->ctx[c->kind]);
	if (!c->rd || !c->wr || !c->timer || !c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return -ENOMEM;
	if (!p->host_is_ip && SSL_set_tlsext_host_name(c->ssl, p->host) != 1)
		return -EINVAL;
	BIO_set_callback_arg(SSL_get_rbio(c->ssl), (char *)c);
	BIO_set_callback_ex(SSL_get_rbio(c->ssl), first_bytes_cb);
	SSL_set_connect_state(c->ssl);
	return evtimer_add(c->timer, &tv) < 0 ? -ENOMEM : 0;
}

/* Starts connecting. A connection-level failure is a result, not an error here. */
static int conn_open(struct tls_conn *c)
{
	struct tls_probe *p = c->p;
	int r;

	c->fd = socket(p->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		r = errno;
		p->starved |= r == EMFILE || r == ENFILE || r == ENOBUFS || r == ENOMEM;
		return -r;
	}
	r = conn_prepare(c);
	ERR_clear_error();
	if (r < 0)
		return r;
	c->state = CS_CONNECTING;
	if (connect(c->fd, (const struct sockaddr *)&p->sa, p->salen) == 0)
		conn_connected(c);
	else if (errno == EINPROGRESS || errno == EINTR)
		conn_wait(c, c->wr);
	else
		conn_finish(c, connect_status(errno), strerror(errno));
	return 0;
}

static void sock_drain(int fd)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	while (total < DRAIN_MAX && (n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += (size_t)n;
}

/* One close_notify when the handshake completed, never a wait; then everything goes. */
static void conn_close(struct tls_conn *c)
{
	if (c->ssl && SSL_is_init_finished(c->ssl))
		SSL_shutdown(c->ssl);
	ERR_clear_error();
	SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0) {
		sock_drain(c->fd);
		close(c->fd);
		c->fd = -1;
	}
	if (c->rd)
		event_free(c->rd);
	if (c->wr)
		event_free(c->wr);
	if (c->timer)
		event_free(c->timer);
	c->rd = c->wr = c->timer = NULL;
	c->state = CS_CLOSED;
}

/* ---- the probe ---- */

static void probe_free(struct tls_probe *p)
{
	int k;

	if (!p)
		return;
	for (k = 0; k < CONN_COUNT; k++)
		conn_close(&p->conn[k]);
	if (p->deadline)
		event_free(p->deadline);
	if (p->reap)
		event_free(p->reap);
	json_decref(p->tls);
	free(p->host);
	free(p);
}

static void probe_finalize(struct event *ev, void *arg)
{
	struct tls_probe *p = arg;

	p->reap = NULL; /* libevent frees it */
	probe_free(p);
}

static void probe_expire(evutil_socket_t fd, short what, void *arg)
{
	struct tls_probe *p = arg;
	int k;

	p->expired = 1;
	for (k = 0; k < CONN_COUNT; k++)
		if (p->conn[k].state == CS_CONNECTING || p->conn[k].state == CS_HANDSHAKING)
			conn_finish(&p->conn[k], TS_TIMEOUT, NULL);
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

/* Runs inside `reap`: hands the result over, then lets libevent free `reap` and us. */
static void probe_deliver(struct tls_probe *p)
{
	json_t *tls = probe_result(p);

	p->state = PS_DELIVERING;
	p->cb(p->arg, tls);
	event_free(p->deadline);
	p->deadline = NULL;
	event_free_finalize(0, p->reap, probe_finalize);
}

static void legacy_start(struct tls_probe *p)
{
	int k, r;

	p->state = PS_LEGACY;
	obs_put(p, p->tls, "legacy", json_pack("{s:b,s:b}", "TLSv1", 0, "TLSv1.1", 0));
	obs_put(p, p->tls, "legacy_errors", json_object());
	for (k = CONN_TLS1; k < CONN_COUNT; k++) {
		r = conn_open(&p->conn[k]);
		p->starved |= r == -ENOMEM;
		if (r < 0)
			conn_finish(&p->conn[k], TS_ERROR, strerror(-r));
	}
}

static int legacy_over(const struct tls_probe *p)
{
	int k;

	for (k = CONN_TLS1; k < CONN_COUNT; k++)
		if (p->conn[k].state != CS_CLOSED)
			return 0;
	return 1;
}

static void probe_reap(evutil_socket_t fd, short what, void *arg)
{
	struct tls_probe *p = arg;
	int k;

	for (k = 0; k < CONN_COUNT; k++)
		if (p->conn[k].state == CS_DONE)
			conn_close(&p->conn[k]);
	if (p->state == PS_MODERN && p->conn[CONN_MODERN].state == CS_CLOSED) {
		/* A server that speaks only TLS 1.0/1.1 fails the modern handshake: still ask. */
		enum tls_status st = p->conn[CONN_MODERN].status;
		if ((st == TS_OK || st == TS_HANDSHAKE_FAILED) && !p->expired && !p->nomem)
			legacy_start(p);
		else
			probe_deliver(p);
	} else if (p->state == PS_LEGACY && legacy_over(p)) {
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
	for (k = 0; k < CONN_COUNT; k++) {
		p->conn[k].p = p;
		p->conn[k].kind = (enum conn_kind)k;
		p->conn[k].fd = -1;
	}
	p->base = base;
	p->ctxs = ctxs;
	p->host = host_dup(host);
	p->reap = event_new(base, -1, 0, probe_reap, p);
	p->deadline = evtimer_new(base, probe_expire, p);
	p->tls = json_pack("{s:s,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n}", "status", "error", "error",
	                   "protocol", "cipher", "verify_code", "verify_error", "hostname_match", "cert",
	                   "legacy", "legacy_errors");
	if (!p->host || !p->reap || !p->deadline || !p->tls) {
		probe_free(p);
		return -ENOMEM;
	}
	p->host_is_ip = host_is_ip(p->host);
	*out = p;
	return 0;
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
	p->timeout_ms = timeout_ms;
	p->cb = cb;
	p->arg = arg;
	r = evtimer_add(p->deadline, &tv) < 0 ? -ENOMEM : conn_open(&p->conn[CONN_MODERN]);
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
