/* wire_text: bounded excerpts and network text as JSON strings. */
#include "tap.h"
#include "wire_text.h"

static void check_json(const char *in, size_t len, const char *want, size_t wantlen, const char *name)
{
	json_t *j = text_json(in, len);
	ok(j != NULL && json_string_length(j) == wantlen && memcmp(json_string_value(j), want, wantlen) == 0,
	   name);
	json_decref(j);
}

int main(void)
{
	char buf[16];
	is_str(text_excerpt(buf, sizeof buf, "abc", 3, 24), "abc", "short text unchanged");
	is_str(text_excerpt(buf, sizeof buf, "a\nb\x7f", 4, 24), "a?b?", "control bytes become ?");
	is_str(text_excerpt(buf, sizeof buf, "abcdefghijklmnopqrstuvwxyz", 26, 24), "abcdefghijkl...",
	       "cut to the buffer with an ellipsis");
	is_str(text_excerpt(buf, sizeof buf, "abcdefgh", 8, 4), "abcd...", "cut to max with an ellipsis");

	check_json("plain", 5, "plain", 5, "ASCII kept");
	check_json("caf\xc3\xa9", 5, "caf\xc3\xa9", 5, "valid UTF-8 kept");
	check_json("caf\xe9", 4, "caf\xef\xbf\xbd", 6, "a Latin-1 byte becomes U+FFFD");
	check_json("ab\xe2\x82", 4, "ab\xef\xbf\xbd\xef\xbf\xbd", 8,
	           "a sequence cut by a cap: each byte replaced");
	check_json("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd", 6, "overlong form rejected");
	check_json("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9, "surrogate rejected");
	check_json("\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12,
	           "beyond U+10FFFF rejected");
	check_json("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80", 4, "four-byte sequence kept");
	check_json("a\0b", 3, "a\0b", 3, "NUL kept");
	check_json("", 0, "", 0, "empty string");
	return done_testing();
}
