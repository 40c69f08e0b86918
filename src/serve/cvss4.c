/*
 * CVSS v4.0 vectors: the metric table in the specification's order, the checker, and the
 * macrovector scoring (see cvss4.h). The lookup table, the highest-severity vectors of each
 * equivalence class and their depths are FIRST's data (CVSS v4.0 Specification Document,
 * s8.2-8.3, as published with FIRST's reference calculator, github.com/FIRSTdotorg/
 * cvss-v4-calculator, cvss_lookup.js, max_composed.js, max_severity.js; BSD-2-Clause).
 */
#include "cvss4.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PREFIX "CVSS:4.0/"

/* The metrics in the order a vector must list them (specification, "Vector String"). */
enum {
	C4_AV,
	C4_AC,
	C4_AT,
	C4_PR,
	C4_UI,
	C4_VC,
	C4_VI,
	C4_VA,
	C4_SC,
	C4_SI,
	C4_SA, /* base */
	C4_E,  /* threat */
	C4_CR,
	C4_IR,
	C4_AR,
	C4_MAV,
	C4_MAC,
	C4_MAT,
	C4_MPR,
	C4_MUI,
	C4_MVC,
	C4_MVI,
	C4_MVA,
	C4_MSC,
	C4_MSI,
	C4_MSA,
	C4_S,
	C4_AU,
	C4_R,
	C4_V,
	C4_RE,
	C4_U, /* supplemental */
	NMETRIC
};
#define NBASE 11 /* the mandatory base metrics come first */

struct metric {
	const char *name;      /* abbreviation in the vector */
	const char *values[6]; /* allowed values, NULL-terminated; optional metrics list X first */
};

static const struct metric metrics[NMETRIC] = {
    [C4_AV] = {"AV", {"N", "A", "L", "P"}},
    [C4_AC] = {"AC", {"L", "H"}},
    [C4_AT] = {"AT", {"N", "P"}},
    [C4_PR] = {"PR", {"N", "L", "H"}},
    [C4_UI] = {"UI", {"N", "P", "A"}},
    [C4_VC] = {"VC", {"H", "L", "N"}},
    [C4_VI] = {"VI", {"H", "L", "N"}},
    [C4_VA] = {"VA", {"H", "L", "N"}},
    [C4_SC] = {"SC", {"H", "L", "N"}},
    [C4_SI] = {"SI", {"H", "L", "N"}},
    [C4_SA] = {"SA", {"H", "L", "N"}},
    [C4_E] = {"E", {"X", "A", "P", "U"}},
    [C4_CR] = {"CR", {"X", "H", "M", "L"}},
    [C4_IR] = {"IR", {"X", "H", "M", "L"}},
    [C4_AR] = {"AR", {"X", "H", "M", "L"}},
    [C4_MAV] = {"MAV", {"X", "N", "A", "L", "P"}},
    [C4_MAC] = {"MAC", {"X", "L", "H"}},
    [C4_MAT] = {"MAT", {"X", "N", "P"}},
    [C4_MPR] = {"MPR", {"X", "N", "L", "H"}},
    [C4_MUI] = {"MUI", {"X", "N", "P", "A"}},
    [C4_MVC] = {"MVC", {"X", "H", "L", "N"}},
    [C4_MVI] = {"MVI", {"X", "H", "L", "N"}},
    [C4_MVA] = {"MVA", {"X", "H", "L", "N"}},
    [C4_MSC] = {"MSC", {"X", "H", "L", "N"}},
    [C4_MSI] = {"MSI", {"X", "S", "H", "L", "N"}},
    [C4_MSA] = {"MSA", {"X", "S", "H", "L", "N"}},
    [C4_S] = {"S", {"X", "N", "P"}},
    [C4_AU] = {"AU", {"X", "N", "Y"}},
    [C4_R] = {"R", {"X", "A", "U", "I"}},
    [C4_V] = {"V", {"X", "D", "C"}},
    [C4_RE] = {"RE", {"X", "L", "M", "H"}},
    [C4_U] = {"U", {"X", "Clear", "Green", "Amber", "Red"}},
};

/* A parsed vector: each metric's value as an index into its values; 0 (X) when absent. */
struct vec {
	unsigned char val[NMETRIC];
};

/* Where the parser is and where its reason goes. */
struct parse {
	const char *vec; /* the whole vector, for character offsets */
	int pos;         /* 1-based number of the component after the prefix */
	int next;        /* the first metric the next component may name */
	uint64_t seen;   /* metrics already given */
	char *why;       /* reason buffer, or NULL */
	size_t whylen;   /* its size */
};

