/*
 * wire_fhir and wire_pacs on canned bodies (the fuzz seeds under tests/fuzz/corpus/fhir and
 * pacs: HAPI-style CapabilityStatements with and without a SMART security section, a count
 * Bundle, an OperationOutcome, a SMART configuration, Orthanc's /system), odd member types,
 * non-JSON and the caps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "testfile.h"
#include "wire_fhir.h"
#include "wire_pacs.h"

static char *seed(const char *dir, const char *name)
{
	char path[512];
	const char *src = getenv("VITALS_SRCDIR");
	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/%s/%s", src ? src : ".", dir, name);
	char *s = slurp(path);
	if (s == NULL)
		printf("# cannot read %s\n", path);
	return s;
}

static void test_capability(void)
{
	struct fhir_capability c;
	char *open = seed("fhir", "hapi_open.json"), *smart = seed("fhir", "hapi_smart.json");
	char *odd = seed("fhir", "dstu2_odd.json");
	is_int(fhir_capability_parse(open, strlen(open), &c), 0, "open CapabilityStatement");
	is_str(c.software, "HAPI FHIR Server", "software.name");
	is_str(c.version, "6.4.0", "software.version");
	is_str(c.fhir_version, "4.0.1", "fhirVersion");
	is_int(c.has_security, 0, "no rest[].security");
	is_str(c.security_service, "", "no service");
	is_int(fhir_capability_parse(smart, strlen(smart), &c), 0, "SMART CapabilityStatement");
	is_int(c.has_security, 1, "rest[].security");
	is_str(c.security_service, "SMART-on-FHIR", "service coding code");
	is_int(fhir_capability_parse(odd, strlen(odd), &c), 0, "DSTU2 Conformance");
	is_int(c.conformance, 1, "Conformance");
	is_str(c.software, "", "a non-string name is absent");
	is_str(c.security_service, "?OAuth", "service text, control character replaced");
	free(open);
	free(smart);
	free(odd);
}

static void test_count(void)
{
	struct fhir_count n;
	char *b = seed("fhir", "count_bundle.json"), *o = seed("fhir", "outcome_401.json");
	is_int(fhir_count_parse(b, strlen(b), &n), 0, "count Bundle");
	ok(n.bundle && !n.outcome, "a Bundle");
	is_int(n.total, 0, "total 0");
	is_int(n.entries, 0, "no entries");
	is_int(fhir_count_parse(o, strlen(o), &n), 0, "OperationOutcome");
	ok(n.outcome && !n.bundle, "an OperationOutcome");
	is_int(n.total, -1, "no total");
	const char *with = "{\"resourceType\":\"Bundle\",\"total\":3,\"entry\":[{},{},{}]}";
	is_int(fhir_count_parse(with, strlen(with), &n), 0, "a Bundle with entries");
	is_int(n.entries, 3, "entries counted");
	static char big[FHIR_COUNT_MAX + 2];
	memset(big, ' ', sizeof big);
	is_int(fhir_count_parse(big, sizeof big, &n), -E2BIG, "over the count cap");
	is_int(fhir_count_parse("[1]", 3, &n), -EBADMSG, "an array is not an answer");
	is_int(fhir_count_parse("{}", 2, &n), -EBADMSG, "no resourceType");
	free(b);
	free(o);
}

static void test_smart_and_errors(void)
{
	struct fhir_smart s;
	struct fhir_capability c;
	char *sc = seed("fhir", "smart_configuration.json");
	is_int(fhir_smart_parse(sc, strlen(sc), &s), 0, "SMART configuration");
	ok(s.has_authorize && s.has_token, "both endpoints");
	const char *num = "{\"token_endpoint\":1}";
	is_int(fhir_smart_parse(num, strlen(num), &s), 0, "an object");
	ok(!s.has_authorize && !s.has_token, "a number is no endpoint");
	is_int(fhir_smart_parse("<html>", 6, &s), -EBADMSG, "HTML: -EBADMSG");
	is_int(fhir_capability_parse("{\"resourceType\":\"Patient\"}", 26, &c), -EBADMSG, "not a capability");
	free(sc);
}

static void test_pacs(void)
{
	struct pacs_system p;
	char *sys = seed("pacs", "orthanc_system"), *bad = seed("pacs", "bad_types");
	is_int(pacs_system_parse(sys, strlen(sys), &p), 0, "Orthanc /system");
	is_str(p.version, "1.10.1", "Version");
	is_str(p.name, "vitals-o1", "Name");
	is_str(p.aet, "ORTHANC", "DicomAet");
	is_int(p.api_version, 16, "ApiVersion");
	is_int(pacs_system_parse(bad, strlen(bad), &p), -EBADMSG, "a numeric Version: not /system");
	is_int(pacs_system_parse("{\"Version\":\"1\"}", 15, &p), 0, "minimal");
	is_str(p.name, "", "absent Name");
	is_int(p.api_version, -1, "absent ApiVersion");
	free(sys);
	free(bad);
}

int main(void)
{
	test_capability();
	test_count();
	test_smart_and_errors();
	test_pacs();
	return done_testing();
}
