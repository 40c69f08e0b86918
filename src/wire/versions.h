/*
 * Software versions: reading a product and version out of a banner or header as a probe
 * recorded it ("SSH-2.0-OpenSSH_9.2p1 Debian-2", "nginx/1.22.1", "Coturn-4.6.1 'Gorst'",
 * "5.5.5-10.11.6-MariaDB-0+deb12u1", a bare "7.0.15" from a Redis INFO), comparing
 * versions, and the table of end-of-life and known-vulnerable version ranges vitals ships
 * (data/versions.json, docs/METHODOLOGY.md "Patching"), parsed from its JSON text.
 *
 * It reads only what is announced: a distribution that backports a fix keeps the old
 * version in its banner, so a match here is banner-inferred, never proof. No I/O: the
 * caller hands in the table's text (compiled in, or read by the command layer).
 */
#ifndef VITALS_VERSIONS_H
#define VITALS_VERSIONS_H

#include <stddef.h>

#define SWV_PRODUCT_MAX 16        /* bytes of a product id, NUL included */
#define SWV_VERSION_MAX 32        /* bytes of a version, NUL included */
#define VDB_RANGES_MAX  512       /* ranges a table may hold */
#define VDB_TEXT_MAX    (1 << 20) /* bytes of a table's JSON text */

/* A product and version read from a banner. */
struct sw_version {
	char product[SWV_PRODUCT_MAX]; /* "openssh", "nginx", "apache", "coturn", "redis", ... */
	char version[SWV_VERSION_MAX]; /* "9.2p1": digits, letters and dots, from a digit on */
};

/* One range of the table. */
struct vrange {
	char product[SWV_PRODUCT_MAX]; /* the product id it is about */
	int eol;                       /* 1: end of life; 0: known vulnerable */
	char from[SWV_VERSION_MAX];    /* the first version in the range; "" for every version below */
	char below[SWV_VERSION_MAX];   /* the first version past the range */
	char *id;                      /* "CVE-2024-6387" or an EOL-... id of the table's own */
	char *summary;                 /* one line on what the range means */
	char *source;                  /* where the range comes from (vendor page, CVE record) */
};

/* The table. */
struct version_db {
	char *updated;    /* the date the table was last reviewed */
	struct vrange *v; /* its ranges, in the file's order */
	size_t n;         /* how many */
};

/*
 * Parses a table's JSON text (data/versions.json's format). 0 and *out, or -EINVAL with a
 * message in err (errsz bytes) naming the bad member, -E2BIG over the caps, -ENOMEM.
 */
int version_db_parse(const char *text, size_t len, struct version_db **out, char *err, size_t errsz);

/* Frees a table; accepts NULL. Returns NULL. */
struct version_db *version_db_free(struct version_db *db);

/*
 * Compares two versions segment by segment (digit runs by value, letter runs by bytes, dots
 * separate): <0, 0, >0. "9.2p1" < "9.3p2" < "9.8p1", "1.9" < "1.10".
 */
int version_cmp(const char *a, const char *b);

/*
 * The product and version in `text` (len bytes, not NUL-terminated). `hint` is the probe that
 * recorded it ("redis", "mysql", "orthanc", ...; may be NULL): a bare version is that probe's
 * product. 1 and *out when one was found, 0 when none.
 */
int version_extract(const char *hint, const char *text, size_t len, struct sw_version *out);

/* The table vitals ships: data/versions.json compiled in (scripts/embed-text.py), NUL-terminated. */
extern const char versions_default_json[];
extern const size_t versions_default_json_len;

/* 1 when v lies in range r (same product, from <= version < below), else 0. */
int vrange_match(const struct vrange *r, const struct sw_version *v);

#endif
