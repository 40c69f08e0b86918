/*
 * Findings: what an analyzer concluded about one check on one domain.
 *
 * A finding names its check (a stable id from the methodology table in method.c),
 * the domain it concerns, a status, a one-line explanation and the evidence it
 * rests on (a JSON value copied out of the observations). Findings never carry a
 * score: the grader (grade.c) turns them into points under a methodology version.
 * This module only stores findings; it does no I/O and never prints.
 */
#ifndef VITALS_FINDING_H
#define VITALS_FINDING_H

#include <jansson.h>
#include <stddef.h>

enum fstatus {
	FS_PASS = 0,      /* the check holds */
	FS_FAIL,          /* the check does not hold: may cost points */
	FS_INDETERMINATE, /* no conclusion (timeout, servfail, refused, out of scope) */
	FS_NA,            /* the check does not apply here */
};

struct finding {
	char *check;    /* check id, e.g. "dns.spf.all" */
	char *domain;   /* the domain (or host, or given address) the finding concerns */
	char *endpoint; /* the address it was measured on (web and TLS checks), else NULL */
	enum fstatus status;
	char *reason;     /* short machine reason for indeterminate/na, e.g. "timeout"; may be NULL */
	char *detail;     /* one-line human explanation */
	json_t *evidence; /* owned JSON value the finding rests on; never NULL */
};

struct findings {
	struct finding *v; /* the findings, in the order they were added */
	size_t n;          /* how many are in use */
	size_t cap;        /* how many are allocated */
};

/*
 * Appends a finding. `evidence` is stolen (NULL becomes JSON null); `reason` may be
 * NULL. `fmt` is a printf format for the one-line detail. Returns 0 or -ENOMEM.
 */
int findings_add(struct findings *fs, const char *check, const char *domain, enum fstatus status,
                 const char *reason, json_t *evidence, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Frees every finding and resets the list to empty. Accepts an empty list. */
void findings_clear(struct findings *fs);

/* Returns the first finding for (check, domain), or NULL. domain NULL matches any. */
const struct finding *findings_get(const struct findings *fs, const char *check, const char *domain);

const char *fstatus_name(enum fstatus s);
/* Parses "pass", "fail", "indeterminate", "na"; returns 0 or -EINVAL. */
int fstatus_parse(const char *name, enum fstatus *out);

/* A finding as a JSON object {check, domain, endpoint, status, reason?, detail, evidence}. */
json_t *finding_to_json(const struct finding *f);
/* The reverse; returns 0 or -EINVAL when a member is missing or of the wrong type. */
int finding_from_json(const json_t *j, struct findings *fs);

#endif
