/* Unit tests of the rtnetlink message builders (src/netlink.c): build into a buffer, parse back
 * with libmnl, check the attributes. No kernel involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>

#include "netlink.h"

#define MAX_ATTR 64

static char buf[NL_BUFSIZE];

struct attrs
{
  const struct nlattr *tb[MAX_ATTR];
};

static int
collect (const struct nlattr *attr, void *data)
{
  struct attrs *a = data;
  unsigned int type = mnl_attr_get_type (attr);
  if (type < MAX_ATTR)
    a->tb[type] = attr;
  return MNL_CB_OK;
}

static void
parse (const struct nlmsghdr *nlh, size_t hdrlen, struct attrs *a)
{
  memset (a, 0, sizeof *a);
  assert_int_equal (mnl_attr_parse (nlh, (unsigned int)hdrlen, collect, a), MNL_CB_OK);
}

static void
parse_nested (const struct nlattr *nest, struct attrs *a)
{
  memset (a, 0, sizeof *a);
  assert_non_null (nest);
  assert_int_equal (mnl_attr_parse_nested (nest, collect, a), MNL_CB_OK);
}

static void
veth_message_describes_both_ends (void **state)
{
  static const unsigned char mac[6] = { 0x02, 0xca, 10, 88, 0, 2 };
  struct nl_veth v = { .name = "crl0123abcd",
                       .peer_name = "eth0",
                       .peer_netns_pid = 4242,
                       .mtu = 1400,
                       .master = 7,
                       .peer_mac = mac,
                       .up = true };
  struct nlmsghdr *nlh = nlmsg_veth_new (buf, 9, &v);
  struct ifinfomsg *ifi = mnl_nlmsg_get_payload (nlh);
  struct attrs top, info, data, peer;
  const struct nlattr *p;
  struct ifinfomsg *pifi;

  assert_int_equal (nlh->nlmsg_type, RTM_NEWLINK);
  assert_int_equal (nlh->nlmsg_seq, 9);
  assert_true ((nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK))
               == (NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK));
  assert_int_equal (ifi->ifi_flags & IFF_UP, IFF_UP);
  parse (nlh, sizeof *ifi, &top);
  assert_string_equal (mnl_attr_get_str (top.tb[IFLA_IFNAME]), "crl0123abcd");
  assert_int_equal (mnl_attr_get_u32 (top.tb[IFLA_MTU]), 1400);
  assert_int_equal (mnl_attr_get_u32 (top.tb[IFLA_MASTER]), 7);
  assert_null (top.tb[IFLA_NET_NS_PID]); /* the host end stays */
  parse_nested (top.tb[IFLA_LINKINFO], &info);
  assert_string_equal (mnl_attr_get_str (info.tb[IFLA_INFO_KIND]), "veth");
  parse_nested (info.tb[IFLA_INFO_DATA], &data);
  p = data.tb[VETH_INFO_PEER];
  assert_non_null (p);
  /* The peer: an ifinfomsg, then its own attributes. */
  pifi = mnl_attr_get_payload (p);
  assert_int_equal (pifi->ifi_flags & IFF_UP, 0); /* brought up where it lands */
  memset (&peer, 0, sizeof peer);
  {
    const struct nlattr *a;
    const char *start = (const char *)pifi + NLMSG_ALIGN (sizeof *pifi);
    const char *end = (const char *)p + p->nla_len;
    for (a = (const struct nlattr *)start;
         (const char *)a < end && mnl_attr_ok (a, (int)(end - (const char *)a)); a = mnl_attr_next (a))
      collect (a, &peer);
  }
  assert_string_equal (mnl_attr_get_str (peer.tb[IFLA_IFNAME]), "eth0");
  assert_int_equal (mnl_attr_get_u32 (peer.tb[IFLA_NET_NS_PID]), 4242);
  assert_int_equal (mnl_attr_get_u32 (peer.tb[IFLA_MTU]), 1400);
  assert_int_equal (mnl_attr_get_payload_len (peer.tb[IFLA_ADDRESS]), 6);
  assert_memory_equal (mnl_attr_get_payload (peer.tb[IFLA_ADDRESS]), mac, 6);
}

static void
link_change_sets_only_what_is_asked (void **state)
{
  struct nl_link_change c = { .ifindex = 3, .up = true, .master = 5 };
  struct nlmsghdr *nlh = nlmsg_link_change (buf, 1, &c);
  struct ifinfomsg *ifi = mnl_nlmsg_get_payload (nlh);
  struct attrs a;
  assert_int_equal (nlh->nlmsg_type, RTM_NEWLINK);
  assert_int_equal (nlh->nlmsg_flags & NLM_F_CREATE, 0);
  assert_int_equal (ifi->ifi_index, 3);
  assert_int_equal (ifi->ifi_change, IFF_UP);
  parse (nlh, sizeof *ifi, &a);
  assert_int_equal (mnl_attr_get_u32 (a.tb[IFLA_MASTER]), 5);
  assert_null (a.tb[IFLA_MTU]);
  assert_null (a.tb[IFLA_IFNAME]); /* selected by index */
  assert_null (a.tb[IFLA_NET_NS_PID]);

  struct nl_link_change byname = { .name = "lo", .up = true };
  nlh = nlmsg_link_change (buf, 2, &byname);
  parse (nlh, sizeof *ifi, &a);
  assert_string_equal (mnl_attr_get_str (a.tb[IFLA_IFNAME]), "lo");
}

