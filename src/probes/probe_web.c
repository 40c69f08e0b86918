/*
 * The web probe: for every endpoint of a web host (the apex, www, a given host, on each
 * of its addresses, IPv4 and IPv6) or a given address, a TLS probe (probe_tls.c) and
 * three fetches through libcurl's multi-socket API on the engine's loop:
 * http://HOST/, https://HOST/ and https://HOST/.well-known/security.txt (over
 * http:// when HTTPS fails). It records status codes, headers and, for
 * security.txt, a capped body. Certificate checks are off for fetches because
 * trust is measured by the TLS probe. curl never follows redirects itself: the
 * redirect chain of http://HOST/ is followed here, hop by hop (at most
 * CHAIN_HOPS_MAX, within one time budget), only over http/https on their default
 * ports and only to the domain or its subdomains, each hop's host resolved through
 * our resolver and its address checked against the scope, and every hop recorded
 * (web.redirects), including those not followed and why. An https://
 * fetch that fails because the server offers only TLS 1.0/1.1 is retried once with
 * those versions allowed, and says so (tls_version, legacy_retry).
 *
 * An endpoint outside the organization's domains (a vendor's portal, a given address)
 * may serve many organizations: it is measured once per scan through share.h, and the
 * other organizations take the stored web part or wait for it.
 */
#include "probe_web.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "endpoints.h"
#include "engine.h"
#include "probes.h"
#include "probe_tls.h"
#include "resolver.h"
#include "share.h"
#include "shared.h"
#include "wire_http.h"
#include "wire_text.h"
#include "errbuf.h"

#define HEADER_BYTES_MAX (64 * 1024)
#define HEADER_COUNT_MAX 200
#define PAGE_BYTES_MAX   (256 * 1024)
#define SECTXT_BYTES_MAX (32 * 1024)
#define CHAIN_HOPS_MAX   10 /* redirects followed from http://HOST/ */
/* The whole chain's time, in connection timeouts: ten slow hops must not starve the organization. */
#define CHAIN_BUDGET_TIMEOUTS 2
/* What the legacy retry allows: TLS 1.0 and 1.1 need security level 0 in OpenSSL 3. */
#define LEGACY_CIPHERS "DEFAULT:@SECLEVEL=0"

/* How a fetch was started: which of the follow-ups apply when it ends. */
enum fetch_kind {
	FK_PAGE = 0, /* https://HOST/: nothing follows */
	FK_CHAIN,    /* http://HOST/ or a hop of its redirect chain: follow the next redirect */
	FK_SECTXT,   /* security.txt over https: fall back to http:// */
};

struct web_ctx {
	struct event_base *base;   /* the loop */
	const struct scope *scope; /* checked again when curl opens a socket */
	CURLM *multi;              /* all fetches */
	struct event *timer;       /* curl's timeout */
};

/*
 * One endpoint's measurement: the web part of (host, address), filled by a TLS probe and
 * fetches. It is over when its last operation ends; a shared one is then published
 * (share.h) for the other organizations that list the same host and address.
 */
struct web_ep {
	struct engine *e;       /* the engine */
	struct domain_scan *ds; /* the organization it is measured for */
	json_t *web;            /* the web part (a reference) */
	char *key;              /* the share key, or NULL when not shared */
	char site[256];         /* redirects stay within this domain (or host) */
	int pending;            /* operations (and the starter) still running */
	int abandoned;          /* cut by the deadline or starved: not a result to share */
};

struct fetch {
	struct op op;                  /* registration with the organization */
	struct engine *e;              /* the engine */
	struct web_ep *ep;             /* the endpoint it measures */
	CURL *easy;                    /* the transfer */
	struct curl_slist *connect_to; /* every connection goes to addr:port */
	struct sockaddr_storage pin;   /* addr:port, binary: the only peer a socket may have */
	socklen_t pinlen;              /* its length */
	json_t *out;                   /* the fetch object (borrowed from the doc) */
	json_t *headers;               /* headers of the current response */
	size_t header_bytes;           /* their size so far */
	char *body;                    /* kept body (security.txt only) */
	size_t body_len, body_cap;     /* kept bytes and the cap */
	size_t seen;                   /* body bytes received */
	int truncated;                 /* the body cap was hit */
	int blocked;                   /* the socket callback refused an out-of-scope address */
	int oversized;                 /* headers beyond the caps */
	int starved;                   /* no socket for lack of descriptors: back-pressure, not a result */
	enum fetch_kind kind;          /* what follows when it ends */
	int hop;                       /* FK_CHAIN: 0 for http://HOST/, n for the nth redirect */
	int legacy;                    /* this is the retry with TLS 1.0/1.1 allowed */
	long long deadline_ms;         /* FK_CHAIN: the chain's budget ends (now_ms), else 0 */
	char host[256];                /* host name, as in the URL (an IPv6 address in brackets) */
	char port[8];                  /* port */
	char addr[64];                 /* address */
	char url[WEB_URL_MAX];         /* what is fetched */
	char tls_version[16];          /* protocol the response came over, "" for http */
	char errbuf[CURL_ERROR_SIZE];  /* curl's detailed error text */
	struct pace_ticket *ticket;    /* the pacing's slot for its address, while waited for or held */
	int verify;                    /* web_get: the certificate must verify (trust store, host name) */
	void (*done)(void *arg);       /* web_get: told when the fetch has ended, or NULL */
	void *done_arg;                /* its argument */
};

