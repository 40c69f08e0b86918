/* Software versions and the table of ranges: see versions.h. */
#include "versions.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MEMBER_MAX 1024 /* bytes of a range's id, summary or source */

/* Banner tokens that precede a product's version, lower case (matched without regard to case). */
static const struct {
	const char *token;
	const char *product;
} tokens[] = {
    {"openssh_", "openssh"}, {"nginx/", "nginx"},     {"apache/", "apache"},         {"coturn-", "coturn"},
    {"vsftpd ", "vsftpd"},   {"orthanc/", "orthanc"}, {"postgresql ", "postgresql"}, {"redis/", "redis"},
};

/* Probes whose recorded version is bare ("7.0.15"): the product it is. */
static const struct {
	const char *probe;
	const char *product;
} hints[] = {
    {"redis", "redis"},  {"mysql", "mysql"},   {"postgresql", "postgresql"}, {"orthanc", "orthanc"},
    {"pacs", "orthanc"}, {"coturn", "coturn"}, {"vsftpd", "vsftpd"},
};

static int is_vchar(char c)
{
	return isalnum((unsigned char)c) || c == '.';
}

/* The offset just past `tok` (lower case) in s[0..len), matched without case, or -1. */
static long find_token(const char *s, size_t len, const char *tok)
{
	size_t k = strlen(tok);
	for (size_t i = 0; i + k <= len; i++) {
		size_t j = 0;
		while (j < k && tolower((unsigned char)s[i + j]) == tok[j])
			j++;
		if (j == k)
			return (long)(i + k);
	}
	return -1;
}

/* A version starting at s[0] (a digit), into out: 1, or 0 when there is none or it is too long. */
static int read_version(const char *s, size_t len, char *out)
{
	size_t n = 0;
	if (len == 0 || !isdigit((unsigned char)s[0]))
		return 0;
	while (n < len && is_vchar(s[n]))
		n++;
	while (n > 0 && s[n - 1] == '.')
		n--;
	if (n >= SWV_VERSION_MAX)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

static int set(struct sw_version *out, const char *product, const char *s, size_t len)
{
	struct sw_version v;
	if (!read_version(s, len, v.version))
		return 0;
	snprintf(v.product, sizeof v.product, "%s", product);
	*out = v;
	return 1;
}

/* MariaDB announces itself after its version, behind MySQL's "5.5.5-" compatibility prefix. */
static int extract_mariadb(const char *s, size_t len, struct sw_version *out)
{
	if (find_token(s, len, "mariadb") < 0)
		return 0;
	if (len > 6 && memcmp(s, "5.5.5-", 6) == 0)
		return set(out, "mariadb", s + 6, len - 6);
	return set(out, "mariadb", s, len);
}

int version_extract(const char *hint, const char *text, size_t len, struct sw_version *out)
{
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		long at = find_token(text, len, tokens[i].token);
		if (at >= 0)
			return set(out, tokens[i].product, text + at, len - (size_t)at);
	}
	if (extract_mariadb(text, len, out))
		return 1;
	for (size_t i = 0; hint != NULL && i < sizeof hints / sizeof hints[0]; i++)
		if (strcmp(hint, hints[i].probe) == 0)
			return set(out, hints[i].product, text, len);
	return 0;
}

/* Digit runs compared by value without converting (no overflow): fewer significant digits is less. */
static int cmp_digits(const char *a, size_t na, const char *b, size_t nb)
{
	while (na > 1 && *a == '0')
		a++, na--;
	while (nb > 1 && *b == '0')
		b++, nb--;
	if (na != nb)
		return na < nb ? -1 : 1;
	return memcmp(a, b, na);
}

static size_t run(const char *s, int digits)
{
	size_t n = 0;
	while (s[n] != '\0' && s[n] != '.' && (isdigit((unsigned char)s[n]) != 0) == digits)
		n++;
	return n;
}

/* Where one version's segment ends and the other's goes on: the end sorts first, then a dot. */
static int end_rank(char c)
{
	return c == '\0' ? 0 : c == '.' ? 1 : 2;
}

int version_cmp(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		if (end_rank(*a) < 2 || end_rank(*b) < 2) {
			if (*a != *b)
				return end_rank(*a) < end_rank(*b) ? -1 : 1;
			a++, b++;
			continue;
		}
		int da = isdigit((unsigned char)*a) != 0, db = isdigit((unsigned char)*b) != 0;
		if (da != db)
			return da ? 1 : -1; /* a number is newer than a letter suffix */
		size_t na = run(a, da), nb = run(b, db);
		int c = da ? cmp_digits(a, na, b, nb) : strncmp(a, b, na < nb ? na : nb);
		if (c == 0 && !da && na != nb)
			c = na < nb ? -1 : 1;
		if (c != 0)
			return c < 0 ? -1 : 1;
		a += na, b += nb;
	}
	return 0;
}

