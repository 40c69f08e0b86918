/*
 * The clocks and metrics of a disclosure program, pure: business-day deadlines, the figures a
 * vulnerability disclosure program reports in the manner of CISA's BOD 20-01, and each valid
 * report's disclosure date. Times are seconds since the epoch, UTC; the caller reads the clock
 * and passes "now"; 0 means "not yet" for every event time.
 *
 * Business days are Monday to Friday in UTC, with no holiday calendar (a public holiday counts
 * as a business day: the program's commitment is the same in every country, and staff may
 * answer earlier). A time on a Saturday or Sunday counts from the following Monday 00:00;
 * adding n business days then moves n weekdays on, keeping the time of day: a report received
 * Friday 15:00 is due for acknowledgement Wednesday 15:00, one received Saturday 10:00 on
 * Thursday 00:00.
 *
 * The metrics (BOD 20-01's list): reports received; valid ones; valid ones still open (not
 * resolved and in no closed state); those open more than 90 days after receipt; median time
 * to acknowledge (first reply to the reporter), to validate (triage: judged valid or not) and
 * to resolve (valid reports only), each in hours from receipt, the median of an even count
 * the mean of the two middle values; acknowledgements overdue (none yet, past the deadline,
 * spam aside), acknowledged late, and triage overdue (open, not triaged, past the deadline).
 * A record whose event precedes its receipt is inconsistent and left out of that median.
 */
#ifndef VITALS_SERVE_VDP_CLOCK_H
#define VITALS_SERVE_VDP_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VDP_DAY           86400 /* seconds */
#define VDP_ACK_DAYS      3     /* business days to acknowledge a report */
#define VDP_TRIAGE_DAYS   10    /* business days to triage it */
#define VDP_DISCLOSE_DAYS 90    /* calendar days from validation to disclosure, unless agreed */
#define VDP_OLD_DAYS      90    /* calendar days after which an open report counts as old */

/* A report's triage state (issue 11's list). */
enum vdp_rstate {
	VDP_RS_NEW,
	VDP_RS_TRIAGED,
	VDP_RS_NEEDS_INFO,
	VDP_RS_RESOLVED,
	VDP_RS_INFORMATIVE,
	VDP_RS_DUPLICATE,
	VDP_RS_NOT_APPLICABLE,
	VDP_RS_SPAM,
};

/* What the clocks need of one report. */
struct vdp_times {
	int64_t received;      /* when the report was durably stored */
	int64_t acknowledged;  /* first reply to the reporter; 0: not yet */
	int64_t validated;     /* triaged, judged valid or not; 0: not yet */
	int64_t resolved;      /* remediated; 0: not yet */
	int64_t agreed;        /* disclosure date agreed with the reporter; 0: none */
	enum vdp_rstate state; /* triage state */
	bool valid;            /* in scope, real, not a duplicate */
};

/* A median over the reports that have the event. */
struct vdp_median {
	size_t n;     /* reports counted; 0: no median */
	double hours; /* the median, in hours from receipt; 0 when n is 0 */
};

/* The program's figures over a set of reports, as of a given time. */
struct vdp_metrics {
	size_t received;            /* reports */
	size_t valid;               /* valid reports */
	size_t open;                /* valid, not resolved, in no closed state */
	size_t open_over_90;        /* of those, received more than VDP_OLD_DAYS days ago */
	struct vdp_median ack;      /* time to acknowledge */
	struct vdp_median validate; /* time to validate */
	struct vdp_median resolve;  /* time to resolve (valid reports) */
	size_t ack_overdue;         /* not acknowledged, past the deadline (spam aside) */
	size_t ack_late;            /* acknowledged after the deadline */
	size_t triage_overdue;      /* open, not triaged, past the deadline */
};

/* The day of the week of t: 0 Sunday to 6 Saturday. */
int vdp_weekday(int64_t t);

/* t plus n business days (see above). */
int64_t vdp_add_business_days(int64_t t, unsigned n);

/* The acknowledgement and triage deadlines of a report received at t. */
int64_t vdp_due_ack(int64_t received);
int64_t vdp_due_triage(int64_t received);

/* True for the states that end a report's life: resolved, informative, duplicate, not
 * applicable, spam. */
bool vdp_rstate_closed(enum vdp_rstate st);

/* The disclosure date of a report in *out: the agreed date when set, else validation plus
 * VDP_DISCLOSE_DAYS days. -ENOENT for a report that is not valid or not yet validated. */
int vdp_disclosure_date(const struct vdp_times *r, int64_t *out);

/* The figures of n reports as of now into *out. -EINVAL for a NULL out (or NULL r with n > 0),
 * -ENOMEM without memory for the medians. */
int vdp_metrics(const struct vdp_times *r, size_t n, int64_t now, struct vdp_metrics *out);

#endif