struct sockev {
	struct event *ev; /* the socket's event */
};

static void check_done(struct web_ctx *w);

static void sock_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct web_ctx *w = arg;
	int action = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int running = 0;
	curl_multi_socket_action(w->multi, fd, action, &running);
	check_done(w);
}

static int sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct web_ctx *w = userp;
	struct sockev *se = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (se) {
			if (se->ev) /* NULL after a failed event_new */
				event_free(se->ev);
			free(se);
			curl_multi_assign(w->multi, s, NULL);
		}
		return 0;
	}
	if (se == NULL) {
		se = calloc(1, sizeof *se);
		if (se == NULL)
			return -1;
		curl_multi_assign(w->multi, s, se);
	} else if (se->ev) {
		event_free(se->ev);
	}
	short kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
	se->ev = event_new(w->base, s, kind, sock_event_cb, w);
	return se->ev && event_add(se->ev, NULL) == 0 ? 0 : -1;
}

static void timer_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct web_ctx *w = arg;
	int running = 0;
	curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(w);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct web_ctx *w = userp;
	if (timeout_ms < 0)
		return evtimer_del(w->timer);
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	return evtimer_add(w->timer, &tv);
}

static struct web_ctx *web_ctx_free(struct web_ctx *w);

static int web_ctx_new(struct event_base *base, const struct scope *scope, struct web_ctx **out)
{
	struct web_ctx *w = calloc(1, sizeof *w);
	if (w == NULL)
		return -ENOMEM;
	w->base = base;
	w->scope = scope;
	w->multi = curl_multi_init();
	w->timer = evtimer_new(base, timer_event_cb, w);
	if (w->multi == NULL || w->timer == NULL) {
		web_ctx_free(w);
		return -ENOMEM;
	}
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	*out = w;
	return 0;
}

static struct web_ctx *web_ctx_free(struct web_ctx *w)
{
	if (w == NULL)
		return NULL;
	if (w->multi)
		curl_multi_cleanup(w->multi);
	if (w->timer)
		event_free(w->timer);
	free(w);
	return NULL;
}

/* The web module's state in one engine (one worker): its curl multi handle and its SSL_CTXs. */
struct web_state {
	struct web_ctx *web;  /* HTTP, driven by the engine's loop */
	struct tls_ctxs *tls; /* the TLS probe's contexts */
};

static struct web_ctx *web_of(struct engine *e)
{
	struct web_state *st = engine_state(e, &probe_web_module);
	return st->web;
}

static struct tls_ctxs *tls_of(struct engine *e)
{
	struct web_state *st = engine_state(e, &probe_web_module);
	return st->tls;
}

static void web_teardown(void *arg)
{
	struct web_state *st = arg;
	web_ctx_free(st->web);
	tls_ctxs_free(st->tls);
	free(st);
}

static int web_setup(struct engine *e, void **state, char *err, size_t errlen)
{
	const struct engine_opts *o = engine_opts(e);
	struct web_state *st = calloc(1, sizeof *st);
	int rc = st ? tls_ctxs_new(o->ca_file, &st->tls) : -ENOMEM;
	if (rc < 0)
		snprintf(err, errlen, "cannot set up TLS (CA file %s)", o->ca_file ? o->ca_file : "default");
	if (rc == 0)
		tls_ctxs_set_pace(st->tls, o->pace);
	if (rc == 0 && (rc = web_ctx_new(engine_base(e), o->scope, &st->web)) < 0)
		snprintf(err, errlen, "cannot set up libcurl");
	if (rc < 0 && st != NULL) {
		web_teardown(st);
		return rc;
	}
	*state = st;
	return rc;
}

static void ep_put(struct web_ep *ep)
{
	if (ep == NULL || --ep->pending > 0)
		return;
	if (ep->key != NULL)
		share_publish(engine_opts(ep->e)->share, ep->key, ep->abandoned ? NULL : ep->web);
	json_decref(ep->web);
	free(ep->key);
	free(ep);
}

static void fetch_free(struct fetch *f)
{
	f->ticket = pace_release(f->ticket);
	ep_put(f->ep);
	json_decref(f->headers);
	curl_slist_free_all(f->connect_to);
	free(f->body);
	free(f);
}

/* Detaches the transfer from curl; safe outside curl's own callbacks only. */
static void fetch_detach(struct fetch *f)
{
	if (f->easy) {
		curl_multi_remove_handle(web_of(f->e)->multi, f->easy);
		curl_easy_cleanup(f->easy);
		f->easy = NULL;
	}
	/* FORBID_REUSE: the transfer's connection is closed with it. */
	f->ticket = pace_release(f->ticket);
}

static const char *curl_status(struct fetch *f, CURLcode rc)
{
	long oserr = 0;
	if (f->blocked)
		return "out_of_scope";
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(f->easy, CURLINFO_OS_ERRNO, &oserr);
		return oserr == ECONNREFUSED ? "refused" : "error";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		return "tls_error";
	default:
		return "error";
	}
}

static int is(const char *s, const char *lit)
{
	return s != NULL && strcmp(s, lit) == 0;
}

