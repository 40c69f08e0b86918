/* The analyzers' single entry point. */
#include "analyze.h"

int analyze_domain(const json_t *obs, time_t now, struct findings *out)
{
	int rc = analyze_dns(obs, now, out);
	int rc2 = analyze_web(obs, now, out);
	return rc < 0 ? rc : rc2;
}
