/*
 * The web probe: for a domain's first address, a TLS probe (probe_tls.c) and
 * three fetches through libcurl's multi-socket API on the engine's loop:
 * http://HOST/, https://HOST/ and https://HOST/.well-known/security.txt (over
 * http:// when HTTPS fails). It records status codes, headers and, for
 * security.txt, a capped body. Certificate checks are off for fetches because
 * trust is measured by the TLS probe; redirects are recorded, never followed.
 */
#include "probe_web.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "probe_tls.h"
#include "wire_text.h"

#define HEADER_BYTES_MAX (64 * 1024)
#define HEADER_COUNT_MAX 200
#define PAGE_BYTES_MAX   (256 * 1024)
#define SECTXT_BYTES_MAX (32 * 1024)

struct web_ctx {
	struct event_base *base;   /* the loop */
	const struct scope *scope; /* checked again when curl opens a socket */
	CURLM *multi;              /* all fetches */
	struct event *timer;       /* curl's timeout */
};

struct fetch {
	struct op op;               /* registration with the organization */
	struct engine *e;           /* the engine */
	CURL *easy;                 /* the transfer */
	struct curl_slist *resolve; /* pinned address */
	json_t *out;                /* the fetch object (borrowed from the doc) */
	json_t *headers;            /* headers of the current response */
	size_t header_bytes;        /* their size so far */
	char *body;                 /* kept body (security.txt only) */
	size_t body_len, body_cap;  /* kept bytes and the cap */
	size_t seen;                /* body bytes received */
	int truncated;              /* the body cap was hit */
	int blocked;                /* the socket callback refused an out-of-scope address */
	int oversized;              /* headers beyond the caps */
	int starved;                /* no socket for lack of descriptors: back-pressure, not a result */
	int fallback;               /* security.txt: retry over http:// on failure */
	char host[256];             /* host name */
	char addr[64];              /* address */
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

int web_ctx_new(struct event_base *base, const struct scope *scope, struct web_ctx **out)
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

struct web_ctx *web_ctx_free(struct web_ctx *w)
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

static void fetch_free(struct fetch *f)
{
	json_decref(f->headers);
	curl_slist_free_all(f->resolve);
	free(f->body);
	free(f);
}

/* Detaches the transfer from curl; safe outside curl's own callbacks only. */
static void fetch_detach(struct fetch *f)
{
	if (f->easy) {
		curl_multi_remove_handle(engine_web(f->e)->multi, f->easy);
		curl_easy_cleanup(f->easy);
		f->easy = NULL;
	}
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
}

static int fetch_start(struct engine *e, struct domain_scan *ds, json_t *out, const char *scheme,
                       const char *path, const char *host, const char *addr, size_t body_cap);

/* security.txt over plain HTTP when HTTPS gave nothing. */
static void sectxt_fallback(struct fetch *f)
{
	const char *st = json_string_value(json_object_get(f->out, "status"));
	if (!f->fallback || engine_org_expired(f->op.ds) || st == NULL ||
	    (strcmp(st, "refused") != 0 && strcmp(st, "tls_error") != 0))
		return;
	json_t *web = json_object_get(f->op.ds->doc, "web");
	json_t *out = json_object();
	/* Keep the HTTPS attempt as evidence beside the HTTP one. */
	json_object_set(web, "security_txt_https", f->out);
	json_object_set_new(web, "security_txt", out);
	f->out = NULL;
	fetch_start(f->e, f->op.ds, out, "http", "/.well-known/security.txt", f->host, f->addr,
	            SECTXT_BYTES_MAX);
}

static void fetch_finish(struct fetch *f, CURLcode rc)
{
	if (f->starved)
		engine_starved(f->op.ds);
	fetch_record(f, rc);
	fetch_detach(f);
	sectxt_fallback(f);
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
	fetch_detach(f);
	op_done(&f->op);
	fetch_free(f);
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
	struct web_ctx *w = engine_web(f->e);
	if (!scope_allows(w->scope, &a->addr)) {
		f->blocked = 1;
		return CURL_SOCKET_BAD;
	}
	curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
	if (fd == CURL_SOCKET_BAD && engine_resource_error(errno))
		f->starved = 1;
	return fd;
}

static int fetch_setup(struct fetch *f, const char *url, int timeout_ms)
{
	CURL *c = f->easy;
	char pin[400];
	snprintf(pin, sizeof pin, "%s:%s:%s", f->host, strncmp(url, "https", 5) == 0 ? "443" : "80", f->addr);
	if ((f->resolve = curl_slist_append(NULL, pin)) == NULL)
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_RESOLVE, f->resolve);
	/* Never a proxy from the environment: it would connect where the scope guard cannot see. */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_PRIVATE, f);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
	                 "vitals/"
	                 "0.1"
	                 " (outside-in security posture scan)");
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