__attribute__((format(printf, 2, 3))) static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (p->why != NULL && p->whylen > 0)
		vsnprintf(p->why, p->whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A piece of the untrusted vector, fit to quote in a reason: at most 16 bytes, anything but
 * printable ASCII shown as '?'. */
static const char *quote(char dst[20], const char *src, size_t len)
{
	size_t n = len < 16 ? len : 16, i;
	for (i = 0; i < n; i++)
		dst[i] = src[i] > 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (len > n)
		dst[n++] = '~';
	dst[n] = '\0';
	return dst;
}

static int find_metric(const char *name, size_t len)
{
	for (int m = 0; m < NMETRIC; m++)
		if (strlen(metrics[m].name) == len && memcmp(metrics[m].name, name, len) == 0)
			return m;
	return -1;
}

static int find_value(int m, const char *v, size_t len)
{
	for (int i = 0; metrics[m].values[i] != NULL; i++)
		if (strlen(metrics[m].values[i]) == len && memcmp(metrics[m].values[i], v, len) == 0)
			return i;
	return -1;
}

/* "N, A, L, P": the values a metric allows, for a reason. */
static const char *allowed(char dst[48], int m)
{
	size_t off = 0;
	dst[0] = '\0';
	for (int i = 0; metrics[m].values[i] != NULL && off < 48; i++)
		off += (size_t)snprintf(dst + off, 48 - off, "%s%s", i ? ", " : "", metrics[m].values[i]);
	return dst;
}

/* The metric's place: after every metric already given, with no mandatory one skipped. */
static int check_order(struct parse *p, int m, size_t at)
{
	if (p->seen & (UINT64_C(1) << m))
		return fail(p, "metric %s appears twice (component %d, character %zu)", metrics[m].name,
		            p->pos, at);
	if (m < p->next)
		return fail(p, "metric %s (component %d, character %zu) must come before %s", metrics[m].name,
		            p->pos, at, metrics[p->next - 1].name);
	if (p->next < m && p->next < NBASE)
		return fail(p, "expected base metric %s before %s (component %d, character %zu)",
		            metrics[p->next].name, metrics[m].name, p->pos, at);
	return 0;
}

/* One `metric:value` component of len bytes at s. */
static int component(struct parse *p, const char *s, size_t len, struct vec *out)
{
	size_t at = (size_t)(s - p->vec);
	char q[20], list[48];
	if (len == 0)
		return fail(
		    p, s[0] == '\0' ? "trailing '/' at character %zu" : "empty component at character %zu",
		    at);
	const char *colon = memchr(s, ':', len);
	if (colon == NULL)
		return fail(p, "component %d (\"%s\", character %zu) is not metric:value", p->pos,
		            quote(q, s, len), at);
	size_t nlen = (size_t)(colon - s), vlen = len - nlen - 1;
	int m = find_metric(s, nlen);
	if (m < 0)
		return fail(p, "unknown metric \"%s\" (component %d, character %zu)", quote(q, s, nlen),
		            p->pos, at);
	int rc = check_order(p, m, at);
	if (rc < 0)
		return rc;
	int v = find_value(m, colon + 1, vlen);
	if (v < 0)
		return fail(p, "%s:%s is not allowed (component %d, character %zu): %s takes %s",
		            metrics[m].name, quote(q, colon + 1, vlen), p->pos, at, metrics[m].name,
		            allowed(list, m));
	out->val[m] = (unsigned char)v;
	p->seen |= UINT64_C(1) << m;
	p->next = m + 1;
	return 0;
}

static int parse(const char *vec, struct vec *out, char *why, size_t whylen)
{
	struct parse p = {.vec = vec, .why = why, .whylen = whylen};
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (vec == NULL)
		return fail(&p, "no vector");
	if (strnlen(vec, CVSS4_MAX_LEN + 1) > CVSS4_MAX_LEN)
		return fail(&p, "longer than %d characters", CVSS4_MAX_LEN);
	if (strncmp(vec, PREFIX, strlen(PREFIX)) != 0)
		return fail(&p, "does not start with %s", PREFIX);
	memset(out, 0, sizeof *out);
	const char *s = vec + strlen(PREFIX);
	if (*s == '\0')
		return fail(&p, "no metrics after %s", PREFIX);
	for (p.pos = 1;; p.pos++) {
		size_t len = strcspn(s, "/");
		int rc = component(&p, s, len, out);
		if (rc < 0)
			return rc;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	if (p.next < NBASE)
		return fail(&p, "base metric %s is missing", metrics[p.next].name);
	return 0;
}

int cvss4_check(const char *vec, char *why, size_t whylen)
{
	struct vec v;
	return parse(vec, &v, why, whylen);
}

/* ---- Scoring (specification s8) ---- */

static char raw(const struct vec *v, int m)
{
	return metrics[m].values[v->val[m]][0];
}

/* The value the score uses: a modified base metric replaces its base metric, and E, CR, IR
 * and AR left Not Defined count as their worst case (A, H). */
static char eff(const struct vec *v, int m)
{
	static const unsigned char modified[NBASE] = {C4_MAV, C4_MAC, C4_MAT, C4_MPR, C4_MUI, C4_MVC,
	                                              C4_MVI, C4_MVA, C4_MSC, C4_MSI, C4_MSA};
	char c;
	if (m < NBASE && (c = raw(v, modified[m])) != 'X')
		return c;
	c = raw(v, m);
	if (c == 'X' && m == C4_E)
		return 'A';
	if (c == 'X' && (m == C4_CR || m == C4_IR || m == C4_AR))
		return 'H';
	return c;
}

static int all_none(const struct vec *v, const int *ms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (eff(v, ms[i]) != 'N')
			return 0;
	return 1;
}

static int any_is(const struct vec *v, const int *ms, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (eff(v, ms[i]) == c)
			return 1;
	return 0;
}

static int eq1_of(const struct vec *v)
{
	char av = eff(v, C4_AV), pr = eff(v, C4_PR), ui = eff(v, C4_UI);
	if (av == 'N' && pr == 'N' && ui == 'N')
		return 0;
	if ((av == 'N' || pr == 'N' || ui == 'N') && av != 'P')
		return 1;
	return 2;
}

/* The macrovector: the six equivalence classes, 0 the most severe (specification s8.2). */
static void macrovector(const struct vec *v, int eq[6])
{
	static const int vuln[] = {C4_VC, C4_VI, C4_VA}, sub[] = {C4_SC, C4_SI, C4_SA};
	char e = eff(v, C4_E);
	eq[0] = eq1_of(v);
	eq[1] = eff(v, C4_AC) == 'L' && eff(v, C4_AT) == 'N' ? 0 : 1;
	eq[2] = eff(v, C4_VC) == 'H' && eff(v, C4_VI) == 'H' ? 0 : any_is(v, vuln, 3, 'H') ? 1 : 2;
	eq[3] = raw(v, C4_MSI) == 'S' || raw(v, C4_MSA) == 'S' ? 0 : any_is(v, sub, 3, 'H') ? 1 : 2;
	eq[4] = e == 'A' ? 0 : e == 'P' ? 1 : 2;
	eq[5] = (eff(v, C4_CR) == 'H' && eff(v, C4_VC) == 'H') ||
	                (eff(v, C4_IR) == 'H' && eff(v, C4_VI) == 'H') ||
	                (eff(v, C4_AR) == 'H' && eff(v, C4_VA) == 'H')
	            ? 0
	            : 1;
}

/*
 * Each macrovector's score in tenths, indexed by EQ1 EQ2 EQ3 EQ4 (a row) and EQ5 EQ6 (00 01
 * 10 11 20 21 across); -1 where EQ3=2 with EQ6=0, which cannot occur: 270 macrovectors.
 */
static const signed char lookup[54 * 6] = {
    100, 99, 98, 95, 95, 92, /* 0000.. */
    100, 96, 93, 87, 91, 81, /* 0001.. */
    93,  90, 89, 80, 81, 68, /* 0002.. */
    98,  95, 95, 92, 90, 84, /* 0010.. */
    93,  92, 89, 81, 81, 65, /* 0011.. */
    88,  80, 78, 70, 69, 48, /* 0012.. */
    -1,  92, -1, 82, -1, 72, /* 0020.. */
    -1,  79, -1, 69, -1, 50, /* 0021.. */
    -1,  69, -1, 55, -1, 27, /* 0022.. */
    99,  97, 95, 92, 92, 85, /* 0100.. */
    95,  91, 90, 83, 84, 71, /* 0101.. */
    92,  81, 82, 71, 72, 53, /* 0102.. */
    95,  93, 92, 85, 85, 73, /* 0110.. */
    92,  82, 80, 72, 70, 59, /* 0111.. */
    84,  70, 71, 52, 50, 30, /* 0112.. */
    -1,  86, -1, 75, -1, 52, /* 0120.. */
    -1,  71, -1, 52, -1, 29, /* 0121.. */
    -1,  63, -1, 29, -1, 17, /* 0122.. */
    98,  95, 94, 87, 91, 81, /* 1000.. */
    94,  89, 86, 74, 77, 64, /* 1001.. */
    87,  75, 74, 63, 63, 49, /* 1002.. */
    94,  89, 88, 77, 76, 67, /* 1010.. */
    86,  76, 74, 58, 59, 50, /* 1011.. */
    72,  57, 57, 52, 52, 25, /* 1012.. */
    -1,  83, -1, 70, -1, 54, /* 1020.. */
    -1,  65, -1, 58, -1, 26, /* 1021.. */
    -1,  53, -1, 21, -1, 13, /* 1022.. */
    95,  90, 88, 76, 76, 70, /* 1100.. */
    90,  77, 75, 62, 61, 53, /* 1101.. */
    77,  66, 68, 59, 52, 30, /* 1102.. */
    89,  78, 76, 67, 62, 58, /* 1110.. */
    74,  59, 57, 57, 47, 23, /* 1111.. */
    61,  52, 57, 29, 24, 16, /* 1112.. */
    -1,  71, -1, 59, -1, 30, /* 1120.. */
    -1,  58, -1, 26, -1, 15, /* 1121.. */
    -1,  23, -1, 13, -1, 6,  /* 1122.. */
    93,  87, 86, 72, 75, 58, /* 2000.. */
    86,  74, 74, 61, 56, 34, /* 2001.. */
    70,  54, 52, 40, 40, 22, /* 2002.. */
    85,  75, 74, 55, 62, 51, /* 2010.. */
    72,  57, 55, 41, 46, 19, /* 2011.. */
    53,  36, 34, 19, 19, 8,  /* 2012.. */
    -1,  64, -1, 51, -1, 20, /* 2020.. */
    -1,  47, -1, 21, -1, 11, /* 2021.. */
    -1,  24, -1, 9,  -1, 4,  /* 2022.. */
    88,  75, 73, 53, 60, 50, /* 2100.. */
    73,  55, 59, 40, 41, 20, /* 2101.. */
    54,  43, 45, 22, 20, 11, /* 2102.. */
    75,  55, 58, 45, 40, 21, /* 2110.. */
    61,  51, 48, 18, 20, 9,  /* 2111.. */
    46,  18, 17, 7,  8,  2,  /* 2112.. */
    -1,  53, -1, 24, -1, 14, /* 2120.. */
    -1,  24, -1, 12, -1, 5,  /* 2121.. */
    -1,  10, -1, 3,  -1, 1,  /* 2122.. */
};

/* A macrovector's score in tenths, or -1 when there is no such macrovector. */
static int mv_score(const int eq[6])
{
	static const int top[6] = {3, 2, 3, 3, 3, 2};
	for (int i = 0; i < 6; i++)
		if (eq[i] < 0 || eq[i] >= top[i])
			return -1;
	return lookup[((((eq[0] * 2 + eq[1]) * 3 + eq[2]) * 3 + eq[3]) * 3 + eq[4]) * 2 + eq[5]];
}

/* The score of the macrovector one step less severe in EQ i (i = 2: EQ3 and EQ6 together,
 * which move as a pair: 00 -> the better of 01 and 10, 01 -> 11, 10 -> 11, 11 -> 21). */
static int lower_score(const int eq[6], int i)
{
	int a[6], b[6];
	memcpy(a, eq, sizeof a);
	memcpy(b, eq, sizeof b);
	if (i != 2) {
		a[i]++;
		return mv_score(a);
	}
	if (eq[2] == 0 && eq[5] == 0) {
		a[5]++;
		b[2]++;
		return mv_score(a) > mv_score(b) ? mv_score(a) : mv_score(b);
	}
	if (eq[2] == 1 && eq[5] == 0)
		a[5]++;
	else
		a[2]++;
	return mv_score(a);
}

/* A metric's severity level in tenths, 0 the most severe (the calculator's METRIC_LEVELS). */
static int level(int m, char c)
{
	static const char *const order[NMETRIC] = {
	    [C4_AV] = "NALP", [C4_AC] = "LH",  [C4_AT] = "NP",  [C4_PR] = "NLH",  [C4_UI] = "NPA",
	    [C4_VC] = "HLN",  [C4_VI] = "HLN", [C4_VA] = "HLN", [C4_SC] = "-HLN", [C4_SI] = "SHLN",
	    [C4_SA] = "SHLN", [C4_CR] = "HML", [C4_IR] = "HML", [C4_AR] = "HML",
	};
	const char *p = c != '\0' && order[m] != NULL ? strchr(order[m], c) : NULL;
	return p != NULL ? (int)(p - order[m]) : 0;
}

/* The highest-severity vectors of one equivalence class at one level: the values of the
 * class's metrics, one string per vector. */
struct eqmax {
	int metrics[6];            /* the class's metrics, -1 after the last */
	const char *vectors[3][5]; /* per level, NULL-terminated */
};

static const struct eqmax eq1_max = {{C4_AV, C4_PR, C4_UI, -1},
                                     {{"NNN"}, {"ANN", "NLN", "NNP"}, {"PNN", "ALP"}}};
static const struct eqmax eq2_max = {{C4_AC, C4_AT, -1}, {{"LN"}, {"HN", "LP"}}};
static const struct eqmax eq4_max = {{C4_SC, C4_SI, C4_SA, -1}, {{"HSS"}, {"HHH"}, {"LLL"}}};
/* EQ3 and EQ6 share one set, chosen by EQ6 (first index) then EQ3. */
static const struct eqmax eq36_max[2] = {
    {{C4_VC, C4_VI, C4_VA, C4_CR, C4_IR, C4_AR}, {{"HHHHHH"}, {"LHHHHH", "HLHHHH"}, {NULL}}},
    {{C4_VC, C4_VI, C4_VA, C4_CR, C4_IR, C4_AR},
     {{"HHLMMH", "HHHMMM"}, {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM"}, {"LLLHHH"}}},
};

/* The severity distance (in tenths) of v from the first highest-severity vector of its class
 * that it does not exceed in any metric; as the reference calculator does, the last one when
 * none fits. */
static int distance(const struct vec *v, const struct eqmax *q, int lvl)
{
	int dist = 0;
	for (int k = 0; k < 5 && q->vectors[lvl][k] != NULL; k++) {
		int sum = 0, fits = 1;
		for (int i = 0; i < 6 && q->metrics[i] >= 0; i++) {
			int m = q->metrics[i];
			int d = level(m, eff(v, m)) - level(m, q->vectors[lvl][k][i]);
			fits &= d >= 0;
			sum += d;
		}
		dist = sum;
		if (fits)
			break;
	}
	return dist;
}

static double score_of(const struct vec *v)
{
	static const int impact[] = {C4_VC, C4_VI, C4_VA, C4_SC, C4_SI, C4_SA};
	static const int depth1[3] = {1, 4, 5}, depth2[2] = {1, 2}, depth36[3][2] = {{7, 6}, {8, 8}, {0, 10}},
	                 depth4[3] = {6, 5, 4};
	int eq[6];
	if (all_none(v, impact, 6))
		return 0.0;
	macrovector(v, eq);
	double value = mv_score(eq) / 10.0, sum = 0;
	int dist[5] = {distance(v, &eq1_max, eq[0]), distance(v, &eq2_max, eq[1]),
	               distance(v, &eq36_max[eq[5]], eq[2]), distance(v, &eq4_max, eq[3]), 0};
	int depth[5] = {depth1[eq[0]], depth2[eq[1]], depth36[eq[2]][eq[5]], depth4[eq[3]], 1};
	int n = 0;
	/* Each class with a less severe neighbour moves the score toward it in proportion to how
	 * far the vector lies from its class's most severe vectors; EQ5 has no depth and counts
	 * with a distance of 0. */
	for (int i = 0; i < 5; i++) {
		int lower = lower_score(eq, i);
		if (lower < 0)
			continue;
		n++;
		sum += (value - lower / 10.0) * ((double)dist[i] / depth[i]);
	}
	value -= n > 0 ? sum / n : 0;
	value = value < 0 ? 0 : value > 10 ? 10 : value;
	/* Half up to one decimal; the epsilon keeps 8.6 - 7.15 (1.4499...) from rounding down, as
	 * FIRST's calculator does since its rounding fix. */
	return round((value + 1e-6) * 10) / 10;
}

int cvss4_score(const char *vec, double *score)
{
	struct vec v;
	int rc = parse(vec, &v, NULL, 0);
	if (rc < 0)
		return rc;
	*score = score_of(&v);
	return 0;
}

const char *cvss4_severity(double score)
{
	if (!(score >= 0.0 && score <= 10.0))
		return NULL;
	long t = lround(score * 10);
	if (t == 0)
		return "None";
	if (t < 40)
		return "Low";
	if (t < 70)
		return "Medium";
	if (t < 90)
		return "High";
	return "Critical";
}
