/* Checks of what researchers send (see vdp_form.h). */
#include "vdp_form.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cvss4.h"
#include "errbuf.h"

/* Length of the UTF-8 sequence starting at s (0: invalid), given `left` bytes. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n = s[0] < 0x80             ? 1
	           : (s[0] & 0xe0) == 0xc0 ? 2
	           : (s[0] & 0xf0) == 0xe0 ? 3
	           : (s[0] & 0xf8) == 0xf0 ? 4
	                                   : 0;
	if (n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 2 && s[0] < 0xc2)
		return 0; /* overlong */
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0; /* overlong, or a surrogate */
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || s[0] > 0xf4 || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0; /* overlong, or past U+10FFFF */
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0; /* C1 controls */
	return n;
}

int vdp_text_ok(const char *s, size_t n, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			if (!(p[i] == '\t' || (multiline && (p[i] == '\n' || p[i] == '\r'))))
				return 0;
			i++;
			continue;
		}
		size_t k = utf8_len(p + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

static int empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* A text field: required or not, capped, valid text. */
static int field(const char *name, const char *v, size_t max, int required, int multiline, char *why,
                 size_t whylen)
{
	size_t n = v ? strlen(v) : 0;
	if (n == 0)
		return required ? errf(why, whylen, -EINVAL, "%s: required", name) : 0;
	if (n > max)
		return errf(why, whylen, -EINVAL, "%s: longer than %zu bytes", name, max);
	if (!vdp_text_ok(v, n, multiline))
		return errf(why, whylen, -EINVAL, "%s: not text (UTF-8 without control characters)", name);
	return 0;
}

/* Printable ASCII without blanks: host names, addresses, vectors. */
static int word(const char *v)
{
	for (; *v; v++)
		if (*v <= 0x20 || *v >= 0x7f)
			return 0;
	return 1;
}

static int check_asset(const struct vdp_submission *s, const char **asset, char *why, size_t whylen)
{
	const char *a = !empty(s->asset) ? s->asset : s->asset_typed;
	if (empty(a))
		return errf(why, whylen, -EINVAL, "asset: choose one from the scope or type it");
	if (strlen(a) > VDP_ASSET_MAX || !word(a))
		return errf(why, whylen, -EINVAL,
		            "asset: a host name, address or URL of at most %d characters", VDP_ASSET_MAX);
	*asset = a;
	return 0;
}

/* Optional; when given, a CVSS v4.0 vector by the specification's grammar (cvss4.h). */
static int check_cvss(const char *v, char *why, size_t whylen)
{
	char reason[160];
	if (empty(v))
		return 0;
	if (strlen(v) > VDP_CVSS_MAX || !word(v))
		return errf(why, whylen, -EINVAL,
		            "cvss: printable ASCII without blanks, at most %d characters", VDP_CVSS_MAX);
	if (cvss4_check(v, reason, sizeof reason) < 0)
		return errf(why, whylen, -EINVAL, "cvss: not a CVSS v4.0 vector: %s", reason);
	return 0;
}

int vdp_report_check(const struct vdp_submission *s, const char **asset, char *why, size_t whylen)
{
	const char *a = NULL;
	int rc = check_asset(s, &a, why, whylen);
	if (rc == 0)
		rc = field("title", s->title, VDP_TITLE_MAX, 1, 0, why, whylen);
	if (rc == 0)
		rc = field("description", s->description, VDP_TEXT_MAX, 1, 1, why, whylen);
	if (rc == 0)
		rc = field("steps", s->steps, VDP_TEXT_MAX, 1, 1, why, whylen);
	if (rc == 0)
		rc = field("impact", s->impact, VDP_TEXT_MAX, 1, 1, why, whylen);
	if (rc == 0)
		rc = check_cvss(s->cvss, why, whylen);
	if (rc == 0)
		rc = field("contact", s->contact, VDP_CONTACT_MAX, 0, 0, why, whylen);
	if (rc == 0)
		*asset = a;
	return rc;
}

int vdp_message_check(const char *body, char *why, size_t whylen)
{
	return field("message", body, VDP_TEXT_MAX, 1, 1, why, whylen);
}

int vdp_filename_check(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > VDP_FILENAME_MAX || strpbrk(name, "/\\") != NULL || !vdp_text_ok(name, n, 0))
		return -EINVAL;
	return 0;
}

const char *vdp_ctype(const char *ctype)
{
	size_t n = ctype ? strcspn(ctype, ";") : 0, slash = 0;
	if (n == 0 || n > VDP_CTYPE_MAX || ctype[n] != '\0')
		return "application/octet-stream";
	for (size_t i = 0; i < n; i++) {
		char c = ctype[i];
		if (c == '/')
			slash++;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		           strchr("!#$&^_.+-", c)))
			return "application/octet-stream";
	}
	return slash == 1 && ctype[0] != '/' && ctype[n - 1] != '/' ? ctype : "application/octet-stream";
}
