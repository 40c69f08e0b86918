/*
 * FHIR REST answers the FHIR probe reads (HL7 FHIR R4 s3.1.0 CapabilityStatement, SMART App
 * Launch 2.0 s2.1 /.well-known/smart-configuration, s3.1.1.4 search with _summary=count):
 * the server's software name and version, its FHIR version, whether any rest[] entry has a
 * security section (and its first service code, e.g. "SMART-on-FHIR"), which SMART
 * endpoints are published, and of a count search only the Bundle's total and how many
 * entries came (entries are never read: a server that ignores _summary=count is counted,
 * not read).
 *
 * Bodies are JSON of at most FHIR_BODY_MAX bytes (the probe's read cap); text kept is
 * printable and cut to fixed sizes. Opens no socket and judges nothing.
 */
#ifndef VITALS_WIRE_FHIR_H
#define VITALS_WIRE_FHIR_H

#include <stddef.h>

#define FHIR_BODY_MAX  (1024 * 1024) /* the largest body parsed (a CapabilityStatement can be big) */
#define FHIR_COUNT_MAX (16 * 1024)   /* the largest count answer read: a count Bundle is small */
#define FHIR_TEXT_MAX  64

struct fhir_capability {
	int conformance;                      /* DSTU2's "Conformance" rather than "CapabilityStatement" */
	char software[FHIR_TEXT_MAX];         /* software.name, "" when absent */
	char version[FHIR_TEXT_MAX];          /* software.version */
	char fhir_version[FHIR_TEXT_MAX];     /* fhirVersion */
	int has_security;                     /* some rest[] entry has a "security" object */
	char security_service[FHIR_TEXT_MAX]; /* its first service coding code, or service text */
};

struct fhir_smart {
	int has_authorize; /* authorization_endpoint is a string */
	int has_token;     /* token_endpoint is a string */
};

struct fhir_count {
	int bundle;       /* resourceType "Bundle" */
	long long total;  /* Bundle.total, -1 when absent */
	unsigned entries; /* how many entries the server sent anyway (never read) */
	int outcome;      /* resourceType "OperationOutcome" (a refusal with a reason) */
};

/* 0 when the body is a CapabilityStatement (or Conformance), -EBADMSG otherwise, -E2BIG past the cap. */
int fhir_capability_parse(const char *body, size_t len, struct fhir_capability *out);
/* 0 when the body is a JSON object, -EBADMSG otherwise, -E2BIG past the cap. */
int fhir_smart_parse(const char *body, size_t len, struct fhir_smart *out);
/* 0 when the body is a JSON object with a resourceType, -EBADMSG otherwise, -E2BIG past FHIR_COUNT_MAX. */
int fhir_count_parse(const char *body, size_t len, struct fhir_count *out);

#endif
