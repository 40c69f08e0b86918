/*
 * Submissions, receipts, and the reporter's secret link: a report is checked whole
 * (vdp_report_check), sealed field by field, stored with its attachments in one
 * transaction, and only then answered with its id and link. The link shows the
 * report's status and thread and takes the reporter's messages.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_int.h"
#include "vdp.h"

#define REPORT_ID_BYTES 8 /* 16 hex characters: unguessable enough, short enough to quote */

/* A report being stored: its sealed fields and attachments, freed together. */
struct sealed {
	char id[2 * REPORT_ID_BYTES + 1];
	char token[SEAL_TOKEN_CHARS + 1];
	unsigned char hash[SEAL_HASH_BYTES];
	struct vdp_report r;
	struct vdp_attachment a[VDP_FILES_MAX];
	char aid[VDP_FILES_MAX][2 * REPORT_ID_BYTES + 1];
	size_t na;
};

static void sealed_free(struct sealed *z)
{
	struct vdp_blob *b[] = {&z->r.title, &z->r.description, &z->r.steps, &z->r.impact, &z->r.contact};
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
		free((void *)b[i]->p);
	for (size_t i = 0; i < z->na; i++) {
		free((void *)z->a[i].name.p);
		free((void *)z->a[i].data.p);
	}
}

static int seal_field(const struct serve *s, const char *table, const char *row, const char *field,
                      const char *text, size_t n, struct vdp_blob *out)
{
	unsigned char *p = NULL;
	size_t len = 0;
	int rc = seal_box(s->keys, table, row, field, text, n, &p, &len);
	if (rc == 0)
		*out = (struct vdp_blob){p, len};
	return rc;
}

static const char *val(const struct req *q, enum req_field f)
{
	return q->f[f].p;
}

static int seal_report(const struct serve *s, const struct req *q, struct sealed *z)
{
	static const struct {
		const char *name;
		enum req_field f;
		size_t off;
	} fields[] = {
	    {"title", F_TITLE, offsetof(struct vdp_report, title)},
	    {"description", F_DESCRIPTION, offsetof(struct vdp_report, description)},
	    {"steps", F_STEPS, offsetof(struct vdp_report, steps)},
	    {"impact", F_IMPACT, offsetof(struct vdp_report, impact)},
	    {"contact", F_CONTACT, offsetof(struct vdp_report, contact)},
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0] && rc == 0; i++) {
		const char *v = val(q, fields[i].f);
		if (v != NULL && v[0] != '\0')
			rc = seal_field(s, "reports", z->id, fields[i].name, v, strlen(v),
			                (struct vdp_blob *)((char *)&z->r + fields[i].off));
	}
	return rc;
}

static int seal_attachments(const struct serve *s, const struct req *q, struct sealed *z)
{
	char row[64];
	int rc = 0;
	for (size_t i = 0; i < q->nup && rc == 0; i++, z->na++) {
		struct vdp_attachment *a = &z->a[i];
		seal_random_hex(z->aid[i], REPORT_ID_BYTES);
		snprintf(row, sizeof row, "%s/%s", z->id, z->aid[i]);
		*a = (struct vdp_attachment){.id = z->aid[i],
		                             .size = (int64_t)q->up[i].data.n,
		                             .content_type = vdp_ctype(q->up[i].ctype)};
		rc =
		    seal_field(s, "attachments", row, "name", q->up[i].name, strlen(q->up[i].name), &a->name);
		if (rc == 0)
			rc = seal_field(s, "attachments", row, "data", q->up[i].data.p ? q->up[i].data.p : "",
			                q->up[i].data.n, &a->data);
	}
	return rc;
}

