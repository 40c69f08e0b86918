/*
 * The deep-TLS probe (see probe_tlsscan.h). An endpoint (struct tse) holds the plan and
 * the batch in flight; each question (struct tsq) is one connection of conn.h: for SMTP
 * the greeting, EHLO and STARTTLS first, then the question's ClientHello (or, for the
 * certificate question, an OpenSSL handshake), the replies fed to a tls_reader and a
 * tls_summary until the answer. A question records its answer in the plan and frees its
 * connection; the last of a batch plans the next, and an empty batch ends the endpoint.
 */
#include "probe_tlsscan.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "endpoints.h"
#include "engine.h"
#include "errbuf.h"
#include "probes.h"
#include "share.h"
#include "shared.h"
#include "tls_suites.h"
#include "tlsscan_plan.h"
#include "wire_smtp.h"
#include "wire_text.h"
#include "wire_tls.h"
#include "wire_x509.h"

#define CONN_RCAP  (16 * 1024) /* the connection's buffer: every byte is consumed at once */
#define HELLO_MAX  4096        /* a ClientHello offering every suite fits */
#define PORT_HTTPS 443
#define PORT_SMTP  25

/* Per engine: the certificate question's context and the trust store. */
struct tlsscan_state {
	SSL_CTX *ctx;      /* SECLEVEL 0, every version, no verification, status_request */
	X509_STORE *store; /* the scan's trust anchors (--ca-file or the system's) */
};

/* Where a question's connection is. */
enum stage { ST_GREETING = 0, ST_EHLO, ST_STARTTLS, ST_TLS, ST_OVER };

/* How a question ended, for the endpoint's status. */
enum fate {
	F_HELLO = 0, /* a ServerHello */
	F_ALERT,     /* a TLS alert or a non-hello TLS answer: refused in TLS */
	F_CLOSED,    /* closed without a byte of TLS */
	F_NOT_TLS,   /* something else answered */
	F_TIMEOUT,
	F_REFUSED,
	F_ERROR,
	F_NO_STARTTLS,     /* the MX did not offer STARTTLS (or refused EHLO) */
	F_STARTTLS_FAILED, /* STARTTLS answered other than 220 */
	F_SMTP_ERROR,      /* the greeting was refused or garbage */
	F_COUNT,
};

struct tse;

struct tsq {
	struct tse *ep;          /* the endpoint */
	const struct tq *q;      /* the question (in ep->batch) */
	struct conn *c;          /* its connection while it runs */
	struct tls_reader *r;    /* the server's TLS bytes */
	struct tls_summary sum;  /* what they showed */
	enum stage stage;        /* where it is */
	struct smtp_reply reply; /* the SMTP reply being read */
	int started;             /* the connection was asked for */
};

struct tse {
	struct op op;                   /* registration with the organization */
	struct engine *e;               /* the engine */
	struct tlsscan_state *st;       /* its state */
	json_t *scan;                   /* the tls_scans entry (a reference) */
	struct sockaddr_storage sa;     /* the endpoint */
	socklen_t salen;                /* its length */
	char host[256];                 /* SNI and name to match ("" for a given address) */
	int smtp;                       /* port 25 with STARTTLS */
	struct tsp plan;                /* what is known and asked */
	struct tq batch[TSP_BATCH_MAX]; /* the questions in flight */
	struct tsq qs[TSP_BATCH_MAX];   /* and their connections */
	unsigned nbatch;                /* questions in the batch */
	unsigned running;               /* of them still running */
	unsigned held;                  /* the batch's rest waits for the first (the gate) */
	unsigned fates[F_COUNT];        /* how questions ended */
	unsigned conns;                 /* connections made */
	json_t *smtp_obj;               /* the first preamble's evidence */
	json_t *cert;                   /* the chain's summary, once seen */
	int ocsp;                       /* -1 unknown, 0/1 */
	int cut;                        /* the organization deadline cancelled it */
	int starved;                    /* a connection lacked descriptors: not a result to share */
	char *key;                      /* the share key when measured for the whole scan, else NULL */
};

/* ---- state ---- */

static void tlsscan_teardown(void *arg)
{
	struct tlsscan_state *st = arg;
	if (st == NULL)
		return;
	SSL_CTX_free(st->ctx);
	X509_STORE_free(st->store);
	free(st);
}

static SSL_CTX *cert_ctx_new(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return NULL;
	/* Any server that speaks TLS 1.0 or later shows its chain, however weak. */
	SSL_CTX_set_security_level(ctx, 0);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") != 1 ||
	    SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
	return ctx;
}

