/*
 * vdp_clock on hand-computed calendars: weekdays, business-day deadlines across weekends,
 * month, leap-day and year ends, the BOD 20-01 metrics of a set of reports (odd and even
 * medians, inconsistent records, empty input) and disclosure dates.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "tap.h"
#include "vdp_clock.h"

/* UTC seconds of a calendar time, by libc's timegm (not the code under test). */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm);
}

static void test_weekday(void)
{
	is_int(vdp_weekday(0), 4, "1970-01-01 was a Thursday");
	is_int(vdp_weekday(-1), 3, "1969-12-31 23:59:59 a Wednesday");
	is_int(vdp_weekday(utc(2024, 2, 29, 23, 59)), 4, "2024-02-29 a Thursday");
	is_int(vdp_weekday(utc(2024, 6, 1, 0, 0)), 6, "2024-06-01 a Saturday");
	is_int(vdp_weekday(utc(2024, 12, 29, 12, 0)), 0, "2024-12-29 a Sunday");
}

static void due(int64_t got, int64_t want, const char *name)
{
	is_int(got, want, name);
}

static void test_business_days(void)
{
	due(vdp_add_business_days(utc(2024, 6, 3, 9, 0), 0), utc(2024, 6, 3, 9, 0), "Monday + 0");
	due(vdp_add_business_days(utc(2024, 6, 6, 9, 0), 1), utc(2024, 6, 7, 9, 0), "Thursday + 1: Friday");
	due(vdp_add_business_days(utc(2024, 6, 7, 9, 0), 1), utc(2024, 6, 10, 9, 0), "Friday + 1: Monday");
	due(vdp_add_business_days(utc(2024, 6, 3, 9, 0), 5), utc(2024, 6, 10, 9, 0), "Monday + 5: Monday");
	due(vdp_add_business_days(utc(2024, 6, 1, 10, 0), 0), utc(2024, 6, 3, 0, 0),
	    "Saturday + 0: Monday 00:00");
	due(vdp_due_ack(utc(2024, 5, 31, 15, 0)), utc(2024, 6, 5, 15, 0),
	    "ack: Fri 31 May 15:00 -> Wed 5 June");
	due(vdp_due_ack(utc(2024, 6, 1, 10, 0)), utc(2024, 6, 6, 0, 0),
	    "ack: Saturday 10:00 -> Thursday 00:00");
	due(vdp_due_ack(utc(2024, 6, 2, 23, 59)), utc(2024, 6, 6, 0, 0),
	    "ack: Sunday 23:59 -> Thursday 00:00");
	due(vdp_due_ack(utc(2024, 2, 29, 10, 0)), utc(2024, 3, 5, 10, 0),
	    "ack: leap day Thursday -> Tue 5 March");
	due(vdp_due_ack(utc(2024, 12, 29, 12, 0)), utc(2025, 1, 2, 0, 0),
	    "ack: Sunday 29 Dec -> Thu 2 Jan 2025");
	due(vdp_due_ack(utc(2024, 12, 23, 9, 0)), utc(2024, 12, 26, 9, 0),
	    "ack: no holidays (25 Dec counts)");
	due(vdp_due_triage(utc(2024, 5, 31, 15, 0)), utc(2024, 6, 14, 15, 0),
	    "triage: Fri 31 May -> Fri 14 June");
	due(vdp_due_triage(utc(2024, 6, 5, 8, 0)), utc(2024, 6, 19, 8, 0),
	    "triage: Wednesday -> Wednesday + 2 weeks");
	due(vdp_due_triage(utc(2024, 1, 27, 8, 0)), utc(2024, 2, 12, 0, 0),
	    "triage: Saturday 27 Jan -> Monday 12 Feb 00:00");
}

/* Eight reports; "now" is Sunday 2024-06-30 12:00. */
static struct vdp_times reports[8];