static void fetch_record(struct fetch *f, CURLcode rc)
{
	long code = 0;
	curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &code);
	/* Stopping at our body cap still leaves a complete response head. */
	int ok = rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && code > 0 && !f->oversized);
	json_object_set_new(f->out, "status", json_string(ok ? "ok" : curl_status(f, rc)));
	if (!ok)
		json_object_set_new(
		    f->out, "error",
		    json_string(f->oversized ? "response headers over the cap" : curl_easy_strerror(rc)));
	json_object_set_new(f->out, "code", code > 0 ? json_integer(code) : json_null());
	json_object_set(f->out, "headers", f->headers);
	json_object_set_new(f->out, "truncated", json_boolean(f->truncated));
	if (f->body_cap > 0 && ok)
		json_object_set_new(f->out, "body", text_json(f->body ? f->body : "", f->body_len));
	if (f->tls_version[0] != '\0')
		json_object_set_new(f->out, "tls_version", json_string(f->tls_version));
	if (f->legacy)
		json_object_set_new(f->out, "legacy_retry", json_true());
}

static struct fetch *fetch_new(struct engine *e, struct web_ep *ep, json_t *out, const char *url,
                               const char *host, const char *port, const char *addr)
{
	struct fetch *f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->e = e;
	f->ep = ep;
	ep->pending++;
	f->out = out;
	snprintf(f->url, sizeof f->url, "%s", url);
	snprintf(f->host, sizeof f->host, "%s", host);
	snprintf(f->port, sizeof f->port, "%s", port);
	snprintf(f->addr, sizeof f->addr, "%s", addr);
	json_object_set_new(out, "url", json_string(url));
	json_object_set_new(out, "status", json_string("error"));
	return f;
}

static int fetch_go(struct fetch *f, struct domain_scan *ds);
static long long now_ms(void);

/*
 * OpenSSL's texts for a server that speaks only versions our defaults refuse: it
 * refused ours, or picked TLS 1.0/1.1 whose signature algorithms (SHA-1, MD5) the
 * default security level disallows.
 */