static X509_STORE *store_new(const char *ca_file)
{
	X509_STORE *s = X509_STORE_new();
	if (s != NULL &&
	    (ca_file ? X509_STORE_load_file(s, ca_file) : X509_STORE_set_default_paths(s)) != 1) {
		X509_STORE_free(s);
		s = NULL;
	}
	return s;
}

static int tlsscan_setup(struct engine *e, void **state, char *err, size_t errlen)
{
	const char *ca = engine_opts(e)->ca_file;
	struct tlsscan_state *st = calloc(1, sizeof *st);
	if (st != NULL) {
		st->ctx = cert_ctx_new();
		st->store = store_new(ca);
	}
	ERR_clear_error();
	if (st == NULL || st->ctx == NULL || st->store == NULL) {
		tlsscan_teardown(st);
		snprintf(err, errlen, "cannot set up the deep-TLS probe (CA file %s)", ca ? ca : "default");
		return -EINVAL;
	}
	*state = st;
	return 0;
}

/* ---- the endpoint's record ---- */

static const char *const status_of_fate[F_COUNT] = {
    [F_HELLO] = "ok",
    [F_ALERT] = "no_tls",
    [F_CLOSED] = "error",
    [F_NOT_TLS] = "not_tls",
    [F_TIMEOUT] = "timeout",
    [F_REFUSED] = "refused",
    [F_ERROR] = "error",
    [F_NO_STARTTLS] = "no_starttls",
    [F_STARTTLS_FAILED] = "starttls_failed",
    [F_SMTP_ERROR] = "error",
};

/* The endpoint's status: the best thing any question showed. */
static const char *endpoint_status(const struct tse *ep)
{
	static const enum fate order[] = {F_HELLO,   F_ALERT,   F_NO_STARTTLS, F_STARTTLS_FAILED, F_NOT_TLS,
	                                  F_TIMEOUT, F_REFUSED, F_SMTP_ERROR,  F_CLOSED,          F_ERROR};
	if (ep->cut && ep->fates[F_HELLO] == 0)
		return "timeout";
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (ep->fates[order[i]] > 0)
			return status_of_fate[order[i]];
	return ep->cut ? "timeout" : "error";
}

static void endpoint_record(struct tse *ep)
{
	json_t *s = ep->scan;
	if (tsp_result(&ep->plan, s) < 0)
		json_object_set_new(s, "error", json_string("out of memory"));
	json_object_set_new(s, "status", json_string(endpoint_status(ep)));
	json_object_set_new(s, "connections", json_integer(ep->conns));
	json_object_set_new(s, "smtp", ep->smtp_obj ? json_incref(ep->smtp_obj) : json_null());
	json_object_set_new(s, "cert", ep->cert ? json_incref(ep->cert) : json_null());
	json_object_set_new(s, "ocsp_stapled", ep->ocsp < 0 ? json_null() : json_boolean(ep->ocsp));
}

/* The organization will be scanned again later (engine.h): this measurement is not a result. */
static void starve(struct tse *ep)
{
	ep->starved = 1;
	engine_starved(ep->op.ds);
}

static void endpoint_free(struct tse *ep)
{
	for (unsigned i = 0; i < TSP_BATCH_MAX; i++) {
		ep->qs[i].c = conn_free(ep->qs[i].c);
		ep->qs[i].r = tls_reader_free(ep->qs[i].r);
		tls_summary_clear(&ep->qs[i].sum);
	}
	json_decref(ep->scan);
	json_decref(ep->smtp_obj);
	json_decref(ep->cert);
	free(ep->key);
	free(ep);
}

static void endpoint_finish(struct tse *ep)
{
	endpoint_record(ep);
	/* Cut short, it is no one's result: the next organization asking measures again. */
	if (ep->key != NULL)
		share_publish(engine_opts(ep->e)->share, ep->key, ep->cut || ep->starved ? NULL : ep->scan);
	op_done(&ep->op);
	endpoint_free(ep);
}

static void endpoint_cancel(struct op *op)
{
	struct tse *ep = (struct tse *)op;
	ep->cut = 1;
	endpoint_finish(ep);
}

/* ---- the SMTP evidence ---- */

