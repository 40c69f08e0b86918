/*
 * Fuzzes the targets file parser in all its forms (positional CSV, named-column
 * CSV, JSON Lines). Beyond "no crash, no leak" it checks what the parser
 * promises: every target is valid (1..16 distinct, normalised domains; unique
 * org_ids; 0..16 distinct, checked tags; 0..16 distinct hosts that are not
 * domains; 0..64 distinct addresses in canonical text); every rejection is reported; writing
 * the targets back out as named-column CSV and as JSON Lines and parsing each
 * gives the same list with nothing skipped; and parsing the input again into
 * the same list rejects every line as a duplicate.
 */
#include "targets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
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

static void check_tag(const struct target_tag *g)
{
	size_t kn = strlen(g->key), vn = strlen(g->value);

	if (kn == 0 || kn > TARGET_TAG_KEY_MAX ||
	    strspn(g->key, "abcdefghijklmnopqrstuvwxyz0123456789._-") != kn)
		abort();
	/* 128 characters of at most 4 bytes; no control, no separator, no blank at the ends */
	if (vn == 0 || vn > 4 * TARGET_TAG_VAL_MAX || strchr(g->value, ';') != NULL || g->value[0] == ' ' ||
	    g->value[vn - 1] == ' ')
		abort();
	for (const unsigned char *c = (const unsigned char *)g->value; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			abort();
}

static int has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* An address in the text inet_ntop gives it, never an IPv4-mapped IPv6 one. */
static void check_addr(const char *a)
{
	unsigned char ip[16];
	char text[INET6_ADDRSTRLEN];
	int af = strchr(a, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, a, ip) != 1 || inet_ntop(af, ip, text, sizeof text) == NULL || strcmp(text, a) != 0)
		abort();
	if (af == AF_INET6 && strncmp(a, "::ffff:", 7) == 0 && strchr(a, '.') != NULL)
		abort();
}

static void check_assets(const struct target *t)
{
	if (t->nhosts > TARGET_MAX_HOSTS || t->naddrs > TARGET_MAX_ADDRS)
		abort();
	for (size_t i = 0; i < t->nhosts; i++) {
		check_domain(t->hosts[i]);
		if (has(t->hosts, i, t->hosts[i]) || has(t->domains, t->ndomains, t->hosts[i]))
			abort();
	}
	for (size_t i = 0; i < t->naddrs; i++) {
		check_addr(t->addrs[i]);
		if (has(t->addrs, i, t->addrs[i]))
			abort();
	}
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
	if (t->ntags > TARGET_MAX_TAGS)
		abort();
	for (size_t i = 0; i < t->ntags; i++) {
		check_tag(&t->tags[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(t->tags[i].key, t->tags[j].key) == 0)
				abort();
	}
	check_assets(t);
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

/* Text as a CSV field: quoted only when plain text would not survive. */
static size_t put_name(char *buf, size_t off, const char *name)
{
	size_t n = strlen(name);
	int quote = n == 0 || strpbrk(name, ",\"") != NULL || name[0] == ' ' || name[n - 1] == ' ';

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

/* One target's tags as a tags cell, `k=v;k=v` (values never hold `;`). */
static size_t put_tags(char *buf, size_t off, const struct target *t)
{
	size_t cap = 1, n = 0;
	char *cell;

	for (size_t i = 0; i < t->ntags; i++)
		cap += strlen(t->tags[i].key) + strlen(t->tags[i].value) + 2;
	cell = malloc(cap);
	if (cell == NULL)
		abort();
	cell[0] = '\0';
	for (size_t i = 0; i < t->ntags; i++)
		n += (size_t)snprintf(cell + n, cap - n, "%s%s=%s", i ? ";" : "", t->tags[i].key,
		                      t->tags[i].value);
	off = put_name(buf, off, cell);
	free(cell);
	return off;
}

/* The longest line of a written file: past the parser's cap a round trip cannot hold. */
static size_t longest_line(const char *buf, size_t len)
{
	size_t most = 0;

	for (const char *p = buf, *end = buf + len, *nl; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) > most)
			most = (size_t)(nl - p);
	}
	return most;
}

/* Strings separated by blanks, as a domains, hosts or addresses cell. */
static size_t put_list(char *buf, size_t off, char *const *v, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		off = put(buf, off, j ? " " : "");
		off = put(buf, off, v[j]);
	}
	return off;
}

static size_t list_len(char *const *v, size_t n)
{
	size_t len = 0;

	for (size_t j = 0; j < n; j++)
		len += strlen(v[j]) + 1;
	return len;
}

