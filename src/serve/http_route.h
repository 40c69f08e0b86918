/*
 * The URL map of `vitals serve`: a request's method and path (already percent-decoded
 * by libmicrohttpd) to one route and its captured segment (an org_id or a reporter
 * token). Pure and fuzzed (tests/fuzz/fuzz_serve.c): it copies what it captures into
 * the caller's struct, capped, and never allocates.
 *
 * It does not decide who may see what, nor read any body; serve_daemon.c does that.
 */
#ifndef VITALS_HTTP_ROUTE_H
#define VITALS_HTTP_ROUTE_H

#include <stddef.h>

#define ROUTE_ARG_MAX 256 /* longest org_id or token captured; longer is no route (404) */

enum route_id {
	ROUTE_NONE = 0,     /* no such page: 404 */
	ROUTE_HOME,         /* / */
	ROUTE_ORGS,         /* /orgs */
	ROUTE_ORG,          /* /orgs/{org_id} */
	ROUTE_PROGRAM,      /* /orgs/{org_id}/program */
	ROUTE_SECTXT,       /* /orgs/{org_id}/security.txt */
	ROUTE_REPORT,       /* /orgs/{org_id}/report: the form (GET), a submission (POST) */
	ROUTE_LINK,         /* /r/{token}: status and messages (GET), a message (POST) */
	ROUTE_CSS,          /* /assets/vitals.css */
	ROUTE_API_PROGRAM,  /* /api/v1/orgs/{org_id}/program */
	ROUTE_API_REPORTS,  /* /api/v1/orgs/{org_id}/reports: a submission (POST, JSON) */
	ROUTE_API_LINK,     /* /api/v1/reports/{token}: status and messages */
	ROUTE_API_MESSAGES, /* /api/v1/reports/{token}/messages: a message (POST, JSON) */
	ROUTE_API_ORGS,     /* /api/v1/orgs?...: the organization list */
	ROUTE_API_ORG,      /* /api/v1/orgs/{org_id}: its scorecard */
};

/* What a route accepts: GET (and HEAD) and/or POST. */
#define ROUTE_GET  1u
#define ROUTE_POST 2u

struct route {
	enum route_id id;        /* the page */
	unsigned methods;        /* ROUTE_GET | ROUTE_POST the page accepts */
	char arg[ROUTE_ARG_MAX]; /* the captured org_id or token ("" when none) */
};

/*
 * Maps `path` to a route. Returns 0 with *out set, -ENOENT when no page has this
 * path (including a captured segment that is empty, too long, or holds a '/' or a
 * control character). A method the page does not take is the caller's 405.
 */
int route_match(const char *path, struct route *out);

/* 1 when `method` ("GET", "HEAD", "POST") is one the route accepts. */
int route_allows(const struct route *r, const char *method);

#endif