static json_t *smtp_evidence(const char *status, int starttls_reply)
{
	json_t *o = json_object();
	json_object_set_new(o, "banner", json_null());
	json_object_set_new(o, "ehlo", json_array());
	json_object_set_new(o, "starttls", json_false());
	json_object_set_new(o, "starttls_reply", starttls_reply ? json_integer(starttls_reply) : json_null());
	json_object_set_new(o, "status", json_string(status));
	return o;
}

/* The greeting's first line, as "220 text" (any bytes: the peer's text is made valid JSON). */
static void note_banner(struct tse *ep, const struct smtp_reply *r)
{
	char line[SMTP_REPLY_MAX + 8];
	if (ep->smtp_obj == NULL)
		ep->smtp_obj = smtp_evidence("ok", 0);
	if (ep->smtp_obj == NULL || !json_is_null(json_object_get(ep->smtp_obj, "banner")) || r->nlines == 0)
		return;
	int n = snprintf(line, sizeof line, "%d %s", r->code, smtp_reply_line(r, 0));
	json_object_set_new(ep->smtp_obj, "banner", text_json(line, n > 0 ? strlen(line) : 0));
}

static void note_ehlo(struct tse *ep, const struct smtp_reply *r)
{
	json_t *a = json_object_get(ep->smtp_obj, "ehlo");
	if (a == NULL || json_array_size(a) > 0)
		return;
	for (unsigned i = 1; i < r->nlines; i++)
		json_array_append_new(a, text_json(smtp_reply_line(r, i), r->len[i]));
	json_object_set_new(ep->smtp_obj, "starttls", json_boolean(smtp_ehlo_has(r, "STARTTLS")));
}

static void note_smtp_status(struct tse *ep, const char *status, int reply)
{
	if (ep->smtp_obj == NULL)
		ep->smtp_obj = smtp_evidence(status, reply);
	const char *now = json_string_value(json_object_get(ep->smtp_obj, "status"));
	/* The first question's preamble stands for the endpoint; later ones only fill gaps. */
	if (now != NULL && strcmp(now, "ok") == 0 && strcmp(status, "ok") != 0 && ep->fates[F_HELLO] == 0)
		json_object_set_new(ep->smtp_obj, "status", json_string(status));
	if (reply != 0 && json_is_null(json_object_get(ep->smtp_obj, "starttls_reply")))
		json_object_set_new(ep->smtp_obj, "starttls_reply", json_integer(reply));
}

/* ---- one question ---- */

static void batch_next(struct tse *ep);
static int question_start(struct tse *ep, struct tsq *t);

static const char *peer_name(enum tls_peer p)
{
	switch (p) {
	case TLS_PEER_HTTP:
		return "http";
	case TLS_PEER_BANNER:
		return "banner";
	case TLS_PEER_SSH:
		return "ssh";
	case TLS_PEER_SSL2:
		return "sslv2";
	default:
		return "other";
	}
}

static const char *version_name(uint16_t v)
{
	for (int i = 0; i < TSP_VERSIONS; i++)
		if (tsp_version_codes[i] == v)
			return tsp_version_names[i];
	return "unknown";
}

static void hello_text(const struct tls_summary *s, char *buf, size_t len)
{
	const struct tls_suite *t = tls_suite_by_code(s->suite);
	const struct tls_group *g = tls_group_by_code(s->group);
	snprintf(buf, len, "%s: %s %s%s%s", s->hrr ? "hrr" : "accepted", version_name(s->version),
	         t ? t->iana : "?", s->hrr && g ? " " : "", s->hrr && g ? g->name : "");
	if (s->dh_bits != 0) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, " dh %u", s->dh_bits);
	}
}

/* The evidence's answer text and the plan's answer. */
static void answer_of(const struct tsq *t, enum fate f, struct ta *a, char *buf, size_t len)
{
	const struct tls_summary *s = &t->sum;
	memset(a, 0, sizeof *a);
	a->fate = f == F_HELLO ? TA_HELLO : (f == F_ALERT || f == F_CLOSED) ? TA_REJECTED : TA_FAILED;
	if (f == F_HELLO && t->q->kind != TQ_CERT) {
		*a = (struct ta){TA_HELLO, s->version, s->suite, s->group, s->hrr, s->dh_bits, s->ncerts};
		hello_text(s, buf, len);
	} else if (f == F_ALERT)
		snprintf(buf, len, "rejected: %s",
		         s->alert >= 0 ? tls_alert_name((uint8_t)s->alert) : "no hello");
	else if (f == F_CLOSED)
		snprintf(buf, len, "rejected: closed");
	else if (f == F_NOT_TLS)
		snprintf(buf, len, "not_tls: %s", peer_name(s->peer));
	else if (f != F_HELLO)
		snprintf(buf, len, "%s%s%s", status_of_fate[f], t->c && conn_error(t->c)[0] ? ": " : "",
		         t->c ? conn_error(t->c) : "");
}

