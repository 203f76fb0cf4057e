/* test_netaddr.c - unit tests of broker/base/netaddr.c: the kind of every
 * special-purpose range (IPv4, IPv6, IPv4-mapped IPv6) and what an allow
 * mask lets through. Table-driven over address texts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "testutil.h"
#include "base/netaddr.h"

/* sa gets the address text a (v4 or v6). */
static const struct sockaddr *addr_of(const char *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, a, &v6->sin6_addr), 1);
		v6->sin6_family = AF_INET6;
	}
	return (const struct sockaddr *)ss;
}

static void test_kinds(void **state)
{
	static const struct {
		const char *addr;
		enum kt_netaddr_kind kind;
	} cases[] = {
		{ "127.0.0.1", KT_NETADDR_LOOPBACK }, { "127.255.1.2", KT_NETADDR_LOOPBACK },
		{ "0.0.0.0", KT_NETADDR_LOOPBACK }, { "::1", KT_NETADDR_LOOPBACK },
		{ "::", KT_NETADDR_LOOPBACK }, { "::ffff:127.0.0.1", KT_NETADDR_LOOPBACK },
		{ "10.0.0.1", KT_NETADDR_PRIVATE }, { "172.16.0.1", KT_NETADDR_PRIVATE },
		{ "172.31.255.255", KT_NETADDR_PRIVATE }, { "192.168.1.1", KT_NETADDR_PRIVATE },
		{ "100.64.0.1", KT_NETADDR_PRIVATE }, { "fd00::1", KT_NETADDR_PRIVATE },
		{ "fc00::1", KT_NETADDR_PRIVATE }, { "::ffff:10.1.2.3", KT_NETADDR_PRIVATE },
		{ "169.254.169.254", KT_NETADDR_LINK_LOCAL }, { "fe80::1", KT_NETADDR_LINK_LOCAL },
		{ "172.32.0.1", KT_NETADDR_PUBLIC }, { "172.15.255.255", KT_NETADDR_PUBLIC },
		{ "100.128.0.1", KT_NETADDR_PUBLIC }, { "8.8.8.8", KT_NETADDR_PUBLIC },
		{ "2a00:1450::1", KT_NETADDR_PUBLIC }, { "::ffff:8.8.8.8", KT_NETADDR_PUBLIC },
		{ "224.0.0.1", KT_NETADDR_RESERVED }, { "255.255.255.255", KT_NETADDR_RESERVED },
		{ "0.1.2.3", KT_NETADDR_RESERVED }, { "192.0.2.1", KT_NETADDR_RESERVED },
		{ "198.18.0.1", KT_NETADDR_RESERVED }, { "ff02::1", KT_NETADDR_RESERVED },
		{ "2001:db8::1", KT_NETADDR_RESERVED }, { "::2", KT_NETADDR_RESERVED },
	};
	struct sockaddr_storage ss;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		enum kt_netaddr_kind k = kt_netaddr_kind(addr_of(cases[i].addr, &ss));

		if (k != cases[i].kind)
			fail_msg("%s: %s, want %s", cases[i].addr, kt_netaddr_kind_name(k),
				 kt_netaddr_kind_name(cases[i].kind));
	}
	ss.ss_family = AF_UNIX;
	assert_int_equal(kt_netaddr_kind((const struct sockaddr *)&ss), KT_NETADDR_RESERVED);
	assert_int_equal(kt_netaddr_kind(NULL), KT_NETADDR_RESERVED);
}

static void test_allow(void **state)
{
	struct sockaddr_storage ss;
	char text[64];
	unsigned all = kt_netaddr_allow_bit("loopback") | kt_netaddr_allow_bit("private") |
		       kt_netaddr_allow_bit("link-local");

	(void)state;
	assert_int_equal(kt_netaddr_allow_bit("public"), 0);
	assert_int_equal(kt_netaddr_allow_bit("Loopback"), 0);
	assert_int_equal(kt_netaddr_allow_bit(NULL), 0);
	/* by default only public addresses */
	assert_true(kt_netaddr_allowed(addr_of("8.8.8.8", &ss), 0));
	assert_false(kt_netaddr_allowed(addr_of("127.0.0.1", &ss), 0));
	assert_false(kt_netaddr_allowed(addr_of("10.0.0.1", &ss), 0));
	assert_false(kt_netaddr_allowed(addr_of("169.254.169.254", &ss), 0));
	/* each allow opens its kind only */
	assert_true(kt_netaddr_allowed(addr_of("127.0.0.1", &ss), kt_netaddr_allow_bit("loopback")));
	assert_false(kt_netaddr_allowed(addr_of("10.0.0.1", &ss), kt_netaddr_allow_bit("loopback")));
	assert_true(kt_netaddr_allowed(addr_of("fd00::1", &ss), kt_netaddr_allow_bit("private")));
	assert_false(kt_netaddr_allowed(addr_of("fe80::1", &ss), kt_netaddr_allow_bit("private")));
	assert_true(kt_netaddr_allowed(addr_of("fe80::1", &ss), kt_netaddr_allow_bit("link-local")));
	/* reserved never */
	assert_false(kt_netaddr_allowed(addr_of("224.0.0.1", &ss), all));
	assert_string_equal(kt_netaddr_text(addr_of("::ffff:10.1.2.3", &ss), text, sizeof(text)),
			    "::ffff:10.1.2.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_allow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
