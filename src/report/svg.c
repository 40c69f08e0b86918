/* Inline SVG charts and the HTML/SVG text escaper. */
#include "svg.h"

#include <errno.h>
#include <math.h>

/* Room above a bar for its value and below it for its label, in pixels. */
#define TOP_PAD    16
#define BOTTOM_PAD 18

int html_escape(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p != '\0'; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			/* Control characters (C0 and, UTF-8 encoded, C1) are not allowed in HTML or XML text.
			 */
			if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f) {
				fputs("\xef\xbf\xbd", out);
			} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
				fputs("\xef\xbf\xbd", out);
				p++;
			} else {
				fputc(*p, out);
			}
		}
	}
	return ferror(out) ? -EIO : 0;
}

static double clamp0(double v)
{
	return v > 0 ? v : 0;
}

void svg_begin(FILE *out, const char *cls, const char *title, int width, int height)
{
	fputs("<svg class=\"", out);
	html_escape(out, cls);
	fprintf(out, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", width,
	        height, width, height);
	html_escape(out, title);
	fputs("\"><title>", out);
	html_escape(out, title);
	fputs("</title>", out);
}

static void svg_open(FILE *out, const char *title, int width, int height)
{
	svg_begin(out, "chart", title, width, height);
}

/* A rectangle with a tooltip "label: value". */
static void svg_rect(FILE *out, double x, double y, double w, double h, const struct svg_bar *b)
{
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"", x, y, w, h);
	html_escape(out, b->color ? b->color : "#888");
	fputs("\"><title>", out);
	html_escape(out, b->label);
	fprintf(out, ": %g</title></rect>", clamp0(b->value));
}

static void svg_text(FILE *out, double x, double y, const char *cls, const char *text)
{
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"%s\">", x, y, cls);
	html_escape(out, text);
	fputs("</text>", out);
}

int svg_bar_chart(FILE *out, const char *title, const struct svg_bar *bars, size_t n, int width, int height)
{
	double max = 0;
	int plot = height - TOP_PAD - BOTTOM_PAD;
	if (n == 0 || width < (int)n || plot <= 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		max = clamp0(bars[i].value) > max ? clamp0(bars[i].value) : max;
	double slot = (double)width / (double)n, scale = max > 0 ? plot / max : 0;
	svg_open(out, title, width, height);
	for (size_t i = 0; i < n; i++) {
		char value[32];
		double h = clamp0(bars[i].value) * scale, x = slot * (double)i;
		svg_rect(out, x + slot * 0.15, TOP_PAD + plot - h, slot * 0.7, h, &bars[i]);
		snprintf(value, sizeof value, "%g", clamp0(bars[i].value));
		svg_text(out, x + slot / 2, TOP_PAD + plot - h - 4, "value", value);
		svg_text(out, x + slot / 2, height - 4, "label", bars[i].label);
	}
	fputs("</svg>", out);
	return ferror(out) ? -EIO : 0;
}

int svg_stacked_bar(FILE *out, const char *title, const struct svg_bar *segs, size_t n, int width, int height)
{
	double total = 0, x = 0;
	if (width <= 0 || height <= 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		total += clamp0(segs[i].value);
	svg_open(out, title, width, height);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#eee\"/>", width, height);
	for (size_t i = 0; total > 0 && i < n; i++) {
		double w = clamp0(segs[i].value) / total * width;
		if (w > 0)
			svg_rect(out, x, 0, w, height, &segs[i]);
		x += w;
	}
	fputs("</svg>", out);
	return ferror(out) ? -EIO : 0;
}

/* Room left of a line chart's plot for the y labels, in pixels. */
#define LEFT_PAD 34

/* The y axis: a baseline, a top line and their values. */
static void line_axes(FILE *out, int width, int plot, double ymax)
{
	char v[32];
	fprintf(out,
	        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
	        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>",
	        LEFT_PAD, TOP_PAD + plot, width, TOP_PAD + plot, LEFT_PAD, TOP_PAD, width, TOP_PAD);
	snprintf(v, sizeof v, "%g", ymax);
	svg_text(out, LEFT_PAD / 2.0, TOP_PAD + 4, "label", v);
	svg_text(out, LEFT_PAD / 2.0, TOP_PAD + plot + 4, "label", "0");
}

int svg_line_chart(FILE *out, const char *title, const struct svg_point *pts, size_t n, double ymax,
                   const char *color, int width, int height)
{
	int plot = height - TOP_PAD - BOTTOM_PAD, open = 0;
	if (n == 0 || width <= LEFT_PAD || plot <= 0 || !(ymax > 0))
		return -EINVAL;
	double step = (double)(width - LEFT_PAD) / (double)n;
	svg_begin(out, "chart trend", title, width, height);
	line_axes(out, width, plot, ymax);
	/* One path; a point without a value lifts the pen, so a gap reads as a gap. */
	fputs("<path fill=\"none\" stroke-width=\"2\" stroke=\"", out);
	html_escape(out, color);
	fputs("\" d=\"", out);
	for (size_t i = 0; i < n; i++) {
		double x = LEFT_PAD + step * ((double)i + 0.5),
		       y = TOP_PAD + plot * (1 - clamp0(pts[i].value) / ymax);
		if (isnan(pts[i].value)) {
			open = 0;
			continue;
		}
		fprintf(out, "%s%.1f %.1f ", open ? "L" : "M", x, y);
		open = 1;
	}
	fputs("\"/>", out);
	for (size_t i = 0; i < n; i++) {
		double x = LEFT_PAD + step * ((double)i + 0.5),
		       y = TOP_PAD + plot * (1 - clamp0(pts[i].value) / ymax);
		if (!isnan(pts[i].value)) {
			fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"", x, y);
			html_escape(out, color);
			fputs("\"><title>", out);
			html_escape(out, pts[i].label);
			fprintf(out, ": %.2f</title></circle>", pts[i].value);
		}
		svg_text(out, x, height - 4, "label", pts[i].label);
	}
	fputs("</svg>", out);
	return ferror(out) ? -EIO : 0;
}
