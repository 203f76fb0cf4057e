/* netaddr.c - address kinds and the per-supplier allow mask of
 * base/netaddr.h, over the IPv4 and IPv6 special-purpose ranges
 * (RFC 6890). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/netaddr.h"

static enum kt_netaddr_kind kind4(const unsigned char *a)
{
	if (a[0] == 127 || (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0))
		return KT_NETADDR_LOOPBACK;
	if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64))
		return KT_NETADDR_PRIVATE;
	if (a[0] == 169 && a[1] == 254)
		return KT_NETADDR_LINK_LOCAL;
	if (a[0] == 0 || a[0] >= 224 || (a[0] == 192 && a[1] == 0 && a[2] == 2) ||
	    (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
	    (a[0] == 203 && a[1] == 0 && a[2] == 113) ||
	    (a[0] == 198 && (a[1] & 0xfe) == 18) || (a[0] == 192 && a[1] == 0 && a[2] == 0))
		return KT_NETADDR_RESERVED;
	return KT_NETADDR_PUBLIC;
}

static enum kt_netaddr_kind kind6(const unsigned char *a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char zero[15] = { 0 };

	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return kind4(a + 12);
	if (memcmp(a, zero, sizeof(zero)) == 0)
		return a[15] <= 1 ? KT_NETADDR_LOOPBACK : KT_NETADDR_RESERVED;
	if ((a[0] & 0xfe) == 0xfc)
		return KT_NETADDR_PRIVATE;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return KT_NETADDR_LINK_LOCAL;
	if (a[0] == 0xff || (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) ||
	    (a[0] & 0xe0) != 0x20)
		return KT_NETADDR_RESERVED; /* multicast, documentation, not global unicast */
	return KT_NETADDR_PUBLIC;
}

enum kt_netaddr_kind kt_netaddr_kind(const struct sockaddr *sa)
{
	if (sa && sa->sa_family == AF_INET)
		return kind4((const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)
				     ->sin_addr);
	if (sa && sa->sa_family == AF_INET6)
		return kind6(((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
	return KT_NETADDR_RESERVED;
}

unsigned kt_netaddr_allow_bit(const char *name)
{
	if (!name)
		return 0;
	if (strcmp(name, "loopback") == 0)
		return KT_NETADDR_LOOPBACK;
	if (strcmp(name, "private") == 0)
		return KT_NETADDR_PRIVATE;
	if (strcmp(name, "link-local") == 0)
		return KT_NETADDR_LINK_LOCAL;
	return 0;
}

int kt_netaddr_allowed(const struct sockaddr *sa, unsigned allow)
{
	enum kt_netaddr_kind k = kt_netaddr_kind(sa);

	return k == KT_NETADDR_PUBLIC || (k != KT_NETADDR_RESERVED && (allow & (unsigned)k));
}

const char *kt_netaddr_kind_name(enum kt_netaddr_kind kind)
{
	switch (kind) {
	case KT_NETADDR_LOOPBACK: return "loopback";
	case KT_NETADDR_PRIVATE: return "private";
	case KT_NETADDR_LINK_LOCAL: return "link-local";
	case KT_NETADDR_PUBLIC: return "public";
	default: return "reserved";
	}
}

const char *kt_netaddr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	const void *a = NULL;

	if (sa && sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa && sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (!a || !inet_ntop(sa->sa_family, a, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}