/* Seals and stores; returns after COMMIT. */
static int store_report(const struct serve *s, const struct req *q, const char *org_id, const char *asset,
                        struct sealed *z)
{
	seal_random_hex(z->id, REPORT_ID_BYTES);
	seal_token_new(s->keys, z->token, z->hash);
	z->r = (struct vdp_report){.id = z->id,
	                           .org_id = org_id,
	                           .asset = asset,
	                           .state = "new",
	                           .created = time(NULL),
	                           .token_hash = z->hash};
	const char *cvss = val(q, F_CVSS);
	z->r.cvss = cvss && cvss[0] ? cvss : NULL;
	int rc = seal_report(s, q, z);
	if (rc == 0)
		rc = seal_attachments(s, q, z);
	if (rc == 0)
		rc = vdp_report_add(s->vdp, &z->r, z->a, z->na);
	return rc;
}

/* ---- the JSON body of an API submission into the same fields as a form ---- */

static int json_field(struct req *q, enum req_field f, const json_t *v, size_t cap)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	q->f[f].max = cap;
	return fbuf_add(&q->f[f], json_string_value(v), json_string_length(v));
}

static int json_upload(struct req *q, const json_t *o)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *ctype = json_string_value(json_object_get(o, "content_type"));
	const char *b64 = json_string_value(json_object_get(o, "data"));
	size_t len = json_string_length(json_object_get(o, "data")), bin = 0;
	if (name == NULL || b64 == NULL || q->nup == VDP_FILES_MAX)
		return -EINVAL;
	struct upload *u = &q->up[q->nup++];
	u->name = strdup(name);
	u->ctype = ctype ? strdup(ctype) : NULL;
	u->data = (struct fbuf){.p = malloc(len / 4 * 3 + 3), .max = VDP_FILE_MAX};
	if (u->name == NULL || u->data.p == NULL)
		return -ENOMEM;
	if (sodium_base642bin((unsigned char *)u->data.p, len / 4 * 3 + 3, b64, len, NULL, &bin, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -EINVAL;
	u->data.n = bin;
	q->upbytes += bin;
	return bin > VDP_FILE_MAX || q->upbytes > VDP_FILES_TOTAL ? -EFBIG : 0;
}

static int json_report(struct req *q, const json_t *doc)
{
	static const enum req_field fs[] = {F_ASSET,  F_TITLE, F_DESCRIPTION, F_STEPS,
	                                    F_IMPACT, F_CVSS,  F_CONTACT};
	static const size_t caps[] = {VDP_ASSET_MAX + 1,  VDP_TITLE_MAX + 1, VDP_TEXT_MAX + 1,
	                              VDP_TEXT_MAX + 1,   VDP_TEXT_MAX + 1,  VDP_CVSS_MAX + 1,
	                              VDP_CONTACT_MAX + 1};
	static const char *const names[] = {"asset",  "title", "description", "steps",
	                                    "impact", "cvss",  "contact"};
	size_t i;
	json_t *a;
	int rc = json_is_object(doc) ? 0 : -EINVAL;
	for (i = 0; i < sizeof fs / sizeof fs[0] && rc == 0; i++)
		rc = json_field(q, fs[i], json_object_get(doc, names[i]), caps[i]);
	const json_t *atts = json_object_get(doc, "attachments");
	if (rc == 0 && atts != NULL && !json_is_array(atts))
		rc = -EINVAL;
	json_array_foreach(atts, i, a) if (rc == 0) rc = json_upload(q, a);
	return rc;
}

/* Reads a JSON body into the request's fields. 0, or the HTTP status to answer with *why. */
static unsigned parse_json(struct req *q, int (*fill)(struct req *, const json_t *), const char **why)
{
	json_t *doc = q->raw.p ? json_loadb(q->raw.p, q->raw.n, JSON_REJECT_DUPLICATES, NULL) : NULL;
	int rc = doc ? fill(q, doc) : -EINVAL;
	json_decref(doc);
	*why = rc == -EFBIG    ? "a field or attachment is larger than allowed"
	       : rc == -ENOMEM ? "out of memory"
	                       : "the body is not the JSON object this endpoint takes";
	return rc == 0 ? 0 : rc == -EFBIG ? 413 : rc == -ENOMEM ? 500 : 400;
}

/* ---- answers ---- */

static enum MHD_Result receipt(struct MHD_Connection *c, const struct serve *s, const struct sealed *z,
                               int json)
{
	struct page pg;
	if (json)
		return http_json(c, s, 201,
		                 json_pack("{s:s, s:s, s:s+}", "id", z->id, "token", z->token, "link",
		                           s->cfg.base_url, "/r/", z->token),
		                 HTTP_NOSTORE);
	if (page_begin(&pg, "Report received") < 0)
		return MHD_NO;
	fprintf(
	    pg.f,
	    "<h1>Report received</h1>\n<p>Your report is stored. Its id is <code>%s</code>.</p>\n"
	    "<p class=\"notice\">Keep this link: it is the only way to follow your report and talk to the "
	    "team, and it is shown only once.<br><a class=\"mono\" href=\"/r/%s\">",
	    z->id, z->token);
	html_text(pg.f, s->cfg.base_url);
	fprintf(pg.f, "/r/%s</a></p>\n", z->token);
	return page_send(c, s, &pg, 200, HTTP_NOSTORE);
}

static int attachments_ok(const struct req *q)
{
	for (size_t i = 0; i < q->nup; i++)
		if (vdp_filename_check(q->up[i].name) < 0)
			return 0;
	return 1;
}

enum MHD_Result serve_submit(struct MHD_Connection *c, const struct serve *s, struct req *q, int json)
{
	char why[160], scope[ROUTE_ARG_MAX + 16];
	const char *org_id = q->route.arg, *asset = NULL;
	struct sealed z = {0};
	const char *jwhy = NULL;
	unsigned st = json ? parse_json(q, json_report, &jwhy) : 0;
	if (st)
		return http_error(c, s, st, jwhy, 1);
	snprintf(scope, sizeof scope, "report:%s", org_id);
	if (!json && seal_form_check(s->keys, scope, val(q, F_FORM_TOKEN), time(NULL)) < 0)
		return http_error(c, s, 403,
		                  "This form has expired or did not come from this site: load it again.", 0);
	const struct vdp_submission sub = {val(q, F_ASSET),       val(q, F_ASSET_TYPED), val(q, F_TITLE),
	                                   val(q, F_DESCRIPTION), val(q, F_STEPS),       val(q, F_IMPACT),
	                                   val(q, F_CVSS),        val(q, F_CONTACT)};
	if (vdp_report_check(&sub, &asset, why, sizeof why) < 0)
		return http_error(c, s, 400, why, json);
	if (!attachments_ok(q))
		return http_error(c, s, 400,
		                  "attachment: a file name of 1 to 255 characters, without / or \\", json);
	json_t *org = serve_org(s, org_id);
	if (org == NULL)
		return http_error(c, s, 404, "No organization has this id in the latest scan.", json);
	json_decref(org);
	int rc = store_report(s, q, org_id, asset, &z);
	enum MHD_Result ret = rc < 0 ? http_error(c, s, 503,
	                                          "The report could not be stored; nothing was kept. "
	                                          "Please try again.",
	                                          json)
	                             : receipt(c, s, &z, json);
	sealed_free(&z);
	return ret;
}

/* ---- the reporter's link ---- */

struct link_ctx {
	const struct serve *s;
	FILE *f;            /* the page, or NULL for JSON */
	json_t *doc;        /* the JSON answer */
	const char *token;  /* as presented */
	char report_id[64]; /* the report found */
};

static char *open_text(const struct serve *s, const char *table, const char *row, const char *field,
                       struct vdp_blob b)
{
	char *p = NULL;
	size_t n;
	if (b.n == 0 || seal_open(s->keys, table, row, field, b.p, b.n, &p, &n) < 0)
		return NULL;
	return p;
}

static void when(FILE *f, int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", gmtime_r(&tt, &tm));
	fputs(buf, f);
}

static int message_row(const struct vdp_message *m, void *arg)
{
	struct link_ctx *x = arg;
	char row[160];
	snprintf(row, sizeof row, "%s/%s", x->report_id, m->id);
	char *body = open_text(x->s, "messages", row, "body", m->body);
	if (x->f == NULL) {
		json_array_append_new(json_object_get(x->doc, "messages"),
		                      json_pack("{s:s, s:s?, s:I}", "author", m->author, "body", body,
		                                "created", (json_int_t)m->created));
	} else {
		fprintf(x->f, "<li><span class=\"who\">%s, ",
		        strcmp(m->author, "staff") == 0 ? "The team" : "You");
		when(x->f, m->created);
		fputs("</span><div class=\"text\">", x->f);
		html_text(x->f, body ? body : "(this message cannot be read)");
		fputs("</div></li>\n", x->f);
	}
	free(body);
	return 0;
}

static int attachment_row(const struct vdp_attachment *a, void *arg)
{
	struct link_ctx *x = arg;
	char row[160];
	snprintf(row, sizeof row, "%s/%s", x->report_id, a->id);
	char *name = open_text(x->s, "attachments", row, "name", a->name);
	if (x->f == NULL) {
		json_array_append_new(json_object_get(x->doc, "attachments"),
		                      json_pack("{s:s?, s:I, s:s}", "name", name, "size", (json_int_t)a->size,
		                                "content_type", a->content_type));
	} else {
		fputs("<li>", x->f);
		html_text(x->f, name ? name : "(unreadable name)");
		fprintf(x->f, " (%lld bytes)</li>\n", (long long)a->size);
	}
	free(name);
	return 0;
}

static void link_html(struct link_ctx *x, const struct vdp_report *r, const char *title)
{
	char tok[SEAL_FORM_CHARS + 1], scope[ROUTE_ARG_MAX + 16];
	FILE *f = x->f;
	fprintf(f, "<h1>Report <code>%s</code></h1>\n<table>\n<tr><th>Title</th><td>", r->id);
	html_text(f, title ? title : "(cannot be read)");
	fputs("</td></tr>\n<tr><th>Organization</th><td>", f);
	html_text(f, r->org_id);
	fputs("</td></tr>\n<tr><th>Asset</th><td class=\"mono\">", f);
	html_text(f, r->asset);
	fputs("</td></tr>\n<tr><th>Status</th><td>", f);
	html_text(f, r->state);
	fputs("</td></tr>\n<tr><th>Received</th><td>", f);
	when(f, r->created);
	fputs("</td></tr>\n</table>\n<h2>Attachments</h2>\n<ul>\n", f);
	vdp_attachments(x->s->vdp, r->id, attachment_row, x);
	fputs("</ul>\n<h2>Messages</h2>\n<ul class=\"thread\">\n", f);
	vdp_messages(x->s->vdp, r->id, message_row, x);
	snprintf(scope, sizeof scope, "msg:%s", x->token);
	seal_form_token(x->s->keys, scope, time(NULL), tok);
	fprintf(f,
	        "</ul>\n<form class=\"vdp\" method=\"post\" action=\"/r/%s\">\n<input type=\"hidden\" "
	        "name=\"form_token\" value=\"%s\">\n<label for=\"body\">Write to the team</label>\n"
	        "<textarea id=\"body\" name=\"body\" maxlength=\"%d\"></textarea>\n"
	        "<button type=\"submit\">Send</button>\n</form>\n",
	        x->token, tok, VDP_TEXT_MAX);
}

static int link_found(const struct vdp_report *r, void *arg)
{
	struct link_ctx *x = arg;
	snprintf(x->report_id, sizeof x->report_id, "%s", r->id);
	char *title = open_text(x->s, "reports", r->id, "title", r->title);
	if (x->f != NULL) {
		link_html(x, r, title);
	} else {
		x->doc = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I, s:s?, s:s?, s:[], s:[]}", "id", r->id,
		                   "org_id", r->org_id, "asset", r->asset, "state", r->state, "severity",
		                   r->severity, "created", (json_int_t)r->created, "title", title, "cvss",
		                   r->cvss, "attachments", "messages");
		if (x->doc != NULL) {
			vdp_attachments(x->s->vdp, r->id, attachment_row, x);
			vdp_messages(x->s->vdp, r->id, message_row, x);
		}
	}
	free(title);
	return 0;
}

