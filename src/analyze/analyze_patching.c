/* The patching checks: see analyze_patching.h. */
#include "analyze_patching.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The members of a probe object that may carry a product's version. */
static const char *const version_keys[] = {"software", "version", "banner", "server"};

/* What one entry showed. */
struct patch_seen {
	int versions;   /* versions of products the table knows */
	int matched;    /* of which in a range of the kind asked for */
	char first[96]; /* the first match: "openssh 9.2p1 (CVE-2024-6387)" */
};

static int known_product(const struct version_db *db, const char *product)
{
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->v[i].product, product) == 0)
			return 1;
	return 0;
}

/* The first range of the kind asked for that holds sv, or NULL. */
static const struct vrange *first_range(const struct version_db *db, const struct sw_version *sv, int eol)
{
	for (size_t i = 0; i < db->n; i++)
		if (db->v[i].eol == eol && vrange_match(&db->v[i], sv))
			return &db->v[i];
	return NULL;
}

static void see_text(const char *probe, const json_t *text, const struct version_db *db, int eol,
                     struct patch_seen *s)
{
	struct sw_version sv;
	if (!json_is_string(text) ||
	    !version_extract(probe, json_string_value(text), json_string_length(text), &sv) ||
	    !known_product(db, sv.product))
		return;
	s->versions++;
	const struct vrange *r = first_range(db, &sv, eol);
	if (r != NULL && s->matched++ == 0)
		snprintf(s->first, sizeof s->first, "%s %s (%.40s)", sv.product, sv.version, r->id);
}

void patching_judge_entry(const json_t *entry, const struct version_db *db, int eol, struct svc_verdict *v)
{
	const char *probe;
	const json_t *obj;
	struct patch_seen s = {0, 0, ""};
	long long port = json_integer_value(json_object_get(entry, "port"));
	json_object_foreach((json_t *)entry, probe, obj)
	{
		const char *st = json_string_value(json_object_get(obj, "status"));
		if (db == NULL || !json_is_object(obj) || st == NULL || strcmp(st, "ok") != 0)
			continue;
		for (size_t k = 0; k < sizeof version_keys / sizeof version_keys[0]; k++)
			see_text(probe, json_object_get(obj, version_keys[k]), db, eol, &s);
	}
	const char *kind = eol ? "end-of-life" : "known-vulnerable";
	v->reason = "banner_inferred";
	if (s.matched > 0) {
		v->status = FS_FAIL;
		snprintf(
		    v->detail, sizeof v->detail,
		    "%s version announced on port %lld: %s; banner-inferred, lower confidence: distributions "
		    "backport fixes without changing the version",
		    kind, port, s.first);
	} else if (s.versions > 0) {
		v->status = FS_PASS;
		snprintf(
		    v->detail, sizeof v->detail,
		    "no %s version among the %d announced on port %lld (banner-inferred, lower confidence)",
		    kind, s.versions, port);
	} else {
		v->status = FS_NA;
		v->reason = "no_version";
	}
}

static struct version_db *default_db;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void load_default(void)
{
	char err[128];
	if (version_db_parse(versions_default_json, versions_default_json_len, &default_db, err, sizeof err) <
	    0)
		default_db = NULL;
}

const struct version_db *patching_default_db(void)
{
	pthread_once(&default_once, load_default);
	return default_db;
}

static void eol_row(const json_t *entry, const json_t *same, struct svc_verdict *v)
{
	(void)same;
	patching_judge_entry(entry, patching_default_db(), 1, v);
}

static void vuln_row(const json_t *entry, const json_t *same, struct svc_verdict *v)
{
	(void)same;
	patching_judge_entry(entry, patching_default_db(), 0, v);
}

const struct svc_check svc_checks_patching[] = {
    {"svc.patching.eol", "*", FS_NA, "announced software version", eol_row},
    {"svc.patching.known_vuln", "*", FS_NA, "announced software version", vuln_row},
    {NULL, NULL, FS_NA, NULL, NULL},
};
