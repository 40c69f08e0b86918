/*
 * Reading a whole file in unit tests: the contents, NUL-terminated and malloc'd, or
 * NULL when it cannot be read.
 */
#ifndef VITALS_TESTFILE_H
#define VITALS_TESTFILE_H

#include <stdio.h>
#include <stdlib.h>

static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long len;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = calloc((size_t)len + 1, 1)) != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

#endif
