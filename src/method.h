/*
 * The methodology: which checks exist, which factor each belongs to, its severity,
 * weight, optional score cap, rationale and source standard, and how factor scores
 * become grades. One table per methodology version; docs/METHODOLOGY.md says the
 * same thing in prose and a test keeps the two in step.
 *
 * This module is data plus lookups. It does no I/O.
 */
#ifndef VITALS_METHOD_H
#define VITALS_METHOD_H

#include <stddef.h>

enum factor {
	FACTOR_DNS = 0,   /* DNS health: DNSSEC, mail authentication, name servers */
	FACTOR_TRANSPORT, /* transport security: HTTPS, certificates, TLS versions, HSTS */
	FACTOR_APPSEC,    /* application security: web headers, cookies, disclosure */
	FACTOR_COUNT,
};

enum severity {
	SEV_INFO = 0,
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
};

struct check_def {
	const char *id;         /* stable check id, e.g. "dns.spf.all" */
	enum factor factor;     /* the factor it counts towards */
	enum severity severity; /* how bad a failure is */
	int weight;             /* points at stake in the factor's weighted pass rate */
	int cap;                /* if failed, the factor's score is at most this (100: no cap) */
	const char *title;      /* short human title */
	const char *rationale;  /* why it matters, one sentence */
	const char *source;     /* the standard it comes from */
};

struct factor_def {
	const char *id;    /* "dns", "transport", "appsec" */
	const char *title; /* "DNS health" ... */
	int weight;        /* weight in the overall score */
};

struct method {
	int version;                      /* methodology version number, 1 ... */
	const struct check_def *checks;   /* the check table */
	size_t nchecks;                   /* its length */
	const struct factor_def *factors; /* FACTOR_COUNT entries, indexed by enum factor */
};

/* The newest methodology version. */
const struct method *method_current(void);
/* A methodology by version, or NULL when unknown. */
const struct method *method_get(int version);
/* A check by id within a method, or NULL. */
const struct check_def *method_check(const struct method *m, const char *id);

const char *severity_name(enum severity s);
/* A, B, C, D or F for a 0-100 score: A >= 90, B >= 80, C >= 70, D >= 60, F below. */
char grade_letter(int score);

#endif
