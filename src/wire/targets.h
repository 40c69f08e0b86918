/*
 * Targets: the organizations to scan and their tags. Three forms, told apart by
 * the first line that is neither blank nor a `#` comment:
 * - positional CSV `org_id,name,domain[,domain...]` after a header line;
 * - named-column CSV, when the header names a column beyond org_id, name and
 *   domain (domains, tags, type, region, tag:KEY): each line is read by name;
 * - JSON Lines, when that first line starts with `{`.
 * Fields may be double-quoted (RFC 4180 quoting). A malformed line is reported
 * through the callback with its line number and skipped; reading goes on. A
 * malformed named header is reported and ends the file. The named CSV and JSON
 * forms also give host names and addresses (CIDR blocks of at most 16 addresses
 * expanded) that belong to the organization; they are only read here: scope and
 * scanning are the engine's.
 */
#ifndef VITALS_TARGETS_H
#define VITALS_TARGETS_H

#include <stddef.h>
#include <stdio.h>

#define TARGET_MAX_DOMAINS 16
#define TARGET_MAX_TAGS    16  /* tags per organization */
#define TARGET_TAG_KEY_MAX 32  /* bytes: [a-z0-9._-], lower-cased */
#define TARGET_TAG_VAL_MAX 128 /* UTF-8 characters */
#define TARGET_MAX_HOSTS   16  /* given host names per organization */
#define TARGET_MAX_ADDRS   64  /* given addresses per organization, CIDR blocks expanded */

/* One tag: a bare word KEY in a file is KEY=true. */
struct target_tag {
	char *key;   /* lower-case [a-z0-9._-], 1..32 bytes, distinct within a target */
	char *value; /* printable UTF-8 without `;`, 1..128 characters, no blanks at the ends */
};

struct target {
	char *org_id;                            /* the org_id column */
	char *name;                              /* the name column */
	char *domains[TARGET_MAX_DOMAINS];       /* lower-cased, no trailing dot, distinct */
	size_t ndomains;                         /* at least 1 */
	struct target_tag tags[TARGET_MAX_TAGS]; /* in file order */
	size_t ntags;                            /* 0..TARGET_MAX_TAGS */
	char *hosts[TARGET_MAX_HOSTS];           /* given host names, normalised as domains, distinct */
	size_t nhosts;                           /* 0..TARGET_MAX_HOSTS */
	char *addrs[TARGET_MAX_ADDRS];           /* given addresses, canonical text (inet_ntop), distinct */
	size_t naddrs;                           /* 0..TARGET_MAX_ADDRS */
};

struct target_list {
	struct target *v; /* targets in file order */
	size_t n;         /* count */
	size_t cap;       /* allocated */
};

/* Called for each skipped line: `line` is 1-based, `why` a short reason. */
typedef void (*target_err_fn)(void *arg, size_t line, const char *why);

/*
 * Parses `len` bytes of a targets file into `out` (appending). Returns the number of lines
 * skipped as malformed (>= 0) or -ENOMEM.
 */
int targets_parse(const char *buf, size_t len, struct target_list *out, target_err_fn err, void *arg);
/* Reads a whole stream and parses it; -EIO on a read error. */
int targets_read(FILE *f, struct target_list *out, target_err_fn err, void *arg);
void targets_free(struct target_list *tl);

#endif
