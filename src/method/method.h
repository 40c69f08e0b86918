/*
 * The methodology: which factors and checks exist, which factor each check belongs
 * to, its severity, weight, optional score cap, rationale and source standard, and how
 * factor scores become grades. The factors belong to a version, not to the code;
 * version 1 is a whole table and each later version its differences from an earlier
 * one. docs/METHODOLOGY.md says the same thing in prose and a test keeps the two in step.
 *
 * This module is data plus lookups. It does no I/O.
 */
#ifndef VITALS_METHOD_H
#define VITALS_METHOD_H

#include <stddef.h>

/* Most factors a methodology version may have. */
#define FACTOR_MAX 8

enum severity {
	SEV_INFO = 0,
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
};

struct check_def {
	const char *id;         /* stable check id, e.g. "dns.spf.all" */
	const char *factor;     /* id of the factor it counts towards, e.g. "dns" */
	enum severity severity; /* how bad a failure is */
	int weight;             /* points at stake in the factor's weighted pass rate */
	int cap;                /* if failed, the factor's score is at most this (100: no cap) */
	const char *title;      /* short human title */
	const char *rationale;  /* why it matters, one sentence */
	const char *source;     /* the standard it comes from */
};

/*
 * How a factor's findings over an organization's assets roll up before they are scored
 * (docs/METHODOLOGY.md, "Assets and the roll-up rule"). Within a group the worst finding
 * stands for it: fail before pass before indeterminate before not applicable, the first
 * one on a tie; the rest of the group neither helps nor hurts.
 */
enum rollup {
	ROLLUP_EACH = 0,  /* every finding counts on its own (each domain's DNS) */
	ROLLUP_WORST,     /* one per check for the organization: its worst endpoint */
	ROLLUP_WORST_HOST /* one per check and host: the host's worst address */
};

struct factor_def {
	const char *id;     /* "dns", "transport", "appsec" */
	const char *title;  /* "DNS health" ... */
	int weight;         /* weight in the overall score */
	enum rollup rollup; /* how findings over assets roll up */
};

struct method {
	int version;                      /* methodology version number, 1 ... */
	const struct check_def *checks;   /* the check table */
	size_t nchecks;                   /* its length */
	const struct factor_def *factors; /* the factors of this version, in report order */
	size_t nfactors;                  /* how many (at most FACTOR_MAX) */
};

/*
 * A version written as its differences from an earlier one (its base): checks removed,
 * checks whose row changes, checks added (each after a named row), and a factor set
 * when the factors change (NULL: the base's). method.c keeps version 1 whole and every
 * later version as a delta; the full tables are built once, on first use.
 */
struct check_add {
	const char *after;    /* the row the new check follows (NULL or unknown: the end) */
	struct check_def def; /* the new check */
};

struct method_delta {
	int version;                      /* the version this delta makes */
	int base;                         /* the version it is applied to */
	const char *const *remove;        /* ids of checks dropped */
	size_t nremove;                   /* how many */
	const struct check_def *change;   /* rows replaced, by id */
	size_t nchange;                   /* how many */
	const struct check_add *add;      /* rows added */
	size_t nadd;                      /* how many */
	const struct factor_def *factors; /* a new factor set, or NULL for the base's */
	size_t nfactors;                  /* its length */
};

/* The newest methodology version. */
const struct method *method_current(void);
/* A methodology by version, or NULL when unknown. */
const struct method *method_get(int version);
/* The index of a factor by id within a method, or -1. */
int method_factor(const struct method *m, const char *id);
/* A check by id within a method, or NULL. */
const struct check_def *method_check(const struct method *m, const char *id);

const char *severity_name(enum severity s);
/* A, B, C, D or F for a 0-100 score: A >= 90, B >= 80, C >= 70, D >= 60, F below. */
char grade_letter(int score);

#endif
