/*
 * The analyzers' single entry point, and the one rule that spans DNS and web:
 * when a domain's resolution failed and its delegation shows that every one of
 * its name servers is outside the scan scope, the failure is the scope guard's
 * doing, so the indeterminate findings it caused say "out_of_scope".
 */
#include "analyze.h"

#include "analyze_services.h"
#include "analyze_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int analyze_dns_out_of_scope(const json_t *obs)
{
	const json_t *d = json_object_get(json_object_get(obs, "dns"), "delegation");
	const char *st = json_string_value(json_object_get(d, "status"));
	if (st != NULL && strcmp(st, "parent_out_of_scope") == 0)
		return 1;
	return json_integer_value(json_object_get(d, "addrs_in_scope")) == 0 &&
	       json_integer_value(json_object_get(d, "addrs_out_of_scope")) > 0;
}

static int resolution_reason(const char *reason)
{
	/* not_observed: a probe that needed the failed answer (AXFR needs the NS set) never ran. */
	return reason != NULL && (strcmp(reason, "servfail") == 0 || strcmp(reason, "timeout") == 0 ||
	                          strcmp(reason, "not_observed") == 0);
}

static int reattribute(struct finding *f)
{
	char *reason = strdup("out_of_scope");
	size_t len = strlen(f->detail) + 64;
	char *detail = malloc(len);
	if (reason == NULL || detail == NULL) {
		free(reason);
		free(detail);
		return -1;
	}
	snprintf(detail, len, "%s (the domain's name servers are outside the scan scope)", f->detail);
	free(f->reason);
	free(f->detail);
	f->reason = reason;
	f->detail = detail;
	return 0;
}

int analyze_domain(const json_t *obs, time_t now, struct findings *out)
{
	size_t first = out->n;
	int rc = analyze_dns(obs, now, out);
	int rc2 = analyze_web(obs, now, out);
	int rc3 = analyze_tls(obs, out);
	int rc4 = analyze_mail(obs, now, out);
	int rc5 = analyze_services(obs, out);
	if (analyze_dns_out_of_scope(obs))
		for (size_t i = first; i < out->n; i++)
			if (out->v[i].status == FS_INDETERMINATE && resolution_reason(out->v[i].reason) &&
			    reattribute(&out->v[i]) < 0 && rc == 0)
				rc = -ENOMEM;
	return rc < 0 ? rc : rc2 < 0 ? rc2 : rc3 < 0 ? rc3 : rc4 < 0 ? rc4 : rc5;
}
