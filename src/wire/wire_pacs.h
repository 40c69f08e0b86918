/*
 * The answer of a PACS web API's system endpoint (Orthanc's GET /system, a JSON object with
 * "Name", "Version", "DicomAet", "ApiVersion"): what identifies the software and its version
 * for the record. Only those members are read; bodies over PACS_BODY_MAX bytes are the
 * peer's -E2BIG. Opens no socket and judges nothing.
 */
#ifndef VITALS_WIRE_PACS_H
#define VITALS_WIRE_PACS_H

#include <stddef.h>

#define PACS_BODY_MAX (64 * 1024) /* the largest /system answer read */
#define PACS_TEXT_MAX 64

struct pacs_system {
	char name[PACS_TEXT_MAX];    /* "Name", "" when absent */
	char version[PACS_TEXT_MAX]; /* "Version" ("1.10.1") */
	char aet[PACS_TEXT_MAX];     /* "DicomAet" */
	long long api_version;       /* "ApiVersion", -1 when absent */
};

/* 0 when the body is a JSON object with a string "Version", -EBADMSG otherwise, -E2BIG past the cap. */
int pacs_system_parse(const char *body, size_t len, struct pacs_system *out);

#endif
