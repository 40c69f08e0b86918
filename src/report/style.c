/* The stylesheet: the report's rules and the live pages' additions, as constant text. */
#include "style.h"

/* Shared by the report and the pages; the status classes replace inline legend colours. */
#define STYLE_REPORT                                                                                         \
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"             \
	"margin:2em auto;max-width:1100px;padding:0 1em;color:#222;line-height:1.4}"                         \
	"h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}"          \
	".meta{color:#555}nav a{margin-right:1em}"                                                           \
	"table{border-collapse:collapse;margin:1em 0}"                                                       \
	"th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"          \
	".n{text-align:right;font-variant-numeric:tabular-nums}"                                             \
	".charts{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}"                                     \
	"figcaption{text-align:center;font-size:.9em;color:#444}"                                            \
	".chart text{font-size:11px;fill:#333}"                                                              \
	".grade{display:inline-block;min-width:3em;padding:0 .3em;border-radius:3px;color:#fff;"             \
	"font-weight:bold;text-align:center;white-space:nowrap}"                                             \
	".g-A{background:#2e7d32}.g-B{background:#7cb342}.g-C{background:#f9a825}"                           \
	".g-D{background:#ef6c00}.g-F{background:#c62828}.g-none{background:#9e9e9e;font-weight:normal}"     \
	".card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:1em 0;break-inside:avoid}"    \
	".card h3{margin:.2em 0}.id{color:#666;font-weight:normal;font-size:.85em}"                          \
	".detail{word-break:break-word}.legend span{display:inline-block;width:.9em;height:.9em;"            \
	"margin:0 .3em 0 1em;vertical-align:middle}code{font-size:.95em;overflow-wrap:anywhere}"             \
	".st-pass{background:#2e7d32}.st-fail{background:#c62828}.st-indeterminate{background:#9e9e9e}"      \
	".st-na{background:#cfd8dc}"

/* The live pages: the list's form, sorting links and pager, finding statuses, evidence. */
#define STYLE_PAGES                                                                                          \
	"form.filters{display:flex;flex-wrap:wrap;gap:.8em;align-items:flex-end;margin:1em 0}"               \
	"form.filters label{display:flex;flex-direction:column;font-size:.85em;color:#444}"                  \
	"form.filters input,form.filters select,form.filters button{font:inherit;padding:.2em .4em}"         \
	"th a{color:inherit}th a.sorted{text-decoration-thickness:2px}"                                      \
	".pager{display:flex;gap:1.5em;align-items:center;margin:1em 0}"                                     \
	".status{display:inline-block;padding:0 .4em;border-radius:3px;color:#fff;font-size:.85em}"          \
	".status.st-na{color:#222}.sev-critical,.sev-high{font-weight:bold}"                                 \
	".evidence{font-family:ui-monospace,monospace;font-size:.8em;white-space:pre-wrap;"                  \
	"word-break:break-all;max-height:10em;overflow:auto;margin:0}"                                       \
	".history td,.history th{text-align:center}.findings code{white-space:nowrap}"                       \
	".orglist td:first-child{min-width:14em}"

const char *style_report(void)
{
	return STYLE_REPORT;
}

const char *style_sheet(void)
{
	return STYLE_REPORT STYLE_PAGES;
}
