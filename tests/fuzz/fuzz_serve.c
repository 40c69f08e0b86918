/*
 * Fuzz target for what `vitals serve` reads of a request itself: the URL map
 * (http_route.c) and the checks of submitted fields (vdp_form.c). The input is split
 * at NUL bytes into a path and the fields of a submission; a captured segment must
 * be a piece of the path, and an accepted asset one of the given ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_route.h"
#include "vdp_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_route(const char *path)
{
	struct route r;
	if (route_match(path, &r) != 0)
		return;
	size_t n = strlen(r.arg);
	if (n >= ROUTE_ARG_MAX || (n > 0 && strstr(path, r.arg) == NULL) || strchr(r.arg, '/') != NULL)
		abort();
	(void)route_allows(&r, "POST");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	const char *part[10] = {0};
	size_t np = 0;
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *p = buf; np < 10 && p <= buf + size; p += strlen(p) + 1)
		part[np++] = p;
	check_route(part[0]);
	struct vdp_submission s = {part[1], part[2], part[3], part[4], part[5], part[6], part[7], part[8]};
	const char *asset = NULL;
	char why[160];
	if (vdp_report_check(&s, &asset, why, sizeof why) == 0 && asset != s.asset && asset != s.asset_typed)
		abort();
	(void)vdp_message_check(part[0], why, sizeof why);
	(void)vdp_filename_check(part[0]);
	const char *ct = vdp_ctype(part[0]);
	if (ct != part[0] && strcmp(ct, "application/octet-stream") != 0)
		abort();
	(void)vdp_text_ok((const char *)data, size, 1);
	free(buf);
	return 0;
}
