/* The deep-TLS probe's questions and what the answers say: see tlsscan_plan.h. */
#include "tlsscan_plan.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_suites.h"
#include "wire_tls.h"

#define V13      4 /* index of TLS 1.3 */
#define V12      3 /* index of TLS 1.2 */
#define ANY_MASK ((1u << TC_NULL) | (1u << TC_EXPORT) | (1u << TC_ANON) | (1u << TC_RC4) | (1u << TC_3DES))

const char *const tsp_version_names[TSP_VERSIONS] = {"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
const uint16_t tsp_version_codes[TSP_VERSIONS] = {TLS_V_SSL3, TLS_V_TLS10, TLS_V_TLS11, TLS_V_TLS12,
                                                  TLS_V_TLS13};
static const char *const class_names[TC_COUNT] = {"null", "export",   "anon",  "rc4",
                                                  "3des", "cbc_only", "no_fs", "no_aead"};

/* One-shot question states. */
enum { Q_PENDING = 0, Q_ASKED, Q_SKIPPED };

void tsp_init(struct tsp *s, int full)
{
	memset(s, 0, sizeof *s);
	s->full = full;
	for (int i = 0; i < TSP_VERSIONS; i++)
		s->vers[i] = -1;
	s->pq = -1;
	s->order = -1;
	s->dhe = -1;
}

static int version_index(uint16_t v)
{
	for (int i = 0; i < TSP_VERSIONS; i++)
		if (tsp_version_codes[i] == v)
			return i;
	return -1;
}

/* The contract's any-classes of a suite, as TC_* bits. */
static unsigned any_bits(const struct tls_suite *t)
{
	return ((t->cls & TLS_CLS_NULL) ? 1u << TC_NULL : 0) |
	       ((t->cls & TLS_CLS_EXPORT) ? 1u << TC_EXPORT : 0) |
	       ((t->cls & TLS_CLS_ANON) ? 1u << TC_ANON : 0) | ((t->cls & TLS_CLS_RC4) ? 1u << TC_RC4 : 0) |
	       ((t->cls & TLS_CLS_BLOCK64) ? 1u << TC_3DES : 0);
}

/* A suite that may be negotiated at version index vi. */
static int valid_at(const struct tls_suite *t, int vi)
{
	if (vi == V13)
		return t->kx == TLS_KX_TLS13;
	uint16_t v = tsp_version_codes[vi];
	return t->kx != TLS_KX_TLS13 && t->min_version <= v && v <= t->max_version;
}

/*
 * How much a suite is worth offering first: strong ones lead, so a server that follows
 * the client's order picks an ordinary suite (with a certificate) in the version questions.
 */
static unsigned rank(const struct tls_suite *t)
{
	unsigned r = 0;
	if (t->cls & (TLS_CLS_NULL | TLS_CLS_EXPORT | TLS_CLS_ANON))
		r += 64;
	if (t->cls & (TLS_CLS_RC4 | TLS_CLS_BLOCK64))
		r += 32;
	if (t->au == TLS_AU_PSK || t->au == TLS_AU_SRP || t->au == TLS_AU_KRB5 || t->draft)
		r += 16;
	if (t->cls & TLS_CLS_NO_FS)
		r += 8;
	if (t->cls & TLS_CLS_NO_AEAD)
		r += 4;
	if (t->kx == TLS_KX_DHE)
		r += 2;
	return r;
}

static int by_rank(const void *a, const void *b)
{
	const struct tls_suite *x = *(const struct tls_suite *const *)a;
	const struct tls_suite *y = *(const struct tls_suite *const *)b;
	unsigned rx = rank(x), ry = rank(y);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

/* The suite registry in offering order, sorted once for every question of every scan. */
static const struct tls_suite **ranked;
static size_t nranked;
static pthread_once_t ranked_once = PTHREAD_ONCE_INIT;

static void rank_suites(void)
{
	const struct tls_suite *all = tls_suites_all(&nranked);
	ranked = malloc(nranked * sizeof *ranked);
	if (ranked == NULL)
		abort();
	for (size_t i = 0; i < nranked; i++)
		ranked[i] = &all[i];
	qsort(ranked, nranked, sizeof *ranked, by_rank);
}

static int accepted_at(const struct tsp *s, int vi, uint16_t code)
{
	for (unsigned i = 0; i < s->nacc[vi]; i++)
		if (s->acc[vi][i] == code)
			return 1;
	return 0;
}

/* What a question offers, beyond being valid at its version. */
typedef int (*suite_pred)(const struct tsp *s, const struct tq *q, const struct tls_suite *t);

static void offer(const struct tsp *s, struct tq *q, suite_pred want)
{
	pthread_once(&ranked_once, rank_suites);
	q->nsuites = 0;
	for (size_t i = 0; i < nranked && q->nsuites < TSP_SUITES_MAX; i++)
		if (valid_at(ranked[i], q->vi) && (want == NULL || want(s, q, ranked[i])))
			q->suites[q->nsuites++] = ranked[i]->code;
}

static int is_v13_group(const struct tls_group *g)
{
	return g->share_len > 0;
}

static int is_pq_group(const struct tls_group *g)
{
	return g->kind == TLS_GROUP_HYBRID || g->kind == TLS_GROUP_PQ;
}

static int group_named(const struct tsp *s, uint16_t code)
{
	for (unsigned i = 0; i < s->ngroups; i++)
		if (s->groups[i] == code)
			return 1;
	return 0;
}

/* Offer order of TLS 1.3 groups: hybrids, then classical ones, then pure post-quantum KEMs. */
static int group_pass(const struct tls_group *g)
{
	return g->kind == TLS_GROUP_HYBRID ? 0 : g->kind == TLS_GROUP_PQ ? 2 : 1;
}

/* TLS 1.3 groups in that order (the server picks by its own order or ours); `fresh`: none named yet. */
static void offer_groups(const struct tsp *s, struct tq *q, int pq_only, int fresh)
{
	size_t n;
	const struct tls_group *g = tls_groups_all(&n);
	q->ngroups = 0;
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < n && q->ngroups < TSP_GROUPS_MAX; i++)
			if (is_v13_group(&g[i]) && group_pass(&g[i]) == pass &&
			    !(pq_only && !is_pq_group(&g[i])) && (fresh || !group_named(s, g[i].code)))
				q->groups[q->ngroups++] = g[i].code;
}

static struct tq *new_q(struct tq *out, unsigned *n, unsigned max, enum tq_kind kind, int vi,
                        const char *what)
{
	if (*n >= max)
		return NULL;
	struct tq *q = &out[(*n)++];
	memset(q, 0, sizeof *q);
	q->kind = kind;
	q->vi = vi;
	snprintf(q->label, sizeof q->label, "%s%s%s", tsp_version_names[vi], what[0] ? " " : "", what);
	return q;
}

static void log_add(struct tsp *s, const char *q, int conns, const char *answer)
{
	if (s->nlog >= TSP_LOG_MAX)
		return;
	struct tsp_log *l = &s->log[s->nlog++];
	snprintf(l->q, sizeof l->q, "%s", q);
	l->conns = conns;
	snprintf(l->answer, sizeof l->answer, "%s", answer);
}

/* ---- what the answers so far show ---- */

int tsp_any_accepted(const struct tsp *s)
{
	for (int i = 0; i < TSP_VERSIONS; i++)
		if (s->vers[i] == 1)
			return 1;
	return 0;
}

/* The highest accepted version below TLS 1.3, or -1. */
static int highest_legacy(const struct tsp *s)
{
	for (int i = V12; i >= 0; i--)
		if (s->vers[i] == 1)
			return i;
	return -1;
}

static int legacy_unknown(const struct tsp *s)
{
	for (int i = 0; i <= V12; i++)
		if (s->vers[i] == -1)
			return 1;
	return 0;
}

/* The first accepted suite with none of the table's `cls` bits (TLS 1.3 ones count), or NULL. */
static const struct tls_suite *accepted_without(const struct tsp *s, unsigned cls)
{
	for (int v = TSP_VERSIONS - 1; v >= 0; v--)
		for (unsigned i = 0; i < s->nacc[v]; i++) {
			const struct tls_suite *t = tls_suite_by_code(s->acc[v][i]);
			if (t != NULL && !(t->cls & cls))
				return t;
		}
	return NULL;
}

static unsigned any_seen(const struct tsp *s)
{
	unsigned bits = 0;
	for (int v = 0; v < TSP_VERSIONS; v++)
		for (unsigned i = 0; i < s->nacc[v]; i++) {
			const struct tls_suite *t = tls_suite_by_code(s->acc[v][i]);
			bits |= t ? any_bits(t) : 0;
		}
	return bits;
}

/* A class is decided when an accepted suite shows it or a refusal ruled it out. */
static unsigned undecided_any(const struct tsp *s)
{
	return ANY_MASK & ~any_seen(s) & ~s->absent;
}

/* ---- planning ---- */

static int want_any(const struct tsp *s, const struct tq *q, const struct tls_suite *t)
{
	return (any_bits(t) & q->cls) != 0;
}

static int has_class_at(int vi, unsigned c)
{
	size_t n;
	const struct tls_suite *all = tls_suites_all(&n);
	for (size_t i = 0; i < n; i++)
		if (valid_at(&all[i], vi) && (any_bits(&all[i]) & (1u << c)))
			return 1;
	return 0;
}

/* The highest accepted legacy version at which suites of class c exist, or -1. */
static int class_version(const struct tsp *s, unsigned c)
{
	for (int i = V12; i >= 0; i--)
		if (s->vers[i] == 1 && has_class_at(i, c))
			return i;
	return -1;
}

static void class_list(unsigned cls, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (unsigned c = 0; c < TC_COUNT && off < len; c++)
		if (cls & (1u << c))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "", class_names[c]);
}

