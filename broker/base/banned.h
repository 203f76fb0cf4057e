/* banned.h - string functions we never use, turned into compile errors.
 * The Makefile force-includes this into every source (-include), after the
 * C library headers that declare them, so an unbounded copy cannot slip in.
 * Use snprintf, memcpy with a checked length, and strtol with end checks. */
#ifndef KETEN_BANNED_H
#define KETEN_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef strtok
#define strtok(x, y) BANNED(strtok)

#endif
