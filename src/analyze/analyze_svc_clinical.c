/*
 * Clinical systems checks (factor "clinical"): DICOM archives, PACS web APIs, HL7 v2
 * interfaces and FHIR servers reachable from outside (services[].dicom, .pacs_web, .hl7,
 * .fhir; docs/OBSERVATIONS.md). DICOM: an association for an AE title nobody configured
 * accepted (any caller admitted), an unauthenticated C-FIND answered, DICOM without TLS.
 * PACS web: Orthanc's REST API answering without credentials. HL7: an MLLP listener
 * answering a stranger at all. FHIR: an anonymous count of patients answered, and a
 * CapabilityStatement that declares no security.
 */
#include <stdio.h>
#include <string.h>

#include "analyze_services.h"

static const char *text(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static long long port_of(const json_t *entry)
{
	return json_integer_value(json_object_get(entry, "port"));
}

static void set(struct svc_verdict *v, enum fstatus st, const char *reason)
{
	v->status = st;
	v->reason = reason;
}

/* PS3.8 9.3.4: why an association was rejected, for the detail. */
static const char *reject_reason(const json_t *rj)
{
	long long source = json_integer_value(json_object_get(rj, "source"));
	long long reason = json_integer_value(json_object_get(rj, "reason"));
	if (source == 1 && reason == 7)
		return "called AE title not recognized";
	if (source == 1 && reason == 3)
		return "calling AE title not recognized";
	if (source == 1 && reason == 2)
		return "application context not supported";
	return source == 1 ? "rejected by the service user" : "rejected by the provider";
}

static void dicom_any_aet(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const char *assoc = text(probe, "association");
	long long port = port_of(entry);
	if (strcmp(assoc, "accepted") == 0) {
		set(v, FS_FAIL, NULL);
		snprintf(v->detail, sizeof v->detail,
		         "DICOM on port %lld accepted an association for the unknown called AE title %s",
		         port, text(probe, "called_aet"));
	} else if (strcmp(assoc, "rejected") == 0 || strcmp(assoc, "aborted") == 0) {
		set(v, FS_PASS, NULL);
		snprintf(v->detail, sizeof v->detail, "DICOM on port %lld %s the association (%s)", port,
		         assoc,
		         strcmp(assoc, "rejected") == 0 ? reject_reason(json_object_get(probe, "reject"))
		                                        : "A-ABORT");
	} else {
		set(v, FS_INDETERMINATE, "unanswered");
		snprintf(v->detail, sizeof v->detail, "DICOM on port %lld gave no association answer", port);
	}
}

static void dicom_find_open(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const char *assoc = text(probe, "association"), *find = text(probe, "find");
	long long port = port_of(entry);
	if (strcmp(find, "success") == 0 || strcmp(find, "matched") == 0) {
		set(v, FS_FAIL, NULL);
		snprintf(v->detail, sizeof v->detail,
		         "DICOM on port %lld answered an unauthenticated STUDY-level C-FIND (%s)", port,
		         strcmp(find, "matched") == 0 ? "with a match" : "status success");
	} else if (find[0] != '\0') {
		set(v, FS_PASS, NULL);
		snprintf(v->detail, sizeof v->detail, "DICOM on port %lld refused the C-FIND (%s)", port,
		         find);
	} else if (assoc[0] != '\0' && strcmp(assoc, "accepted") != 0) {
		set(v, FS_PASS, NULL);
		snprintf(v->detail, sizeof v->detail,
		         "DICOM on port %lld %s the association: no query possible", port, assoc);
	} else {
		set(v, FS_INDETERMINATE, "unanswered");
		snprintf(v->detail, sizeof v->detail, "DICOM on port %lld did not answer the C-FIND", port);
	}
}

static void dicom_cleartext(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	long long port = port_of(entry);
	if (json_is_true(json_object_get(probe, "tls"))) {
		set(v, FS_PASS, NULL);
		snprintf(v->detail, sizeof v->detail, "DICOM on port %lld is spoken over TLS", port);
	} else {
		set(v, FS_FAIL, NULL);
		snprintf(v->detail, sizeof v->detail, "DICOM on port %lld is spoken in cleartext", port);
	}
}

static void pacs_noauth(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	long long sys = json_integer_value(json_object_get(probe, "system_status"));
	long long pat = json_integer_value(json_object_get(probe, "patients_status"));
	long long web = json_integer_value(json_object_get(probe, "dicomweb_status"));
	long long port = port_of(entry);
	const char *ver = text(probe, "version");
	if (sys == 200 || pat == 200) {
		set(v, FS_FAIL, NULL);
		snprintf(
		    v->detail, sizeof v->detail,
		    "Orthanc%s%s on port %lld answers without credentials (/system %lld, /patients %lld)",
		    ver[0] ? " " : "", ver, port, sys, pat);
	} else if (web == 200) {
		/* a DICOMweb service (QIDO-RS) answering anyone, whatever guards the rest */
		set(v, FS_FAIL, NULL);
		snprintf(v->detail, sizeof v->detail,
		         "DICOMweb on port %lld answers a study query without credentials "
		         "(/dicom-web/studies 200, /system %lld)",
		         port, sys);
	} else {
		set(v, FS_PASS, NULL);
		snprintf(v->detail, sizeof v->detail,
		         "Orthanc on port %lld asks for credentials (/system %lld)", port, sys);
	}
}

static void hl7_exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const char *ack = text(probe, "ack_code");
	set(v, FS_FAIL, NULL);
	snprintf(v->detail, sizeof v->detail,
	         "an HL7 v2 interface on port %lld answers anyone over MLLP (MSA-1 %s)", port_of(entry),
	         ack[0] ? ack : "absent");
}