/* A chain read in plaintext (TLS 1.2 and older) is the endpoint's, if none was yet. */
static void take_chain(struct tse *ep, const struct tsq *t)
{
	json_t *cert = NULL;
	if (ep->cert != NULL || t->sum.ncerts == 0)
		return;
	if (x509_chain_summary(t->sum.certs, t->sum.cert_len, t->sum.ncerts, ep->st->store,
	                       ep->host[0] ? ep->host : NULL, time(NULL), &cert) == 0) {
		ep->cert = cert;
		/* SSLv3 hellos carry no status_request: no answer about stapling. */
		ep->ocsp = t->q->vi > 0 ? t->sum.ocsp : -1;
	}
}

static void question_clear(struct tsq *t)
{
	t->c = conn_free(t->c);
	t->r = tls_reader_free(t->r);
	tls_summary_clear(&t->sum);
	t->stage = ST_OVER;
}

/* A dead first answer (nothing listens, not TLS, no STARTTLS): the rest of the batch is not asked. */
static int dead_end(enum fate f)
{
	return f != F_HELLO && f != F_ALERT && f != F_CLOSED;
}

static void release_gate(struct tse *ep, enum fate f)
{
	char why[64];
	unsigned held = ep->held;
	ep->held = 0;
	for (unsigned i = ep->nbatch - held; i < ep->nbatch; i++) {
		struct tsq *t = &ep->qs[i];
		int rc = dead_end(f) ? -ECANCELED : question_start(ep, t);
		if (rc == 0)
			continue;
		snprintf(why, sizeof why, "not asked: %s",
		         rc == -ECANCELED ? status_of_fate[f] : err_text(-rc));
		tsp_unasked(&ep->plan, t->q, why);
		if (rc != -ECANCELED && engine_resource_error(rc))
			starve(ep);
	}
}

static void question_end(struct tsq *t, enum fate f)
{
	struct tse *ep = t->ep;
	struct ta a;
	char text[112] = "";
	if (t->stage == ST_OVER)
		return;
	answer_of(t, f, &a, text, sizeof text);
	char why[96];
	int illegal = tsp_hello_check(t->q, &a, why, sizeof why) < 0;
	if (illegal) {
		/* Not an answer to what was asked: the question stays open, the endpoint erred. */
		f = F_ERROR;
		a = (struct ta){.fate = TA_FAILED};
		snprintf(text, sizeof text, "error: %s", why);
	}
	ep->fates[f]++;
	if (t->q->kind == TQ_CERT) {
		if (f == F_HELLO)
			snprintf(text, sizeof text, "certificate: %u in the chain", a.ncerts = t->sum.ncerts);
	} else if (!illegal)
		take_chain(ep, t);
	tsp_answer(&ep->plan, t->q, &a, text);
	question_clear(t);
	ep->running--;
	if (ep->held > 0 && t == &ep->qs[0])
		release_gate(ep, f);
	if (ep->running == 0)
		batch_next(ep);
}

static int send_hello(struct tsq *t)
{
	uint8_t buf[HELLO_MAX], rnd[32];
	struct tse *ep = t->ep;
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return -EIO;
	int n = tsp_hello(t->q, ep->host[0] ? ep->host : NULL, rnd, buf, sizeof buf);
	return n < 0 ? n : conn_write(t->c, buf, (size_t)n);
}

/* The question proper: its ClientHello, or OpenSSL's for the certificate question. */
static void ask(struct tsq *t)
{
	struct tse *ep = t->ep;
	int rc;
	t->stage = ST_TLS;
	if (t->q->kind == TQ_CERT)
		rc = conn_start_tls(t->c, ep->st->ctx, ep->host[0] ? ep->host : NULL);
	else
		rc = send_hello(t);
	if (rc < 0)
		question_end(t, F_ERROR);
}

static void on_connected(struct conn *c, void *arg)
{
	struct tsq *t = arg;
	if (!t->ep->smtp)
		ask(t);
}

