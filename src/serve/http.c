/* Responses of `vitals serve`: the security headers on every one, the page layout, the stylesheet. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"
#include "svg.h"

/* The policy the project grades others by: no inline style, no script, nothing framed. */
static const char csp[] = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                          "frame-ancestors 'none'; base-uri 'none'";

int fbuf_add(struct fbuf *b, const char *p, size_t n)
{
	if (n > b->max - b->n)
		return -EFBIG;
	char *np = realloc(b->p, b->n + n + 1);
	if (np == NULL)
		return -ENOMEM;
	memcpy(np + b->n, p, n);
	b->p = np;
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

void fbuf_free(struct fbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

static void secure_headers(struct MHD_Response *r, const struct serve *s, unsigned flags)
{
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(
	    r, "Permissions-Policy",
	    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	/* HSTS only means something over HTTPS: ours, or a proxy's in front of us. */
	if (s->cfg.tls_cert != NULL || s->cfg.behind_https)
		MHD_add_response_header(r, "Strict-Transport-Security",
		                        "max-age=31536000; includeSubDomains");
	MHD_add_response_header(r, "Cache-Control", flags & HTTP_NOSTORE ? "no-store" : "no-cache");
}

static enum MHD_Result queue(struct MHD_Connection *c, const struct serve *s, unsigned status,
                             struct MHD_Response *r, unsigned flags)
{
	if (r == NULL)
		return MHD_NO;
	secure_headers(r, s, flags);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result http_reply(struct MHD_Connection *c, const struct serve *s, unsigned status,
                           const char *ctype, const char *body, size_t len, unsigned flags)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r != NULL)
		MHD_add_response_header(r, "Content-Type", ctype);
	return queue(c, s, status, r, flags);
}

enum MHD_Result http_redirect(struct MHD_Connection *c, const struct serve *s, const char *location)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (r != NULL)
		MHD_add_response_header(r, "Location", location);
	return queue(c, s, MHD_HTTP_SEE_OTHER, r, HTTP_NOSTORE);
}

enum MHD_Result http_json(struct MHD_Connection *c, const struct serve *s, unsigned status, json_t *doc,
                          unsigned flags)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (text == NULL)
		return MHD_NO;
	enum MHD_Result ret = http_reply(c, s, status, "application/json", text, strlen(text), flags);
	free(text);
	return ret;
}

void html_text(FILE *f, const char *s)
{
	html_escape(f, s);
}

void url_seg(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

int page_begin(struct page *p, const char *title)
{
	*p = (struct page){0};
	if ((p->f = open_memstream(&p->buf, &p->len)) == NULL)
		return -ENOMEM;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      p->f);
	html_text(p->f, title);
	fputs(" - vitals</title>\n<link rel=\"stylesheet\" href=\"/assets/vitals.css\">\n</head>\n<body>\n"
	      "<header class=\"site\"><a class=\"brand\" href=\"/\">vitals</a>\n<nav aria-label=\"main\">"
	      "<a href=\"/\">Sector</a> <a href=\"/orgs\">Organizations</a></nav></header>\n<main>\n",
	      p->f);
	return 0;
}

void page_free(struct page *p)
{
	if (p->f != NULL)
		fclose(p->f);
	free(p->buf);
	*p = (struct page){0};
}

enum MHD_Result page_send(struct MHD_Connection *c, const struct serve *s, struct page *p, unsigned status,
                          unsigned flags)
{
	fputs("</main>\n<footer class=\"site\"><p>vitals " VITALS_VERSION
	      ": outside-in security ratings and vulnerability disclosure for healthcare. "
	      "No script, no tracking.</p></footer>\n</body>\n</html>\n",
	      p->f);
	int bad = ferror(p->f);
	fclose(p->f);
	p->f = NULL;
	enum MHD_Result ret =
	    bad ? MHD_NO : http_reply(c, s, status, "text/html; charset=utf-8", p->buf, p->len, flags);
	page_free(p);
	return ret;
}

static const char *status_title(unsigned status)
{
	switch (status) {
	case 400:
		return "Bad request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not found";
	case 405:
		return "Method not allowed";
	case 413:
		return "Too large";
	case 415:
		return "Unsupported media type";
	default:
		return status >= 500 ? "Server error" : "Error";
	}
}

enum MHD_Result http_error(struct MHD_Connection *c, const struct serve *s, unsigned status, const char *msg,
                           int json)
{
	struct page p;
	if (json)
		return http_json(c, s, status, json_pack("{s:s}", "error", msg), HTTP_NOSTORE);
	if (page_begin(&p, status_title(status)) < 0)
		return MHD_NO;
	fprintf(p.f, "<h1>%s</h1>\n<p>", status_title(status));
	html_text(p.f, msg);
	fputs("</p>\n", p.f);
	return page_send(c, s, &p, status, HTTP_NOSTORE);
}
