/*
 * The deep-TLS probe's questions (probe_tlsscan.c asks them): which ClientHello to send
 * next, given the answers so far, and what the answers say about the server (the
 * protocols, classes, dh_bits, groups, pq, suites and server_order members of a tls_scans
 * entry, docs/OBSERVATIONS.md). Pure: no socket, no clock, no randomness (the caller gives
 * the random bytes), so every decision is unit-tested on canned answers.
 *
 * The questions come in batches: tsp_next() hands out every question that can be asked
 * now; once all of a batch are answered (tsp_answer), tsp_next() plans the next batch from
 * what they showed, and 0 means the endpoint is done.
 *
 * Sweep: one question per protocol version; then, at the highest accepted version below
 * TLS 1.3, one question offering only the suites of every class still undecided among
 * null/export/anon/rc4/3des (the chosen suite proves its classes; it is asked again
 * without them until refused, so a clean server costs one connection for all five), one
 * offering only forward-secret suites, only AEAD suites, then only non-CBC suites, each
 * asked only when no accepted suite has answered it already (recorded as skipped), one
 * offering only DHE suites for the prime size; the TLS 1.3 groups by an empty key_share
 * (the HelloRetryRequest names the server's choice, which is removed, until refused,
 * at most TSP_GROUP_ROUNDS rounds; a hybrid post-quantum question when the loop was cut).
 * Full: per accepted version every suite offered, the chosen one removed, until refused
 * (the version question is the first round), then the longest list reversed once for
 * server_order; the classes then come from the lists.
 */
#ifndef VITALS_TLSSCAN_PLAN_H
#define VITALS_TLSSCAN_PLAN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define TSP_VERSIONS     5   /* SSLv3, TLS 1.0, 1.1, 1.2, 1.3 */
#define TSP_SUITES_MAX   400 /* suites one question offers (the table has 351) */
#define TSP_GROUPS_MAX   64  /* groups one question offers */
#define TSP_LOG_MAX      96  /* questions recorded (asked and skipped) */
#define TSP_GROUP_ROUNDS 6   /* TLS 1.3 group questions, the version question included */
#define TSP_WEAK_ROUNDS  6   /* weak-class questions per version (5 classes, plus one refusal) */
#define TSP_ELIM_ROUNDS  64  /* full: suite questions per version */
#define TSP_BATCH_MAX    16  /* questions in one batch */

/* The classes of the contract, in its order (tests/testbed/tlscases.py CLASSES). */
enum tsp_class {
	TC_NULL = 0,
	TC_EXPORT,
	TC_ANON,
	TC_RC4,
	TC_3DES,
	TC_CBC_ONLY,
	TC_NO_FS,
	TC_NO_AEAD,
	TC_COUNT
};

enum tq_kind {
	TQ_VERSION = 1, /* one per protocol version, every suite of it */
	TQ_GROUPS,      /* TLS 1.3: groups not yet named, empty key_share */
	TQ_PQ,          /* TLS 1.3: hybrid post-quantum groups only */
	TQ_WEAK,        /* suites of the undecided null/export/anon/rc4/3des classes */
	TQ_FS,          /* forward-secret suites only: no_fs */
	TQ_AEAD,        /* AEAD suites only: no_aead */
	TQ_NONCBC,      /* suites that are not CBC only: cbc_only */
	TQ_DHE,         /* DHE suites only: dh_bits */
	TQ_ELIM,        /* full: the version's suites not yet chosen */
	TQ_ORDER,       /* full: the accepted list reversed: server_order */
	TQ_CERT,        /* an OpenSSL handshake for the chain (no legacy answer showed it) */
};

/* One question: one connection, one ClientHello (TQ_CERT: OpenSSL's). */
struct tq {
	enum tq_kind kind;               /* what it asks */
	int vi;                          /* version index (0 SSLv3 .. 4 TLS 1.3) */
	unsigned nsuites;                /* suites offered */
	uint16_t suites[TSP_SUITES_MAX]; /* in preference order */
	unsigned ngroups;                /* TLS 1.3 questions: groups offered */
	uint16_t groups[TSP_GROUPS_MAX]; /* in preference order */
	unsigned cls;                    /* TQ_WEAK: the TC_* bits it decides */
	char label[64];                  /* "TLSv1.2 weak(null,rc4)": the evidence's q */
};

enum ta_fate {
	TA_HELLO = 1, /* a ServerHello or HelloRetryRequest */
	TA_REJECTED,  /* an alert, or closed without one: the offer was refused */
	TA_FAILED,    /* timeout, refused connection, not TLS, error: no answer */
};

