/* The URL map of `vitals serve` (see http_route.h). */
#include "http_route.h"

#include <errno.h>
#include <string.h>

/* A path of this shape: prefix, one captured segment, then suffix (exact). */
static const struct {
	const char *prefix; /* up to the captured segment (or the whole path when no capture) */
	const char *suffix; /* after it; NULL: no capture */
	enum route_id id;   /* the page */
	unsigned methods;   /* what it takes */
} routes[] = {
    {"/", NULL, ROUTE_HOME, ROUTE_GET},
    {"/orgs", NULL, ROUTE_ORGS, ROUTE_GET},
    {"/assets/vitals.css", NULL, ROUTE_CSS, ROUTE_GET},
    {"/orgs/", "", ROUTE_ORG, ROUTE_GET},
    {"/orgs/", "/program", ROUTE_PROGRAM, ROUTE_GET},
    {"/orgs/", "/security.txt", ROUTE_SECTXT, ROUTE_GET},
    {"/orgs/", "/report", ROUTE_REPORT, ROUTE_GET | ROUTE_POST},
    {"/r/", "", ROUTE_LINK, ROUTE_GET | ROUTE_POST},
    {"/api/v1/orgs/", "/program", ROUTE_API_PROGRAM, ROUTE_GET},
    {"/api/v1/orgs/", "/reports", ROUTE_API_REPORTS, ROUTE_POST},
    {"/api/v1/reports/", "", ROUTE_API_LINK, ROUTE_GET},
    {"/api/v1/reports/", "/messages", ROUTE_API_MESSAGES, ROUTE_POST},
    {"/api/v1/orgs", NULL, ROUTE_API_ORGS, ROUTE_GET},
    {"/api/v1/orgs/", "", ROUTE_API_ORG, ROUTE_GET},
};

/* The captured segment is everything up to the next '/': it must be non-empty and clean. */
static int capture(const char *s, size_t n, struct route *out)
{
	if (n == 0 || n >= sizeof out->arg)
		return -ENOENT;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -ENOENT;
	memcpy(out->arg, s, n);
	out->arg[n] = '\0';
	return 0;
}

static int try_route(size_t k, const char *path, struct route *out)
{
	size_t np = strlen(routes[k].prefix);
	if (strncmp(path, routes[k].prefix, np) != 0)
		return -ENOENT;
	if (routes[k].suffix == NULL)
		return path[np] == '\0' ? 0 : -ENOENT;
	const char *seg = path + np, *slash = strchr(seg, '/');
	size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
	if (strcmp(seg + n, routes[k].suffix) != 0)
		return -ENOENT;
	return capture(seg, n, out);
}

int route_match(const char *path, struct route *out)
{
	struct route r = {0};
	if (path == NULL)
		return -ENOENT;
	for (size_t k = 0; k < sizeof routes / sizeof routes[0]; k++) {
		if (try_route(k, path, &r) == 0) {
			r.id = routes[k].id;
			r.methods = routes[k].methods;
			*out = r;
			return 0;
		}
	}
	return -ENOENT;
}

int route_allows(const struct route *r, const char *method)
{
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return (r->methods & ROUTE_GET) != 0;
	if (strcmp(method, "POST") == 0)
		return (r->methods & ROUTE_POST) != 0;
	return 0;
}
