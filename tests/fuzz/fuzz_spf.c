/*
 * Fuzz target for the SPF parser and tree evaluator. The input's first line is
 * parsed as a record; when it parses, it is evaluated as the record of "fuzz.test"
 * over a table made of the other lines, each "name record" (a record of "-" means
 * NXDOMAIN, "?" a timeout).
 */
#include "wire_spf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 64

struct table {
	char *name[MAX_LINES];      /* names, NUL-terminated in the copy */
	const char *txt[MAX_LINES]; /* their records */
	size_t n;                   /* how many */
};

static int table_fetch(void *ctx, const char *name, struct spf_answer *out)
{
	struct table *t = ctx;
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->name[i], name) != 0)
			continue;
		*out = (struct spf_answer){SPF_FETCH_OK, "ok", &t->txt[i], 1};
		if (strcmp(t->txt[i], "-") == 0)
			*out = (struct spf_answer){SPF_FETCH_NXDOMAIN, "nxdomain", NULL, 0};
		else if (strcmp(t->txt[i], "?") == 0)
			*out = (struct spf_answer){SPF_FETCH_FAILED, "timeout", NULL, 0};
		return 0;
	}
	return -ENOENT;
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
			t->name[t->n] = line;
			t->txt[t->n++] = sp + 1;
		}
	}
	return first;
}

static void check_eval(const char *rec, size_t len, struct table *t)
{
	struct spf_eval ev;
	if (spf_evaluate("fuzz.test", rec, len, table_fetch, t, &ev) < 0)
		return;
	if (ev.records.n > SPF_EVAL_MAX_NOTES || ev.records.total > SPF_EVAL_MAX_RECORDS || ev.lookups < 0 ||
	    (!ev.all_known && ev.all_unknown == NULL))
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
		check_eval(s, first, &t);
	}
	free(s);
	return 0;
}