/* Weak questions: one per version holding undecided classes; classes no accepted version has are false. */
static unsigned plan_weak(struct tsp *s, struct tq *out, unsigned *n, unsigned max)
{
	unsigned by_version[TSP_VERSIONS] = {0}, und = undecided_any(s), planned = 0;
	char what[64], list[48];
	if (s->weak_rounds >= TSP_WEAK_ROUNDS)
		return 0;
	for (unsigned c = 0; c < TC_COUNT; c++) {
		if (!(und & (1u << c)))
			continue;
		int vi = class_version(s, c);
		if (vi >= 0)
			by_version[vi] |= 1u << c;
		else if (!legacy_unknown(s)) {
			s->absent |= 1u << c;
			snprintf(what, sizeof what, "%s", class_names[c]);
			log_add(s, what, 0, "skipped: no accepted version has such suites");
		}
	}
	for (int vi = 0; vi <= V12; vi++) {
		if (!by_version[vi])
			continue;
		class_list(by_version[vi], list, sizeof list);
		snprintf(what, sizeof what, "weak(%s)", list);
		struct tq *q = new_q(out, n, max, TQ_WEAK, vi, what);
		if (q == NULL)
			break;
		q->cls = by_version[vi];
		offer(s, q, want_any);
		s->weak_rounds++;
		planned++;
	}
	return planned;
}

