/*
 * The researcher's pages of an organization: its disclosure program (scope from the
 * latest scan, with why each asset is the organization's), its security.txt, the
 * submission form; and plain lists of organizations until the scorecard pages land.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_int.h"
#include "store.h"
#include "vdp.h"

/* What is out of scope, the rules of testing and the safe harbor: one text for page and API. */
static const char *const out_of_scope[] = {
    "Systems not listed in the scope above, including those of vendors and other organizations.",
    "Denial of service, load or stress testing, and anything that degrades a service.",
    "Social engineering of staff or patients, phishing, and physical access to facilities.",
    "Medical devices and clinical systems in use for patient care, beyond showing they are reachable.",
    NULL,
};
static const char *const rules[] = {
    "No patient data: never access, download, keep or share it. If you come across any, stop, "
    "report at once what you saw and where, and delete anything you hold.",
    "Stop at proof: show that a weakness exists with the least access that proves it; do not "
    "pivot, persist, or look further.",
    "Do not change, delete or encrypt data, and do not disrupt care or any service.",
    "Give us the time to fix a weakness before you tell others: we agree a disclosure date with "
    "you, 90 days after your report unless we both agree otherwise.",
    NULL,
};
static const char *const safe_harbor[] = {
    "If you act in good faith and follow these rules, we consider your research authorized: we "
    "will not bring legal action against you or ask others to, and we will say so if others do.",
    "We waive any claim that research within these rules breaks our terms of use or "
    "anti-circumvention clauses, for the purpose of that research.",
    "If in doubt whether something is allowed, ask us through this program first.",
    "This does not authorize access to the systems of anyone else, and cannot bind them.",
    NULL,
};

