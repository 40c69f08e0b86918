/*
 * Business days, VDP metrics and disclosure dates (see vdp_clock.h).
 */
#include "vdp_clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Division rounding toward minus infinity, so times before 1970 fall on the right day. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int vdp_weekday(int64_t t)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t d = floor_div(t, VDP_DAY);
	return (int)(((d + 4) % 7 + 7) % 7);
}

int64_t vdp_add_business_days(int64_t t, unsigned n)
{
	int wd = vdp_weekday(t);
	if (wd == 6 || wd == 0) {
		/* A weekend moment counts from Monday 00:00. */
		t = floor_div(t, VDP_DAY) * VDP_DAY + (wd == 6 ? 2 : 1) * VDP_DAY;
		wd = 1;
	}
	int64_t rem = n % 5;
	t += (int64_t)(n / 5) * 7 * VDP_DAY;
	if (wd + rem > 5)
		rem += 2; /* across a weekend */
	return t + rem * VDP_DAY;
}

int64_t vdp_due_ack(int64_t received)
{
	return vdp_add_business_days(received, VDP_ACK_DAYS);
}

int64_t vdp_due_triage(int64_t received)
{
	return vdp_add_business_days(received, VDP_TRIAGE_DAYS);
}

bool vdp_rstate_closed(enum vdp_rstate st)
{
	return st == VDP_RS_RESOLVED || st == VDP_RS_INFORMATIVE || st == VDP_RS_DUPLICATE ||
	       st == VDP_RS_NOT_APPLICABLE || st == VDP_RS_SPAM;
}

int vdp_disclosure_date(const struct vdp_times *r, int64_t *out)
{
	if (r == NULL || out == NULL)
		return -EINVAL;
	if (!r->valid || (r->agreed == 0 && r->validated == 0))
		return -ENOENT;
	*out = r->agreed != 0 ? r->agreed : r->validated + (int64_t)VDP_DISCLOSE_DAYS * VDP_DAY;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static struct vdp_median median_hours(int64_t *d, size_t k)
{
	struct vdp_median m = {.n = k};
	if (k == 0)
		return m;
	qsort(d, k, sizeof *d, cmp_i64);
	double mid = k % 2 ? (double)d[k / 2] : ((double)d[k / 2 - 1] + (double)d[k / 2]) / 2;
	m.hours = mid / 3600;
	return m;
}

/* Which event a median is over. */
enum event { EV_ACK, EV_VALIDATE, EV_RESOLVE };

static struct vdp_median median_of(const struct vdp_times *r, size_t n, enum event ev, int64_t *buf)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t at = ev == EV_ACK        ? r[i].acknowledged
		             : ev == EV_VALIDATE ? r[i].validated
		                                 : r[i].resolved;
		if (at == 0 || at < r[i].received || (ev == EV_RESOLVE && !r[i].valid))
			continue;
		buf[k++] = at - r[i].received;
	}
	return median_hours(buf, k);
}

/* The counts of one report. */
static void count(const struct vdp_times *r, int64_t now, struct vdp_metrics *m)
{
	bool closed = vdp_rstate_closed(r->state);
	m->received++;
	m->valid += r->valid;
	if (r->valid && r->resolved == 0 && !closed) {
		m->open++;
		m->open_over_90 += now - r->received > (int64_t)VDP_OLD_DAYS * VDP_DAY;
	}
	if (r->acknowledged == 0)
		m->ack_overdue += r->state != VDP_RS_SPAM && now > vdp_due_ack(r->received);
	else
		m->ack_late += r->acknowledged > vdp_due_ack(r->received);
	m->triage_overdue += r->validated == 0 && !closed && now > vdp_due_triage(r->received);
}

int vdp_metrics(const struct vdp_times *r, size_t n, int64_t now, struct vdp_metrics *out)
{
	struct vdp_metrics m;
	int64_t *buf = NULL;
	if (out == NULL || (r == NULL && n > 0))
		return -EINVAL;
	memset(&m, 0, sizeof m);
	if (n > 0 && (buf = calloc(n, sizeof *buf)) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		count(&r[i], now, &m);
	if (n > 0) {
		m.ack = median_of(r, n, EV_ACK, buf);
		m.validate = median_of(r, n, EV_VALIDATE, buf);
		m.resolve = median_of(r, n, EV_RESOLVE, buf);
	}
	free(buf);
	*out = m;
	return 0;
}