static void on_secured(struct conn *c, void *arg)
{
	struct tsq *t = arg;
	struct tse *ep = t->ep;
	SSL *ssl = conn_ssl(c);
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	const unsigned char *resp = NULL;
	json_t *cert = NULL;
	t->sum.ncerts = (unsigned)sk_X509_num(chain);
	if (ep->cert == NULL && chain != NULL &&
	    x509_chain_summary_x(chain, ep->st->store, ep->host[0] ? ep->host : NULL, time(NULL), &cert) ==
	        0) {
		ep->cert = cert;
		ep->ocsp = SSL_get_tlsext_status_ocsp_resp(ssl, &resp) > 0 && resp != NULL;
	}
	question_end(t, F_HELLO);
}

static void tls_data(struct tsq *t, const uint8_t *p, size_t len)
{
	int rc = tls_reader_feed(t->r, p, len);
	conn_consume(t->c, len);
	if (rc == 0)
		rc = tls_summary_update(&t->sum, t->r);
	if (rc == 0)
		return;
	if (t->sum.server_hello)
		question_end(t, F_HELLO);
	else if (t->sum.peer != TLS_PEER_TLS && t->sum.peer != TLS_PEER_UNKNOWN)
		question_end(t, F_NOT_TLS);
	else if (rc == 1 && t->sum.error == 0)
		question_end(t, F_ALERT);
	else
		question_end(t, F_ERROR);
}

/* ---- the SMTP preamble ---- */

static int smtp_send(struct tsq *t, const char *line, enum stage next)
{
	smtp_reply_init(&t->reply);
	t->stage = next;
	return conn_write(t->c, line, strlen(line));
}

/* A whole reply arrived at the stage it answers: go on, or end the question with what it says. */
static void smtp_reply_done(struct tsq *t)
{
	struct tse *ep = t->ep;
	const struct smtp_reply *r = &t->reply;
	int rc = 0;
	switch (t->stage) {
	case ST_GREETING:
		note_banner(ep, r);
		if (r->code != 220) {
			note_smtp_status(ep, "rejected", 0);
			question_end(t, F_SMTP_ERROR);
			return;
		}
		rc = smtp_send(t, "EHLO " TLSSCAN_EHLO_NAME "\r\n", ST_EHLO);
		break;
	case ST_EHLO:
		if (r->code == 250)
			note_ehlo(ep, r);
		if (r->code != 250 || !smtp_ehlo_has(r, "STARTTLS")) {
			note_smtp_status(ep, r->code == 250 ? "ok" : "rejected", 0);
			question_end(t, F_NO_STARTTLS);
			return;
		}
		rc = smtp_send(t, "STARTTLS\r\n", ST_STARTTLS);
		break;
	default:
		note_smtp_status(ep, "ok", r->code);
		if (r->code != 220) {
			question_end(t, F_STARTTLS_FAILED);
			return;
		}
		ask(t);
		return;
	}
	if (rc < 0)
		question_end(t, F_ERROR);
}

static void smtp_data(struct tsq *t, const uint8_t *p, size_t len)
{
	size_t used = 0;
	int rc = smtp_reply_feed(&t->reply, p, len, &used);
	/* Bytes after a reply (pipelined or injected before TLS) are not read as anything. */
	conn_consume(t->c, len);
	if (rc == 0)
		return;
	if (rc > 0) {
		smtp_reply_done(t);
		return;
	}
	note_smtp_status(t->ep, "garbage", 0);
	question_end(t, t->stage == ST_STARTTLS ? F_STARTTLS_FAILED : F_SMTP_ERROR);
}

static void on_data(struct conn *c, void *arg)
{
	struct tsq *t = arg;
	size_t len;
	const uint8_t *p = conn_data(c, &len);
	if (t->stage == ST_TLS)
		tls_data(t, p, len);
	else if (t->stage != ST_OVER)
		smtp_data(t, p, len);
}

