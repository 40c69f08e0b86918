/*
 * The deep-TLS probe's planner (tlsscan_plan.c) on canned answers: which questions each
 * batch holds given the earlier answers (and which are skipped as implied), the classes,
 * protocols, groups and full-depth lists the answers give, and the ClientHellos' shapes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tls_suites.h"
#include "tlsscan_plan.h"
#include "wire_tls.h"

static struct tq batch[TSP_BATCH_MAX];

static uint16_t code(const char *name)
{
	const struct tls_suite *t = tls_suite_by_name(name);
	return t ? t->code : 0;
}

static uint16_t group(const char *name)
{
	const struct tls_group *g = tls_group_by_name(name);
	return g ? g->code : 0;
}

static const struct tq *find(unsigned n, const char *label)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(batch[i].label, label) == 0)
			return &batch[i];
	return NULL;
}

static int offers(const struct tq *q, uint16_t suite)
{
	for (unsigned i = 0; q && i < q->nsuites; i++)
		if (q->suites[i] == suite)
			return 1;
	return 0;
}

static const struct tsp_log *logged(const struct tsp *s, const char *q)
{
	for (unsigned i = 0; i < s->nlog; i++)
		if (strcmp(s->log[i].q, q) == 0)
			return &s->log[i];
	return NULL;
}

static void hello(struct tsp *s, const struct tq *q, uint16_t v, const char *suite, unsigned dh)
{
	struct ta a = {.fate = TA_HELLO, .version = v, .suite = code(suite), .dh_bits = dh, .ncerts = 2};
	tsp_answer(s, q, &a, "accepted");
}

static void hrr(struct tsp *s, const struct tq *q, const char *grp)
{
	struct ta a = {.fate = TA_HELLO,
	               .version = TLS_V_TLS13,
	               .suite = code("TLS_AES_128_GCM_SHA256"),
	               .group = group(grp),
	               .hrr = 1};
	tsp_answer(s, q, &a, "hrr");
}

static void fate(struct tsp *s, const struct tq *q, enum ta_fate f)
{
	struct ta a = {.fate = f};
	tsp_answer(s, q, &a, f == TA_REJECTED ? "rejected: handshake_failure" : "timeout");
}

static json_t *result(const struct tsp *s)
{
	json_t *o = json_object();
	if (tsp_result(s, o) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int cls(json_t *r, const char *c)
{
	json_t *v = json_object_get(json_object_get(r, "classes"), c);
	return json_is_null(v) ? -1 : json_is_true(v);
}

static int proto(json_t *r, const char *v)
{
	json_t *x = json_object_get(json_object_get(r, "protocols"), v);
	return json_is_null(x) ? -1 : json_is_true(x);
}

/* Answers the version batch: TLS 1.2 with `suite`, TLS 1.3 with an HRR (when v13), the rest refused. */
static void versions(struct tsp *s, unsigned n, const char *suite, int v13)
{
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(batch[i].label, "TLSv1.2") == 0)
			hello(s, &batch[i], TLS_V_TLS12, suite, 0);
		else if (strcmp(batch[i].label, "TLSv1.3") == 0 && v13)
			hrr(s, &batch[i], "x25519");
		else
			fate(s, &batch[i], TA_REJECTED);
	}
}