/* Finds the report of a presented token; the hash compare is the database's, then ours in constant time. */
static int find_report(const struct serve *s, const char *token, struct link_ctx *x)
{
	unsigned char hash[SEAL_HASH_BYTES];
	if (seal_token_hash(s->keys, token, hash) < 0)
		return -ENOENT;
	return vdp_report_by_token(s->vdp, hash, link_found, x);
}

static const char no_link[] = "There is no report at this link.";

enum MHD_Result serve_link(struct MHD_Connection *c, const struct serve *s, const char *token, int json)
{
	struct page pg = {0};
	struct link_ctx x = {.s = s, .token = token};
	if (!json && page_begin(&pg, "Your report") < 0)
		return MHD_NO;
	x.f = pg.f;
	int rc = find_report(s, token, &x);
	if (rc < 0) {
		page_free(&pg);
		json_decref(x.doc);
		return http_error(c, s, rc == -ENOENT ? 404 : 500,
		                  rc == -ENOENT ? no_link : "cannot read reports", json);
	}
	return json ? http_json(c, s, 200, x.doc, HTTP_NOSTORE) : page_send(c, s, &pg, 200, HTTP_NOSTORE);
}

static int json_message(struct req *q, const json_t *doc)
{
	return json_is_object(doc) ? json_field(q, F_BODY, json_object_get(doc, "body"), VDP_TEXT_MAX + 1)
	                           : -EINVAL;
}

