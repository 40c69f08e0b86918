/* A PACS web API's /system answer: see wire_pacs.h. */
#include "wire_pacs.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static void copy_text(char *dst, const json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	size_t n = 0;
	for (; s[n] != '\0' && n < PACS_TEXT_MAX - 1; n++)
		dst[n] = s[n] >= 0x20 && s[n] <= 0x7e ? s[n] : '?';
	dst[n] = '\0';
}

int pacs_system_parse(const char *body, size_t len, struct pacs_system *out)
{
	if (len > PACS_BODY_MAX)
		return -E2BIG;
	json_t *j = json_loadb(body, len, 0, NULL);
	int rc = -EBADMSG;
	if (json_is_object(j) && json_is_string(json_object_get(j, "Version"))) {
		const json_t *api = json_object_get(j, "ApiVersion");
		copy_text(out->name, json_object_get(j, "Name"));
		copy_text(out->version, json_object_get(j, "Version"));
		copy_text(out->aet, json_object_get(j, "DicomAet"));
		out->api_version = json_is_integer(api) ? json_integer_value(api) : -1;
		rc = 0;
	}
	json_decref(j);
	return rc;
}
