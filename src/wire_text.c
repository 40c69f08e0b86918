/* Bounded, printable excerpts of network text for messages. */
#include "wire_text.h"

#include <string.h>

const char *text_excerpt(char *dst, size_t dstsz, const char *s, size_t len, size_t max)
{
	size_t n = len > max ? max : len, i;
	for (i = 0; i < n && i + 4 < dstsz; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (i < len && i + 4 <= dstsz) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
	return dst;
}