/* Writes the list back out as a named-column targets file. */
static char *write_csv(const struct target_list *tl, size_t *len)
{
	size_t cap = 64, off;
	char *buf;

	for (size_t i = 0; i < tl->n; i++) {
		const struct target *t = &tl->v[i];
		cap += strlen(t->org_id) + 2 * strlen(t->name) + 16 + list_len(t->domains, t->ndomains) +
		       list_len(t->hosts, t->nhosts) + list_len(t->addrs, t->naddrs);
		for (size_t j = 0; j < tl->v[i].ntags; j++)
			cap += 2 * (strlen(tl->v[i].tags[j].key) + strlen(tl->v[i].tags[j].value) + 2);
	}
	buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	off = put(buf, 0, "org_id,name,domains,tags,hosts,addresses\n");
	for (size_t i = 0; i < tl->n; i++) {
		off = put(buf, off, tl->v[i].org_id);
		off = put(buf, off, ",");
		off = put_name(buf, off, tl->v[i].name);
		off = put(buf, off, ",");
		off = put_list(buf, off, tl->v[i].domains, tl->v[i].ndomains);
		off = put(buf, off, ",");
		off = put_tags(buf, off, &tl->v[i]);
		off = put(buf, off, ",");
		off = put_list(buf, off, tl->v[i].hosts, tl->v[i].nhosts);
		off = put(buf, off, ",");
		off = put_list(buf, off, tl->v[i].addrs, tl->v[i].naddrs);
		off = put(buf, off, "\n");
	}
	*len = off;
	return buf;
}

static json_t *target_json(const struct target *t)
{
	json_t *o = json_pack("{s:s, s:s, s:[], s:{}, s:[], s:[]}", "org_id", t->org_id, "name", t->name,
	                      "domains", "tags", "hosts", "addresses");

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < t->ndomains; i++)
		json_array_append_new(json_object_get(o, "domains"), json_string(t->domains[i]));
	for (size_t i = 0; i < t->nhosts; i++)
		json_array_append_new(json_object_get(o, "hosts"), json_string(t->hosts[i]));
	for (size_t i = 0; i < t->naddrs; i++)
		json_array_append_new(json_object_get(o, "addresses"), json_string(t->addrs[i]));
	for (size_t i = 0; i < t->ntags; i++)
		json_object_set_new(json_object_get(o, "tags"), t->tags[i].key,
		                    json_string(t->tags[i].value));
	return o;
}

/* Writes the list back out as JSON Lines. */
static char *write_jsonl(const struct target_list *tl, size_t *len)
{
	size_t off = 0, cap = 1;
	char *buf = malloc(cap), *line;

	for (size_t i = 0; buf != NULL && i < tl->n; i++) {
		json_t *o = target_json(&tl->v[i]);
		line = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (line == NULL)
			abort();
		size_t n = strlen(line);
		char *grown = realloc(buf, cap += n + 1);
		if (grown == NULL)
			abort();
		buf = grown;
		memcpy(buf + off, line, n);
		buf[off + n] = '\n';
		off += n + 1;
		free(line);
	}
	*len = off;
	return buf;
}

static int same_strs(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static int same_target(const struct target *a, const struct target *b)
{
	if (strcmp(a->org_id, b->org_id) != 0 || strcmp(a->name, b->name) != 0 || a->ntags != b->ntags ||
	    !same_strs(a->domains, a->ndomains, b->domains, b->ndomains) ||
	    !same_strs(a->hosts, a->nhosts, b->hosts, b->nhosts) ||
	    !same_strs(a->addrs, a->naddrs, b->addrs, b->naddrs))
		return 0;
	for (size_t i = 0; i < a->ntags; i++)
		if (strcmp(a->tags[i].key, b->tags[i].key) != 0 ||
		    strcmp(a->tags[i].value, b->tags[i].value) != 0)
			return 0;
	return 1;
}

static void round_trip(const struct target_list *tl, char *(*write)(const struct target_list *, size_t *))
{
	struct target_list again = {0};
	size_t len = 0;
	char *csv = write(tl, &len);

	if (csv == NULL)
		return;
	/* JSON escapes and tag keys moved from tag:KEY columns into cells make lines longer */
	if (longest_line(csv, len) > 4096)
		goto out;
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
	round_trip(&tl, write_csv);
	round_trip(&tl, write_jsonl);
	reparse(data, size, &tl, r);
	targets_free(&tl);
	return 0;
}
