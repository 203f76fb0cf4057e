/* utf8.c - UTF-8 character boundaries and validity (see base/utf8.h). */
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"

size_t kt_utf8_char(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (n == 0 || s[0] == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

size_t kt_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

void kt_utf8_trim(char *s)
{
	size_t len = strlen(s), i = len, need;
	unsigned char lead;

	/* Back over continuation bytes to the last character's lead byte and
	 * cut that character when it has fewer bytes than its lead promises. */
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	lead = (unsigned char)s[i - 1];
	if (lead < 0x80)
		return;
	need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

const char *kt_utf8_shown(char *buf, size_t size, const char *s, size_t max)
{
	size_t len = strlen(s);

	if (max > size - sizeof("..."))
		max = size - sizeof("...");
	if (len <= max) {
		snprintf(buf, size, "%s", s);
		return buf;
	}
	snprintf(buf, size, "%.*s...", (int)kt_utf8_cut(s, len, max), s);
	return buf;
}
