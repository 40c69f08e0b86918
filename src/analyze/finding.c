/* Findings list: storage and JSON conversion. */
#include "finding.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (len < 0)
		return NULL;
	char *s = malloc((size_t)len + 1);
	if (s != NULL)
		vsnprintf(s, (size_t)len + 1, fmt, ap);
	return s;
}

static int findings_grow(struct findings *fs)
{
	if (fs->n < fs->cap)
		return 0;
	size_t cap = fs->cap ? fs->cap * 2 : 16;
	struct finding *v = realloc(fs->v, cap * sizeof *v);
	if (v == NULL)
		return -ENOMEM;
	fs->v = v;
	fs->cap = cap;
	return 0;
}

static void finding_free(struct finding *f)
{
	free(f->check);
	free(f->domain);
	free(f->endpoint);
	free(f->reason);
	free(f->detail);
	json_decref(f->evidence);
}

static int findings_push(struct findings *fs, const char *check, const char *domain, enum fstatus status,
                         const char *reason, json_t *evidence, char *detail)
{
	struct finding f = {
	    .check = strdup(check),
	    .domain = strdup(domain ? domain : ""),
	    .status = status,
	    .reason = reason ? strdup(reason) : NULL,
	    .detail = detail,
	    .evidence = evidence ? evidence : json_null(),
	};
	if (f.check == NULL || f.domain == NULL || f.detail == NULL || (reason && f.reason == NULL) ||
	    findings_grow(fs) < 0) {
		finding_free(&f);
		return -ENOMEM;
	}
	fs->v[fs->n++] = f;
	return 0;
}

int findings_add(struct findings *fs, const char *check, const char *domain, enum fstatus status,
                 const char *reason, json_t *evidence, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *detail = vformat(fmt, ap);
	va_end(ap);
	return findings_push(fs, check, domain, status, reason, evidence, detail);
}

void findings_clear(struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		finding_free(&fs->v[i]);
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
}

const struct finding *findings_get(const struct findings *fs, const char *check, const char *domain)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].check, check) == 0 &&
		    (domain == NULL || strcmp(fs->v[i].domain, domain) == 0))
			return &fs->v[i];
	return NULL;
}

static const char *const status_names[] = {"pass", "fail", "indeterminate", "na"};

const char *fstatus_name(enum fstatus s)
{
	return (unsigned)s < 4 ? status_names[s] : "unknown";
}

int fstatus_parse(const char *name, enum fstatus *out)
{
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum fstatus)i;
			return 0;
		}
	return -EINVAL;
}

json_t *finding_to_json(const struct finding *f)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:O}", "check", f->check, "domain", f->domain, "status",
	                      fstatus_name(f->status), "detail", f->detail, "evidence", f->evidence);
	if (j != NULL && f->reason != NULL)
		json_object_set_new(j, "reason", json_string(f->reason));
	if (j != NULL)
		json_object_set_new(j, "endpoint", f->endpoint ? json_string(f->endpoint) : json_null());
	return j;
}

int finding_from_json(const json_t *j, struct findings *fs)
{
	const char *check, *domain, *status, *detail, *reason = NULL, *endpoint = NULL;
	json_t *evidence = NULL, *ep = NULL;
	enum fstatus st;
	if (json_unpack((json_t *)j, "{s:s, s:s, s:s, s:s, s?:s, s?:o, s?:o}", "check", &check, "domain",
	                &domain, "status", &status, "detail", &detail, "reason", &reason, "evidence",
	                &evidence, "endpoint", &ep) < 0 ||
	    fstatus_parse(status, &st) < 0 || (ep != NULL && !json_is_null(ep) && !json_is_string(ep)))
		return -EINVAL;
	endpoint = json_string_value(ep);
	char *d = strdup(detail);
	if (d == NULL)
		return -ENOMEM;
	int rc = findings_push(fs, check, domain, st, reason, evidence ? json_incref(evidence) : NULL, d);
	if (rc == 0 && endpoint != NULL && (fs->v[fs->n - 1].endpoint = strdup(endpoint)) == NULL)
		return -ENOMEM;
	return rc;
}