static void test_version_batch(void)
{
	struct tsp *s = malloc(sizeof *s);
	tsp_init(s, 0);
	unsigned n = tsp_next(s, batch, TSP_BATCH_MAX);
	is_int(n, 5, "the first batch: one question per version");
	const struct tq *q12 = find(n, "TLSv1.2"), *q13 = find(n, "TLSv1.3"), *q3 = find(n, "SSLv3");
	ok(q12 && q13 && q3 && find(n, "TLSv1.0") && find(n, "TLSv1.1"), "labelled by version");
	is_str(batch[0].label, "TLSv1.2", "TLS 1.2 goes first (the endpoint's gate question)");
	ok(offers(q12, code("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")) &&
	       offers(q12, code("TLS_RSA_WITH_RC4_128_SHA")),
	   "TLS 1.2 offers strong and weak suites");
	ok(!offers(q12, code("TLS_AES_128_GCM_SHA256")), "TLS 1.2 offers no TLS 1.3 suite");
	ok(!offers(q12, code("TLS_RSA_EXPORT_WITH_RC4_40_MD5")),
	   "TLS 1.2 offers no EXPORT suite (TLS 1.0 at most)");
	ok(offers(find(n, "TLSv1.0"), code("TLS_RSA_EXPORT_WITH_RC4_40_MD5")),
	   "TLS 1.0 offers EXPORT suites");
	ok(q3 && !offers(q3, code("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")),
	   "SSLv3 offers no TLS 1.2 suite");
	ok(q13 && q13->nsuites == 9 && offers(q13, code("TLS_AES_128_GCM_SHA256")) &&
	       offers(q13, code("TLS_SHA256_SHA256")) &&
	       !offers(q13, code("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")),
	   "TLS 1.3 offers its 9 suites (the integrity-only ones too), no other");
	const struct tls_group *g0 = q13 ? tls_group_by_code(q13->groups[0]) : NULL;
	const struct tls_group *gl = q13 ? tls_group_by_code(q13->groups[q13->ngroups - 1]) : NULL;
	ok(q13 && q13->ngroups > 10 && g0 && g0->kind == TLS_GROUP_HYBRID && gl && gl->kind == TLS_GROUP_PQ,
	   "TLS 1.3 offers every group, the hybrids first, pure ML-KEM last");
	const struct tls_suite *first = tls_suite_by_code(q12->suites[0]);
	ok(first && !(first->cls & (TLS_CLS_NO_FS | TLS_CLS_NO_AEAD)), "the strongest suites lead");
	for (unsigned i = 0; i < n; i++)
		fate(s, &batch[i], TA_FAILED);
	is_int(tsp_next(s, batch, TSP_BATCH_MAX), 0, "no version answered: the endpoint is done");
	json_t *r = result(s);
	ok(proto(r, "TLSv1.2") == -1 && cls(r, "rc4") == -1 && cls(r, "no_fs") == -1,
	   "no answer: protocols and classes null");
	json_decref(r);
	free(s);
}

static void test_modern(void)
{
	struct tsp *s = malloc(sizeof *s);
	tsp_init(s, 0);
	unsigned n = tsp_next(s, batch, TSP_BATCH_MAX);
	versions(s, n, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 1);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	const struct tq *weak = find(n, "TLSv1.2 weak(null,anon,rc4,3des)");
	ok(weak != NULL, "modern: one weak question for null, anon, rc4, 3des at TLS 1.2");
	ok(weak && offers(weak, code("TLS_RSA_WITH_RC4_128_SHA")) &&
	       offers(weak, code("TLS_ECDH_anon_WITH_AES_128_CBC_SHA")) &&
	       !offers(weak, code("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")),
	   "the weak question offers only weak suites");
	ok(find(n, "TLSv1.3 groups #2") != NULL, "the group loop goes on");
	ok(find(n, "TLSv1.2 dhe") != NULL, "a DHE question for the prime");
	ok(!find(n, "TLSv1.2 fs-only") && !find(n, "TLSv1.2 aead-only") && !find(n, "certificate"),
	   "no forward-secrecy or AEAD question, no certificate question (the TLS 1.2 answer had the chain)");
	const struct tsp_log *l = logged(s, "TLSv1.2 fs-only");
	ok(l && l->conns == 0 && strstr(l->answer, "skipped: implied by TLS_AES_128_GCM_SHA256"),
	   "the skipped question is in the evidence, with the suite that implied it");
	l = logged(s, "export");
	ok(l && l->conns == 0, "export is settled without a question (no TLS 1.0 accepted)");
	is_int(n, 3, "the second batch holds three questions");
	for (unsigned i = 0; i < n; i++)
		if (batch[i].kind == TQ_GROUPS)
			hrr(s, &batch[i], "secp256r1");
		else
			fate(s, &batch[i], TA_REJECTED);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	is_int(n, 1, "third batch: the group loop alone");
	ok(n == 1 && batch[0].kind == TQ_GROUPS && batch[0].ngroups > 0 &&
	       batch[0].groups[0] != group("x25519"),
	   "named groups are not offered again");
	fate(s, &batch[0], TA_REJECTED);
	is_int(tsp_next(s, batch, TSP_BATCH_MAX), 0, "then done");
	json_t *r = result(s);
	ok(proto(r, "TLSv1.2") == 1 && proto(r, "TLSv1.3") == 1 && proto(r, "TLSv1.1") == 0 &&
	       proto(r, "SSLv3") == 0,
	   "protocols");
	int clean = 1;
	const char *all[] = {"null", "export", "anon", "rc4", "3des", "cbc_only", "no_fs", "no_aead"};
	for (int i = 0; i < 8; i++)
		clean &= cls(r, all[i]) == 0;
	ok(clean, "modern: every class false");
	json_t *g = json_object_get(r, "groups");
	ok(json_array_size(g) == 2 && strcmp(json_string_value(json_array_get(g, 0)), "x25519") == 0 &&
	       strcmp(json_string_value(json_array_get(g, 1)), "secp256r1") == 0,
	   "groups in the server's order");
	ok(json_is_true(json_object_get(r, "groups_complete")) && json_is_false(json_object_get(r, "pq")),
	   "the loop ended by a refusal: complete, no PQ");
	ok(json_is_null(json_object_get(r, "dh_bits")) && json_is_null(json_object_get(r, "suites")),
	   "no DHE; no suite lists in a sweep");
	ok(json_is_false(json_object_get(r, "dhe")), "the DHE question refused: dhe false");
	json_decref(r);
	free(s);
}

