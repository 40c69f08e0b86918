/* The exposed-services analyzer: see analyze_services.h. */
#include "analyze_services.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire_http.h"

/* Every family's table, in report order. */
static const struct svc_check *const tables[] = {
    svc_checks_redis,    svc_checks_remote, svc_checks_sshdb,
    svc_checks_clinical, svc_checks_turn,   svc_checks_patching,
};
#define NTABLES (sizeof tables / sizeof tables[0])

const char *analyze_services_check_id(size_t i)
{
	for (size_t t = 0; t < NTABLES; t++)
		for (const struct svc_check *k = tables[t]; k->id != NULL; k++)
			if (i-- == 0)
				return k->id;
	return NULL;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Worse first: fail, then indeterminate, then pass, then not applicable. */
static int badness(enum fstatus s)
{
	return s == FS_FAIL ? 3 : s == FS_INDETERMINATE ? 2 : s == FS_PASS ? 1 : 0;
}

static int add(struct findings *out, const struct svc_check *k, const char *domain, const char *endpoint,
               const struct svc_verdict *v, json_t *evidence)
{
	size_t first = out->n;
	int rc = findings_add(out, k->id, domain, v->status, v->reason, evidence, "%s", v->detail);
	if (rc == 0 && endpoint != NULL && out->n > first &&
	    (out->v[first].endpoint = strdup(endpoint)) == NULL)
		rc = -ENOMEM;
	return rc;
}

static void endpoint_of(const char *addr, long long port, char *buf, size_t len)
{
	if (port <= 0)
		snprintf(buf, len, "%s", addr);
	else if (strchr(addr, ':') != NULL)
		snprintf(buf, len, "[%s]:%lld", addr, port);
	else
		snprintf(buf, len, "%s:%lld", addr, port);
}

/* The verdict of row k on one services entry, or 0 when the entry is not that service. */
static int judge_entry(const struct svc_check *k, const json_t *entry, struct svc_verdict *v)
{
	/* A row over every probe of the entry ("*": patching) decides itself; na is "nothing here". */
	if (strcmp(k->probe, "*") == 0) {
		memset(v, 0, sizeof *v);
		k->judge(entry, entry, v);
		return v->status != FS_NA;
	}
	const json_t *probe = json_object_get(entry, k->probe);
	const char *st = jstr(probe, "status");
	if (probe == NULL || (st != NULL && strncmp(st, "not_", 4) == 0))
		return 0;
	memset(v, 0, sizeof *v);
	if (st != NULL && strcmp(st, "ok") == 0) {
		k->judge(probe, entry, v);
		return 1;
	}
	v->status = FS_INDETERMINATE;
	v->reason = st ? st : "error";
	snprintf(v->detail, sizeof v->detail, "%s on port %lld: no answer could be read (%s)", k->what,
	         json_integer_value(json_object_get(entry, "port")), v->reason);
	return 1;
}

/*
 * The web's answers on `addr` as services entries for the rows over every probe ("*": the
 * patching checks): each fetch of http://HOST/ and https://HOST/ the web probe made to that
 * address, with the Server header it answered, becomes {"addr", "port", "web": {"status":
 * "ok", "url", "server"}}. Appended to `out` (an array).
 */
static void web_entries(const json_t *obs, const char *addr, json_t *out)
{
	static const struct {
		const char *fetch;
		int port;
	} fetches[] = {{"http", 80}, {"https", 443}};
	const json_t *webs = json_object_get(obs, "webs"), *w;
	json_t *legacy = NULL;
	size_t i;
	if (webs == NULL && json_object_get(obs, "web") != NULL) /* documents stored before assets */
		webs = legacy = json_pack("[O]", json_object_get(obs, "web"));
	json_array_foreach(webs, i, w)
	{
		const char *wa = jstr(w, "addr");
		if (wa == NULL || strcmp(wa, addr) != 0)
			continue;
		for (size_t f = 0; f < sizeof fetches / sizeof fetches[0]; f++) {
			const json_t *fetch = json_object_get(w, fetches[f].fetch);
			const char *st = jstr(fetch, "status");
			const char *server = http_header_get(json_object_get(fetch, "headers"), "Server", 0);
			if (st == NULL || strcmp(st, "ok") != 0 || server == NULL)
				continue;
			json_array_append_new(out, json_pack("{s:s, s:i, s:s?, s:{s:s, s:s?, s:s}}", "addr",
			                                     addr, "port", fetches[f].port, "host",
			                                     jstr(w, "host"), "web", "status", "ok", "url",
			                                     jstr(fetch, "url"), "server", server));
		}
	}
	json_decref(legacy);
}

/* The worst verdict of row k so far on one address, and the entry it came from. */
struct pick {
	const json_t *entry; /* NULL: none yet */
	struct svc_verdict v;
};

/* Row k on each entry of `entries` that is on `addr`, keeping the worst in *p. */
static void consider(const struct svc_check *k, const json_t *entries, const char *addr, struct pick *p)
{
	const json_t *e;
	struct svc_verdict v;
	size_t i;
	json_array_foreach(entries, i, e)
	{
		const char *ea = jstr(e, "addr");
		if (ea == NULL || strcmp(ea, addr) != 0 || !judge_entry(k, e, &v))
			continue;
		if (p->entry == NULL || badness(v.status) > badness(p->v.status)) {
			p->entry = e;
			p->v = v;
		}
	}
}

/* Row k on one swept address. */
static int check_address(const json_t *obs, const struct svc_check *k, const json_t *sweep,
                         struct findings *out)
{
	/* the domain's own name: an address two hosts share has one finding, named the same way in
	 * every scan whichever host found it first (the evidence names the host) */
	const char *addr = jstr(sweep, "addr"), *sst = jstr(sweep, "status"), *domain = jstr(obs, "domain");
	struct pick p = {NULL, {0}};
	struct svc_verdict w = {0};
	char endpoint[128];
	json_t *webs = NULL;
	if (addr == NULL || domain == NULL)
		return 0;
	consider(k, json_object_get(obs, "services"), addr, &p);
	/* rows over every probe (patching) also read the web's answers on the address */
	if (strcmp(k->probe, "*") == 0) {
		if ((webs = json_array()) == NULL)
			return -ENOMEM;
		web_entries(obs, addr, webs);
		consider(k, webs, addr, &p);
	}
	if (p.entry != NULL) {
		endpoint_of(addr, json_integer_value(json_object_get(p.entry, "port")), endpoint,
		            sizeof endpoint);
		int rc = add(out, k, domain, endpoint, &p.v, json_deep_copy(p.entry));
		json_decref(webs);
		return rc;
	}
	json_decref(webs);
	if (sst != NULL && strcmp(sst, "ok") == 0) {
		w.status = k->absent;
		w.reason = k->absent == FS_NA ? "no_service" : NULL;
		snprintf(w.detail, sizeof w.detail, "no %s reachable on %s", k->what, addr);
	} else {
		w.status = FS_INDETERMINATE;
		w.reason = sst ? sst : "error";
		snprintf(w.detail, sizeof w.detail, "the port sweep of %s did not finish (%s)", addr,
		         w.reason);
	}
	json_t *ev = json_pack("{s:s, s:s?, s:O?}", "addr", addr, "sweep", sst, "open",
	                       json_object_get(sweep, "open"));
	return add(out, k, domain, addr, &w, ev);
}

int analyze_services(const json_t *obs, struct findings *out)
{
	const json_t *sweeps = json_object_get(obs, "port_sweeps"), *s;
	const char *domain = jstr(obs, "domain");
	int rc = 0;
	for (size_t t = 0; t < NTABLES; t++)
		for (const struct svc_check *k = tables[t]; k->id != NULL && rc == 0; k++) {
			size_t i;
			if (json_array_size(sweeps) == 0) {
				/* no sweep ran: --services off, an older scan, or no address was found */
				struct svc_verdict v = {FS_INDETERMINATE, "not_observed", ""};
				snprintf(v.detail, sizeof v.detail,
				         "no port sweep of %s's addresses (none found, or --services off)",
				         domain ? domain : "the domain");
				rc = add(out, k, domain ? domain : "", NULL, &v, json_null());
				continue;
			}
			json_array_foreach(sweeps, i, s)
			{
				if (rc == 0)
					rc = check_address(obs, k, s, out);
			}
		}
	return rc;
}
