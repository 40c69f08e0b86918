/* The daemon of `vitals serve`: request state, bodies read under caps, dispatch (see serve.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errbuf.h"
#include "serve_int.h"

/* Form field names, as the pages and the API spell them. */
static const char *const field_names[F_NFIELDS] = {
    [F_ASSET] = "asset",
    [F_ASSET_TYPED] = "asset_typed",
    [F_TITLE] = "title",
    [F_DESCRIPTION] = "description",
    [F_STEPS] = "steps",
    [F_IMPACT] = "impact",
    [F_CVSS] = "cvss",
    [F_CONTACT] = "contact",
    [F_FORM_TOKEN] = "form_token",
    [F_BODY] = "body",
};

/* Each field's cap: one byte over its checked length, so an overlong value is named by the check. */
static const size_t field_caps[F_NFIELDS] = {
    [F_ASSET] = VDP_ASSET_MAX + 1,        [F_ASSET_TYPED] = VDP_ASSET_MAX + 1,
    [F_TITLE] = VDP_TITLE_MAX + 1,        [F_DESCRIPTION] = VDP_TEXT_MAX + 1,
    [F_STEPS] = VDP_TEXT_MAX + 1,         [F_IMPACT] = VDP_TEXT_MAX + 1,
    [F_CVSS] = VDP_CVSS_MAX + 1,          [F_CONTACT] = VDP_CONTACT_MAX + 1,
    [F_FORM_TOKEN] = SEAL_FORM_CHARS + 1, [F_BODY] = VDP_TEXT_MAX + 1,
};

static void req_fail(struct req *q, unsigned status, const char *why)
{
	if (q->fail == 0) {
		q->fail = status;
		q->why = why;
	}
}

static void req_free(struct req *q)
{
	if (q == NULL)
		return;
	if (q->pp != NULL)
		MHD_destroy_post_processor(q->pp);
	fbuf_free(&q->raw);
	for (int i = 0; i < F_NFIELDS; i++)
		fbuf_free(&q->f[i]);
	for (size_t i = 0; i < q->nup; i++) {
		free(q->up[i].name);
		free(q->up[i].ctype);
		fbuf_free(&q->up[i].data);
	}
	free(q);
}

static int field_index(const char *key)
{
	for (int i = 0; i < F_NFIELDS; i++)
		if (strcmp(key, field_names[i]) == 0)
			return i;
	return -1;
}

/* A new attachment part (a browser sends an empty one when no file was chosen: skipped). */
static struct upload *upload_start(struct req *q, const char *filename, const char *ctype)
{
	if (q->nup == VDP_FILES_MAX) {
		req_fail(q, 413, "at most 5 attachments");
		return NULL;
	}
	struct upload *u = &q->up[q->nup];
	u->name = strdup(filename);
	u->ctype = ctype ? strdup(ctype) : NULL;
	u->data.max = VDP_FILE_MAX;
	if (u->name == NULL || (ctype && u->ctype == NULL)) {
		req_fail(q, 500, "out of memory");
		return NULL;
	}
	q->nup++;
	return u;
}

static void upload_data(struct req *q, const char *filename, const char *ctype, uint64_t off,
                        const char *data, size_t size)
{
	struct upload *u = off == 0 ? upload_start(q, filename, ctype) : q->nup ? &q->up[q->nup - 1] : NULL;
	if (u == NULL || size == 0)
		return;
	if (size > VDP_FILES_TOTAL - q->upbytes) {
		req_fail(q, 413, "attachments are limited to 10 MiB together");
		return;
	}
	int rc = fbuf_add(&u->data, data, size);
	if (rc == -EFBIG) {
		req_fail(q, 413, "an attachment is limited to 5 MiB");
		return;
	}
	if (rc < 0) {
		req_fail(q, 500, "out of memory");
		return;
	}
	q->upbytes += size;
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                  const char *ctype, const char *enc, const char *data, uint64_t off,
                                  size_t size)
{
	struct req *q = cls;
	if (q->fail)
		return MHD_YES;
	if (strcmp(key, "attachment") == 0) {
		/* An empty file part is what a form sends with no file chosen. */
		if (filename != NULL && (filename[0] != '\0' || size > 0))
			upload_data(q, filename, ctype, off, data, size);
		return MHD_YES;
	}
	int i = field_index(key);
	if (i < 0 || filename != NULL)
		return req_fail(q, 400, "the form has a field this server does not take"), MHD_YES;
	if (q->f[i].max == 0)
		q->f[i].max = field_caps[i];
	int rc = fbuf_add(&q->f[i], data, size);
	if (rc == 0 && q->f[i].p == NULL)
		rc = fbuf_add(&q->f[i], "", 0);
	if (rc < 0)
		req_fail(q, rc == -EFBIG ? 413 : 500, rc == -EFBIG ? "a field is too long" : "out of memory");
	return MHD_YES;
}

