/*
 * Fuzz target for CVSS v4.0 vectors (cvss4.c), as a researcher types them into the submission
 * form: the input is the vector. A vector is valid or refused with a reason, never both; a
 * valid one scores within 0-10 in tenths and has a rating; an invalid one does not score.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cvss4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *vec = malloc(size + 1), why[128];
	double score = -1;
	if (vec == NULL)
		return 0;
	memcpy(vec, data, size);
	vec[size] = '\0';
	int rc = cvss4_check(vec, why, sizeof why);
	if (rc != 0 && (rc != -EINVAL || why[0] == '\0' || strlen(why) >= sizeof why))
		abort();
	if (rc == 0 && why[0] != '\0')
		abort();
	if (cvss4_score(vec, &score) != rc)
		abort();
	if (rc == 0 && (score < 0 || score > 10 || fabs(score * 10 - round(score * 10)) > 1e-9 ||
	                cvss4_severity(score) == NULL))
		abort();
	if (rc != 0 && score != -1)
		abort();
	free(vec);
	return 0;
}
