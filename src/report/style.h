/*
 * The one stylesheet of vitals' HTML: what `vitals report` inlines in its self-contained
 * file, and, with the live pages' rules added, what `vitals serve` sends as
 * /assets/vitals.css. The pages carry no style attribute and no <style> element (their
 * Content-Security-Policy allows styles from the server's own stylesheet only), so every
 * look they need is a class here. Plain text: it fetches nothing (no url(), no fonts).
 */
#ifndef VITALS_STYLE_H
#define VITALS_STYLE_H

/* The report's stylesheet, inlined in its <style> element. */
const char *style_report(void);
/* The whole stylesheet: the report's rules, then the pages'. */
const char *style_sheet(void);

#endif