static int want_fs(const struct tsp *s, const struct tq *q, const struct tls_suite *t)
{
	return !(t->cls & TLS_CLS_NO_FS);
}

static int want_aead(const struct tsp *s, const struct tq *q, const struct tls_suite *t)
{
	return !(t->cls & TLS_CLS_NO_AEAD);
}

static int want_noncbc(const struct tsp *s, const struct tq *q, const struct tls_suite *t)
{
	return !(t->cls & TLS_CLS_CBC);
}

static int want_dhe(const struct tsp *s, const struct tq *q, const struct tls_suite *t)
{
	return t->kx == TLS_KX_DHE;
}

/* A one-shot class question: skipped (and logged) when an accepted suite already answers it. */
static void plan_every(struct tsp *s, struct tq *out, unsigned *n, unsigned max, int *state,
                       enum tq_kind kind, unsigned tls_cls, int vi, const char *what, suite_pred want)
{
	char text[112], label[64];
	if (*state != Q_PENDING || vi < 0)
		return;
	const struct tls_suite *by = accepted_without(s, tls_cls);
	if (by != NULL) {
		snprintf(text, sizeof text, "skipped: implied by %s", by->iana);
		snprintf(label, sizeof label, "%s %s", tsp_version_names[vi], what);
		log_add(s, label, 0, text);
		*state = Q_SKIPPED;
		return;
	}
	struct tq *q = new_q(out, n, max, kind, vi, what);
	if (q == NULL)
		return;
	offer(s, q, want);
	*state = Q_ASKED;
}