/* The connection ended before the answer was whole. */
static void smtp_done(struct tsq *t, enum conn_status st)
{
	int greeting = t->stage == ST_GREETING && t->reply.nlines == 0;
	if (st == CONN_REFUSED) {
		question_end(t, F_REFUSED);
		return;
	}
	if (st == CONN_TIMEOUT || st == CONN_CLOSED)
		note_smtp_status(t->ep,
		                 greeting             ? "no_greeting"
		                 : st == CONN_TIMEOUT ? "timeout"
		                                      : "rejected",
		                 0);
	question_end(t, st == CONN_TIMEOUT ? F_TIMEOUT : F_SMTP_ERROR);
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct tsq *t = arg;
	if (engine_resource_error(err))
		starve(t->ep);
	if (t->stage != ST_TLS) {
		smtp_done(t, st);
		return;
	}
	if (t->sum.server_hello)
		question_end(t, F_HELLO); /* what came before the end still answers */
	else if (t->sum.peer != TLS_PEER_TLS && t->sum.peer != TLS_PEER_UNKNOWN)
		question_end(t, F_NOT_TLS);
	else if (st == CONN_TIMEOUT)
		question_end(t, F_TIMEOUT);
	else if (st == CONN_REFUSED)
		question_end(t, F_REFUSED);
	else if (st == CONN_TLS_FAILED || (st == CONN_CLOSED && t->sum.bytes_seen > 0))
		question_end(t, F_ALERT);
	else
		question_end(t, st == CONN_CLOSED ? F_CLOSED : F_ERROR);
}

static const struct conn_hooks hooks = {
    .connected = on_connected,
    .secured = on_secured,
    .data = on_data,
    .done = on_done,
};

/* ---- batches ---- */

static int question_start(struct tse *ep, struct tsq *t)
{
	const struct engine_opts *o = engine_opts(ep->e);
	struct conn_cfg cfg = {.scope = o->scope,
	                       .connect_ms = o->conn_timeout_ms,
	                       .total_ms = o->conn_timeout_ms,
	                       .rcap = CONN_RCAP,
	                       .pace = o->pace,
	                       /* A question ends at the server's first flight: nothing more is wanted. */
	                       .reset_close = 1};
	tls_summary_init(&t->sum);
	smtp_reply_init(&t->reply);
	t->stage = ep->smtp ? ST_GREETING : ST_TLS;
	t->r = tls_reader_new(TLSSCAN_READ_MAX);
	int rc = t->r ? conn_new(engine_base(ep->e), &cfg, &hooks, t, &t->c) : -ENOMEM;
	if (rc == 0)
		rc = conn_connect(t->c, (const struct sockaddr *)&ep->sa, ep->salen);
	if (rc < 0) {
		question_clear(t);
		return rc;
	}
	ep->conns++;
	ep->running++;
	return 0;
}

/* Starts the batch (only its first question for the endpoint's first batch); 0 when none could start. */
static unsigned batch_start(struct tse *ep)
{
	char why[64];
	unsigned first = ep->plan.batches == 1 && ep->nbatch > 1;
	ep->held = first ? ep->nbatch - 1 : 0;
	for (unsigned i = 0; i < ep->nbatch - ep->held; i++) {
		struct tsq *t = &ep->qs[i];
		*t = (struct tsq){.ep = ep, .q = &ep->batch[i], .stage = ST_OVER};
		int rc = question_start(ep, t);
		if (rc == 0)
			continue;
		if (engine_resource_error(rc))
			starve(ep);
		snprintf(why, sizeof why, "not asked: %s", err_text(-rc));
		tsp_unasked(&ep->plan, t->q, why);
	}
	for (unsigned i = ep->nbatch - ep->held; i < ep->nbatch; i++)
		ep->qs[i] = (struct tsq){.ep = ep, .q = &ep->batch[i], .stage = ST_OVER};
	if (ep->running == 0 && ep->held > 0)
		release_gate(ep, F_ERROR);
	return ep->running;
}

static void batch_next(struct tse *ep)
{
	while (!(ep->cut = engine_org_expired(ep->op.ds))) {
		ep->nbatch = tsp_next(&ep->plan, ep->batch, TSP_BATCH_MAX);
		if (ep->nbatch == 0)
			break;
		if (batch_start(ep) > 0)
			return;
	}
	endpoint_finish(ep);
}

/* ---- endpoints ---- */

static json_t *scans_of(json_t *doc)
{
	json_t *a = json_object_get(doc, "tls_scans");
	if (a == NULL && json_object_set_new(doc, "tls_scans", json_array()) == 0)
		a = json_object_get(doc, "tls_scans");
	return a;
}

/* The host name an endpoint of u is asked and matched with: "" for a given address without SNI. */
static const char *unit_host(const struct unit *u, const struct tlsscan_where *w)
{
	if (u->kind != UNIT_ADDRESS)
		return u->name;
	return w->sni ? w->sni : "";
}

