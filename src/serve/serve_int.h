/*
 * The inside of `vitals serve`, shared by its files: http.c (responses, headers, page
 * layout, the stylesheet), serve_daemon.c (the daemon, request state, bodies, dispatch),
 * serve_pages.c (the program page, security.txt, the form), serve_cards.c (the live
 * scorecards)
 * and serve_submit.c (submissions, receipts, the reporter's link and messages).
 * Not for other layers: cmd_serve.c sees serve.h only.
 */
#ifndef VITALS_SERVE_INT_H
#define VITALS_SERVE_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "http_route.h"
#include "serve.h"
#include "vdp_form.h"
#include "vdp_seal.h"

struct serve {
	struct MHD_Daemon *d;         /* the daemon */
	struct serve_config cfg;      /* as started */
	char origin[256];             /* scheme://host[:port] of the base URL, for the Origin check */
	struct store *st;             /* scans (read) */
	struct vdp *vdp;              /* program tables (read, write) */
	const struct seal_keys *keys; /* sealing, token and form keys */
};

/* The fields a form or JSON submission may carry. */
enum req_field {
	F_ASSET,
	F_ASSET_TYPED,
	F_TITLE,
	F_DESCRIPTION,
	F_STEPS,
	F_IMPACT,
	F_CVSS,
	F_CONTACT,
	F_FORM_TOKEN,
	F_BODY,
	F_NFIELDS,
};

/* A capped byte buffer filled from the network. */
struct fbuf {
	char *p;    /* bytes, NUL-terminated when non-NULL */
	size_t n;   /* bytes held */
	size_t max; /* bytes it may hold; more is the peer's error */
};

/* One uploaded file. */
struct upload {
	char *name;       /* its file name as sent */
	char *ctype;      /* its content type as sent, or NULL */
	struct fbuf data; /* its bytes */
};

/* One request, from its first call to its completion. */
struct req {
	struct route route;              /* what it asks for */
	int post;                        /* a POST (else GET/HEAD) */
	unsigned fail;                   /* an HTTP status decided while reading the body (0: none) */
	const char *why;                 /* its reason, static */
	size_t seen;                     /* body bytes received */
	size_t cap;                      /* body bytes allowed */
	struct MHD_PostProcessor *pp;    /* form bodies */
	struct fbuf raw;                 /* JSON bodies */
	struct fbuf f[F_NFIELDS];        /* form fields */
	struct upload up[VDP_FILES_MAX]; /* attachments */
	size_t nup;                      /* how many */
	size_t upbytes;                  /* their bytes together */
};

/* ---- http.c ---- */
#define HTTP_NOSTORE 1u /* Cache-Control: no-store */

/* A page being written: open_memstream under a FILE*. */
struct page {
	FILE *f;    /* write here */
	char *buf;  /* the text, after page_send closes f */
	size_t len; /* its length */
};

/* Appends to a capped buffer; -EFBIG past its cap, -ENOMEM. */
int fbuf_add(struct fbuf *b, const char *p, size_t n);
void fbuf_free(struct fbuf *b);

/* Opens a page and writes the layout's head (title escaped) and header. 0 or -ENOMEM. */
int page_begin(struct page *p, const char *title);
/* Writes the footer, closes the page and sends it. */
enum MHD_Result page_send(struct MHD_Connection *c, const struct serve *s, struct page *p, unsigned status,
                          unsigned flags);
/* Frees a page not sent. */
void page_free(struct page *p);

/* Sends `len` bytes of `body` (copied) as `ctype`, with the security headers. */
enum MHD_Result http_reply(struct MHD_Connection *c, const struct serve *s, unsigned status,
                           const char *ctype, const char *body, size_t len, unsigned flags);
/* A 303 to `location` (a path). */
enum MHD_Result http_redirect(struct MHD_Connection *c, const struct serve *s, const char *location);
/* An error page (or {"error": msg} when `json`). */
enum MHD_Result http_error(struct MHD_Connection *c, const struct serve *s, unsigned status, const char *msg,
                           int json);
/* A JSON document (stolen) as the response. */
enum MHD_Result http_json(struct MHD_Connection *c, const struct serve *s, unsigned status, json_t *doc,
                          unsigned flags);
/* Writes `s` escaped for HTML text and attributes. */
void html_text(FILE *f, const char *s);
/* Writes `s` percent-encoded as one URL path segment. */
void url_seg(FILE *f, const char *s);

/* ---- http_css.c ---- */
extern const char http_css[];     /* the stylesheet */
extern const size_t http_css_len; /* its length */

/* ---- serve_pages.c ---- */
/* The organization `org_id` of the latest scan ({org_id, name, assets, ...}); NULL when absent. */
json_t *serve_org(const struct serve *s, const char *org_id);
enum MHD_Result serve_program(struct MHD_Connection *c, const struct serve *s, const char *org_id, int json);
/* The RFC 9116 security.txt of an organization's program, Expires a year (less a day) after `now`. */
void serve_sectxt_text(FILE *f, const char *base_url, const char *org_id, time_t now);
enum MHD_Result serve_sectxt(struct MHD_Connection *c, const struct serve *s, const char *org_id);
enum MHD_Result serve_form(struct MHD_Connection *c, const struct serve *s, const char *org_id);

/* ---- serve_cards.c: the live scorecards (report/pages.h) ---- */
enum MHD_Result serve_overview(struct MHD_Connection *c, const struct serve *s);
enum MHD_Result serve_org_list(struct MHD_Connection *c, const struct serve *s, int json);
enum MHD_Result serve_scorecard(struct MHD_Connection *c, const struct serve *s, const char *org_id,
                                int json);
/* Frees the kept sector (at the server's stop). */
void serve_cards_free(void);
/* The stylesheet: the scorecards' (style.h) and the server's layout and forms, built once. */
const char *serve_css(size_t *len);

/* ---- serve_submit.c ---- */
enum MHD_Result serve_submit(struct MHD_Connection *c, const struct serve *s, struct req *q, int json);
enum MHD_Result serve_link(struct MHD_Connection *c, const struct serve *s, const char *token, int json);
enum MHD_Result serve_message(struct MHD_Connection *c, const struct serve *s, struct req *q, int json);

#endif