/* A DHE suite accepted with its prime read answers the DHE question. */
static void plan_dhe(struct tsp *s, struct tq *out, unsigned *n, unsigned max, int hi)
{
	char q[64];
	if (s->dhe_asked != Q_PENDING || hi < 0)
		return;
	if (s->dh_bits != 0) {
		snprintf(q, sizeof q, "%s dhe", tsp_version_names[hi]);
		log_add(s, q, 0, "skipped: a DHE suite was accepted already");
		s->dhe_asked = Q_SKIPPED;
		return;
	}
	struct tq *qq = new_q(out, n, max, TQ_DHE, hi, "dhe");
	if (qq != NULL) {
		offer(s, qq, want_dhe);
		s->dhe_asked = Q_ASKED;
	}
}

static void plan_groups(struct tsp *s, struct tq *out, unsigned *n, unsigned max)
{
	char what[32];
	if (s->vers[V13] != 1)
		return;
	if (!s->groups_done && s->group_rounds >= TSP_GROUP_ROUNDS)
		s->groups_done = 1; /* cut: the list holds the server's first choices */
	if (!s->groups_done) {
		snprintf(what, sizeof what, "groups #%u", s->group_rounds + 1);
		struct tq *q = new_q(out, n, max, TQ_GROUPS, V13, what);
		if (q == NULL)
			return;
		offer(s, q, NULL);
		offer_groups(s, q, 0, 0);
		if (q->ngroups == 0) { /* every group we know is named */
			(*n)--;
			s->groups_done = s->groups_complete = 1;
			return;
		}
		s->group_rounds++;
		return;
	}
	if (!s->groups_complete && s->pq == -1 && !s->pq_asked) {
		struct tq *q = new_q(out, n, max, TQ_PQ, V13, "pq");
		if (q == NULL)
			return;
		offer(s, q, NULL);
		offer_groups(s, q, 1, 1);
		s->pq_asked = 1;
	}
}

static void plan_sweep(struct tsp *s, struct tq *out, unsigned *n, unsigned max)
{
	int hi = highest_legacy(s);
	unsigned weak = plan_weak(s, out, n, max);
	plan_every(s, out, n, max, &s->fs_asked, TQ_FS, TLS_CLS_NO_FS, hi, "fs-only", want_fs);
	/* AEAD suites need TLS 1.2: without it, no_aead is settled by the versions alone. */
	int aead_vi = s->vers[V12] == 1 ? V12 : -1;
	if (aead_vi < 0 && s->aead_asked == Q_PENDING && hi >= 0 && s->vers[V12] == 0 && s->vers[V13] == 0) {
		s->present |= 1u << TC_NO_AEAD;
		s->aead_asked = Q_SKIPPED;
		log_add(s, "aead-only", 0, "skipped: no version with AEAD suites accepted");
	}
	plan_every(s, out, n, max, &s->aead_asked, TQ_AEAD, TLS_CLS_NO_AEAD, aead_vi, "aead-only", want_aead);
	/* Weak and AEAD answers often settle cbc_only: ask it only once they are in. */
	if (weak == 0 && s->aead_asked != Q_PENDING && s->batches >= 2)
		plan_every(s, out, n, max, &s->noncbc_asked, TQ_NONCBC, TLS_CLS_CBC, hi, "non-cbc",
		           want_noncbc);
	plan_dhe(s, out, n, max, hi);
}

static int want_new(const struct tsp *s, const struct tq *q, const struct tls_suite *t)
{
	return !accepted_at(s, q->vi, t->code);
}