/* Refuses a POST made by another site's page (docs/SERVE.md: Sec-Fetch-Site and Origin). */
static int cross_site(struct MHD_Connection *c, const struct serve *s)
{
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return 1;
	/* "null" is what a browser sends for our own forms under Referrer-Policy: no-referrer. */
	return origin != NULL && strcmp(origin, "null") != 0 && strcasecmp(origin, s->origin) != 0;
}

static int is_api(enum route_id id)
{
	return id >= ROUTE_API_PROGRAM;
}

static int is_json_body(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	return ct != NULL && strncasecmp(ct, "application/json", 16) == 0 &&
	       (ct[16] == '\0' || ct[16] == ';');
}

/* What a POST may carry, decided before any of its body is read. 0 or an HTTP status. */
static unsigned post_setup(struct MHD_Connection *c, const struct serve *s, struct req *q)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	int api = is_api(q->route.id);
	q->cap = q->route.id == ROUTE_REPORT        ? VDP_BODY_FORM_MAX
	         : q->route.id == ROUTE_API_REPORTS ? VDP_BODY_JSON_MAX
	                                            : VDP_BODY_MSG_MAX;
	if (cross_site(c, s))
		return (q->why = "a form of another site cannot post here", 403);
	if (cl != NULL && strtoull(cl, NULL, 10) > q->cap)
		return (q->why = "the request body is larger than this page takes", 413);
	if (api) {
		q->raw.max = q->cap;
		/* A JSON body needs a CORS preflight from another site's page, which we never grant. */
		return is_json_body(c) ? 0 : (q->why = "send application/json", 415);
	}
	q->pp = MHD_create_post_processor(c, 32 * 1024, post_field, q);
	return q->pp ? 0 : (q->why = "send multipart/form-data or application/x-www-form-urlencoded", 415);
}

static enum MHD_Result first_call(struct MHD_Connection *c, struct serve *s, const char *url,
                                  const char *method, void **con_cls)
{
	struct req *q = calloc(1, sizeof *q);
	if (q == NULL)
		return MHD_NO;
	*con_cls = q;
	if (route_match(url, &q->route) < 0)
		return http_error(c, s, 404, "There is no page at this address.",
		                  strncmp(url, "/api/", 5) == 0);
	if (!route_allows(&q->route, method))
		return http_error(c, s, 405, "This page does not take that method.", is_api(q->route.id));
	q->post = strcmp(method, "POST") == 0;
	unsigned st = q->post ? post_setup(c, s, q) : 0;
	return st ? http_error(c, s, st, q->why, is_api(q->route.id)) : MHD_YES;
}

static void take_body(struct req *q, const char *data, size_t n)
{
	if (n > q->cap - q->seen) {
		req_fail(q, 413, "the request body is larger than this page takes");
		return;
	}
	q->seen += n;
	if (q->fail)
		return;
	if (q->pp != NULL) {
		if (MHD_post_process(q->pp, data, n) != MHD_YES)
			req_fail(q, 400, "the form data is malformed");
	} else if (fbuf_add(&q->raw, data, n) < 0) {
		req_fail(q, 413, "the request body is larger than this page takes");
	}
}

static enum MHD_Result dispatch_get(struct MHD_Connection *c, struct serve *s, struct req *q)
{
	const char *arg = q->route.arg;
	switch (q->route.id) {
	case ROUTE_HOME:
		return serve_overview(c, s);
	case ROUTE_ORGS:
		return serve_org_list(c, s, 0);
	case ROUTE_API_ORGS:
		return serve_org_list(c, s, 1);
	case ROUTE_ORG:
		return serve_scorecard(c, s, arg, 0);
	case ROUTE_API_ORG:
		return serve_scorecard(c, s, arg, 1);
	case ROUTE_PROGRAM:
		return serve_program(c, s, arg, 0);
	case ROUTE_API_PROGRAM:
		return serve_program(c, s, arg, 1);
	case ROUTE_SECTXT:
		return serve_sectxt(c, s, arg);
	case ROUTE_REPORT:
		return serve_form(c, s, arg);
	case ROUTE_LINK:
		return serve_link(c, s, arg, 0);
	case ROUTE_API_LINK:
		return serve_link(c, s, arg, 1);
	case ROUTE_CSS: {
		size_t len = 0;
		const char *css = serve_css(&len);
		return css ? http_reply(c, s, 200, "text/css; charset=utf-8", css, len, 0)
		           : http_error(c, s, 500, "Out of memory.", 0);
	}
	default:
		return http_error(c, s, 404, "There is no page at this address.", is_api(q->route.id));
	}
}

