/* The organization's assets and why each belongs to it, from its observation documents. */
#include "assets.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The summary entry for a host or address, made when new; NULL when out of memory. */
static json_t *entry(json_t *out, const char *key, const char *name)
{
	size_t i;
	json_t *a;
	json_array_foreach(out, i, a)
	{
		const char *n = jstr(a, key);
		if (n != NULL && strcasecmp(n, name) == 0)
			return a;
	}
	a = json_pack("{s:s, s:[], s:[]}", key, name, "why", "addrs");
	return a != NULL && json_array_append_new(out, a) == 0 ? a : NULL;
}

/* Appends a string to an array unless it is there. */
static void add_once(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return;
	json_array_append_new(arr, json_string(s));
}

static void add_why(json_t *e, const json_t *why)
{
	char text[400];
	const char *r = jstr(why, "reason"), *of = jstr(why, "of");
	if (r == NULL)
		return;
	if (of != NULL)
		snprintf(text, sizeof text, "%s of %s", r, of);
	else
		snprintf(text, sizeof text, "%s", r);
	add_once(json_object_get(e, "why"), text);
}

static void add_addrs(json_t *e, const json_t *asset)
{
	const char *keys[] = {"a", "aaaa"};
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(json_object_get(asset, keys[k]), "records"), i, v)
		    add_once(json_object_get(e, "addrs"), json_string_value(v));
	}
}

/* Hosts a redirect chain led to, other than the endpoint's own: "redirect from HOST". */
static void add_redirects(json_t *out, const json_t *web)
{
	size_t i;
	json_t *hop;
	const char *from = jstr(web, "host");
	json_array_foreach(json_object_get(web, "redirects"), i, hop)
	{
		const char *url = jstr(hop, "url"), *addr = jstr(hop, "addr");
		const char *h = url ? strstr(url, "://") : NULL;
		char host[256], why[300];
		if (h == NULL || addr == NULL || from == NULL)
			continue;
		snprintf(host, sizeof host, "%.*s", (int)strcspn(h + 3, "/:?#"), h + 3);
		if (host[0] == '\0' || host[0] == '[' || strcasecmp(host, from) == 0)
			continue;
		json_t *e = entry(out, "host", host);
		snprintf(why, sizeof why, "redirect from %s", from);
		if (e != NULL) {
			add_once(json_object_get(e, "why"), why);
			add_once(json_object_get(e, "addrs"), addr);
		}
	}
}

/* A www or MX name that has no address is no asset: only the apex and given names stay without one. */
static void drop_absent(json_t *out)
{
	for (size_t i = json_array_size(out); i-- > 0;) {
		json_t *e = json_array_get(out, i), *w;
		size_t k;
		int keep = json_array_size(json_object_get(e, "addrs")) > 0;
		json_array_foreach(json_object_get(e, "why"), k, w)
		{
			const char *t = json_string_value(w);
			keep |= strncmp(t, "apex", 4) == 0 || strcmp(t, "given") == 0;
		}
		if (!keep)
			json_array_remove(out, i);
	}
}

json_t *analyze_assets(const json_t *observations)
{
	json_t *out = json_array();
	size_t i, j;
	json_t *doc, *a, *w;
	json_array_foreach(observations, i, doc)
	{
		json_array_foreach(json_object_get(doc, "assets"), j, a)
		{
			const char *key = jstr(a, "host") ? "host" : "addr";
			json_t *e = jstr(a, key) ? entry(out, key, jstr(a, key)) : NULL;
			size_t k;
			json_t *why;
			if (e == NULL)
				continue;
			json_array_foreach(json_object_get(a, "why"), k, why) add_why(e, why);
			if (strcmp(key, "addr") == 0)
				add_once(json_object_get(e, "addrs"), jstr(a, key));
			add_addrs(e, a);
		}
		json_array_foreach(json_object_get(doc, "webs"), j, w) add_redirects(out, w);
	}
	drop_absent(out);
	return out;
}
