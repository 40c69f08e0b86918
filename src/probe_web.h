/*
 * The web probe's shared state: one libcurl multi handle driven by the engine's
 * libevent loop (multi-socket API). Fetches never resolve names (the address
 * comes from our resolver, pinned with CURLOPT_RESOLVE), never follow redirects
 * and refuse, in the socket-open callback, any address outside scope.
 */
#ifndef VITALS_PROBE_WEB_H
#define VITALS_PROBE_WEB_H

#include <event2/event.h>

#include "scope.h"

struct web_ctx;

int web_ctx_new(struct event_base *base, const struct scope *scope, struct web_ctx **out);
struct web_ctx *web_ctx_free(struct web_ctx *w);

#endif