int vrange_match(const struct vrange *r, const struct sw_version *v)
{
	return strcmp(r->product, v->product) == 0 &&
	       (r->from[0] == '\0' || version_cmp(v->version, r->from) >= 0) &&
	       version_cmp(v->version, r->below) < 0;
}

struct version_db *version_db_free(struct version_db *db)
{
	if (db == NULL)
		return NULL;
	for (size_t i = 0; i < db->n; i++) {
		free(db->v[i].id);
		free(db->v[i].summary);
		free(db->v[i].source);
	}
	free(db->v);
	free(db->updated);
	free(db);
	return NULL;
}

/* A required string member of at most TEXT_MEMBER_MAX bytes, copied. */
static int dup_member(const json_t *o, const char *key, char **out)
{
	const json_t *j = json_object_get(o, key);
	if (!json_is_string(j) || json_string_length(j) == 0 || json_string_length(j) > TEXT_MEMBER_MAX)
		return -EINVAL;
	*out = strdup(json_string_value(j));
	return *out ? 0 : -ENOMEM;
}

/* A version member: a whole version token; "" when absent and optional. */
static int version_member(const json_t *o, const char *key, int required, char *out)
{
	const json_t *j = json_object_get(o, key);
	out[0] = '\0';
	if (j == NULL && !required)
		return 0;
	const char *s = json_string_value(j);
	if (s == NULL || !read_version(s, strlen(s), out) || strlen(out) != strlen(s))
		return -EINVAL;
	return 0;
}

static int parse_range(const json_t *o, struct vrange *r)
{
	const char *product = json_string_value(json_object_get(o, "product"));
	const char *kind = json_string_value(json_object_get(o, "kind"));
	if (product == NULL || strlen(product) == 0 || strlen(product) >= SWV_PRODUCT_MAX || kind == NULL ||
	    (strcmp(kind, "eol") != 0 && strcmp(kind, "vulnerable") != 0))
		return -EINVAL;
	snprintf(r->product, sizeof r->product, "%s", product);
	r->eol = strcmp(kind, "eol") == 0;
	if (version_member(o, "from", 0, r->from) < 0 || version_member(o, "below", 1, r->below) < 0)
		return -EINVAL;
	int rc = dup_member(o, "id", &r->id);
	if (rc == 0)
		rc = dup_member(o, "summary", &r->summary);
	if (rc == 0)
		rc = dup_member(o, "source", &r->source);
	return rc;
}

static int parse_ranges(const json_t *arr, struct version_db *db, char *err, size_t errsz)
{
	if (!json_is_array(arr)) {
		snprintf(err, errsz, "\"ranges\" is not an array");
		return -EINVAL;
	}
	if (json_array_size(arr) > VDB_RANGES_MAX) {
		snprintf(err, errsz, "more than %d ranges", VDB_RANGES_MAX);
		return -E2BIG;
	}
	db->v = calloc(json_array_size(arr) + 1, sizeof *db->v);
	if (db->v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		int rc = parse_range(json_array_get(arr, i), &db->v[i]);
		db->n = i + 1; /* what parse_range allocated is freed with the table */
		if (rc < 0) {
			snprintf(err, errsz, "range %zu: a member is missing or malformed", i);
			return rc;
		}
	}
	return 0;
}

int version_db_parse(const char *text, size_t len, struct version_db **out, char *err, size_t errsz)
{
	json_error_t je;
	int rc = -EINVAL;
	struct version_db *db = NULL;
	if (len > VDB_TEXT_MAX) {
		snprintf(err, errsz, "over %d bytes", VDB_TEXT_MAX);
		return -E2BIG;
	}
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errsz, "line %d: %s", je.line, je.text);
		goto out;
	}
	if (json_integer_value(json_object_get(root, "format")) != 1) {
		snprintf(err, errsz, "\"format\" is not 1");
		goto out;
	}
	db = calloc(1, sizeof *db);
	rc = db ? dup_member(root, "updated", &db->updated) : -ENOMEM;
	if (rc == -EINVAL)
		snprintf(err, errsz, "\"updated\" is missing");
	if (rc == 0)
		rc = parse_ranges(json_object_get(root, "ranges"), db, err, errsz);
	if (rc == 0) {
		*out = db;
		db = NULL;
	}
out:
	json_decref(root);
	version_db_free(db);
	return rc;
}