static int fetch_start(struct engine *e, struct domain_scan *ds, json_t *out, const char *scheme,
                       const char *path, const char *host, const char *addr, size_t body_cap)
{
	char url[600];
	snprintf(url, sizeof url, "%s://%s%s", scheme, host, path);
	json_object_set_new(out, "url", json_string(url));
	json_object_set_new(out, "status", json_string("error"));
	struct fetch *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -ENOMEM;
	f->e = e;
	f->out = out;
	f->body_cap = body_cap;
	f->fallback = body_cap > 0 && strcmp(scheme, "https") == 0;
	snprintf(f->host, sizeof f->host, "%s", host);
	snprintf(f->addr, sizeof f->addr, "%s", addr);
	f->headers = json_array();
	f->easy = curl_easy_init();
	if (f->headers == NULL || f->easy == NULL ||
	    fetch_setup(f, url, engine_opts(e)->conn_timeout_ms) < 0 ||
	    curl_multi_add_handle(engine_web(e)->multi, f->easy) != CURLM_OK) {
		if (f->easy)
			curl_easy_cleanup(f->easy);
		fetch_free(f);
		engine_starved(ds);
		return -ENOMEM;
	}
	op_begin(&f->op, ds, fetch_cancel);
	return 0;
}

struct tls_op {
	struct op op;            /* registration with the organization */
	struct tls_probe *probe; /* the probe in flight */
	json_t *web;             /* where "tls" goes (borrowed) */
};

static void on_tls(void *arg, json_t *tls)
{
	struct tls_op *t = arg;
	if (t->probe != NULL && tls_probe_starved(t->probe))
		engine_starved(t->op.ds);
	json_object_set_new(t->web, "tls", tls);
	op_done(&t->op);
	free(t);
}

static void tls_cancel(struct op *op)
{
	struct tls_op *t = (struct tls_op *)op;
	tls_probe_cancel(t->probe);
	t->probe = NULL;
	on_tls(t, json_pack("{s:s, s:s}", "status", "timeout", "error", "organization deadline"));
}

static int tls_start(struct engine *e, struct domain_scan *ds, json_t *web, const struct sockaddr_in *sin,
                     const char *host)
{
	struct tls_op *t = calloc(1, sizeof *t);
	if (t == NULL)
		return -ENOMEM;
	t->web = web;
	int rc = tls_probe_start(engine_base(e), engine_tls(e), (const struct sockaddr *)sin, sizeof *sin,
	                         host, engine_opts(e)->conn_timeout_ms, on_tls, t, &t->probe);
	if (rc < 0) {
		free(t);
		return rc;
	}
	op_begin(&t->op, ds, tls_cancel);
	return 0;
}

static void web_unreached(json_t *web, const char *status)
{
	json_object_set_new(web, "status", json_string(status));
	const char *parts[] = {"tls", "http", "https", "security_txt"};
	for (size_t i = 0; i < 4; i++)
		json_object_set_new(web, parts[i], json_pack("{s:s}", "status", status));
}

int probe_web_start(struct engine *e, struct domain_scan *ds, json_t *a_lookup)
{
	json_t *web = json_object_get(ds->doc, "web");
	const char *host = ds->domain;
	json_object_set_new(web, "host", json_string(host));
	const char *st = json_string_value(json_object_get(a_lookup, "status"));
	const char *addr = json_string_value(json_array_get(json_object_get(a_lookup, "records"), 0));
	json_object_set_new(web, "addr", addr ? json_string(addr) : json_null());
	if (st == NULL || strcmp(st, "ok") != 0 || addr == NULL) {
		int none = st && (strcmp(st, "nodata") == 0 || strcmp(st, "nxdomain") == 0);
		web_unreached(web, none ? "no_address" : st ? st : "error");
		return 0;
	}
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(443)};
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		web_unreached(web, "error");
		return 0;
	}
	if (!engine_in_scope(e, (struct sockaddr *)&sin)) {
		web_unreached(web, "out_of_scope");
		return 0;
	}
	json_object_set_new(web, "status", json_string("ok"));
	const char *keys[] = {"http", "https", "security_txt"};
	for (size_t i = 0; i < 3; i++)
		json_object_set_new(web, keys[i], json_object());
	int rc = tls_start(e, ds, web, &sin, host);
	if (rc < 0 && engine_resource_error(rc))
		engine_starved(ds); /* the organization is scanned again later */
	if (rc < 0) {
		/* No TLS evidence is not a reason to skip the fetches: record why and go on. */
		json_object_set_new(web, "tls",
		                    json_pack("{s:s, s:s}", "status", "error", "error", strerror(-rc)));
		rc = 0;
	}
	rc = fetch_start(e, ds, json_object_get(web, "http"), "http", "/", host, addr, 0);
	if (rc == 0)
		rc = fetch_start(e, ds, json_object_get(web, "https"), "https", "/", host, addr, 0);
	if (rc == 0)
		rc = fetch_start(e, ds, json_object_get(web, "security_txt"), "https",
		                 "/.well-known/security.txt", host, addr, SECTXT_BYTES_MAX);
	return rc;
}
