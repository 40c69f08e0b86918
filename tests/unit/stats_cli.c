/*
 * Test driver for stats.c: reads one case per line on stdin and prints the results, so
 * tests/unit/stats/check.py can hold them against python3-scipy's.
 *   wilson K N CONF          -> lo hi
 *   mcnemar B C              -> p exact
 *   paired CONF D1 D2 ...    -> mean lo hi p
 *   holm P1 P2 ... / bh ...  -> adjusted p-values
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define MAXV 4096

static size_t numbers(char *s, double *v)
{
	size_t n = 0;
	char *end;
	for (double x = strtod(s, &end); end != s && n < MAXV; x = strtod(s, &end)) {
		v[n++] = x;
		s = end;
	}
	return n;
}

static void one(char *line)
{
	static double v[MAXV], adj[MAXV];
	char op[16] = "";
	int used = 0;
	if (sscanf(line, "%15s %n", op, &used) != 1)
		return;
	size_t n = numbers(line + used, v);
	if (strcmp(op, "wilson") == 0 && n == 3) {
		double lo, hi;
		int rc = stats_wilson((long)v[0], (long)v[1], v[2], &lo, &hi);
		printf(rc == 0 ? "%.12g %.12g\n" : "error\n", lo, hi);
	} else if (strcmp(op, "mcnemar") == 0 && n == 2) {
		int exact = 0;
		double p = stats_mcnemar((long)v[0], (long)v[1], &exact);
		printf("%.12g %d\n", p, exact);
	} else if (strcmp(op, "paired") == 0 && n >= 2) {
		struct stats_paired r;
		int rc = stats_paired(v + 1, n - 1, v[0], &r);
		printf(rc == 0 ? "%.12g %.12g %.12g %.12g\n" : "error\n", r.mean, r.lo, r.hi, r.p);
	} else if ((strcmp(op, "holm") == 0 || strcmp(op, "bh") == 0) && n >= 1) {
		int rc = op[0] == 'h' ? stats_holm(v, n, adj) : stats_bh(v, n, adj);
		for (size_t i = 0; rc == 0 && i < n; i++)
			printf("%s%.12g", i ? " " : "", adj[i]);
		printf(rc == 0 ? "\n" : "error\n");
	} else {
		printf("error\n");
	}
}

int main(void)
{
	static char line[65536];
	while (fgets(line, sizeof line, stdin) != NULL) {
		one(line);
		fflush(stdout);
	}
	return 0;
}
