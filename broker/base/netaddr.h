/* netaddr.h - which kind of address a supplier call connects to
 * (loopback, private, link-local, public, or one no call may use) and
 * whether a supplier's allow list lets it through. Pure: the transport
 * asks it about the address it is about to connect to, the chain check
 * about the names in an allow list. */
#ifndef KETEN_BASE_NETADDR_H
#define KETEN_BASE_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* The kinds of address; the first three may be allowed per supplier
 * (their bits form an allow mask), public ones always are, reserved ones
 * (unspecified, multicast, broadcast, documentation) never. */
enum kt_netaddr_kind {
	KT_NETADDR_LOOPBACK = 1,   /* 127.0.0.0/8, ::1, 0.0.0.0 */
	KT_NETADDR_PRIVATE = 2,    /* 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7 */
	KT_NETADDR_LINK_LOCAL = 4, /* 169.254/16, fe80::/10 */
	KT_NETADDR_PUBLIC = 8,
	KT_NETADDR_RESERVED = 16,
};

/* The kind of sa (AF_INET or AF_INET6; an IPv4-mapped IPv6 address is
 * judged as its IPv4 address). Any other family is reserved. */
enum kt_netaddr_kind kt_netaddr_kind(const struct sockaddr *sa);

/* The bit of an allow-list name ("loopback", "private", "link-local"),
 * or 0 for any other name. */
unsigned kt_netaddr_allow_bit(const char *name);

/* Whether a call may connect to sa under allow (a mask of the kinds
 * above): public yes, reserved no, the rest only when allowed. */
int kt_netaddr_allowed(const struct sockaddr *sa, unsigned allow);

/* The name of kind ("loopback", "private", "link-local", "public",
 * "reserved"), for logs and messages. */
const char *kt_netaddr_kind_name(enum kt_netaddr_kind kind);

/* Writes sa's address as text into buf (size bytes, at least 46); "?"
 * when it cannot. Returns buf. */
const char *kt_netaddr_text(const struct sockaddr *sa, char *buf, size_t size);

#endif