/* The body is all in: a form body must also have ended where its framing says. */
static enum MHD_Result dispatch_post(struct MHD_Connection *c, struct serve *s, struct req *q)
{
	int api = is_api(q->route.id);
	if (q->pp != NULL) {
		if (MHD_destroy_post_processor(q->pp) != MHD_YES)
			req_fail(q, 400, "the form data is malformed or cut short");
		q->pp = NULL;
	}
	if (q->fail)
		return http_error(c, s, q->fail, q->why, api);
	if (q->route.id == ROUTE_REPORT || q->route.id == ROUTE_API_REPORTS)
		return serve_submit(c, s, q, api);
	return serve_message(c, s, q, api);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size,
                                  void **con_cls)
{
	struct serve *s = cls;
	struct req *q = *con_cls;
	if (q == NULL)
		return first_call(c, s, url, method, con_cls);
	if (*upload_size > 0) {
		take_body(q, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return q->post ? dispatch_post(c, s, q) : dispatch_get(c, s, q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	req_free(*con_cls);
	*con_cls = NULL;
}

/* scheme://authority of the base URL: what a browser's Origin header says for our pages. */
static int base_origin(struct serve *s, char *err, size_t errlen)
{
	const char *b = s->cfg.base_url, *p = strstr(b, "://");
	if (p == NULL || p[3] == '\0')
		return errf(err, errlen, -EINVAL, "--base-url %s: not an absolute http(s) URL", b);
	size_t n = strcspn(p + 3, "/?#") + (size_t)(p + 3 - b);
	if (n >= sizeof s->origin)
		return errf(err, errlen, -EINVAL, "--base-url: too long");
	memcpy(s->origin, b, n);
	s->origin[n] = '\0';
	return 0;
}

static int listen_addr(const struct serve_config *cfg, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, cfg->addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)cfg->port);
	} else if (inet_pton(AF_INET6, cfg->addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)cfg->port);
	} else {
		return errf(err, errlen, -EINVAL, "--listen %s: not an IP address", cfg->addr);
	}
	return 0;
}

static struct MHD_Daemon *start_daemon(struct serve *s, const struct sockaddr_storage *ss)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (s->cfg.tls_cert != NULL)
		return MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_request, s,
		                        MHD_OPTION_SOCK_ADDR, ss, MHD_OPTION_CONNECTION_LIMIT,
		                        (unsigned)SERVE_CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
		                        (unsigned)SERVE_CONN_TIMEOUT, MHD_OPTION_NOTIFY_COMPLETED,
		                        on_completed, s, MHD_OPTION_HTTPS_MEM_CERT, s->cfg.tls_cert,
		                        MHD_OPTION_HTTPS_MEM_KEY, s->cfg.tls_key, MHD_OPTION_END);
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, ss,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_CONN_LIMIT,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_CONN_TIMEOUT,
	                        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
}

int serve_start(const struct serve_config *cfg, struct store *st, struct vdp *v, const struct seal_keys *keys,
                struct serve **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct serve *s = calloc(1, sizeof *s);
	int rc;
	if (s == NULL)
		return errf(err, errlen, -ENOMEM, "out of memory");
	*s = (struct serve){.cfg = *cfg, .st = st, .vdp = v, .keys = keys};
	rc = base_origin(s, err, errlen);
	if (rc == 0)
		rc = listen_addr(cfg, &ss, err, errlen);
	if (rc == 0 && (s->d = start_daemon(s, &ss)) == NULL)
		rc = errf(err, errlen, -EADDRINUSE,
		          "cannot listen on %s port %u (in use, not local, or TLS refused)", cfg->addr,
		          cfg->port);
	if (rc < 0) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

unsigned serve_port(const struct serve *s)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	return i ? i->port : 0;
}

struct serve *serve_stop(struct serve *s)
{
	if (s != NULL) {
		if (s->d != NULL)
			MHD_stop_daemon(s->d);
		serve_cards_free();
		free(s);
	}
	return NULL;
}