json_t *serve_org(const struct serve *s, const char *org_id)
{
	int64_t scan = 0;
	json_t *org = NULL;
	if (store_latest_scan(s->st, &scan) < 0 || store_load_org(s->st, scan, org_id, 0, &org) < 0)
		return NULL;
	return org;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* An asset's name: its host, or its given address. */
static const char *asset_name(const json_t *a)
{
	return jstr(a, "host") ? jstr(a, "host") : jstr(a, "addr");
}

static void list_html(FILE *f, const char *const *items)
{
	fputs("<ul>\n", f);
	for (size_t i = 0; items[i]; i++)
		fprintf(f, "<li>%s</li>\n", items[i]);
	fputs("</ul>\n", f);
}

static void scope_html(FILE *f, const json_t *assets)
{
	size_t i, k;
	json_t *a, *v;
	fputs("<h2 id=\"scope\">In scope</h2>\n<table>\n<thead><tr><th>Asset</th><th>Why it is theirs</th>"
	      "<th>Addresses</th></tr></thead>\n<tbody>\n",
	      f);
	json_array_foreach(assets, i, a)
	{
		fputs("<tr><td class=\"mono\">", f);
		html_text(f, asset_name(a));
		fputs("</td><td>", f);
		json_array_foreach(json_object_get(a, "why"), k, v) fprintf(f, "%s", k ? ", " : ""),
		    html_text(f, json_string_value(v));
		fputs("</td><td class=\"mono\">", f);
		json_array_foreach(json_object_get(a, "addrs"), k, v) fprintf(f, "%s", k ? " " : ""),
		    html_text(f, json_string_value(v));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

static void times_html(FILE *f, const struct vdp_program *p)
{
	fprintf(
	    f,
	    "<h2 id=\"times\">What we commit to</h2>\n<ul>\n<li>We acknowledge your report within %d "
	    "business "
	    "days.</li>\n<li>We triage it (confirm and rate it) within %d business days.</li>\n<li>We aim to "
	    "resolve a valid report within %d days.</li>\n</ul>\n",
	    p->ack_days, p->triage_days, p->resolve_days);
}

static void program_html(FILE *f, const char *org_id, const json_t *org, const struct vdp_program *p)
{
	fputs("<h1>Vulnerability disclosure program: ", f);
	html_text(f, jstr(org, "name"));
	fputs("</h1>\n<p>Found a security weakness in one of the systems below? Tell us: no account "
	      "is needed and you may stay anonymous. <a href=\"/orgs/",
	      f);
	url_seg(f, org_id);
	fputs("/report\">Report a vulnerability</a>.</p>\n", f);
	scope_html(f, json_object_get(org, "assets"));
	fputs("<h2 id=\"out-of-scope\">Out of scope</h2>\n", f);
	list_html(f, out_of_scope);
	fputs("<h2 id=\"rules\">Rules of testing</h2>\n", f);
	list_html(f, rules);
	fputs("<h2 id=\"safe-harbor\">Safe harbor</h2>\n", f);
	list_html(f, safe_harbor);
	times_html(f, p);
	fputs("<p>This program's <a href=\"/orgs/", f);
	url_seg(f, org_id);
	fputs(
	    "/security.txt\">security.txt</a> can be published as it is at /.well-known/security.txt.</p>\n",
	    f);
}

static json_t *strings_json(const char *const *items)
{
	json_t *a = json_array();
	for (size_t i = 0; a && items[i]; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

static json_t *program_json(const struct serve *s, const char *org_id, const json_t *org,
                            const struct vdp_program *p)
{
	char *enc = NULL, *form = NULL, *txt = NULL;
	size_t n;
	FILE *f = open_memstream(&enc, &n);
	if (f == NULL)
		return NULL;
	url_seg(f, org_id);
	fclose(f);
	if (asprintf(&form, "%s/orgs/%s/report", s->cfg.base_url, enc) < 0)
		form = NULL;
	if (asprintf(&txt, "%s/orgs/%s/security.txt", s->cfg.base_url, enc) < 0)
		txt = NULL;
	json_t *doc =
	    form && txt ? json_pack("{s:s, s:O, s:O, s:o, s:o, s:o, s:{s:i, s:i, s:i}, s:{s:s, s:s}}",
	                            "org_id", org_id, "name", json_object_get(org, "name"), "scope",
	                            json_object_get(org, "assets"), "out_of_scope",
	                            strings_json(out_of_scope), "rules", strings_json(rules), "safe_harbor",
	                            strings_json(safe_harbor), "response_times", "acknowledge_business_days",
	                            p->ack_days, "triage_business_days", p->triage_days, "resolution_days",
	                            p->resolve_days, "links", "form", form, "security_txt", txt)
	                : NULL;
	free(enc);
	free(form);
	free(txt);
	return doc;
}

enum MHD_Result serve_program(struct MHD_Connection *c, const struct serve *s, const char *org_id, int json)
{
	struct vdp_program p;
	struct page pg;
	json_t *org = serve_org(s, org_id);
	enum MHD_Result ret;
	if (org == NULL)
		return http_error(c, s, 404, "No organization has this id in the latest scan.", json);
	if (vdp_program_get(s->vdp, org_id, &p) < 0)
		ret = http_error(c, s, 500, "The program could not be read.", json);
	else if (json)
		ret = http_json(c, s, 200, program_json(s, org_id, org, &p), HTTP_NOSTORE);
	else if (page_begin(&pg, "Vulnerability disclosure program") < 0)
		ret = MHD_NO;
	else
		program_html(pg.f, org_id, org, &p), ret = page_send(c, s, &pg, 200, HTTP_NOSTORE);
	json_decref(org);
	return ret;
}

void serve_sectxt_text(FILE *f, const char *base_url, const char *org_id, time_t now)
{
	char exp[32];
	struct tm tm;
	/* RFC 9116 s2.5.5: less than a year ahead; a day short of it stays valid all that day. */
	time_t t = now + 364 * 86400;
	strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	fputs("# The vulnerability disclosure program of this organization, served by vitals.\n", f);
	const char *fields[] = {"Contact", "/report", "Policy", "/program", "Canonical", "/security.txt"};
	for (int i = 0; i < 6; i += 2) {
		fprintf(f, "%s: %s/orgs/", fields[i], base_url);
		url_seg(f, org_id);
		fprintf(f, "%s\n", fields[i + 1]);
	}
	fprintf(f, "Expires: %s\nPreferred-Languages: en\n", exp);
}

enum MHD_Result serve_sectxt(struct MHD_Connection *c, const struct serve *s, const char *org_id)
{
	char *text = NULL;
	size_t n = 0;
	json_t *org = serve_org(s, org_id);
	if (org == NULL)
		return http_error(c, s, 404, "No organization has this id in the latest scan.", 0);
	json_decref(org);
	FILE *f = open_memstream(&text, &n);
	if (f == NULL)
		return MHD_NO;
	serve_sectxt_text(f, s->cfg.base_url, org_id, time(NULL));
	fclose(f);
	enum MHD_Result ret = http_reply(c, s, 200, "text/plain; charset=utf-8", text, n, 0);
	free(text);
	return ret;
}

static void field_html(FILE *f, const char *name, const char *label, const char *hint, int area, int max)
{
	fprintf(f, "<label for=\"%s\">%s<span class=\"hint\">%s</span></label>\n", name, label, hint);
	if (area)
		fprintf(f, "<textarea id=\"%s\" name=\"%s\" maxlength=\"%d\"></textarea>\n", name, name, max);
	else
		fprintf(f, "<input type=\"text\" id=\"%s\" name=\"%s\" maxlength=\"%d\">\n", name, name, max);
}

static void asset_select(FILE *f, const json_t *assets)
{
	size_t i;
	json_t *a;
	fputs("<label for=\"asset\">Asset<span class=\"hint\">The system you found the weakness on.</span>"
	      "</label>\n<select id=\"asset\" name=\"asset\">\n<option value=\"\">(not listed: type it below)"
	      "</option>\n",
	      f);
	json_array_foreach(assets, i, a)
	{
		fputs("<option>", f);
		html_text(f, asset_name(a));
		fputs("</option>\n", f);
	}
	fputs("</select>\n", f);
	field_html(f, "asset_typed", "Or another asset", "A host name, address or URL.", 0, VDP_ASSET_MAX);
}

static void form_html(FILE *f, const struct serve *s, const char *org_id, const json_t *org)
{
	char tok[SEAL_FORM_CHARS + 1], scope[ROUTE_ARG_MAX + 16];
	snprintf(scope, sizeof scope, "report:%s", org_id);
	seal_form_token(s->keys, scope, time(NULL), tok);
	fputs("<h1>Report a vulnerability to ", f);
	html_text(f, jstr(org, "name"));
	fputs("</h1>\n<p class=\"notice\">Read the <a href=\"/orgs/", f);
	url_seg(f, org_id);
	fputs("/program\">program's rules</a> first. Never include patient data.</p>\n"
	      "<form class=\"vdp\" method=\"post\" enctype=\"multipart/form-data\" action=\"/orgs/",
	      f);
	url_seg(f, org_id);
	fprintf(f, "/report\">\n<input type=\"hidden\" name=\"form_token\" value=\"%s\">\n", tok);
	asset_select(f, json_object_get(org, "assets"));
	field_html(f, "title", "Title", "One line.", 0, VDP_TITLE_MAX);
	field_html(f, "description", "Description", "What is wrong.", 1, VDP_TEXT_MAX);
	field_html(f, "steps", "Steps to reproduce", "How we can see it for ourselves.", 1, VDP_TEXT_MAX);
	field_html(f, "impact", "Impact", "What an attacker could do with it.", 1, VDP_TEXT_MAX);
	field_html(f, "cvss", "CVSS v4.0 vector (optional)",
	           "For example CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/...", 0, VDP_CVSS_MAX);
	field_html(f, "contact", "Contact (optional)", "How to reach you; leave empty to stay anonymous.", 0,
	           VDP_CONTACT_MAX);
	fputs("<label for=\"attachment\">Attachments (optional)<span class=\"hint\">At most 5 files, 5 MiB "
	      "each, "
	      "10 MiB together.</span></label>\n<input type=\"file\" id=\"attachment\" name=\"attachment\" "
	      "multiple>\n<button type=\"submit\">Send the report</button>\n</form>\n",
	      f);
}

enum MHD_Result serve_form(struct MHD_Connection *c, const struct serve *s, const char *org_id)
{
	struct page pg;
	json_t *org = serve_org(s, org_id);
	enum MHD_Result ret = MHD_NO;
	if (org == NULL)
		return http_error(c, s, 404, "No organization has this id in the latest scan.", 0);
	if (page_begin(&pg, "Report a vulnerability") == 0) {
		form_html(pg.f, s, org_id, org);
		ret = page_send(c, s, &pg, 200, HTTP_NOSTORE);
	}
	json_decref(org);
	return ret;
}
