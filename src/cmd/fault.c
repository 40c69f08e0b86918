/* VITALS_FAULT="POINT:N": the N-th pass through POINT reports a hit. */
#include "fault.h"

#include <stdlib.h>
#include <string.h>

int fault_hit(const char *point)
{
	static unsigned long passes;
	const char *spec = getenv("VITALS_FAULT");
	size_t n = strlen(point);
	if (spec == NULL || strncmp(spec, point, n) != 0 || spec[n] != ':')
		return 0;
	char *end;
	unsigned long want = strtoul(spec + n + 1, &end, 10);
	return *end == '\0' && ++passes == want;
}
