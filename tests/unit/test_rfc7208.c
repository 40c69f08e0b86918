/*
 * The RFC 7208 test suite (openspf.org 2014.04, shipped by python3-spf) run against
 * the SPF evaluator on its canned zone data. tests/unit/rfc7208/convert.py made the
 * fixture from the suite and marked the tests whose outcome depends on more than
 * the published records (the connecting address, the sender's local part, the
 * HELO name): those are listed with their reason, the others must agree.
 *
 * The evaluator takes the view of a sender that matches no mechanism, so a result
 * is derived from it as a receiver would reach it: none without a record,
 * permerror, temperror when an answer timed out, else the effective all.
 */
#include "tap.h"
#include "wire_spf.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ANSWER 64

/* The fetch context: one scenario's zone. */
struct zone {
	const json_t *names;        /* lower-case name -> [[type, value] | "TIMEOUT", ...] */
	const char *rr[MAX_ANSWER]; /* the answer handed out */
	char *owned[MAX_ANSWER];    /* strings built for it (joined TXT character-strings) */
	size_t nowned;              /* how many */
};

static void zone_drop(struct zone *z)
{
	for (size_t i = 0; i < z->nowned; i++)
		free(z->owned[i]);
	z->nowned = 0;
}

/* A TXT value is a list of character-strings, concatenated by receivers. */
static const char *txt_join(struct zone *z, const json_t *v)
{
	size_t len = 0, i;
	json_t *s;
	json_array_foreach(v, i, s) len += json_string_length(s);
	char *out = calloc(1, len + 1);
	if (out == NULL || z->nowned == MAX_ANSWER) {
		free(out);
		return NULL;
	}
	len = 0;
	json_array_foreach(v, i, s)
	{
		memcpy(out + len, json_string_value(s), json_string_length(s));
		len += json_string_length(s);
	}
	/* A NUL byte is refused by the grammar: DEL keeps the C string whole (as spf_txt_decode). */
	for (i = 0; i < len; i++)
		if (out[i] == '\0')
			out[i] = 0x7f;
	return z->owned[z->nowned++] = out;
}

static const char *const type_names[] = {"TXT", "A", "AAAA", "MX"};

/* One record of the asked type into the answer; -1 when its value is TIMEOUT. */
static int answer_add(struct zone *z, enum spf_rrtype type, const json_t *v, struct spf_answer *out)
{
	const char *s = NULL;
	if (json_is_string(v) && strcmp(json_string_value(v), "TIMEOUT") == 0)
		return -1;
	if (type == SPF_RR_TXT)
		s = txt_join(z, v);
	else if (type == SPF_RR_MX)
		s = json_string_value(json_array_get(v, 1));
	else
		s = json_string_value(v);
	if (s != NULL && out->nrr < MAX_ANSWER)
		z->rr[out->nrr++] = s;
	return 0;
}

