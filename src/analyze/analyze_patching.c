/* The patching checks: see analyze_patching.h. */
#include "analyze_patching.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The members of a probe object that may carry a product's version. */
static const char *const version_keys[] = {"software", "version", "banner", "server"};

/* What one address showed. */
struct patch_seen {
	int versions;     /* versions of products the table knows */
	int matched;      /* of which in a range of the kind asked for */
	char first[160];  /* the first match: "openssh 9.2p1 on 22: CVE-2024-6387" */
	json_t *evidence; /* [{"port", "probe", "text", "product", "version", "ranges": [ids]}] */
};

static int known_product(const struct version_db *db, const char *product)
{
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->v[i].product, product) == 0)
			return 1;
	return 0;
}

static json_t *match_ranges(const struct version_db *db, const struct sw_version *sv, int eol)
{
	json_t *ids = json_array();
	for (size_t i = 0; ids != NULL && i < db->n; i++)
		if (db->v[i].eol == eol && vrange_match(&db->v[i], sv))
			json_array_append_new(ids, json_pack("{s:s,s:s,s:s}", "id", db->v[i].id, "summary",
			                                     db->v[i].summary, "source", db->v[i].source));
	return ids;
}

static void see_text(const char *probe, unsigned port, const json_t *text, const struct version_db *db,
                     int eol, struct patch_seen *s)
{
	struct sw_version sv;
	if (!json_is_string(text) ||
	    !version_extract(probe, json_string_value(text), json_string_length(text), &sv) ||
	    !known_product(db, sv.product))
		return;
	json_t *ids = match_ranges(db, &sv, eol);
	if (ids == NULL)
		return;
	s->versions++;
	if (json_array_size(ids) > 0 && s->matched++ == 0)
		snprintf(s->first, sizeof s->first, "%s %s on port %u: %s", sv.product, sv.version, port,
		         json_string_value(json_object_get(json_array_get(ids, 0), "id")));
	json_array_append_new(s->evidence, json_pack("{s:I,s:s,s:O,s:s,s:s,s:o}", "port", (json_int_t)port,
	                                             "probe", probe, "text", text, "product", sv.product,
	                                             "version", sv.version, "ranges", ids));
}

/* Every probe object of an entry that answered its protocol; each of its version texts once. */
static void see_entry(const json_t *entry, const struct version_db *db, int eol, struct patch_seen *s)
{
	const char *probe;
	const json_t *obj;
	unsigned port = (unsigned)json_integer_value(json_object_get(entry, "port"));
	json_object_foreach((json_t *)entry, probe, obj)
	{
		const char *st = json_string_value(json_object_get(obj, "status"));
		if (!json_is_object(obj) || st == NULL || strcmp(st, "ok") != 0)
			continue;
		for (size_t k = 0; k < sizeof version_keys / sizeof version_keys[0]; k++)
			see_text(probe, port, json_object_get(obj, version_keys[k]), db, eol, s);
	}
}

static const char *unfinished(const json_t *sweep)
{
	const char *st = json_string_value(json_object_get(sweep, "status"));
	return st != NULL && strcmp(st, "ok") != 0 ? st : NULL;
}

static void conclude(const json_t *sweep, struct patch_seen *s, int eol, struct svc_verdict *v)
{
	const char *kind = eol ? "end-of-life" : "known-vulnerable";
	if (s->matched > 0) {
		v->status = FS_FAIL;
		v->reason = "banner_inferred";
		snprintf(v->detail, sizeof v->detail,
		         "%s version announced: %s (banner-inferred, lower confidence: distributions "
		         "backport fixes "
		         "without changing the version)",
		         kind, s->first);
	} else if (s->versions > 0) {
		v->status = FS_PASS;
		v->reason = "banner_inferred";
		snprintf(v->detail, sizeof v->detail,
		         "no %s version among the %d announced (banner-inferred, lower confidence)", kind,
		         s->versions);
	} else {
		v->status = unfinished(sweep) ? FS_INDETERMINATE : FS_NA;
		v->reason = unfinished(sweep) ? unfinished(sweep) : "no_version";
		snprintf(v->detail, sizeof v->detail,
		         "no software version of a known product announced here");
	}
}

int patching_judge(const json_t *sweep, const json_t *entries, const struct version_db *db, int eol,
                   struct svc_verdict *v)
{
	size_t i;
	const json_t *e;
	struct patch_seen s;
	memset(&s, 0, sizeof s);
	memset(v, 0, sizeof *v);
	s.evidence = json_array();
	if (s.evidence == NULL)
		return -ENOMEM;
	json_array_foreach(entries, i, e) if (db != NULL) see_entry(e, db, eol, &s);
	conclude(sweep, &s, eol, v);
	v->evidence = s.evidence;
	return 0;
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