static void make_reports(void)
{
	/* R1: valid, acknowledged in 2 h, validated in 26 h, resolved in 240 h. */
	reports[0] = (struct vdp_times){.received = utc(2024, 1, 2, 9, 0),
	                                .acknowledged = utc(2024, 1, 2, 11, 0),
	                                .validated = utc(2024, 1, 3, 11, 0),
	                                .resolved = utc(2024, 1, 12, 9, 0),
	                                .state = VDP_RS_RESOLVED,
	                                .valid = true};
	/* R2: valid, open since 1 March (121 days), acknowledged exactly at its deadline (120 h),
	 * validated in 168 h. */
	reports[1] = (struct vdp_times){.received = utc(2024, 3, 1, 12, 0),
	                                .acknowledged = utc(2024, 3, 6, 12, 0),
	                                .validated = utc(2024, 3, 8, 12, 0),
	                                .state = VDP_RS_TRIAGED,
	                                .valid = true};
	/* R3: new, received Friday, deadline Wednesday 3 July: not yet overdue. */
	reports[2] = (struct vdp_times){.received = utc(2024, 6, 28, 8, 0), .state = VDP_RS_NEW};
	/* R4: new, received Thursday 20 June, deadline Tuesday 25 June: overdue. */
	reports[3] = (struct vdp_times){.received = utc(2024, 6, 20, 8, 0), .state = VDP_RS_NEW};
	/* R5: spam, never acknowledged: not overdue. */
	reports[4] = (struct vdp_times){.received = utc(2024, 6, 1, 0, 0), .state = VDP_RS_SPAM};
	/* R6: informative, acknowledged Tuesday 7 May after a Monday 6 May deadline (144 h, late),
	 * validated in 216 h. */
	reports[5] = (struct vdp_times){.received = utc(2024, 5, 1, 0, 0),
	                                .acknowledged = utc(2024, 5, 7, 0, 0),
	                                .validated = utc(2024, 5, 10, 0, 0),
	                                .state = VDP_RS_INFORMATIVE};
	/* R7: acknowledged before it was received (a broken record): out of the ack median;
	 * validated in 24 h. */
	reports[6] = (struct vdp_times){.received = utc(2024, 6, 10, 0, 0),
	                                .acknowledged = utc(2024, 6, 9, 0, 0),
	                                .validated = utc(2024, 6, 11, 0, 0),
	                                .state = VDP_RS_NEEDS_INFO};
	/* R8: acknowledged in 1 h, not triaged by its deadline (Monday 17 June 09:00). */
	reports[7] = (struct vdp_times){.received = utc(2024, 6, 3, 9, 0),
	                                .acknowledged = utc(2024, 6, 3, 10, 0),
	                                .state = VDP_RS_NEEDS_INFO};
}