/* What one question's connection showed. */
struct ta {
	enum ta_fate fate; /* how it ended */
	uint16_t version;  /* negotiated version (TA_HELLO) */
	uint16_t suite;    /* chosen suite */
	uint16_t group;    /* TLS 1.3 key_share group (the HRR's), 0: none */
	int hrr;           /* a HelloRetryRequest */
	unsigned dh_bits;  /* DHE prime size from ServerKeyExchange (0: none) */
	unsigned ncerts;   /* certificates seen (TLS 1.2 and older, or TQ_CERT) */
};

struct tsp_log {
	char q[64];       /* the question's label */
	int conns;        /* connections it cost (0: skipped) */
	char answer[112]; /* what it showed */
};

/* The plan of one endpoint: what is known, what is asked. */
struct tsp {
	int full;                                   /* --tls full */
	int batches;                                /* batches handed out */
	int vers[TSP_VERSIONS];                     /* -1 unknown, 0 refused, 1 accepted */
	int elim_done[TSP_VERSIONS];                /* full: no more suite questions for it */
	unsigned elim_rounds[TSP_VERSIONS];         /* full: suite questions asked */
	int incomplete;                             /* full: a list may lack suites (a question failed) */
	unsigned nacc[TSP_VERSIONS];                /* suites seen accepted, per version */
	uint16_t acc[TSP_VERSIONS][TSP_SUITES_MAX]; /* in the order seen (full: the server's order) */
	unsigned absent;                            /* TC_* bits decided false by a refusal */
	unsigned present;                           /* TC_* bits decided true by a refusal (every-classes) */
	unsigned weak_rounds;                       /* weak questions asked */
	int fs_asked, aead_asked, noncbc_asked;     /* one-shot class questions */
	int dhe_asked;                              /* the DHE question went out */
	unsigned dh_bits;                           /* smallest DHE prime seen (0: none) */
	int dhe;                                    /* the DHE question's answer: -1 none, 0 refused, 1 */
	unsigned ngroups;                           /* TLS 1.3 groups named */
	uint16_t groups[TSP_GROUPS_MAX];            /* in the server's order */
	int groups_done;                            /* the group loop ended */
	int groups_complete;                        /* it ended by a refusal: the list is whole */
	unsigned group_rounds;                      /* group questions asked */
	int pq;                                     /* -1 unknown, 0/1 */
	int pq_asked;                               /* the hybrid question went out */
	int order;                                  /* full: -1 unknown, 0 client's, 1 server's order */
	int order_asked;                            /* the order question went out */
	int have_cert;                              /* a chain was seen */
	int cert_asked;                             /* TQ_CERT went out */
	int failed;                                 /* a question got no answer */
	unsigned nlog;                              /* entries in log */
	struct tsp_log log[TSP_LOG_MAX];            /* every question, in order: tls_scans asked */
};

extern const char *const tsp_version_names[TSP_VERSIONS]; /* "SSLv3" .. "TLSv1.3" */
extern const uint16_t tsp_version_codes[TSP_VERSIONS];    /* TLS_V_SSL3 .. TLS_V_TLS13 */

void tsp_init(struct tsp *s, int full);
/* The next batch into out[0..max-1]: how many (0: done). */
unsigned tsp_next(struct tsp *s, struct tq *out, unsigned max);
/* Records the answer to q (asked in the current batch) with its text for the log. */
void tsp_answer(struct tsp *s, const struct tq *q, const struct ta *a, const char *text);
/* q was not asked after all (its endpoint's first answer ended it): no answer, no connection. */
void tsp_unasked(struct tsp *s, const struct tq *q, const char *why);
/* 1 when some version question got a ServerHello. */
int tsp_any_accepted(const struct tsp *s);
/*
 * Sets protocols, classes, dh_bits, dhe, groups, groups_complete, pq, suites, server_order
 * and asked in the tls_scans entry `scan`. 0 or -ENOMEM.
 */
int tsp_result(const struct tsp *s, json_t *scan);

/*
 * Whether a ServerHello (or HelloRetryRequest) answers q's ClientHello as RFC 5246 s7.4.1.3
 * and RFC 8446 s4.1.3-4 allow: a suite q offered, valid at the negotiated version; a version
 * no higher than q offered; an HRR group q offered. A client that gets anything else aborts
 * (illegal_parameter): such an answer tells nothing about the server's configuration and
 * is no answer (a hostile or broken peer). 0, or -EPROTO with the reason in why.
 */
int tsp_hello_check(const struct tq *q, const struct ta *a, char *why, size_t len);

/* The ClientHello of q (not TQ_CERT) for `sni` (NULL: none) with the caller's random bytes. */
int tsp_hello(const struct tq *q, const char *sni, const uint8_t random[32], uint8_t *buf, size_t cap);

#endif