static int store_message(const struct serve *s, const char *report_id, const char *body, char id[17])
{
	char row[160];
	struct vdp_message m = {.id = id, .author = "reporter", .created = time(NULL)};
	seal_random_hex(id, REPORT_ID_BYTES);
	snprintf(row, sizeof row, "%s/%s", report_id, id);
	int rc = seal_field(s, "messages", row, "body", body, strlen(body), &m.body);
	if (rc == 0)
		rc = vdp_message_add(s->vdp, report_id, &m);
	free((void *)m.body.p);
	return rc;
}

static int id_only(const struct vdp_report *r, void *arg)
{
	struct link_ctx *x = arg;
	snprintf(x->report_id, sizeof x->report_id, "%s", r->id);
	return 0;
}

enum MHD_Result serve_message(struct MHD_Connection *c, const struct serve *s, struct req *q, int json)
{
	char why[160], scope[ROUTE_ARG_MAX + 16], id[2 * REPORT_ID_BYTES + 1], loc[ROUTE_ARG_MAX + 8];
	unsigned char hash[SEAL_HASH_BYTES];
	struct link_ctx x = {.s = s};
	const char *token = q->route.arg;
	const char *jwhy = NULL;
	unsigned st = json ? parse_json(q, json_message, &jwhy) : 0;
	if (st)
		return http_error(c, s, st, jwhy, 1);
	if (seal_token_hash(s->keys, token, hash) < 0 || vdp_report_by_token(s->vdp, hash, id_only, &x) < 0)
		return http_error(c, s, 404, no_link, json);
	snprintf(scope, sizeof scope, "msg:%s", token);
	if (!json && seal_form_check(s->keys, scope, val(q, F_FORM_TOKEN), time(NULL)) < 0)
		return http_error(c, s, 403,
		                  "This form has expired or did not come from this site: load it again.", 0);
	if (vdp_message_check(val(q, F_BODY), why, sizeof why) < 0)
		return http_error(c, s, 400, why, json);
	if (store_message(s, x.report_id, val(q, F_BODY), id) < 0)
		return http_error(c, s, 503, "The message could not be stored; please try again.", json);
	if (json)
		return http_json(c, s, 201, json_pack("{s:s}", "id", id), HTTP_NOSTORE);
	snprintf(loc, sizeof loc, "/r/%s", token);
	return http_redirect(c, s, loc);
}