static void plan_full(struct tsp *s, struct tq *out, unsigned *n, unsigned max)
{
	int pending = 0;
	char what[32];
	for (int vi = 0; vi < TSP_VERSIONS; vi++) {
		if (s->vers[vi] != 1 || s->elim_done[vi])
			continue;
		snprintf(what, sizeof what, "suites #%u", s->elim_rounds[vi] + 2);
		struct tq *q = new_q(out, n, max, TQ_ELIM, vi, what);
		if (q == NULL)
			return;
		offer(s, q, want_new);
		if (vi == V13)
			offer_groups(s, q, 0, 1);
		if (q->nsuites == 0 || s->elim_rounds[vi] >= TSP_ELIM_ROUNDS) {
			(*n)--;
			s->elim_done[vi] = 1;
			continue;
		}
		s->elim_rounds[vi]++;
		pending = 1;
	}
	if (pending || s->order_asked)
		return;
	int best = -1;
	for (int vi = 0; vi < TSP_VERSIONS; vi++)
		if (s->nacc[vi] >= 2 && (best < 0 || s->nacc[vi] > s->nacc[best]))
			best = vi;
	s->order_asked = 1;
	struct tq *q = best >= 0 ? new_q(out, n, max, TQ_ORDER, best, "order") : NULL;
	if (q == NULL)
		return;
	for (unsigned i = 0; i < s->nacc[best]; i++)
		q->suites[i] = s->acc[best][s->nacc[best] - 1 - i];
	q->nsuites = s->nacc[best];
	if (best == V13)
		offer_groups(s, q, 0, 1);
}

/* TLS 1.2 first: the probe asks the first question alone, and it is the likeliest answered. */
static void plan_versions(struct tsp *s, struct tq *out, unsigned *n, unsigned max)
{
	static const int order[TSP_VERSIONS] = {V12, V13, 2, 1, 0};
	for (int i = 0; i < TSP_VERSIONS; i++) {
		struct tq *q = new_q(out, n, max, TQ_VERSION, order[i], "");
		if (q == NULL)
			return;
		offer(s, q, NULL);
		if (order[i] == V13)
			offer_groups(s, q, 0, 1);
	}
}

unsigned tsp_next(struct tsp *s, struct tq *out, unsigned max)
{
	unsigned n = 0;
	if (s->batches++ == 0) {
		plan_versions(s, out, &n, max);
		return n;
	}
	if (!tsp_any_accepted(s))
		return 0;
	plan_groups(s, out, &n, max);
	if (s->full)
		plan_full(s, out, &n, max);
	else
		plan_sweep(s, out, &n, max);
	if (!s->have_cert && !s->cert_asked) {
		struct tq *q = new_q(out, &n, max, TQ_CERT, V13, "certificate");
		if (q != NULL) {
			snprintf(q->label, sizeof q->label, "certificate");
			s->cert_asked = 1;
		}
	}
	return n;
}

/* ---- answers ---- */

static int offered(const struct tq *q, uint16_t suite)
{
	for (unsigned i = 0; i < q->nsuites; i++)
		if (q->suites[i] == suite)
			return 1;
	return 0;
}

static int offered_group(const struct tq *q, uint16_t group)
{
	for (unsigned i = 0; i < q->ngroups; i++)
		if (q->groups[i] == group)
			return 1;
	return 0;
}

/* Notes an accepted suite under the version it was negotiated in; 1 when it is new there. */
static int note_suite(struct tsp *s, const struct tq *q, int avi, uint16_t suite)
{
	const struct tls_suite *t = tls_suite_by_code(suite);
	if (avi < 0 || t == NULL || !offered(q, suite) || !valid_at(t, avi) || accepted_at(s, avi, suite) ||
	    s->nacc[avi] >= TSP_SUITES_MAX)
		return 0;
	s->acc[avi][s->nacc[avi]++] = suite;
	return 1;
}

static void answer_version(struct tsp *s, const struct tq *q, const struct ta *a, int avi)
{
	int vi = q->vi;
	if (a->fate == TA_HELLO && avi >= 0 && avi <= vi) {
		s->vers[avi] = 1;
		if (avi < vi && s->vers[vi] != 1)
			s->vers[vi] = 0; /* the server went down to avi: vi is not spoken */
	} else if (a->fate == TA_REJECTED && s->vers[vi] != 1)
		s->vers[vi] = 0;
	if (s->vers[vi] != 1 || a->fate != TA_HELLO || avi != vi)
		s->elim_done[vi] = 1;
	if (a->fate == TA_FAILED)
		s->incomplete = 1;
	if (vi != V13)
		return;
	if (avi == V13 && a->group != 0 && offered_group(q, a->group)) {
		s->groups[s->ngroups++] = a->group;
		s->group_rounds = 1;
	} else
		s->groups_done = 1;
}

