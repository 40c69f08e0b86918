/*
 * Fuzz target for the SPF parser and tree evaluator. The input's first line is
 * parsed as a record; when it parses, it is evaluated as the record of "fuzz.test"
 * over a table made of the other lines, each "name record" (a record of "-" means
 * NXDOMAIN, "?" a timeout, "" NODATA). A name prefixed "A:", "AAAA:" or "MX:" is
 * an answer of that type (MX: space-separated host names). An odd input length
 * evaluates for an IPv6 sender.
 */
#include "wire_spf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 64
#define MAX_MX    16

struct table {
	char *name[MAX_LINES];           /* names, NUL-terminated in the copy */
	enum spf_rrtype type[MAX_LINES]; /* their record types */
	const char *txt[MAX_LINES];      /* their records */
	size_t n;                        /* how many */
	const char *mx[MAX_MX];          /* scratch: an MX line's names */
	char mxbuf[1024];                /* their text */
};

/* Splits an MX line's value into host names in the scratch array. */
static size_t mx_names(struct table *t, const char *v)
{
	size_t n = 0;
	snprintf(t->mxbuf, sizeof t->mxbuf, "%s", v);
	for (char *p = t->mxbuf; *p != '\0' && n < MAX_MX;) {
		t->mx[n++] = p;
		p += strcspn(p, " ");
		if (*p == ' ')
			*p++ = '\0';
	}
	return n;
}

static int table_fetch(void *ctx, const char *name, enum spf_rrtype type, struct spf_answer *out)
{
	struct table *t = ctx;
	for (size_t i = 0; i < t->n; i++) {
		if (t->type[i] != type || strcmp(t->name[i], name) != 0)
			continue;
		*out = (struct spf_answer){SPF_FETCH_OK, "ok", &t->txt[i], 1};
		if (strcmp(t->txt[i], "-") == 0)
			*out = (struct spf_answer){SPF_FETCH_NXDOMAIN, "nxdomain", NULL, 0};
		else if (strcmp(t->txt[i], "?") == 0)
			*out = (struct spf_answer){SPF_FETCH_FAILED, "timeout", NULL, 0};
		else if (t->txt[i][0] == '\0')
			*out = (struct spf_answer){SPF_FETCH_NODATA, "nodata", NULL, 0};
		else if (type == SPF_RR_MX)
			*out = (struct spf_answer){SPF_FETCH_OK, "ok", t->mx, mx_names(t, t->txt[i])};
		return 0;
	}
	return -ENOENT;
}

/* Strips a type prefix ("A:", "AAAA:", "MX:") from a table line's name. */
static enum spf_rrtype line_type(char **name)
{
	static const struct {
		const char *prefix;
		enum spf_rrtype type;
	} p[] = {{"A:", SPF_RR_A}, {"AAAA:", SPF_RR_AAAA}, {"MX:", SPF_RR_MX}};
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
		if (strncmp(*name, p[i].prefix, strlen(p[i].prefix)) == 0) {
			*name += strlen(p[i].prefix);
			return p[i].type;
		}
	return SPF_RR_TXT;
}

/* Splits the NUL-terminated copy into lines after the first; returns the first's length. */
static size_t split(char *s, size_t size, struct table *t)
{
	char *nl = memchr(s, '\n', size);
	size_t first = nl != NULL ? (size_t)(nl - s) : size;
	while (nl != NULL && t->n < MAX_LINES) {
		*nl = '\0';
		char *line = nl + 1;
		nl = strchr(line, '\n');
		/* The next round moves on from nl; terminate this line now. */
		if (nl != NULL)
			*nl = '\0';
		char *sp = strchr(line, ' ');
		if (sp != NULL) {
			*sp = '\0';
			t->type[t->n] = line_type(&line);
			t->name[t->n] = line;
			t->txt[t->n++] = sp + 1;
		}
	}
	return first;
}

static void check_eval(const char *rec, size_t len, int ipv6, struct table *t)
{
	struct spf_eval ev;
	if (spf_evaluate("fuzz.test", rec, len, ipv6, table_fetch, t, &ev) < 0)
		return;
	if (ev.records.n > SPF_EVAL_MAX_NOTES || ev.records.total > SPF_EVAL_MAX_RECORDS || ev.lookups < 0 ||
	    (!ev.all_known && ev.all_unknown == NULL) || ev.voided.n > SPF_EVAL_MAX_NOTES ||
	    (size_t)ev.voids < ev.voided.n || ev.ptrs.total != (size_t)ev.ptr)
		abort();
	(void)spf_eval_permerror(&ev);
	(void)spf_eval_incomplete(&ev);
	spf_eval_clear(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_record rec;
	struct table t = {.n = 0};
	char err[160];
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)spf_is_spf_record(s);
	/* The raw bytes, embedded NULs included. */
	if (spf_parse((const char *)data, size, &rec, err, sizeof err) == 0) {
		if (rec.nreach > rec.nterms || rec.nincludes > rec.nreach || rec.lookups < 0)
			abort();
		spf_record_clear(&rec);
	} else if (memchr(err, '\0', sizeof err) == NULL) {
		abort();
	}
	size_t first = split(s, size, &t);
	s[first] = '\0';
	if (spf_parse(s, first, &rec, NULL, 0) == 0) {
		spf_record_clear(&rec);
		check_eval(s, first, (int)(size & 1), &t);
	}
	free(s);
	return 0;
}