static void test_metrics(void)
{
	struct vdp_metrics m;
	make_reports();
	is_int(vdp_metrics(reports, 8, utc(2024, 6, 30, 12, 0), &m), 0, "metrics");
	is_int(m.received, 8, "received");
	is_int(m.valid, 2, "valid: R1, R2");
	is_int(m.open, 1, "open: R2 (R1 resolved)");
	is_int(m.open_over_90, 1, "open over 90 days: R2, 121 days");
	is_int(m.ack.n, 4, "acknowledged: R1, R2, R6, R8 (R7 inconsistent)");
	ok(m.ack.hours == 61.0, "median time to acknowledge: 1 2 | 120 144 -> (2 + 120) / 2 = 61 h");
	is_int(m.validate.n, 4, "validated: R1, R2, R6, R7");
	ok(m.validate.hours == 97.0, "median time to validate: 24 26 | 168 216 -> 97 h");
	is_int(m.resolve.n, 1, "resolved valid: R1");
	ok(m.resolve.hours == 240.0, "median time to resolve: 240 h");
	is_int(m.ack_overdue, 1, "acknowledgement overdue: R4 (R3 not yet, R5 spam)");
	is_int(m.ack_late, 1, "acknowledged late: R6 (R2 at its deadline is on time)");
	is_int(m.triage_overdue, 1, "triage overdue: R8");

	/* R1 to R6: an odd count takes the middle value. */
	is_int(vdp_metrics(reports, 6, utc(2024, 6, 30, 12, 0), &m), 0, "R1 to R6");
	is_int(m.ack.n, 3, "acknowledged: R1, R2, R6");
	ok(m.ack.hours == 120.0, "median of 2, 120, 144 h: 120 h");
	is_int(vdp_metrics(reports, 3, utc(2024, 6, 30, 12, 0), &m), 0, "R1 to R3");
	is_int(m.validate.n, 2, "validated: R1, R2");
	ok(m.validate.hours == 97.0, "two values: their mean (26 + 168) / 2");
	is_int(vdp_metrics(reports + 5, 3, utc(2024, 6, 30, 12, 0), &m), 0, "R6 to R8");
	is_int(m.validate.n, 2, "R6, R7");
	is_int(m.ack.n, 2, "R6, R8");
	ok(m.ack.hours == 72.5, "median of 1 h and 144 h: 72.5 h");

	/* As of R4's deadline exactly, it is not yet overdue. */
	is_int(vdp_metrics(reports + 3, 1, utc(2024, 6, 25, 8, 0), &m), 0, "R4 at its deadline");
	is_int(m.ack_overdue, 0, "not overdue at the deadline itself");
	is_int(vdp_metrics(reports + 3, 1, utc(2024, 6, 25, 8, 1), &m), 0, "a minute later");
	is_int(m.ack_overdue, 1, "overdue");
}

static void test_empty(void)
{
	struct vdp_metrics m = {.received = 99, .ack = {.n = 7, .hours = 3}};
	is_int(vdp_metrics(NULL, 0, utc(2024, 6, 30, 12, 0), &m), 0, "no reports");
	is_int(m.received, 0, "received 0");
	is_int(m.valid + m.open + m.open_over_90, 0, "nothing valid or open");
	is_int(m.ack.n + m.validate.n + m.resolve.n, 0, "no medians");
	ok(m.ack.hours == 0 && m.validate.hours == 0 && m.resolve.hours == 0, "medians 0 h");
	is_int(m.ack_overdue + m.ack_late + m.triage_overdue, 0, "nothing overdue");
	is_int(vdp_metrics(NULL, 1, 0, &m), -EINVAL, "NULL reports with a count");
	is_int(vdp_metrics(reports, 1, 0, NULL), -EINVAL, "NULL out");
}

static void test_disclosure(void)
{
	int64_t d = 0;
	make_reports();
	is_int(vdp_disclosure_date(&reports[1], &d), 0, "R2 has a date");
	is_int(d, utc(2024, 6, 6, 12, 0), "validated 8 March + 90 days: 6 June (23 + 30 + 31 + 6)");
	reports[1].agreed = utc(2024, 7, 1, 0, 0);
	is_int(vdp_disclosure_date(&reports[1], &d), 0, "agreed");
	is_int(d, utc(2024, 7, 1, 0, 0), "the agreed date wins");
	d = 42;
	is_int(vdp_disclosure_date(&reports[5], &d), -ENOENT, "an informative report has none");
	is_int(d, 42, "and d is untouched");
	struct vdp_times v = {.received = utc(2024, 6, 1, 0, 0), .valid = true};
	is_int(vdp_disclosure_date(&v, &d), -ENOENT, "valid but not yet validated: none");
	v.validated = utc(2024, 12, 15, 0, 0);
	is_int(vdp_disclosure_date(&v, &d), 0, "across a year end");
	is_int(d, utc(2025, 3, 15, 0, 0), "15 Dec + 90 days: 15 March 2025 (16 + 31 + 28 + 15)");
	ok(vdp_rstate_closed(VDP_RS_DUPLICATE) && !vdp_rstate_closed(VDP_RS_NEEDS_INFO), "closed states");
}

int main(void)
{
	test_weekday();
	test_business_days();
	test_metrics();
	test_empty();
	test_disclosure();
	return done_testing();
}
