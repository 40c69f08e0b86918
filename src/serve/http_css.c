/* /assets/vitals.css: the one stylesheet of `vitals serve` (the CSP allows no other style). */
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"
#include "style.h"

/* The layout and the forms: readable on a phone and in print. */
const char http_css[] =
    ":root{--ink:#1d2430;--muted:#5b6472;--line:#d8dde5;--bg:#fbfcfd;--accent:#0b5cad;--warn:#8a4b00}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:var(--ink);"
    "background:var(--bg)}\n"
    "header.site{display:flex;gap:1.5rem;align-items:baseline;padding:.75rem 1.5rem;"
    "border-bottom:1px solid var(--line);background:#fff}\n"
    "header.site .brand{font-weight:700;font-size:1.2rem;text-decoration:none;color:var(--ink)}\n"
    "header.site nav a{margin-right:1rem}\n"
    "main{max-width:60rem;margin:0 auto;padding:1.5rem}\n"
    "footer.site{max-width:60rem;margin:2rem auto;padding:0 1.5rem;color:var(--muted);font-size:.875rem}\n"
    "a{color:var(--accent)}\n"
    "h1{font-size:1.6rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin-top:2rem}\n"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;"
    "border-bottom:1px solid var(--line);vertical-align:top}\n"
    "code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;word-break:break-all}"
    "\n"
    "form.vdp label{display:block;font-weight:600;margin-top:1rem}\n"
    "form.vdp .hint{display:block;font-weight:400;color:var(--muted);font-size:.875rem}\n"
    "form.vdp input[type=text],form.vdp select,form.vdp textarea{width:100%;padding:.4rem;font:inherit;"
    "border:1px solid var(--line);border-radius:4px;background:#fff}\n"
    "form.vdp textarea{min-height:8rem}\n"
    "button{margin-top:1rem;padding:.5rem 1.2rem;font:inherit;color:#fff;background:var(--accent);"
    "border:0;border-radius:4px;cursor:pointer}\n"
    ".notice{padding:.75rem 1rem;border-left:4px solid var(--warn);background:#fff7ea}\n"
    ".thread{list-style:none;padding:0}.thread li{border:1px solid var(--line);border-radius:4px;"
    "padding:.5rem .75rem;margin:.5rem 0;background:#fff}\n"
    ".thread .who{color:var(--muted);font-size:.875rem}\n"
    ".text{white-space:pre-wrap}\n"
    "@media print{header.site nav,form{display:none}}\n";
const size_t http_css_len = sizeof http_css - 1;

/* Built at the first request: the scorecards' sheet first, so the layout's rules win. */
static char *css;
static size_t css_len;

const char *serve_css(size_t *len)
{
	if (css == NULL) {
		const char *cards = style_sheet();
		size_t n = strlen(cards);
		char *p = malloc(n + http_css_len + 2);
		if (p == NULL)
			return NULL;
		memcpy(p, cards, n);
		p[n] = '\n';
		memcpy(p + n + 1, http_css, http_css_len + 1);
		css = p;
		css_len = n + 1 + http_css_len;
	}
	*len = css_len;
	return css;
}