/* A new tls_scans entry with every member, null where nothing is known yet. */
static json_t *entry_new(const struct unit *u, const struct tlsscan_where *w, const char *addr, int full)
{
	const char *host = unit_host(u, w), *site = u->kind == UNIT_ADDRESS ? NULL : u->site;
	const char *service = w->service ? w->service : w->smtp ? "smtp" : "https";
	json_t *e = json_pack(
	    "{s:o, s:o, s:i, s:s, s:o, s:b, s:s, s:s, s:i}", "host",
	    host[0] ? json_string(host) : json_null(), "addr", addr ? json_string(addr) : json_null(), "port",
	    (int)w->port, "service", service, "site", site ? json_string(site) : json_null(), "shared",
	    u->shared != 0, "depth", full ? "full" : "sweep", "status", "error", "connections", 0);
	const char *nulls[] = {"smtp", "cert", "ocsp_stapled"};
	for (size_t i = 0; e != NULL && i < 3; i++)
		json_object_set_new(e, nulls[i], json_null());
	return e;
}

/* An endpoint never contacted: its entry says why, every finding member null. */
static int entry_unreached(json_t *scans, json_t *e, const char *status, int full)
{
	struct tsp *p = malloc(sizeof *p);
	int rc = p && e ? 0 : -ENOMEM;
	if (rc == 0) {
		tsp_init(p, full);
		rc = tsp_result(p, e);
	}
	json_object_set_new(e, "status", json_string(status));
	if (rc == 0 && json_array_append(scans, e) < 0)
		rc = -ENOMEM;
	json_decref(e);
	free(p);
	return rc;
}

/* What one endpoint is, for measuring it or waiting for another organization's measurement. */
struct ep_spec {
	char host[256]; /* SNI and name ("" for a given address) */
	char addr[64];  /* the address */
	unsigned port;  /* TCP port */
	int smtp;       /* STARTTLS first */
	int full;       /* --tls full */
};

static int endpoint_measure(struct engine *e, struct domain_scan *ds, json_t *entry, const struct ep_spec *sp,
                            const char *key)
{
	struct tse *ep = calloc(1, sizeof *ep);
	if (ep == NULL || (key != NULL && (ep->key = strdup(key)) == NULL)) {
		free(ep);
		if (key != NULL) /* claimed but never measured: let the next asker measure it */
			share_publish(engine_opts(e)->share, key, NULL);
		return -ENOMEM;
	}
	ep->e = e;
	ep->st = engine_state(e, &probe_tlsscan_module);
	ep->scan = json_incref(entry);
	engine_sockaddr(sp->addr, sp->port, &ep->sa, &ep->salen);
	ep->smtp = sp->smtp;
	ep->ocsp = -1;
	snprintf(ep->host, sizeof ep->host, "%s", sp->host);
	tsp_init(&ep->plan, sp->full);
	op_begin(&ep->op, ds, endpoint_cancel);
	batch_next(ep);
	return 0;
}

static int shared_endpoint(struct engine *e, struct domain_scan *ds, json_t *entry, const void *spec,
                           const char *key)
{
	return endpoint_measure(e, ds, entry, spec, key);
}

static const struct shared_ops endpoint_shared = {.measure = shared_endpoint,
                                                  .spec_size = sizeof(struct ep_spec)};

/* A shared endpoint: measured here for the whole scan, taken from the table, or waited for. */
static int endpoint_claim(struct engine *e, struct domain_scan *ds, json_t *entry, const struct ep_spec *sp)
{
	char key[400];
	snprintf(key, sizeof key, "tlsscan %s %s %s %u%s", sp->full ? "full" : "sweep", sp->host, sp->addr,
	         sp->port, sp->smtp ? " starttls" : "");
	return shared_measure(e, ds, key, entry, &endpoint_shared, sp);
}

static int endpoint_start(struct engine *e, struct domain_scan *ds, const struct unit *u,
                          const struct tlsscan_where *w, const char *addr, int full)
{
	json_t *scans = scans_of(ds->doc), *entry = entry_new(u, w, addr, full);
	struct ep_spec sp = {.port = w->port, .smtp = w->smtp, .full = full};
	struct sockaddr_storage ss;
	socklen_t sl;
	if (scans == NULL || entry == NULL) {
		json_decref(entry);
		return -ENOMEM;
	}
	if (engine_sockaddr(addr, w->port, &ss, &sl) < 0)
		return entry_unreached(scans, entry, "error", full);
	if (!engine_in_scope(e, (struct sockaddr *)&ss))
		return entry_unreached(scans, entry, "out_of_scope", full);
	if (json_array_append(scans, entry) < 0) {
		json_decref(entry);
		return -ENOMEM;
	}
	snprintf(sp.host, sizeof sp.host, "%s", unit_host(u, w));
	snprintf(sp.addr, sizeof sp.addr, "%s", addr);
	int rc = u->shared ? endpoint_claim(e, ds, entry, &sp) : endpoint_measure(e, ds, entry, &sp, NULL);
	json_decref(entry);
	return rc;
}