static void answer_groups(struct tsp *s, const struct tq *q, const struct ta *a, int avi)
{
	if (a->fate == TA_HELLO && avi == V13 && offered_group(q, a->group) && !group_named(s, a->group) &&
	    s->ngroups < TSP_GROUPS_MAX) {
		s->groups[s->ngroups++] = a->group;
		return;
	}
	s->groups_done = 1;
	s->groups_complete = a->fate == TA_REJECTED;
}

static void answer_full(struct tsp *s, const struct tq *q, const struct ta *a, int avi, int fresh)
{
	if (q->kind == TQ_ELIM && !(a->fate == TA_HELLO && avi == q->vi && fresh)) {
		s->elim_done[q->vi] = 1;
		s->incomplete |= a->fate == TA_FAILED || (a->fate == TA_HELLO && !fresh);
	}
	if (q->kind == TQ_ORDER && a->fate == TA_HELLO && offered(q, a->suite))
		s->order = a->suite != q->suites[0];
}

static void answer_class(struct tsp *s, const struct tq *q, const struct ta *a)
{
	unsigned bit = q->kind == TQ_FS       ? 1u << TC_NO_FS
	               : q->kind == TQ_AEAD   ? 1u << TC_NO_AEAD
	               : q->kind == TQ_NONCBC ? 1u << TC_CBC_ONLY
	                                      : 0;
	if (a->fate == TA_REJECTED)
		s->present |= bit;
	if (q->kind != TQ_WEAK)
		return;
	const struct tls_suite *t = tls_suite_by_code(a->suite);
	if (a->fate == TA_REJECTED)
		s->absent |= q->cls & undecided_any(s);
	else if (a->fate == TA_FAILED || t == NULL || !(any_bits(t) & q->cls))
		s->weak_rounds = TSP_WEAK_ROUNDS; /* no answer, or not one we offered: stop asking */
}

void tsp_answer(struct tsp *s, const struct tq *q, const struct ta *a, const char *text)
{
	log_add(s, q->label, 1, text);
	s->failed |= a->fate == TA_FAILED;
	s->have_cert |= a->ncerts > 0;
	if (q->kind == TQ_CERT)
		return;
	int avi = a->fate == TA_HELLO ? version_index(a->version) : -1;
	int fresh = a->fate == TA_HELLO && note_suite(s, q, avi, a->suite);
	if (a->dh_bits != 0 && (s->dh_bits == 0 || a->dh_bits < s->dh_bits))
		s->dh_bits = a->dh_bits;
	if (q->kind == TQ_DHE)
		s->dhe = a->fate == TA_HELLO ? 1 : a->fate == TA_REJECTED ? 0 : -1;
	switch (q->kind) {
	case TQ_VERSION:
		answer_version(s, q, a, avi);
		break;
	case TQ_GROUPS:
		answer_groups(s, q, a, avi);
		break;
	case TQ_PQ:
		s->pq = a->fate == TA_HELLO && avi == V13 ? 1 : a->fate == TA_REJECTED ? 0 : -1;
		break;
	case TQ_ELIM:
	case TQ_ORDER:
		answer_full(s, q, a, avi, fresh);
		break;
	default:
		answer_class(s, q, a);
	}
}

/* ---- the result ---- */