static int versions_refused(const char *err)
{
	static const char *const texts[] = {"alert protocol version", "unsupported protocol",
	                                    "no protocols available", "version too low",
	                                    "legacy sigalg disallowed"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (strcasestr(err, texts[i]) != NULL)
			return 1;
	return 0;
}

/*
 * An https:// fetch refused for its protocol versions is tried once more with TLS
 * 1.0/1.1 allowed, into the same fetch object: a site that speaks only those still
 * has headers to judge. Returns 1 when the retry was started.
 */
static int legacy_retry(struct fetch *f, CURLcode rc)
{
	if (f->legacy || f->verify || rc != CURLE_SSL_CONNECT_ERROR || strncmp(f->url, "https:", 6) != 0 ||
	    !versions_refused(f->errbuf) || engine_org_expired(f->op.ds))
		return 0;
	struct fetch *r = fetch_new(f->e, f->ep, f->out, f->url, f->host, f->port, f->addr);
	if (r == NULL)
		return 0;
	json_object_set_new(f->out, "modern_error", text_json(f->errbuf, strlen(f->errbuf)));
	r->kind = f->kind;
	r->hop = f->hop;
	r->body_cap = f->body_cap;
	r->legacy = 1;
	r->deadline_ms = f->deadline_ms;
	return fetch_go(r, f->op.ds) == 0;
}

/* security.txt over plain HTTP when HTTPS gave nothing. */
static void sectxt_fallback(struct fetch *f)
{
	const char *st = json_string_value(json_object_get(f->out, "status"));
	if (engine_org_expired(f->op.ds) || (!is(st, "refused") && !is(st, "tls_error")))
		return;
	json_t *web = f->ep->web;
	json_t *out = json_object();
	char url[600];
	snprintf(url, sizeof url, "http://%s/.well-known/security.txt", f->host);
	/* Keep the HTTPS attempt as evidence beside the HTTP one. */
	json_object_set(web, "security_txt_https", f->out);
	json_object_set_new(web, "security_txt", out);
	struct fetch *n = fetch_new(f->e, f->ep, out, url, f->host, "80", f->addr);
	if (n != NULL) {
		n->body_cap = SECTXT_BYTES_MAX;
		fetch_go(n, f->op.ds);
	}
}

/* ---- the redirect chain of http://HOST/ ---- */

static int copy_part(CURLU *u, CURLUPart part, unsigned flags, char *dst, size_t dstsz)
{
	char *v = NULL;
	if (curl_url_get(u, part, &v, flags) != CURLUE_OK)
		return -EINVAL;
	int n = snprintf(dst, dstsz, "%s", v);
	curl_free(v);
	return n >= 0 && (size_t)n < dstsz ? 0 : -E2BIG;
}

/* Printable ASCII only: what curl would resolve is then exactly what we resolved. */
static int ascii_host(const char *h)
{
	for (; *h; h++)
		if ((unsigned char)*h <= 0x20 || (unsigned char)*h >= 0x7f)
			return 0;
	return 1;
}

int web_hop_parse(const char *base, const char *loc, struct web_hop *t)
{
	CURLU *u = curl_url();
	int rc = -EINVAL;
	if (u == NULL)
		return -ENOMEM;
	memset(t, 0, sizeof *t);
	if (strlen(loc) >= WEB_URL_MAX || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, loc, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		goto out;
	/* curl converts a UTF-8 host to punycode before it resolves: so must we. */
	rc = copy_part(u, CURLUPART_URL, CURLU_PUNYCODE, t->url, sizeof t->url);
	if (rc == 0)
		rc = copy_part(u, CURLUPART_SCHEME, 0, t->scheme, sizeof t->scheme);
	if (rc == 0)
		rc = copy_part(u, CURLUPART_HOST, CURLU_PUNYCODE, t->host, sizeof t->host);
	if (rc == 0 && !ascii_host(t->host))
		rc = -EINVAL;
	/* An unknown scheme has no default port: it is not followed anyway. */
	if (rc == 0)
		copy_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, t->port, sizeof t->port);
out:
	curl_url_cleanup(u);
	return rc;
}

/* The site itself or one of its subdomains; a trailing dot is the same name. */
static int hop_on_site(const char *host, const char *site)
{
	size_t hl = strlen(host), sl = strlen(site);
	hl -= hl > 0 && host[hl - 1] == '.';
	sl -= sl > 0 && site[sl - 1] == '.';
	if (hl == sl)
		return strncasecmp(host, site, sl) == 0;
	return hl > sl + 1 && host[hl - sl - 1] == '.' && strncasecmp(host + hl - sl, site, sl) == 0;
}

const char *web_hop_refusal(const struct web_hop *t, const char *site, const char **reason)
{
	int http = is(t->scheme, "http"), https = is(t->scheme, "https");
	*reason = NULL;
	if (!http && !https)
		*reason = "scheme";
	else if (!is(t->port, http ? "80" : "443"))
		*reason = "port";
	else if (!hop_on_site(t->host, site))
		*reason = "off_site";
	if (*reason == NULL)
		return NULL;
	/* A scanned site must not be able to send the scanner to other hosts, ports or services. */
	return is(*reason, "scheme") ? "not an http or https URL"
	       : is(*reason, "port") ? "not the default port of its scheme"
	                             : "leaves the site";
}

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Where the next hop starts: its position and the chain's deadline. */
struct chain_pos {
	int hopno;             /* its position in the chain */
	long long deadline_ms; /* the whole chain's budget ends (now_ms clock) */
};

/* A hop that ends the chain without a fetch. */
static void hop_end(json_t *hop, const char *status, const char *error)
{
	json_object_set_new(hop, "status", json_string(status));
	json_object_set_new(hop, "error", error ? json_string(error) : json_null());
}

static void hop_fetch(struct web_ep *ep, json_t *hop, const struct web_hop *t, const char *addr,
                      struct chain_pos pos)
{
	struct engine *e = ep->e;
	struct domain_scan *ds = ep->ds;
	struct sockaddr_storage ss;
	socklen_t sl;
	json_object_set_new(hop, "addr", json_string(addr));
	if (engine_sockaddr(addr, 0, &ss, &sl) < 0 || !engine_in_scope(e, (struct sockaddr *)&ss)) {
		hop_end(hop, "out_of_scope", "address outside the scan scope");
		return;
	}
	if (now_ms() >= pos.deadline_ms) {
		hop_end(hop, "timeout", "redirect chain time budget");
		return;
	}
	struct fetch *f = fetch_new(e, ep, hop, t->url, t->host, t->port, addr);
	if (f == NULL) {
		hop_end(hop, "error", "out of memory");
		ep->abandoned = 1;
		engine_starved(ds);
		return;
	}
	f->kind = FK_CHAIN;
	f->hop = pos.hopno;
	f->deadline_ms = pos.deadline_ms;
	fetch_go(f, ds);
}

/* A hop to another host: its address comes from our resolver, never the system's. */
struct hop_lookup {
	struct op op;        /* registration with the organization */
	struct web_ep *ep;   /* the endpoint whose chain it is */
	struct rquery *q;    /* the A query in flight */
	json_t *hop;         /* the hop object (borrowed from the doc) */
	struct web_hop t;    /* where the hop goes */
	struct chain_pos at; /* its position and the chain's deadline */
};

static void on_hop_lookup(void *arg, json_t *lookup)
{
	struct hop_lookup *h = arg;
	const char *st = json_string_value(json_object_get(lookup, "status"));
	const char *addr = json_string_value(json_array_get(json_object_get(lookup, "records"), 0));
	if (engine_org_expired(h->op.ds))
		hop_end(h->hop, "timeout", "organization deadline");
	else if (is(st, "ok") && addr != NULL)
		hop_fetch(h->ep, h->hop, &h->t, addr, h->at);
	else if (is(st, "ok") || is(st, "nodata") || is(st, "nxdomain"))
		hop_end(h->hop, "no_address", st);
	else
		hop_end(h->hop, st ? st : "error", "address lookup failed");
	json_decref(lookup);
	op_done(&h->op);
	ep_put(h->ep);
	free(h);
}

static void hop_lookup_cancel(struct op *op)
{
	struct hop_lookup *h = (struct hop_lookup *)op;
	resolver_cancel(h->q);
	hop_end(h->hop, "timeout", "organization deadline");
	h->ep->abandoned = 1;
	op_done(&h->op);
	ep_put(h->ep);
	free(h);
}

/* A hop to another host, resolved in the family of the endpoint's own address. */
static void hop_resolve(struct web_ep *ep, json_t *hop, const struct web_hop *t, struct chain_pos pos,
                        const char *from)
{
	struct domain_scan *ds = ep->ds;
	struct hop_lookup *h = calloc(1, sizeof *h);
	if (h == NULL) {
		hop_end(hop, "error", "out of memory");
		ep->abandoned = 1;
		engine_starved(ds);
		return;
	}
	*h = (struct hop_lookup){.ep = ep, .hop = hop, .t = *t, .at = pos};
	ep->pending++;
	op_begin(&h->op, ds, hop_lookup_cancel);
	const char *type = strchr(from, ':') != NULL ? "AAAA" : "A";
	int rc = resolver_query(engine_resolver(ep->e), t->host, type, on_hop_lookup, h, &h->q);
	if (rc < 0) {
		hop_end(hop, "error", "cannot ask the resolver");
		/* Like any other lookup: no memory is back-pressure, not a result. */
		if (engine_resource_error(rc)) {
			ep->abandoned = 1;
			engine_starved(ds);
		}
		op_done(&h->op);
		ep_put(ep);
		free(h);
	}
}

static int is_redirect(json_int_t code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

/* A new, empty hop at the end of web.redirects (borrowed), or NULL. */
static json_t *hop_new(struct web_ep *ep)
{
	json_t *chain = json_object_get(ep->web, "redirects");
	json_t *hop = json_object();
	if (hop == NULL || json_array_append_new(chain, hop) < 0)
		return NULL;
	return hop;
}

/* A hop the probe does not fetch, and why (the analyzer reads `reason`). */
static void hop_skip(json_t *hop, const char *reason, const char *error)
{
	hop_end(hop, "not_followed", error);
	json_object_set_new(hop, "reason", json_string(reason));
}

/* Fetches hop t after f, unless policy, the deadline or the chain's budget says no. */
static void hop_go(struct fetch *f, json_t *hop, const struct web_hop *t)
{
	struct domain_scan *ds = f->op.ds;
	struct chain_pos pos = {f->hop + 1, f->deadline_ms};
	const char *reason = NULL, *why = web_hop_refusal(t, f->ep->site, &reason);
	if (f->hop >= CHAIN_HOPS_MAX)
		hop_skip(hop, "hop_limit", "more redirects than the hop limit");
	else if (why != NULL)
		hop_skip(hop, reason, why);
	else if (engine_org_expired(ds))
		hop_end(hop, "timeout", "organization deadline");
	else if (strcasecmp(t->host, f->host) == 0)
		hop_fetch(f->ep, hop, t, f->addr, pos);
	else
		hop_resolve(f->ep, hop, t, pos, f->addr);
}

/* After a hop of the chain: follows its redirect, if it is one. */
static void chain_next(struct fetch *f)
{
	struct domain_scan *ds = f->op.ds;
	const char *st = json_string_value(json_object_get(f->out, "status"));
	const char *loc = http_header_get(json_object_get(f->out, "headers"), "Location", 0);
	struct web_hop t;
	if (!is(st, "ok") || loc == NULL || !is_redirect(json_integer_value(json_object_get(f->out, "code"))))
		return;
	/* Even past the deadline the redirect is recorded, so it is never taken for the chain's end. */
	json_t *hop = hop_new(f->ep);
	if (hop == NULL) {
		f->ep->abandoned = 1;
		engine_starved(ds);
		return;
	}
	if (web_hop_parse(f->url, loc, &t) < 0) {
		json_object_set_new(hop, "url", text_json(loc, strlen(loc)));
		hop_end(hop, "error", "unusable Location");
		return;
	}
	json_object_set_new(hop, "url", json_string(t.url));
	hop_go(f, hop, &t);
}

static void fetch_finish(struct fetch *f, CURLcode rc)
{
	/* Starved of descriptors: the organization is scanned again, so nothing follows. */
	if (f->starved) {
		f->ep->abandoned = 1;
		engine_starved(f->op.ds);
	}
	if (f->starved || !legacy_retry(f, rc)) {
		fetch_record(f, rc);
		fetch_detach(f);
		if (f->done != NULL)
			f->done(f->done_arg);
		if (!f->starved && f->kind == FK_SECTXT)
			sectxt_fallback(f);
		else if (!f->starved && f->kind == FK_CHAIN)
			chain_next(f);
	}
	fetch_detach(f);
	op_done(&f->op);
	fetch_free(f);
}

static void check_done(struct web_ctx *w)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(w->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct fetch *f = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		fetch_finish(f, msg->data.result);
	}
}

static void fetch_cancel(struct op *op)
{
	struct fetch *f = (struct fetch *)op;
	json_object_set_new(f->out, "status", json_string("timeout"));
	json_object_set_new(f->out, "error", json_string("organization deadline"));
	f->ep->abandoned = 1;
	fetch_detach(f);
	if (f->done != NULL)
		f->done(f->done_arg);
	op_done(&f->op);
	fetch_free(f);
}

/* The protocol of the TLS session the response arrives on (the connection is gone afterwards). */
static void note_tls_version(struct fetch *f)
{
	struct curl_tlssessioninfo *ti = NULL;
	if (curl_easy_getinfo(f->easy, CURLINFO_TLS_SSL_PTR, &ti) == CURLE_OK && ti != NULL &&
	    ti->backend == CURLSSLBACKEND_OPENSSL && ti->internals != NULL)
		snprintf(f->tls_version, sizeof f->tls_version, "%s", SSL_get_version(ti->internals));
}

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;
	f->header_bytes += len;
	if (f->header_bytes > HEADER_BYTES_MAX || json_array_size(f->headers) >= HEADER_COUNT_MAX) {
		f->oversized = 1;
		return 0;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue): its headers replace the old ones. */
		json_array_clear(f->headers);
		note_tls_version(f);
		return size * n;
	}
	const char *colon = memchr(buf, ':', len);
	if (colon == NULL || colon == buf)
		return size * n;
	const char *v = colon + 1, *end = buf + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	/* Header bytes need not be UTF-8 (RFC 9110 allows obs-text): keep them, readable. */
	json_t *pair =
	    json_pack("[oo]", text_json(buf, (size_t)(colon - buf)), text_json(v, (size_t)(end - v)));
	if (pair != NULL)
		json_array_append_new(f->headers, pair);
	return size * n;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;
	f->seen += len;
	if (f->body_cap == 0)
		return f->seen > PAGE_BYTES_MAX ? 0 : len;
	size_t room = f->body_cap - f->body_len;
	if (f->body == NULL && (f->body = malloc(f->body_cap)) == NULL)
		return 0;
	size_t take = len < room ? len : room;
	memcpy(f->body + f->body_len, buf, take);
	f->body_len += take;
	if (take < len) {
		f->truncated = 1;
		return 0;
	}
	return len;
}

