/* FHIR answers: see wire_fhir.h. */
#include "wire_fhir.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

/* A JSON object from at most `cap` bytes, or NULL with *rc set. */
static json_t *load(const char *body, size_t len, size_t cap, int *rc)
{
	*rc = -EBADMSG;
	if (len > cap) {
		*rc = -E2BIG;
		return NULL;
	}
	json_t *j = json_loadb(body, len, 0, NULL);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static void copy_text(char *dst, const json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	size_t n = 0;
	for (; s[n] != '\0' && n < FHIR_TEXT_MAX - 1; n++)
		dst[n] = s[n] >= 0x20 && s[n] <= 0x7e ? s[n] : '?';
	dst[n] = '\0';
}

/* The first service's first coding code, else its text. */
static void service_code(const json_t *security, char *dst)
{
	const json_t *svc = json_array_get(json_object_get(security, "service"), 0);
	const json_t *code = json_object_get(json_array_get(json_object_get(svc, "coding"), 0), "code");
	copy_text(dst, json_is_string(code) ? code : json_object_get(svc, "text"));
}

static void read_rest(const json_t *rest, struct fhir_capability *c)
{
	size_t i;
	const json_t *r;
	json_array_foreach(rest, i, r)
	{
		const json_t *sec = json_object_get(r, "security");
		if (json_is_object(sec) && !c->has_security) {
			c->has_security = 1;
			service_code(sec, c->security_service);
		}
	}
}

int fhir_capability_parse(const char *body, size_t len, struct fhir_capability *out)
{
	int rc;
	json_t *j = load(body, len, FHIR_BODY_MAX, &rc);
	if (j == NULL)
		return rc;
	const char *type = json_string_value(json_object_get(j, "resourceType"));
	struct fhir_capability c;
	memset(&c, 0, sizeof c);
	rc = -EBADMSG;
	if (type != NULL && (strcmp(type, "CapabilityStatement") == 0 || strcmp(type, "Conformance") == 0)) {
		c.conformance = strcmp(type, "Conformance") == 0;
		const json_t *sw = json_object_get(j, "software");
		copy_text(c.software, json_object_get(sw, "name"));
		copy_text(c.version, json_object_get(sw, "version"));
		copy_text(c.fhir_version, json_object_get(j, "fhirVersion"));
		read_rest(json_object_get(j, "rest"), &c);
		*out = c;
		rc = 0;
	}
	json_decref(j);
	return rc;
}

int fhir_smart_parse(const char *body, size_t len, struct fhir_smart *out)
{
	int rc;
	json_t *j = load(body, len, FHIR_BODY_MAX, &rc);
	if (j == NULL)
		return rc;
	out->has_authorize = json_is_string(json_object_get(j, "authorization_endpoint"));
	out->has_token = json_is_string(json_object_get(j, "token_endpoint"));
	json_decref(j);
	return 0;
}

int fhir_count_parse(const char *body, size_t len, struct fhir_count *out)
{
	int rc;
	json_t *j = load(body, len, FHIR_COUNT_MAX, &rc);
	if (j == NULL)
		return rc;
	const char *type = json_string_value(json_object_get(j, "resourceType"));
	rc = -EBADMSG;
	if (type != NULL) {
		const json_t *total = json_object_get(j, "total");
		const json_t *entry = json_object_get(j, "entry");
		out->bundle = strcmp(type, "Bundle") == 0;
		out->outcome = strcmp(type, "OperationOutcome") == 0;
		out->total =
		    json_is_integer(total) && json_integer_value(total) >= 0 ? json_integer_value(total) : -1;
		out->entries = json_is_array(entry) ? (unsigned)json_array_size(entry) : 0;
		rc = 0;
	}
	json_decref(j);
	return rc;
}