static void fhir_anonymous_read(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	long long st = json_integer_value(json_object_get(probe, "count_status"));
	const json_t *total = json_object_get(probe, "count_total");
	long long port = port_of(entry);
	if (st == 200 && json_is_integer(total)) {
		set(v, FS_FAIL, NULL);
		snprintf(v->detail, sizeof v->detail,
		         "FHIR on port %lld counts Patient resources for anyone (total %lld, no credentials)",
		         port, json_integer_value(total));
	} else if (st == 401 || st == 403) {
		set(v, FS_PASS, NULL);
		snprintf(v->detail, sizeof v->detail,
		         "FHIR on port %lld refuses anonymous Patient searches (%lld)", port, st);
	} else {
		set(v, FS_INDETERMINATE, "unanswered");
		snprintf(v->detail, sizeof v->detail,
		         "FHIR on port %lld answered the Patient count with %lld", port, st);
	}
}

static void fhir_no_security(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	long long port = port_of(entry);
	const char *svc = text(probe, "security_service");
	if (json_is_true(json_object_get(probe, "security")) ||
	    json_is_true(json_object_get(probe, "smart_authorize"))) {
		set(v, FS_PASS, NULL);
		snprintf(v->detail, sizeof v->detail, "FHIR on port %lld declares its security (%s)", port,
		         svc[0] ? svc : "SMART configuration");
	} else {
		set(v, FS_FAIL, NULL);
		snprintf(v->detail, sizeof v->detail,
		         "FHIR on port %lld declares no security in its CapabilityStatement and no SMART "
		         "configuration",
		         port);
	}
}

const struct svc_check svc_checks_clinical[] = {
    {"svc.dicom.any_aet", "dicom", FS_NA, "DICOM", dicom_any_aet},
    {"svc.dicom.find_open", "dicom", FS_NA, "DICOM", dicom_find_open},
    {"svc.dicom.cleartext", "dicom", FS_NA, "DICOM", dicom_cleartext},
    {"svc.pacs_web.noauth", "pacs_web", FS_NA, "a PACS web API", pacs_noauth},
    {"svc.hl7.exposed", "hl7", FS_PASS, "HL7 v2 over MLLP", hl7_exposed},
    {"svc.fhir.anonymous_read", "fhir", FS_NA, "FHIR", fhir_anonymous_read},
    {"svc.fhir.no_security", "fhir", FS_NA, "FHIR", fhir_no_security},
    {NULL, NULL, FS_NA, NULL, NULL},
};