static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct fetch *f = arg;
	struct web_ctx *w = web_of(f->e);
	/* Only the address we resolved and checked: never one curl found by itself. */
	int pinned = a->addrlen == f->pinlen && memcmp(&a->addr, &f->pin, f->pinlen) == 0;
	if (!pinned || !scope_allows(w->scope, &a->addr)) {
		f->blocked = 1;
		return CURL_SOCKET_BAD;
	}
	curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
	if (fd == CURL_SOCKET_BAD && engine_resource_error(errno))
		f->starved = 1;
	return fd;
}

static int fetch_setup(struct fetch *f)
{
	CURL *c = f->easy;
	char to[100];
	unsigned long port = strtoul(f->port, NULL, 10);
	if (port == 0 || engine_sockaddr(f->addr, (unsigned)port, &f->pin, &f->pinlen) < 0)
		return -EINVAL;
	/*
	 * Whatever host the URL names, curl connects to our address, given as a
	 * literal, so it never asks the system resolver (a CURLOPT_RESOLVE pin is
	 * bypassed when curl spells the host differently, e.g. in punycode).
	 */
	int v6 = f->pin.ss_family == AF_INET6;
	snprintf(to, sizeof to, "::%s%s%s:%s", v6 ? "[" : "", f->addr, v6 ? "]" : "", f->port);
	if ((f->connect_to = curl_slist_append(NULL, to)) == NULL)
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_CONNECT_TO, f->connect_to);
	/* Never a proxy from the environment: it would connect where the scope guard cannot see. */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_PRIVATE, f);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, f->verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, f->verify ? 2L : 0L);
	if (f->verify && engine_opts(f->e)->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, engine_opts(f->e)->ca_file);
	if (f->legacy) {
		curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_0);
		curl_easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, LEGACY_CIPHERS);
	}
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
	                 "vitals/" VITALS_VERSION " (outside-in security posture scan)");
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, f);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	return 0;
}

