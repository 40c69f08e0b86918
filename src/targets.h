/*
 * Targets: the organizations to scan, read from CSV `org_id,name,domain[,domain...]`
 * with a header line; `#` comments and blank lines are skipped. Fields may be
 * double-quoted (RFC 4180 quoting). A malformed line is reported through the
 * callback with its line number and skipped; reading goes on.
 */
#ifndef VITALS_TARGETS_H
#define VITALS_TARGETS_H

#include <stddef.h>
#include <stdio.h>

#define TARGET_MAX_DOMAINS 16

struct target {
	char *org_id;                      /* the first column */
	char *name;                        /* the second column */
	char *domains[TARGET_MAX_DOMAINS]; /* the rest, lower-cased, no trailing dot */
	size_t ndomains;                   /* at least 1 */
};

struct target_list {
	struct target *v; /* targets in file order */
	size_t n;         /* count */
	size_t cap;       /* allocated */
};

/* Called for each skipped line: `line` is 1-based, `why` a short reason. */
typedef void (*target_err_fn)(void *arg, size_t line, const char *why);

/*
 * Parses `len` bytes of CSV into `out` (appending). Returns the number of lines
 * skipped as malformed (>= 0) or -ENOMEM.
 */
int targets_parse(const char *buf, size_t len, struct target_list *out, target_err_fn err, void *arg);
/* Reads a whole stream and parses it; -EIO on a read error. */
int targets_read(FILE *f, struct target_list *out, target_err_fn err, void *arg);
void targets_free(struct target_list *tl);

#endif