/* As python3-spf's test driver answers: a TIMEOUT entry before any record of the type times out. */
static int zone_fetch_depth(struct zone *z, const char *name, enum spf_rrtype type, struct spf_answer *out,
                            int depth)
{
	const json_t *rrs = json_object_get(z->names, name), *e;
	const char *cname = NULL;
	size_t i;
	*out = (struct spf_answer){SPF_FETCH_NODATA, "nodata", z->rr, 0};
	if (rrs == NULL) {
		int err = strncmp(name, "error.", 6) == 0;
		*out = (struct spf_answer){err ? SPF_FETCH_FAILED : SPF_FETCH_NXDOMAIN,
		                           err ? "timeout" : "nxdomain", z->rr, 0};
		return 0;
	}
	json_array_foreach(rrs, i, e)
	{
		const char *t = json_string_value(json_array_get(e, 0));
		if (json_is_string(e) && out->nrr == 0)
			*out = (struct spf_answer){SPF_FETCH_FAILED, "timeout", z->rr, 0};
		if (json_is_string(e))
			return 0;
		if (t != NULL && strcmp(t, "CNAME") == 0)
			cname = json_string_value(json_array_get(e, 1));
		if (t == NULL || strcmp(t, type_names[type]) != 0)
			continue;
		if (answer_add(z, type, json_array_get(e, 1), out) < 0) {
			*out = (struct spf_answer){SPF_FETCH_FAILED, "timeout", z->rr, 0};
			return 0;
		}
		out->state = SPF_FETCH_OK;
		out->status = "ok";
	}
	if (out->nrr == 0 && cname != NULL && depth == 0) {
		char lower[256];
		snprintf(lower, sizeof lower, "%s", cname);
		for (char *c = lower; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		return zone_fetch_depth(z, lower, type, out, 1);
	}
	return 0;
}

static int zone_fetch(void *ctx, const char *name, enum spf_rrtype type, struct spf_answer *out)
{
	struct zone *z = ctx;
	zone_drop(z);
	return zone_fetch_depth(z, name, type, out, 0);
}

static const char *from_all(const struct spf_eval *ev)
{
	switch (ev->all) {
	case SPF_QUAL_FAIL:
		return "fail";
	case SPF_QUAL_SOFTFAIL:
		return "softfail";
	case SPF_QUAL_PASS:
		return "pass";
	default:
		return "neutral";
	}
}

/* The result for a stranger sending as `domain`, from the zone alone. */
static const char *result_for(struct zone *z, const char *domain, int ipv6)
{
	static char rec[4096];
	struct spf_answer a;
	struct spf_eval ev;
	size_t nspf = 0;
	zone_fetch(z, domain, SPF_RR_TXT, &a);
	if (a.state == SPF_FETCH_FAILED)
		return "temperror";
	for (size_t i = 0; i < a.nrr; i++)
		if (spf_is_spf_record(a.rr[i]) && nspf++ == 0)
			snprintf(rec, sizeof rec, "%s", a.rr[i]);
	if (nspf != 1)
		return nspf == 0 ? "none" : "permerror";
	if (spf_evaluate(domain, rec, strlen(rec), ipv6, zone_fetch, z, &ev) < 0)
		return "error";
	const char *r = spf_eval_permerror(&ev)    ? "permerror"
	                : spf_eval_incomplete(&ev) ? "temperror"
	                : !ev.all_known            ? "unknown"
	                                           : from_all(&ev);
	spf_eval_clear(&ev);
	return r;
}

/* The sender's domain, lower case (a zone key), or NULL when it is no DNS name. */
static char *sender_domain(const char *mailfrom)
{
	const char *at = strrchr(mailfrom, '@');
	char *d = strdup(at != NULL ? at + 1 : mailfrom);
	size_t n = d != NULL ? strlen(d) : 0;
	if (n > 0 && d[n - 1] == '.')
		d[n - 1] = '\0';
	for (char *c = d; c != NULL && *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	return d;
}

static int wanted(const json_t *results, const char *got)
{
	size_t i;
	json_t *r;
	json_array_foreach(results, i, r) if (strcmp(json_string_value(r), got) == 0) return 1;
	return 0;
}

/* Runs one scenario's tests; counts agreed and skipped ones. */
static void run_scenario(const json_t *sc, int *agreed, int *skipped)
{
	struct zone z = {.names = json_object_get(sc, "zone")};
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(sc, "tests"), i, t)
	{
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *skip = json_string_value(json_object_get(t, "skip"));
		char label[512];
		if (skip != NULL) {
			printf("# skip %s: %s\n", name, skip);
			(*skipped)++;
			continue;
		}
		char *domain = sender_domain(json_string_value(json_object_get(t, "mailfrom")));
		int ipv6 = strchr(json_string_value(json_object_get(t, "host")), ':') != NULL;
		const char *got = domain != NULL ? result_for(&z, domain, ipv6) : "error";
		const json_t *want = json_object_get(t, "result");
		snprintf(label, sizeof label, "%s (s%s): want %s, got %s", name,
		         json_string_value(json_object_get(t, "spec")),
		         json_string_value(json_array_get(want, 0)), got);
		*agreed += ok(wanted(want, got), label);
		free(domain);
		zone_drop(&z);
	}
}

int main(void)
{
	const char *src = getenv("VITALS_SRCDIR");
	char path[1024];
	json_error_t err;
	int agreed = 0, skipped = 0;
	snprintf(path, sizeof path, "%s/tests/unit/rfc7208/rfc7208-tests.json", src != NULL ? src : ".");
	json_t *fx = json_load_file(path, JSON_ALLOW_NUL, &err);
	if (!ok(fx != NULL, "fixture loads"))
		printf("# %s: %s\n", path, err.text);
	size_t i;
	json_t *sc;
	json_array_foreach(json_object_get(fx, "scenarios"), i, sc) run_scenario(sc, &agreed, &skipped);
	printf("# rfc7208: %d agreed, %d disagreed, %d skipped (listed above with the reason)\n", agreed,
	       tap_n - 1 - agreed, skipped);
	ok(agreed >= 150, "most of the suite depends on the published records only and is checked");
	json_decref(fx);
	return done_testing();
}