/* The connection timeout, cut to what is left of the chain's budget for a chain fetch. */
static int fetch_timeout(const struct fetch *f)
{
	long long t = engine_opts(f->e)->conn_timeout_ms;
	if (f->deadline_ms > 0 && f->deadline_ms - now_ms() < t)
		t = f->deadline_ms - now_ms();
	return t < 1 ? 1 : (int)t; /* 0 would mean no timeout to curl */
}

/* Hands the transfer to curl; its deadline starts now, after any wait for pacing. */
static int fetch_add(struct fetch *f)
{
	long timeout_ms = fetch_timeout(f);
	curl_easy_setopt(f->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(f->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	CURLMcode mc = curl_multi_add_handle(web_of(f->e)->multi, f->easy);
	return mc == CURLM_OK ? 0 : mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
}

/* The pacing let the fetch connect (from the loop). A failure now ends it like any other. */
static void fetch_paced(void *arg)
{
	struct fetch *f = arg;
	int rc = fetch_add(f);
	if (rc < 0) {
		f->starved = engine_resource_error(rc);
		fetch_finish(f, CURLE_OUT_OF_MEMORY);
	}
}

static int fetch_prepare(struct fetch *f)
{
	f->headers = json_array();
	f->easy = curl_easy_init();
	if (f->headers == NULL || f->easy == NULL)
		return -ENOMEM;
	int rc = fetch_setup(f);
	if (rc < 0)
		return rc;
	struct pace *pace = engine_opts(f->e)->pace;
	if (pace == NULL)
		return fetch_add(f);
	return pace_acquire(pace, engine_base(f->e), (const struct sockaddr *)&f->pin, fetch_paced, f,
	                    &f->ticket);
}

/*
 * Starts a fetch made by fetch_new; on failure records why, frees it and returns
 * a negative errno. Only a lack of resources is back-pressure (engine_starved).
 */
static int fetch_go(struct fetch *f, struct domain_scan *ds)
{
	int rc = fetch_prepare(f);
	if (rc < 0) {
		json_object_set_new(f->out, "error", json_string(err_text(-rc)));
		if (f->easy)
			curl_easy_cleanup(f->easy);
		fetch_free(f);
		if (engine_resource_error(rc))
			engine_starved(ds);
		return rc;
	}
	op_begin(&f->op, ds, fetch_cancel);
	return 0;
}

/* One of the three fetches every host gets. */
static int fetch_start(struct web_ep *ep, json_t *out, const char *scheme, const char *path, const char *host,
                       const char *addr, enum fetch_kind kind)
{
	struct engine *e = ep->e;
	struct domain_scan *ds = ep->ds;
	char url[600];
	snprintf(url, sizeof url, "%s://%s%s", scheme, host, path);
	struct fetch *f = fetch_new(e, ep, out, url, host, strcmp(scheme, "https") == 0 ? "443" : "80", addr);
	if (f == NULL)
		return -ENOMEM;
	f->kind = kind;
	f->body_cap = kind == FK_SECTXT ? SECTXT_BYTES_MAX : 0;
	/* The chain of http://HOST/ has one budget, counted from its first fetch. */
	if (kind == FK_CHAIN)
		f->deadline_ms =
		    now_ms() + (long long)CHAIN_BUDGET_TIMEOUTS * engine_opts(e)->conn_timeout_ms;
	return fetch_go(f, ds);
}

int web_get(struct engine *e, struct domain_scan *ds, json_t *out, const struct web_get *g)
{
	/* A web part of its own that nothing shares: the fetch's owner until it ends. */
	struct web_ep *ep = calloc(1, sizeof *ep);
	json_t *web = json_object();
	struct fetch *f = ep && web ? fetch_new(e, ep, out, g->url, g->host, g->port, g->addr) : NULL;
	if (f == NULL) {
		json_decref(web);
		free(ep);
		engine_starved(ds);
		return -ENOMEM;
	}
	ep->e = e;
	ep->ds = ds;
	ep->web = web;
	ep->pending++; /* the starter's hold, dropped below */
	f->kind = FK_PAGE;
	f->body_cap = g->body_cap;
	f->verify = 1;
	f->done = g->done;
	f->done_arg = g->arg;
	int rc = fetch_go(f, ds);
	ep_put(ep);
	return rc;
}

struct tls_op {
	struct op op;            /* registration with the organization */
	struct tls_probe *probe; /* the probe in flight */
	struct web_ep *ep;       /* where "tls" goes */
};

static void on_tls(void *arg, json_t *tls)
{
	struct tls_op *t = arg;
	if (t->probe != NULL && tls_probe_starved(t->probe)) {
		t->ep->abandoned = 1;
		engine_starved(t->op.ds);
	}
	json_object_set_new(t->ep->web, "tls", tls);
	op_done(&t->op);
	ep_put(t->ep);
	free(t);
}

static void tls_cancel(struct op *op)
{
	struct tls_op *t = (struct tls_op *)op;
	tls_probe_cancel(t->probe);
	t->probe = NULL;
	t->ep->abandoned = 1;
	on_tls(t, json_pack("{s:s, s:s}", "status", "timeout", "error", "organization deadline"));
}

static int tls_start(struct web_ep *ep, const struct sockaddr *sa, socklen_t salen, const char *host)
{
	struct engine *e = ep->e;
	struct tls_op *t = calloc(1, sizeof *t);
	if (t == NULL)
		return -ENOMEM;
	t->ep = ep;
	int rc = tls_probe_start(engine_base(e), tls_of(e), sa, salen, host, engine_opts(e)->conn_timeout_ms,
	                         on_tls, t, &t->probe);
	if (rc < 0) {
		free(t);
		return rc;
	}
	ep->pending++;
	op_begin(&t->op, ep->ds, tls_cancel);
	return 0;
}

static void web_unreached(json_t *web, const char *status)
{
	json_object_set_new(web, "status", json_string(status));
	const char *parts[] = {"tls", "http", "https", "security_txt"};
	for (size_t i = 0; i < 4; i++)
		json_object_set_new(web, parts[i], json_pack("{s:s}", "status", status));
}

/* Starts the TLS probe and the three fetches of one endpoint; its starter's hold is the caller's. */
static int ep_measure(struct web_ep *ep, const struct sockaddr *sa, socklen_t salen, const char *host,
                      const char *urlhost, const char *addr)
{
	json_t *web = ep->web;
	json_object_set_new(web, "status", json_string("ok"));
	const char *keys[] = {"http", "https", "security_txt"};
	for (size_t i = 0; i < 3; i++)
		json_object_set_new(web, keys[i], json_object());
	json_object_set_new(web, "redirects", json_array());
	int rc = tls_start(ep, sa, salen, host);
	if (rc < 0 && engine_resource_error(rc)) {
		ep->abandoned = 1;
		engine_starved(ep->ds); /* the organization is scanned again later */
	}
	if (rc < 0) {
		/* No TLS evidence is not a reason to skip the fetches: record why and go on. */
		json_object_set_new(web, "tls",
		                    json_pack("{s:s, s:s}", "status", "error", "error", err_text(-rc)));
		rc = 0;
	}
	rc = fetch_start(ep, json_object_get(web, "http"), "http", "/", urlhost, addr, FK_CHAIN);
	if (rc == 0)
		rc = fetch_start(ep, json_object_get(web, "https"), "https", "/", urlhost, addr, FK_PAGE);
	if (rc == 0)
		rc = fetch_start(ep, json_object_get(web, "security_txt"), "https",
		                 "/.well-known/security.txt", urlhost, addr, FK_SECTXT);
	if (rc < 0)
		ep->abandoned = 1;
	return rc;
}

/* What an endpoint is: the web part being filled and where it may lead. */
struct ep_spec {
	const char *host; /* the host name, or the address for a given address */
	const char *addr; /* the address */
	const char *site; /* redirects stay within it */
	int shared;       /* measured once per scan */
};

static int ep_run(struct engine *e, struct domain_scan *ds, json_t *web, const struct ep_spec *sp,
                  const char *key)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char urlhost[300];
	struct web_ep *ep = calloc(1, sizeof *ep);
	if (ep == NULL || (key != NULL && (ep->key = strdup(key)) == NULL)) {
		free(ep);
		/* Claimed but never measured: let the next asker measure it. */
		if (key != NULL)
			share_publish(engine_opts(e)->share, key, NULL);
		return -ENOMEM;
	}
	*ep = (struct web_ep){e, ds, json_incref(web), ep->key, "", 1, 0};
	snprintf(ep->site, sizeof ep->site, "%s", sp->site);
	engine_sockaddr(sp->addr, 443, &ss, &sl);
	/* An address literal in a URL: IPv6 in brackets. */
	int lit6 = strchr(sp->host, ':') != NULL;
	snprintf(urlhost, sizeof urlhost, "%s%s%s", lit6 ? "[" : "", sp->host, lit6 ? "]" : "");
	/* A given address is its own host: the TLS probe sends no SNI for an address literal. */
	int rc = ep_measure(ep, (struct sockaddr *)&ss, sl, sp->host, urlhost, sp->addr);
	ep_put(ep);
	return rc;
}

/* An endpoint as shared.h keeps it while another organization measures it: no pointers. */
struct web_spec {
	char host[256];
	char addr[64];
	char site[256];
};

static int shared_run(struct engine *e, struct domain_scan *ds, json_t *web, const void *spec,
                      const char *key)
{
	const struct web_spec *ws = spec;
	struct ep_spec sp = {ws->host, ws->addr, ws->site, 1};
	return ep_run(e, ds, web, &sp, key);
}

static const struct shared_ops web_shared = {
    .measure = shared_run, .unreached = web_unreached, .spec_size = sizeof(struct web_spec)};

/* A shared endpoint: measured here, taken from the table, or waited for. */
static int ep_shared(struct engine *e, struct domain_scan *ds, json_t *web, const struct ep_spec *sp)
{
	char key[400];
	struct web_spec ws;
	snprintf(ws.host, sizeof ws.host, "%s", sp->host);
	snprintf(ws.addr, sizeof ws.addr, "%s", sp->addr);
	snprintf(ws.site, sizeof ws.site, "%s", sp->site);
	snprintf(key, sizeof key, "web %s %s", sp->host, sp->addr);
	return shared_measure(e, ds, key, web, &web_shared, &ws);
}

/* One endpoint of a web host: a new web part in the document, then its measurement. */
static int ep_start(struct engine *e, struct domain_scan *ds, const struct ep_spec *sp)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	json_t *web = json_pack("{s:s, s:s, s:s}", "host", sp->host, "addr", sp->addr, "site", sp->site);
	if (web == NULL || json_array_append_new(json_object_get(ds->doc, "webs"), web) < 0)
		return -ENOMEM;
	if (sp->shared)
		json_object_set_new(web, "shared", json_true());
	if (engine_sockaddr(sp->addr, 443, &ss, &sl) < 0) {
		web_unreached(web, "error");
		return 0;
	}
	if (!engine_in_scope(e, (struct sockaddr *)&ss)) {
		web_unreached(web, "out_of_scope");
		return 0;
	}
	return sp->shared ? ep_shared(e, ds, web, sp) : ep_run(e, ds, web, sp, NULL);
}

