/*
 * Inline SVG charts for the HTML report, written straight into a FILE*: a vertical
 * bar chart (grade distributions), a single stacked bar (a check's pass, fail,
 * indeterminate and n/a counts; an average score) and a line chart (a trend over scans). Each chart carries a
 * <title> so it reads without a mouse, and each bar or segment its own <title> as a tooltip.
 *
 * Also the one text escaper the report uses for HTML and SVG alike. These helpers
 * fetch nothing, use no script and no external font: the output is self-contained.
 * They do not lay out a page; report.c does.
 */
#ifndef VITALS_SVG_H
#define VITALS_SVG_H

#include <stddef.h>
#include <stdio.h>

/* One bar of a bar chart, or one segment of a stacked bar. */
struct svg_bar {
	const char *label; /* text under the bar / in the segment's tooltip; escaped */
	double value;      /* the bar's value (>= 0; negative counts as 0) */
	const char *color; /* fill colour, e.g. "#2e7d32"; escaped */
};

/*
 * Writes `s` escaped for HTML/SVG text and attribute values: & < > " ' become
 * entities, control characters other than tab and newline become U+FFFD. NULL writes
 * nothing. Returns 0 or -EIO.
 */
int html_escape(FILE *out, const char *s);

/*
 * Opens an <svg> of class `cls` ("chart ..."), `width` x `height` pixels, named by
 * `title` (aria-label and <title>); the caller draws into it and writes "</svg>".
 */
void svg_begin(FILE *out, const char *cls, const char *title, int width, int height);

/*
 * A vertical bar chart of `n` bars in a `width` x `height` pixel <svg>, each bar with
 * its value above and its label below, scaled to the largest value. `title` names the
 * chart for screen readers. Returns 0, -EINVAL (no room to draw) or -EIO.
 */
int svg_bar_chart(FILE *out, const char *title, const struct svg_bar *bars, size_t n, int width, int height);

/*
 * One horizontal bar `width` x `height` pixels split into `n` segments proportional
 * to their values; an all-zero bar is drawn empty. Returns 0, -EINVAL or -EIO.
 */
int svg_stacked_bar(FILE *out, const char *title, const struct svg_bar *segs, size_t n, int width,
                    int height);

/* One point of a line chart. */
struct svg_point {
	const char *label; /* text under the point and in its tooltip; escaped */
	double value;      /* its value, 0..ymax; NAN: no value (the line breaks there) */
};

/*
 * A line chart of `n` points, evenly spaced left to right, on a y axis from 0 to `ymax`,
 * in a `width` x `height` <svg class="chart trend">; each point a dot with its value as a
 * tooltip. Returns 0, -EINVAL (no room, no points, ymax not above 0) or -EIO.
 */
int svg_line_chart(FILE *out, const char *title, const struct svg_point *pts, size_t n, double ymax,
                   const char *color, int width, int height);

#endif
