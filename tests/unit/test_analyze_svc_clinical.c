/*
 * The clinical rows of the services analyzer (analyze_svc_clinical.c) on canned evidence
 * shaped as probe_dicom, probe_pacs_web, probe_hl7 and probe_fhir record it (the testbed's
 * Orthanc, storescp and emulators): each check's status per case, the endpoint with the
 * port, and what a swept address without the service gets.
 */
#include <stdio.h>
#include <string.h>

#include "analyze_services.h"
#include "tap.h"

#define SWEPT(open)                                                                                          \
	"[{\"addr\": \"127.40.3.1\", \"host\": \"s.test\", \"shared\": false, \"status\": \"ok\", "          \
	"\"open\": " open "}]"

static char detail[256];

/* The status of `check` at `endpoint` for one services entry (port and probe object), or "missing". */
static const char *judge(const char *check, const char *sweeps, const char *services, const char *endpoint)
{
	static char st[32];
	char text[8192];
	struct findings fs = {0};
	snprintf(text, sizeof text, "{\"domain\": \"s.test\", \"port_sweeps\": %s, \"services\": %s}", sweeps,
	         services);
	json_t *d = json_loads(text, 0, NULL);
	snprintf(st, sizeof st, "missing");
	detail[0] = '\0';
	if (d != NULL && analyze_services(d, &fs) == 0)
		for (size_t i = 0; i < fs.n; i++)
			if (strcmp(fs.v[i].check, check) == 0 &&
			    strcmp(fs.v[i].endpoint ? fs.v[i].endpoint : "", endpoint) == 0) {
				snprintf(st, sizeof st, "%s", fstatus_name(fs.v[i].status));
				snprintf(detail, sizeof detail, "%s", fs.v[i].detail ? fs.v[i].detail : "");
			}
	findings_clear(&fs);
	json_decref(d);
	return st;
}

/* One services entry on 127.40.3.1; the finding looked for at ADDR:PORT, or at ADDR when `bare`. */
static const char *entry(const char *check, unsigned port, const char *probe, const char *obj, int bare)
{
	char services[4096], sweeps[256], ep[64];
	snprintf(services, sizeof services,
	         "[{\"addr\": \"127.40.3.1\", \"port\": %u, \"host\": \"s.test\", \"service\": \"x\", "
	         "\"%s\": %s}]",
	         port, probe, obj);
	snprintf(sweeps, sizeof sweeps,
	         "[{\"addr\": \"127.40.3.1\", \"host\": \"s.test\", \"shared\": false, \"status\": \"ok\", "
	         "\"open\": "
	         "[%u]}]",
	         port);
	snprintf(ep, sizeof ep, bare ? "127.40.3.1" : "127.40.3.1:%u", port);
	return judge(check, sweeps, services, ep);
}

static const char *one(const char *check, unsigned port, const char *probe, const char *obj)
{
	return entry(check, port, probe, obj, 0);
}

static void test_dicom(void)
{
	const char *open =
	    "{\"status\": \"ok\", \"tls\": false, \"called_aet\": \"VITALS-NOSUCH\", \"association\": "
	    "\"accepted\", \"echo_context\": 0, \"find_context\": 0, \"echo_status\": 0, \"find\": "
	    "\"success\", \"find_status\": 0}";
	const char *rj =
	    "{\"status\": \"ok\", \"tls\": false, \"association\": \"rejected\", \"reject\": {\"result\": 1, "
	    "\"source\": 1, \"reason\": 7}, \"find\": null}";
	const char *nofind = "{\"status\": \"ok\", \"tls\": false, \"association\": \"accepted\", \"find\": "
	                     "\"aborted\", \"aborted_at\": \"find\"}";
	const char *scp =
	    "{\"status\": \"ok\", \"tls\": false, \"association\": \"accepted\", \"find_context\": 3, "
	    "\"find\": \"context_refused\"}";
	const char *tls =
	    "{\"status\": \"ok\", \"tls\": true, \"association\": \"accepted\", \"find\": \"success\"}";
	const char *cut =
	    "{\"status\": \"ok\", \"tls\": false, \"association\": \"accepted\", \"find\": null}";
	is_str(one("svc.dicom.any_aet", 4242, "dicom", open), "fail", "accepted an unknown called AE title");
	ok(strstr(detail, "VITALS-NOSUCH") != NULL, "the detail names the title");
	is_str(one("svc.dicom.find_open", 4242, "dicom", open), "fail", "C-FIND answered with success");
	is_str(one("svc.dicom.cleartext", 4242, "dicom", open), "fail", "DICOM without TLS");
	is_str(one("svc.dicom.any_aet", 104, "dicom", rj), "pass",
	       "rejected (called AE title not recognized)");
	ok(strstr(detail, "called AE title not recognized") != NULL, "the detail gives the reason");
	is_str(one("svc.dicom.find_open", 104, "dicom", rj), "pass", "no association: no query possible");
	is_str(one("svc.dicom.find_open", 11112, "dicom", nofind), "pass", "the C-FIND aborted");
	is_str(one("svc.dicom.any_aet", 11112, "dicom", nofind), "fail", "but any caller is admitted");
	is_str(one("svc.dicom.find_open", 11112, "dicom", scp), "pass", "storescp: FIND context refused");
	is_str(one("svc.dicom.cleartext", 2762, "dicom", tls), "pass", "DICOM over TLS");
	is_str(one("svc.dicom.find_open", 2762, "dicom", tls), "fail", "TLS does not make a query refused");
	is_str(one("svc.dicom.find_open", 4242, "dicom", cut), "indeterminate",
	       "accepted, no answer to the query");
	is_str(one("svc.dicom.any_aet", 104, "dicom", "{\"status\": \"malformed\"}"), "indeterminate",
	       "a malformed answer (the hostile peer)");
	is_str(one("svc.dicom.cleartext", 104, "dicom", "{\"status\": \"malformed\"}"), "indeterminate",
	       "cleartext is not judged on what is not DICOM");
	is_str(judge("svc.dicom.any_aet", SWEPT("[80]"), "[]", "127.40.3.1"), "na",
	       "no DICOM: not applicable");
}