int tlsscan_unit(struct engine *e, struct domain_scan *ds, const struct unit *u,
                 const struct tlsscan_where *w)
{
	const struct engine_opts *o = engine_opts(e);
	struct endpoints eps;
	int full = o->tls_depth == TLS_DEPTH_FULL, rc = 0;
	if (o->tls_depth == TLS_DEPTH_OFF)
		return 0;
	unit_endpoints(u, o->scope, &eps);
	if (eps.n == 0)
		return entry_unreached(scans_of(ds->doc), entry_new(u, w, NULL, full), eps.unreached, full);
	for (size_t i = 0; i < eps.n && rc == 0; i++)
		rc = endpoint_start(e, ds, u, w, eps.addr[i], full);
	return rc;
}

/* TLS from the first byte on these ports of the sweep (probe_ports.c); 443 is the web units'. */
static const struct {
	uint16_t port;
	const char *service;
} tls_service_ports[] = {{2762, "dicom-tls"}, {5349, "turns"}, {8443, "https-alt"}};

const char *tlsscan_service_name(unsigned port)
{
	for (size_t i = 0; i < sizeof tls_service_ports / sizeof tls_service_ports[0]; i++)
		if (tls_service_ports[i].port == port)
			return tls_service_ports[i].service;
	return NULL;
}

static int is_address(const char *s)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	return engine_sockaddr(s, 0, &ss, &sl) == 0;
}

/*
 * An open TLS port of the sweep: the one address it was found on, with the host name it was
 * found under as SNI (none under a given address), as `vitals tls ADDR:PORT` would ask it.
 */
static int service_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	const char *service = tlsscan_service_name(u->port);
	const struct engine_opts *o = engine_opts(e);
	if (service == NULL || o->tls_depth == TLS_DEPTH_OFF)
		return 0;
	const char *sni = u->name != NULL && !is_address(u->name) ? u->name : NULL;
	struct tlsscan_where w = {.port = u->port, .sni = sni, .service = service};
	struct unit a = {.kind = UNIT_ADDRESS, .name = u->addr, .asset = u->asset, .shared = u->shared};
	return endpoint_start(e, ds, &a, &w, u->addr, o->tls_depth == TLS_DEPTH_FULL);
}

static int tlsscan_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	if (u->kind == UNIT_SERVICE)
		return service_start(e, ds, u);
	int smtp = u->kind == UNIT_MAIL_HOST;
	struct tlsscan_where w = {.port = smtp ? PORT_SMTP : PORT_HTTPS, .smtp = smtp};
	return tlsscan_unit(e, ds, u, &w);
}

static const char *const tlsscan_observes[] = {
    "tls_scans[].host",
    "tls_scans[].addr",
    "tls_scans[].port",
    "tls_scans[].service",
    "tls_scans[].site",
    "tls_scans[].shared",
    "tls_scans[].depth",
    "tls_scans[].status",
    "tls_scans[].connections",
    "tls_scans[].smtp",
    "tls_scans[].protocols",
    "tls_scans[].classes",
    "tls_scans[].dh_bits",
    "tls_scans[].dhe",
    "tls_scans[].groups",
    "tls_scans[].groups_complete",
    "tls_scans[].pq",
    "tls_scans[].suites",
    "tls_scans[].server_order",
    "tls_scans[].cert",
    "tls_scans[].ocsp_stapled",
    "tls_scans[].asked",
    NULL,
};

/* Deep TLS on every web endpoint (443), every MX address (25, STARTTLS) and every open TLS
 * service port of the sweep (2762, 5349, 8443). */
const struct probe_module probe_tlsscan_module = {
    .name = "tlsscan",
    .unit = UNIT_HOST,
    .also = (1u << UNIT_ADDRESS) | (1u << UNIT_MAIL_HOST) | (1u << UNIT_SERVICE),
    .setup = tlsscan_setup,
    .teardown = tlsscan_teardown,
    .start = tlsscan_start,
    .observes = tlsscan_observes,
};
