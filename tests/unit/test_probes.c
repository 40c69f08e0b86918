/*
 * The probe registry: every module is well formed, and its declared observation schema
 * is documented in docs/OBSERVATIONS.md. With --list it prints every declared path, one
 * per line, for the integration test that holds real scans' documents against it.
 */
#include "probes.h"
#include "tap.h"
#include "testfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A path "dns.axfr" is documented as `dns.axfr`, or its key as `axfr` or "axfr" in the doc. */
static int documented(const char *doc, const char *path)
{
	char a[128], b[128], c[128];
	const char *key = strchr(path, '.') ? strchr(path, '.') + 1 : path;
	snprintf(a, sizeof a, "`%s`", path);
	snprintf(b, sizeof b, "`%s`", key);
	snprintf(c, sizeof c, "\"%s\"", key);
	return strstr(doc, a) || strstr(doc, b) || strstr(doc, c);
}

int main(int argc, char **argv)
{
	size_t n = 0;
	const struct probe_module *const *m = probes_all(&n);
	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n; i++)
			for (const char *const *p = m[i]->observes; p && *p; p++)
				printf("%s %s\n", m[i]->name, *p);
		return 0;
	}
	char path[600];
	const char *src = getenv("VITALS_SRCDIR");
	snprintf(path, sizeof path, "%s/docs/OBSERVATIONS.md", src ? src : ".");
	char *doc = slurp(path);
	ok(doc != NULL, "docs/OBSERVATIONS.md is readable");
	ok(n >= 4, "the registry has the dns, deleg, axfr and web modules");
	int kinds[UNIT_KINDS] = {0};
	for (size_t i = 0; i < n; i++) {
		char name[160];
		snprintf(name, sizeof name, "module %s: a name, a known unit, a start and a schema",
		         m[i]->name);
		ok(m[i]->name && m[i]->start && (unsigned)m[i]->unit < UNIT_KINDS && m[i]->observes &&
		       m[i]->observes[0],
		   name);
		kinds[m[i]->unit]++;
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(m[i]->name, m[j]->name) == 0)
				ok(0, "module names are unique");
		for (const char *const *p = m[i]->observes; doc && p && *p; p++) {
			snprintf(name, sizeof name, "module %s: %s is in docs/OBSERVATIONS.md", m[i]->name,
			         *p);
			ok(documented(doc, *p), name);
		}
	}
	ok(kinds[UNIT_DOMAIN] >= 1, "some module works on the targets' domains");
	free(doc);
	return done_testing();
}