/* A DHE question that got no answer leaves DHE unknown: dh_bits null must not read "none". */
static void test_dhe_unknown(void)
{
	struct tsp *s = malloc(sizeof *s);
	tsp_init(s, 0);
	unsigned n = tsp_next(s, batch, TSP_BATCH_MAX);
	versions(s, n, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 1);
	while ((n = tsp_next(s, batch, TSP_BATCH_MAX)) > 0)
		for (unsigned i = 0; i < n; i++)
			fate(s, &batch[i], batch[i].kind == TQ_DHE ? TA_FAILED : TA_REJECTED);
	json_t *r = result(s);
	ok(json_is_null(json_object_get(r, "dhe")) && json_is_null(json_object_get(r, "dh_bits")),
	   "the DHE question failed: dhe null, dh_bits null");
	json_decref(r);
	free(s);
}

static void test_cbc_only(void)
{
	struct tsp *s = malloc(sizeof *s);
	tsp_init(s, 0);
	unsigned n = tsp_next(s, batch, TSP_BATCH_MAX);
	versions(s, n, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	const struct tq *aead = find(n, "TLSv1.2 aead-only");
	ok(aead && offers(aead, code("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")) &&
	       !offers(aead, code("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")),
	   "cbc: an AEAD-only question");
	ok(!find(n, "TLSv1.2 non-cbc"), "the non-CBC question waits for the weak and AEAD answers");
	ok(!find(n, "TLSv1.3 groups #2"), "no TLS 1.3: no group loop");
	for (unsigned i = 0; i < n; i++)
		fate(s, &batch[i], TA_REJECTED);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	ok(n == 1 && strcmp(batch[0].label, "TLSv1.2 non-cbc") == 0, "then the non-CBC question");
	ok(n == 1 && offers(&batch[0], code("TLS_RSA_WITH_RC4_128_SHA")) &&
	       !offers(&batch[0], code("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")),
	   "it offers only non-CBC suites");
	fate(s, &batch[0], TA_REJECTED);
	is_int(tsp_next(s, batch, TSP_BATCH_MAX), 0, "done");
	json_t *r = result(s);
	ok(cls(r, "cbc_only") == 1 && cls(r, "no_aead") == 1 && cls(r, "no_fs") == 0 && cls(r, "rc4") == 0,
	   "cbc_only and no_aead true, no_fs false");
	ok(json_is_null(json_object_get(r, "groups")) && json_is_false(json_object_get(r, "pq")),
	   "no TLS 1.3: groups null, pq false");
	json_decref(r);
	free(s);
}

static void test_weak_loop(void)
{
	struct tsp *s = malloc(sizeof *s);
	tsp_init(s, 0);
	unsigned n = tsp_next(s, batch, TSP_BATCH_MAX);
	/* TLS 1.2 refused by going down: the server speaks TLS 1.0 only. */
	for (unsigned i = 0; i < n; i++)
		if (strcmp(batch[i].label, "TLSv1.2") == 0 || strcmp(batch[i].label, "TLSv1.0") == 0)
			hello(s, &batch[i], TLS_V_TLS10, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0);
		else
			fate(s, &batch[i], TA_REJECTED);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	const struct tq *w = find(n, "TLSv1.0 weak(null,export,anon,rc4,3des)");
	ok(w != NULL, "a TLS 1.0 server: the weak question at TLS 1.0, EXPORT included");
	ok(logged(s, "aead-only") && logged(s, "aead-only")->conns == 0,
	   "no TLS 1.2 or 1.3: no_aead without a question");
	if (w != NULL)
		hello(s, w, TLS_V_TLS10, "TLS_RSA_WITH_RC4_128_SHA", 0);
	for (unsigned i = 0; i < n; i++)
		if (&batch[i] != w)
			fate(s, &batch[i], TA_REJECTED);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	w = find(n, "TLSv1.0 weak(null,export,anon,3des)");
	ok(w && !offers(w, code("TLS_RSA_WITH_RC4_128_SHA")) &&
	       offers(w, code("TLS_RSA_WITH_3DES_EDE_CBC_SHA")),
	   "rc4 proven: asked again without it");
	if (w != NULL)
		hello(s, w, TLS_V_TLS10, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0);
	for (unsigned i = 0; i < n; i++)
		if (&batch[i] != w)
			fate(s, &batch[i], TA_REJECTED);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	w = find(n, "TLSv1.0 weak(null,export,anon)");
	ok(w != NULL, "3des proven: asked again without it");
	for (unsigned i = 0; i < n; i++)
		fate(s, &batch[i], TA_REJECTED);
	while ((n = tsp_next(s, batch, TSP_BATCH_MAX)) > 0)
		for (unsigned i = 0; i < n; i++)
			fate(s, &batch[i], TA_REJECTED);
	json_t *r = result(s);
	ok(proto(r, "TLSv1.0") == 1 && proto(r, "TLSv1.2") == 0,
	   "a lower ServerHello: TLS 1.2 refused, TLS 1.0 accepted");
	ok(cls(r, "rc4") == 1 && cls(r, "3des") == 1 && cls(r, "null") == 0 && cls(r, "export") == 0 &&
	       cls(r, "anon") == 0,
	   "rc4 and 3des true, the refused rest false");
	ok(cls(r, "no_aead") == 1 && cls(r, "cbc_only") == 0, "no AEAD at TLS 1.0; RC4 is not CBC");
	json_decref(r);
	free(s);
}

static void test_full(void)
{
	struct tsp *s = malloc(sizeof *s);
	tsp_init(s, 1);
	unsigned n = tsp_next(s, batch, TSP_BATCH_MAX);
	versions(s, n, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	const struct tq *e = find(n, "TLSv1.2 suites #2");
	ok(e && !offers(e, code("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")) &&
	       offers(e, code("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")),
	   "full: the version's suites less the chosen one");
	ok(!find(n, "TLSv1.2 weak(null,anon,rc4,3des)") && !find(n, "TLSv1.2 dhe"),
	   "full: no class questions");
	if (e != NULL)
		hello(s, e, TLS_V_TLS12, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 2048);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	e = find(n, "TLSv1.2 suites #3");
	ok(e && !offers(e, code("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")), "less both chosen ones");
	if (e != NULL)
		hello(s, e, TLS_V_TLS12, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	if (n == 1)
		fate(s, &batch[0], TA_REJECTED);
	n = tsp_next(s, batch, TSP_BATCH_MAX);
	ok(n == 1 && batch[0].kind == TQ_ORDER && batch[0].nsuites == 3 &&
	       batch[0].suites[0] == code("TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
	   "then the accepted list reversed");
	if (n == 1)
		hello(s, &batch[0], TLS_V_TLS12, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0);
	is_int(tsp_next(s, batch, TSP_BATCH_MAX), 0, "done");
	json_t *r = result(s);
	json_t *l = json_object_get(json_object_get(r, "suites"), "TLSv1.2");
	ok(json_array_size(l) == 3 &&
	       strcmp(json_string_value(json_array_get(l, 1)), "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256") == 0,
	   "suites in the server's order");
	ok(json_is_true(json_object_get(r, "server_order")), "its head won over our first: server order");
	ok(cls(r, "3des") == 1 && cls(r, "rc4") == 0 && cls(r, "null") == 0 && cls(r, "no_fs") == 0 &&
	       cls(r, "cbc_only") == 0,
	   "classes from the whole lists");
	is_int(json_integer_value(json_object_get(r, "dh_bits")), 2048,
	       "dh_bits from the DHE suite's answer");
	json_decref(r);
	free(s);
}

static void test_unasked_and_hello(void)
{
	struct tsp *s = malloc(sizeof *s);
	uint8_t buf[4096], rnd[32] = {1};
	tsp_init(s, 0);
	unsigned n = tsp_next(s, batch, TSP_BATCH_MAX);
	tsp_unasked(s, &batch[1], "not asked: timeout");
	ok(s->nlog == 1 && s->log[0].conns == 0 && strcmp(s->log[0].answer, "not asked: timeout") == 0,
	   "an unasked question is evidence without a connection");
	const struct tq *q3 = find(n, "SSLv3"), *q13 = find(n, "TLSv1.3");
	int len = q3 ? tsp_hello(q3, "www.example.test", rnd, buf, sizeof buf) : -1;
	ok(len > 0 && buf[0] == 22 && buf[1] == 3 && buf[2] == 0 && buf[9] == 3 && buf[10] == 0,
	   "SSLv3: an SSLv3 record and client_version");
	/* No extensions: the hello ends right after the compression methods. */
	/* record, handshake header, version, random, session id, suites (and the SCSV), compression. */
	size_t ends = 5 + 4 + 2 + 32 + 1 + 2 + 2 * (size_t)(q3 ? q3->nsuites + 1 : 0) + 2;
	is_int(len, (long long)ends, "SSLv3: no extensions block");
	len = q13 ? tsp_hello(q13, "www.example.test", rnd, buf, sizeof buf) : -1;
	ok(len > 0 && buf[9] == 3 && buf[10] == 3 && memmem(buf, (size_t)len, "www.example.test", 16) != NULL,
	   "TLS 1.3: legacy version 1.2, SNI");
	ok(len > 0 && memmem(buf, (size_t)len, "\x00\x33\x00\x02\x00\x00", 6) != NULL,
	   "TLS 1.3: an empty key_share");
	free(s);
}

/* A ServerHello that does not answer the ClientHello (hostile005's canned one) is no answer. */
static void test_hello_check(void)
{
	struct tsp *s = malloc(sizeof *s);
	char why[96] = "";
	tsp_init(s, 0);
	unsigned n = tsp_next(s, batch, TSP_BATCH_MAX);
	const struct tq *q12 = find(n, "TLSv1.2"), *q11 = find(n, "TLSv1.1"), *q13 = find(n, "TLSv1.3");
	uint16_t gcm = code("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
	         cbc = code("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
	uint16_t aes13 = code("TLS_AES_128_GCM_SHA256");
	struct ta a = {.fate = TA_HELLO, .version = TLS_V_TLS12, .suite = gcm};
	is_int(q12 ? tsp_hello_check(q12, &a, why, sizeof why) : -1, 0,
	       "TLS 1.2 GCM answers the TLS 1.2 hello");
	is_int(q11 ? tsp_hello_check(q11, &a, why, sizeof why) : -1, -EPROTO,
	       "a TLS 1.2 hello to a TLS 1.1 offer is illegal");
	is_str(why, "illegal hello: suite 0xc02f was not offered",
	       "... first by its suite (GCM is not a 1.1 suite)");
	a.suite = cbc;
	is_int(q11 ? tsp_hello_check(q11, &a, why, sizeof why) : -1, -EPROTO,
	       "an offered suite above the version");
	is_str(why, "illegal hello: version 0x0303 above the 0x0302 offered", "... by its version");
	a.version = TLS_V_TLS10;
	is_int(q11 ? tsp_hello_check(q11, &a, why, sizeof why) : -1, 0,
	       "a lower version answers a legacy offer");
	a = (struct ta){.fate = TA_HELLO, .version = TLS_V_TLS12, .suite = gcm};
	is_int(q13 ? tsp_hello_check(q13, &a, why, sizeof why) : -1, -EPROTO,
	       "a TLS 1.2 suite to a TLS 1.3-only offer is illegal");
	a = (struct ta){
	    .fate = TA_HELLO, .version = TLS_V_TLS13, .suite = aes13, .hrr = 1, .group = group("x25519")};
	is_int(q13 ? tsp_hello_check(q13, &a, why, sizeof why) : -1, 0, "an HRR naming an offered group");
	a.group = 0x1234;
	is_int(q13 ? tsp_hello_check(q13, &a, why, sizeof why) : -1, -EPROTO,
	       "an HRR naming a group not offered");
	a = (struct ta){.fate = TA_REJECTED};
	is_int(q11 ? tsp_hello_check(q11, &a, why, sizeof why) : -1, 0, "a refusal is always an answer");
	free(s);
}

int main(void)
{
	test_hello_check();
	test_version_batch();
	test_modern();
	test_dhe_unknown();
	test_cbc_only();
	test_weak_loop();
	test_full();
	test_unasked_and_hello();
	return done_testing();
}