static json_t *tri(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

/* Full depth with every list whole: an absent class is absent. */
static int lists_whole(const struct tsp *s)
{
	if (!s->full || s->incomplete || legacy_unknown(s) || s->vers[V13] == -1)
		return 0;
	for (int vi = 0; vi < TSP_VERSIONS; vi++)
		if (s->vers[vi] == 1 && !s->elim_done[vi])
			return 0;
	return 1;
}

/* An every-class (cbc_only, no_fs, no_aead): false once a suite lacks the table bit. */
static json_t *every_class(const struct tsp *s, unsigned c, unsigned tls_cls, int whole)
{
	if (s->vers[V13] == 1 || accepted_without(s, tls_cls) != NULL)
		return json_false();
	if ((s->present & (1u << c)) || whole)
		return json_true();
	return json_null();
}

static json_t *classes_json(const struct tsp *s)
{
	json_t *o = json_object();
	unsigned seen = any_seen(s);
	int whole = lists_whole(s), any = tsp_any_accepted(s);
	for (unsigned c = 0; o != NULL && c < TC_COUNT; c++) {
		json_t *v;
		if (!any)
			v = json_null();
		else if (c == TC_CBC_ONLY)
			v = every_class(s, c, TLS_CLS_CBC, whole);
		else if (c == TC_NO_FS)
			v = every_class(s, c, TLS_CLS_NO_FS, whole);
		else if (c == TC_NO_AEAD)
			v = every_class(s, c, TLS_CLS_NO_AEAD, whole);
		else
			v = (seen & (1u << c))                   ? json_true()
			    : ((s->absent & (1u << c)) || whole) ? json_false()
			                                         : json_null();
		json_object_set_new(o, class_names[c], v);
	}
	return o;
}

static json_t *groups_json(const struct tsp *s)
{
	if (s->vers[V13] != 1)
		return json_null();
	json_t *a = json_array();
	for (unsigned i = 0; a != NULL && i < s->ngroups; i++) {
		const struct tls_group *g = tls_group_by_code(s->groups[i]);
		json_array_append_new(a, g ? json_string(g->name) : json_sprintf("0x%04x", s->groups[i]));
	}
	return a;
}

static int pq_value(const struct tsp *s)
{
	if (s->vers[V13] != 1)
		return s->vers[V13];
	for (unsigned i = 0; i < s->ngroups; i++) {
		const struct tls_group *g = tls_group_by_code(s->groups[i]);
		if (g != NULL && is_pq_group(g))
			return 1;
	}
	return s->groups_complete ? 0 : s->pq;
}

static json_t *suites_json(const struct tsp *s)
{
	if (!s->full)
		return json_null();
	json_t *o = json_object();
	for (int vi = 0; o != NULL && vi < TSP_VERSIONS; vi++) {
		if (s->vers[vi] != 1)
			continue;
		json_t *a = json_array();
		for (unsigned i = 0; a != NULL && i < s->nacc[vi]; i++)
			json_array_append_new(a, json_string(tls_suite_by_code(s->acc[vi][i])->iana));
		json_object_set_new(o, tsp_version_names[vi], a);
	}
	return o;
}

static json_t *asked_json(const struct tsp *s)
{
	json_t *a = json_array();
	for (unsigned i = 0; a != NULL && i < s->nlog; i++)
		json_array_append_new(a, json_pack("{s:s, s:i, s:s}", "q", s->log[i].q, "conns",
		                                   s->log[i].conns, "answer", s->log[i].answer));
	return a;
}

/*
 * Whether a finite-field DHE suite is accepted: a prime was read; the DHE question's answer;
 * full lists that hold none; or no legacy version accepted (TLS 1.3 has no DHE suites).
 * -1 when nothing says (the question failed or was never asked), so that a check of the
 * DH size never passes on no evidence.
 */
static int dhe_value(const struct tsp *s)
{
	int legacy = 0;
	if (s->dh_bits != 0)
		return 1;
	if (s->dhe >= 0)
		return s->dhe;
	if (lists_whole(s))
		return 0;
	for (int vi = 0; vi < V13; vi++)
		if (s->vers[vi] != 0)
			legacy = 1;
	return !legacy && s->vers[V13] == 1 ? 0 : -1;
}

int tsp_result(const struct tsp *s, json_t *scan)
{
	json_t *p = json_object();
	for (int vi = 0; p != NULL && vi < TSP_VERSIONS; vi++)
		json_object_set_new(p, tsp_version_names[vi], tri(s->vers[vi]));
	int v13 = s->vers[V13] == 1;
	int rc = json_object_set_new(scan, "protocols", p);
	rc |= json_object_set_new(scan, "classes", classes_json(s));
	rc |= json_object_set_new(scan, "dh_bits", s->dh_bits ? json_integer(s->dh_bits) : json_null());
	rc |= json_object_set_new(scan, "dhe", tri(dhe_value(s)));
	rc |= json_object_set_new(scan, "groups", groups_json(s));
	rc |= json_object_set_new(scan, "groups_complete",
	                          v13 ? json_boolean(s->groups_complete) : json_null());
	rc |= json_object_set_new(scan, "pq", tri(pq_value(s)));
	rc |= json_object_set_new(scan, "suites", suites_json(s));
	rc |= json_object_set_new(scan, "server_order", s->full ? tri(s->order) : json_null());
	rc |= json_object_set_new(scan, "asked", asked_json(s));
	return rc ? -ENOMEM : 0;
}

/* ---- ClientHellos ---- */

static unsigned legacy_groups(uint16_t *out, unsigned max)
{
	size_t n;
	unsigned k = 0;
	const struct tls_group *g = tls_groups_all(&n);
	/* No FFDHE groups: a server then shows its own DH prime, as old clients see it (RFC 7919 aside). */
	for (size_t i = 0; i < n && k < max; i++)
		if (g[i].kind == TLS_GROUP_EC || g[i].kind == TLS_GROUP_ECX)
			out[k++] = g[i].code;
	return k;
}

static unsigned sigalgs(uint16_t *out, unsigned max)
{
	size_t n;
	unsigned k = 0;
	const struct tls_sigscheme *g = tls_sigschemes_all(&n);
	for (size_t i = 0; i < n && k < max; i++)
		out[k++] = g[i].code;
	return k;
}

int tsp_hello(const struct tq *q, const char *sni, const uint8_t random[32], uint8_t *buf, size_t cap)
{
	static const uint16_t v13[] = {TLS_V_TLS13};
	uint16_t groups[TSP_GROUPS_MAX], algs[64];
	struct tls_hello_spec sp = {
	    .record_version = q->vi == 0 ? TLS_V_SSL3 : TLS_V_TLS10,
	    .client_version = q->vi == V13 ? TLS_V_TLS12 : tsp_version_codes[q->vi],
	    .suites = q->suites,
	    .nsuites = q->nsuites,
	    .empty_reneg_scsv = q->vi == 0,
	    .sni = q->vi == 0 ? NULL : sni,
	    .sigalgs = algs,
	    .nsigalgs = q->vi >= V12 ? sigalgs(algs, 64) : 0,
	    .ec_point_formats = q->vi > 0 && q->vi<V13, .reneg_info = q->vi> 0,
	    .status_request = q->vi > 0,
	    .sslv3 = q->vi == 0,
	};
	memcpy(sp.random, random, 32);
	if (q->vi == V13) {
		/* An empty key_share: the server must name its group in a HelloRetryRequest. */
		sp.groups = q->groups, sp.ngroups = q->ngroups;
		sp.versions = v13, sp.nversions = 1;
		sp.share_ext = 1;
		sp.session_id = random, sp.session_id_len = 32;
	} else if (q->vi > 0) {
		sp.groups = groups;
		sp.ngroups = legacy_groups(groups, TSP_GROUPS_MAX);
	}
	return tls_hello_build(&sp, buf, cap);
}

int tsp_hello_check(const struct tq *q, const struct ta *a, char *why, size_t len)
{
	const struct tls_suite *t = tls_suite_by_code(a->suite);
	int offered = 0, group = a->group == 0 || q->ngroups == 0;
	if (q->kind == TQ_CERT || a->fate != TA_HELLO)
		return 0;
	for (unsigned i = 0; i < q->nsuites && !offered; i++)
		offered = q->suites[i] == a->suite;
	for (unsigned i = 0; i < q->ngroups && !group; i++)
		group = q->groups[i] == a->group;
	if (!offered)
		snprintf(why, len, "illegal hello: suite 0x%04x was not offered", a->suite);
	else if (a->version < TLS_V_SSL3 || a->version > tsp_version_codes[q->vi])
		snprintf(why, len, "illegal hello: version 0x%04x above the 0x%04x offered", a->version,
		         tsp_version_codes[q->vi]);
	else if (t != NULL && (a->version < t->min_version || a->version > t->max_version))
		snprintf(why, len, "illegal hello: suite 0x%04x at version 0x%04x", a->suite, a->version);
	else if (!group)
		snprintf(why, len, "illegal hello: group 0x%04x was not offered", a->group);
	else
		return 0;
	return -EPROTO;
}

void tsp_unasked(struct tsp *s, const struct tq *q, const char *why)
{
	struct ta a = {.fate = TA_FAILED};
	tsp_answer(s, q, &a, why);
	s->log[s->nlog - 1].conns = 0;
}
