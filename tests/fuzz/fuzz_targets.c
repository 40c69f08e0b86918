/*
 * Fuzzes the targets file parser. Beyond "no crash, no leak" it checks what
 * the parser promises: every target is valid (1..16 distinct, normalised
 * domains; unique org_ids); every rejection is reported; writing the targets
 * back out as CSV and parsing that gives the same list with nothing skipped;
 * and parsing the input again into the same list rejects every line as a
 * duplicate.
 */
#include "targets.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MISSING_HEADER "missing header line (expected org_id,name,domain)"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *arg, size_t line, const char *why)
{
	(void)arg;
	(void)line;
	(void)why;
}

/* Counts rejections (the missing-header note is not one). */
static void count(void *arg, size_t line, const char *why)
{
	if (line == 0 || why == NULL || *why == '\0')
		abort();
	if (strcmp(why, MISSING_HEADER) != 0)
		++*(size_t *)arg;
}

static void check_domain(const char *d)
{
	size_t n = strlen(d);

	if (n < 3 || n > 253 || d[n - 1] == '.' || d[0] == '.' || strchr(d, '.') == NULL)
		abort();
	if (strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789-.") != n || strstr(d, "..") != NULL)
		abort();
}

static void check_target(const struct target *t)
{
	size_t idlen = strlen(t->org_id);

	if (idlen == 0 || idlen > 64 || t->name[0] == '\0')
		abort();
	if (t->ndomains < 1 || t->ndomains > TARGET_MAX_DOMAINS)
		abort();
	for (size_t i = 0; i < t->ndomains; i++) {
		check_domain(t->domains[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(t->domains[i], t->domains[j]) == 0)
				abort();
	}
}

static int by_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_list(const struct target_list *tl)
{
	char **ids = malloc((tl->n + 1) * sizeof *ids);

	if (ids == NULL)
		return;
	for (size_t i = 0; i < tl->n; i++) {
		check_target(&tl->v[i]);
		ids[i] = tl->v[i].org_id;
	}
	qsort(ids, tl->n, sizeof *ids, by_id);
	for (size_t i = 1; i < tl->n; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			abort();
	free(ids);
}

static size_t put(char *buf, size_t off, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf + off, s, n);
	return off + n;
}

/* The name as a CSV field: quoted only when plain text would not survive. */
static size_t put_name(char *buf, size_t off, const char *name)
{
	size_t n = strlen(name);
	int quote = strpbrk(name, ",\"") != NULL || name[0] == ' ' || name[n - 1] == ' ';

	if (!quote)
		return put(buf, off, name);
	buf[off++] = '"';
	for (; *name != '\0'; name++) {
		if (*name == '"')
			buf[off++] = '"';
		buf[off++] = *name;
	}
	buf[off++] = '"';
	return off;
}

/* Writes the list back out as a targets file. */
static char *write_csv(const struct target_list *tl, size_t *len)
{
	size_t cap = 32, off;
	char *buf;

	for (size_t i = 0; i < tl->n; i++) {
		cap += strlen(tl->v[i].org_id) + 2 * strlen(tl->v[i].name) + 8;
		for (size_t j = 0; j < tl->v[i].ndomains; j++)
			cap += strlen(tl->v[i].domains[j]) + 1;
	}
	buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	off = put(buf, 0, "org_id,name,domain\n");
	for (size_t i = 0; i < tl->n; i++) {
		off = put(buf, off, tl->v[i].org_id);
		off = put(buf, off, ",");
		off = put_name(buf, off, tl->v[i].name);
		for (size_t j = 0; j < tl->v[i].ndomains; j++) {
			off = put(buf, off, ",");
			off = put(buf, off, tl->v[i].domains[j]);
		}
		off = put(buf, off, "\n");
	}
	*len = off;
	return buf;
}

static int same_target(const struct target *a, const struct target *b)
{
	if (strcmp(a->org_id, b->org_id) != 0 || strcmp(a->name, b->name) != 0 || a->ndomains != b->ndomains)
		return 0;
	for (size_t i = 0; i < a->ndomains; i++)
		if (strcmp(a->domains[i], b->domains[i]) != 0)
			return 0;
	return 1;
}

static void round_trip(const struct target_list *tl)
{
	struct target_list again = {0};
	size_t len = 0;
	char *csv = write_csv(tl, &len);

	if (csv == NULL)
		return;
	int r = targets_parse(csv, len, &again, ignore, NULL);
	if (r == -ENOMEM)
		goto out;
	if (r != 0 || again.n != tl->n)
		abort();
	for (size_t i = 0; i < tl->n; i++)
		if (!same_target(&tl->v[i], &again.v[i]))
			abort();
out:
	targets_free(&again);
	free(csv);
}

/* Parsing the same input into the list again must reject every line it took before. */
static void reparse(const uint8_t *data, size_t size, struct target_list *tl, int first)
{
	size_t n = tl->n, reported = 0;
	int r = targets_parse((const char *)data, size, tl, count, &reported);

	if (r == -ENOMEM)
		return;
	if (r != first + (int)n || tl->n != n || reported != (size_t)r)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct target_list tl = {0};
	int r = targets_parse((const char *)data, size, &tl, ignore, NULL);

	if (r < 0) {
		if (r != -ENOMEM || tl.n != 0)
			abort();
		return 0;
	}
	check_list(&tl);
	round_trip(&tl);
	reparse(data, size, &tl, r);
	targets_free(&tl);
	return 0;
}