/* A host with no address to probe: one web part saying why (endpoints.h). */
static void host_unreached(struct domain_scan *ds, const char *host, const char *why)
{
	json_t *web = json_pack("{s:s, s:n}", "host", host, "addr");
	web_unreached(web, why);
	json_array_append_new(json_object_get(ds->doc, "webs"), web);
}

static int web_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	struct ep_spec sp = {u->name, u->name, u->site, u->shared};
	struct endpoints eps;
	int rc = 0;
	unit_endpoints(u, engine_opts(e)->scope, &eps);
	for (size_t i = 0; i < eps.n && rc == 0; i++) {
		sp.addr = eps.addr[i];
		rc = ep_start(e, ds, &sp);
	}
	if (eps.n == 0)
		host_unreached(ds, u->name, eps.unreached);
	return rc;
}

static const char *const web_observes[] = {"webs[].host",
                                           "webs[].addr",
                                           "webs[].site",
                                           "webs[].shared",
                                           "webs[].status",
                                           "webs[].tls",
                                           "webs[].http",
                                           "webs[].https",
                                           "webs[].redirects",
                                           "webs[].security_txt",
                                           "webs[].security_txt_https",
                                           NULL};

/* A host's web presence on each of its addresses: TLS on 443, then http://, https:// and security.txt. */
const struct probe_module probe_web_module = {
    .name = "web",
    .unit = UNIT_HOST,
    .also = 1u << UNIT_ADDRESS,
    .setup = web_setup,
    .teardown = web_teardown,
    .start = web_start,
    .observes = web_observes,
};