static void test_pacs_hl7(void)
{
	const char *open =
	    "{\"status\": \"ok\", \"product\": \"orthanc\", \"version\": \"1.10.1\", \"system_status\": "
	    "200, \"patients_status\": 200, \"dicomweb_status\": 404}";
	const char *locked =
	    "{\"status\": \"ok\", \"product\": \"orthanc\", \"realm\": \"Basic realm=\\\"Orthanc "
	    "Secure Area\\\"\", \"system_status\": 401, \"patients_status\": 401}";
	is_str(one("svc.pacs_web.noauth", 8042, "pacs_web", open), "fail", "Orthanc open");
	ok(strstr(detail, "1.10.1") != NULL, "the detail names the version");
	is_str(one("svc.pacs_web.noauth", 8042, "pacs_web", locked), "pass", "Orthanc asks for credentials");
	const char *dicomweb = "{\"status\": \"ok\", \"product\": \"orthanc\", \"system_status\": 401, "
	                       "\"patients_status\": 401, \"dicomweb_status\": 200}";
	is_str(one("svc.pacs_web.noauth", 8042, "pacs_web", dicomweb), "fail",
	       "DICOMweb answering a study query while the rest asks for credentials: fail");
	ok(strstr(detail, "/dicom-web/studies 200") != NULL, "the detail says DICOMweb answered");
	is_str(entry("svc.pacs_web.noauth", 80, "pacs_web", "{\"status\": \"not_pacs_web\"}", 1), "na",
	       "a web server that is no PACS: not applicable");
	const char *ar =
	    "{\"status\": \"ok\", \"msa\": true, \"ack_code\": \"AR\", \"sending_app\": \"VITALS-NOSUCH\"}";
	is_str(one("svc.hl7.exposed", 2575, "hl7", ar), "fail", "an MLLP listener answered");
	ok(strstr(detail, "MSA-1 AR") != NULL, "with its acknowledgment code");
	is_str(entry("svc.hl7.exposed", 2575, "hl7", "{\"status\": \"not_hl7\"}", 1), "pass",
	       "something else on 2575: no HL7 there");
	is_str(one("svc.hl7.exposed", 2575, "hl7", "{\"status\": \"timeout\"}"), "indeterminate",
	       "no answer in time: indeterminate");
	is_str(judge("svc.hl7.exposed", SWEPT("[80]"), "[]", "127.40.3.1"), "pass", "no HL7 port: pass");
}

static void test_fhir(void)
{
	const char *open =
	    "{\"status\": \"ok\", \"base\": \"/\", \"software\": \"HAPI FHIR Server\", \"security\": "
	    "false, \"smart_status\": 404, \"count_status\": 200, \"count_total\": 0, "
	    "\"count_entries\": 0}";
	const char *smart =
	    "{\"status\": \"ok\", \"base\": \"/\", \"security\": true, \"security_service\": "
	    "\"SMART-on-FHIR\", \"smart_status\": 200, \"smart_authorize\": true, \"count_status\": 401}";
	const char *odd =
	    "{\"status\": \"ok\", \"security\": false, \"smart_authorize\": true, \"count_status\": 404}";
	is_str(one("svc.fhir.anonymous_read", 8080, "fhir", open), "fail", "an anonymous count answered");
	is_str(one("svc.fhir.no_security", 8080, "fhir", open), "fail", "no security declared");
	is_str(one("svc.fhir.anonymous_read", 8080, "fhir", smart), "pass", "401 for the count");
	is_str(one("svc.fhir.no_security", 8080, "fhir", smart), "pass", "SMART-on-FHIR declared");
	ok(strstr(detail, "SMART-on-FHIR") != NULL, "named in the detail");
	is_str(one("svc.fhir.anonymous_read", 8080, "fhir", odd), "indeterminate",
	       "404 for Patient: undecided");
	is_str(one("svc.fhir.no_security", 8080, "fhir", odd), "pass",
	       "a SMART configuration is a declaration");
	is_str(entry("svc.fhir.no_security", 443, "fhir", "{\"status\": \"not_fhir\"}", 1), "na",
	       "no FHIR: na");
}

static void test_ids(void)
{
	const char *want[] = {"svc.dicom.any_aet",   "svc.dicom.find_open", "svc.dicom.cleartext",
	                      "svc.pacs_web.noauth", "svc.hl7.exposed",     "svc.fhir.anonymous_read",
	                      "svc.fhir.no_security"};
	int found = 0;
	for (size_t i = 0; analyze_services_check_id(i) != NULL; i++)
		for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
			found += strcmp(analyze_services_check_id(i), want[k]) == 0;
	is_int(found, 7, "the seven clinical checks are listed once each");
}

int main(void)
{
	test_dicom();
	test_pacs_hl7();
	test_fhir();
	test_ids();
	return done_testing();
}