static void
bridge_message_is_an_up_bridge (void **state)
{
  struct nlmsghdr *nlh = nlmsg_bridge_new (buf, 1, "cbr-n1", 1500);
  struct ifinfomsg *ifi = mnl_nlmsg_get_payload (nlh);
  struct attrs a, info;
  assert_int_equal (ifi->ifi_flags & IFF_UP, IFF_UP);
  parse (nlh, sizeof *ifi, &a);
  assert_string_equal (mnl_attr_get_str (a.tb[IFLA_IFNAME]), "cbr-n1");
  parse_nested (a.tb[IFLA_LINKINFO], &info);
  assert_string_equal (mnl_attr_get_str (info.tb[IFLA_INFO_KIND]), "bridge");
}

static void
ipv4_address_carries_local_and_broadcast (void **state)
{
  struct nl_addr addr = { .family = AF_INET };
  struct nlmsghdr *nlh;
  struct ifaddrmsg *ifa;
  struct attrs a;
  struct in_addr brd;
  inet_pton (AF_INET, "10.88.0.2", &addr.v4);
  nlh = nlmsg_addr_add (buf, 1, 4, &addr, 24);
  ifa = mnl_nlmsg_get_payload (nlh);
  assert_int_equal (nlh->nlmsg_type, RTM_NEWADDR);
  assert_int_equal (ifa->ifa_family, AF_INET);
  assert_int_equal (ifa->ifa_prefixlen, 24);
  assert_int_equal (ifa->ifa_index, 4);
  parse (nlh, sizeof *ifa, &a);
  assert_memory_equal (mnl_attr_get_payload (a.tb[IFA_LOCAL]), &addr.v4, 4);
  assert_memory_equal (mnl_attr_get_payload (a.tb[IFA_ADDRESS]), &addr.v4, 4);
  inet_pton (AF_INET, "10.88.0.255", &brd);
  assert_memory_equal (mnl_attr_get_payload (a.tb[IFA_BROADCAST]), &brd, 4);
}

static void
ipv6_address_skips_duplicate_detection (void **state)
{
  struct nl_addr addr = { .family = AF_INET6 };
  struct nlmsghdr *nlh;
  struct ifaddrmsg *ifa;
  struct attrs a;
  inet_pton (AF_INET6, "fd00::2", &addr.v6);
  nlh = nlmsg_addr_add (buf, 1, 4, &addr, 64);
  ifa = mnl_nlmsg_get_payload (nlh);
  assert_int_equal (ifa->ifa_flags & IFA_F_NODAD, IFA_F_NODAD);
  parse (nlh, sizeof *ifa, &a);
  assert_int_equal (mnl_attr_get_payload_len (a.tb[IFA_LOCAL]), 16);
  assert_memory_equal (mnl_attr_get_payload (a.tb[IFA_LOCAL]), &addr.v6, 16);
  assert_null (a.tb[IFA_BROADCAST]);
}

static void
default_route_goes_via_the_gateway (void **state)
{
  struct nl_addr gw = { .family = AF_INET };
  struct nlmsghdr *nlh;
  struct rtmsg *rtm;
  struct attrs a;
  inet_pton (AF_INET, "10.88.0.1", &gw.v4);
  nlh = nlmsg_route_default (buf, 1, 2, &gw);
  rtm = mnl_nlmsg_get_payload (nlh);
  assert_int_equal (nlh->nlmsg_type, RTM_NEWROUTE);
  assert_int_equal (rtm->rtm_dst_len, 0);
  assert_int_equal (rtm->rtm_table, RT_TABLE_MAIN);
  assert_int_equal (rtm->rtm_type, RTN_UNICAST);
  parse (nlh, sizeof *rtm, &a);
  assert_memory_equal (mnl_attr_get_payload (a.tb[RTA_GATEWAY]), &gw.v4, 4);
  assert_int_equal (mnl_attr_get_u32 (a.tb[RTA_OIF]), 2);
  assert_null (a.tb[RTA_DST]);
}

static void
delete_and_get_select_by_name (void **state)
{
  struct attrs a;
  struct nlmsghdr *nlh = nlmsg_link_del (buf, 1, "crl0123abcd");
  assert_int_equal (nlh->nlmsg_type, RTM_DELLINK);
  parse (nlh, sizeof (struct ifinfomsg), &a);
  assert_string_equal (mnl_attr_get_str (a.tb[IFLA_IFNAME]), "crl0123abcd");
  nlh = nlmsg_link_get (buf, 1, "cbr-n1");
  assert_int_equal (nlh->nlmsg_type, RTM_GETLINK);
  assert_int_equal (nlh->nlmsg_flags & NLM_F_DUMP, 0);
  parse (nlh, sizeof (struct ifinfomsg), &a);
  assert_string_equal (mnl_attr_get_str (a.tb[IFLA_IFNAME]), "cbr-n1");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (veth_message_describes_both_ends),
    cmocka_unit_test (link_change_sets_only_what_is_asked),
    cmocka_unit_test (bridge_message_is_an_up_bridge),
    cmocka_unit_test (ipv4_address_carries_local_and_broadcast),
    cmocka_unit_test (ipv6_address_skips_duplicate_detection),
    cmocka_unit_test (default_route_goes_via_the_gateway),
    cmocka_unit_test (delete_and_get_select_by_name),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
