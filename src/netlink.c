/* rtnetlink through libmnl: links (veth, bridge), addresses, default routes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netlink.h"
#include "util.h"

static struct nlmsghdr *
msg_start (void *buf, unsigned int seq, uint16_t type, uint16_t flags)
{
  struct nlmsghdr *nlh;
  memset (buf, 0, NL_BUFSIZE);
  nlh = mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  nlh->nlmsg_seq = seq;
  return nlh;
}

static struct ifinfomsg *
put_ifinfo (struct nlmsghdr *nlh, int ifindex, bool up)
{
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  if (up)
    {
      ifi->ifi_flags = IFF_UP;
      ifi->ifi_change = IFF_UP;
    }
  return ifi;
}

static size_t
addr_len (const struct nl_addr *a)
{
  return a->family == AF_INET ? sizeof a->v4 : sizeof a->v6;
}

struct nlmsghdr *
nlmsg_link_change (void *buf, unsigned int seq, const struct nl_link_change *c)
{
  struct nlmsghdr *nlh = msg_start (buf, seq, RTM_NEWLINK, 0);
  put_ifinfo (nlh, c->ifindex, c->up);
  if (c->ifindex == 0 && c->name)
    mnl_attr_put_strz (nlh, IFLA_IFNAME, c->name);
  if (c->new_name)
    mnl_attr_put_strz (nlh, IFLA_IFNAME, c->new_name);
  if (c->mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, c->mtu);
  if (c->master)
    mnl_attr_put_u32 (nlh, IFLA_MASTER, (uint32_t)c->master);
  if (c->netns_pid)
    mnl_attr_put_u32 (nlh, IFLA_NET_NS_PID, (uint32_t)c->netns_pid);
  if (c->mac)
    mnl_attr_put (nlh, IFLA_ADDRESS, 6, c->mac);
  return nlh;
}

struct nlmsghdr *
nlmsg_veth_new (void *buf, unsigned int seq, const struct nl_veth *v)
{
  struct nlmsghdr *nlh = msg_start (buf, seq, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct nlattr *linkinfo, *data, *peer;
  put_ifinfo (nlh, 0, v->up);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, v->name);
  if (v->mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, v->mtu);
  if (v->master)
    mnl_attr_put_u32 (nlh, IFLA_MASTER, (uint32_t)v->master);
  linkinfo = mnl_attr_nest_start (nlh, IFLA_LINKINFO);
  mnl_attr_put_strz (nlh, IFLA_INFO_KIND, "veth");
  data = mnl_attr_nest_start (nlh, IFLA_INFO_DATA);
  /* The peer is described by a whole ifinfomsg plus its own IFLA_* attributes. */
  peer = mnl_attr_nest_start (nlh, VETH_INFO_PEER);
  /* Not up here: the kernel configures the peer before the pair is linked (veth_open: ENOTCONN). */
  put_ifinfo (nlh, 0, false);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, v->peer_name);
  if (v->mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, v->mtu);
  if (v->peer_netns_pid)
    mnl_attr_put_u32 (nlh, IFLA_NET_NS_PID, (uint32_t)v->peer_netns_pid);
  if (v->peer_mac)
    mnl_attr_put (nlh, IFLA_ADDRESS, 6, v->peer_mac);
  mnl_attr_nest_end (nlh, peer);
  mnl_attr_nest_end (nlh, data);
  mnl_attr_nest_end (nlh, linkinfo);
  return nlh;
}

struct nlmsghdr *
nlmsg_bridge_new (void *buf, unsigned int seq, const char *name, unsigned int mtu)
{
  struct nlmsghdr *nlh = msg_start (buf, seq, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct nlattr *linkinfo;
  put_ifinfo (nlh, 0, true);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  if (mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, mtu);
  linkinfo = mnl_attr_nest_start (nlh, IFLA_LINKINFO);
  mnl_attr_put_strz (nlh, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end (nlh, linkinfo);
  return nlh;
}

struct nlmsghdr *
nlmsg_link_del (void *buf, unsigned int seq, const char *name)
{
  struct nlmsghdr *nlh = msg_start (buf, seq, RTM_DELLINK, 0);
  put_ifinfo (nlh, 0, false);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  return nlh;
}

struct nlmsghdr *
nlmsg_link_get (void *buf, unsigned int seq, const char *name)
{
  struct nlmsghdr *nlh = msg_start (buf, seq, RTM_GETLINK, 0);
  put_ifinfo (nlh, 0, false);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  return nlh;
}

struct nlmsghdr *
nlmsg_addr_add (void *buf, unsigned int seq, int ifindex, const struct nl_addr *a, unsigned int prefix)
{
  struct nlmsghdr *nlh = msg_start (buf, seq, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header (nlh, sizeof *ifa);
  ifa->ifa_family = (unsigned char)a->family;
  ifa->ifa_prefixlen = (unsigned char)prefix;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = (unsigned int)ifindex;
  if (a->family == AF_INET6)
    ifa->ifa_flags = IFA_F_NODAD;
  mnl_attr_put (nlh, IFA_LOCAL, addr_len (a), &a->v4);
  mnl_attr_put (nlh, IFA_ADDRESS, addr_len (a), &a->v4);
  if (a->family == AF_INET && prefix < 31)
    {
      uint32_t mask = prefix ? htonl (~0u << (32 - prefix)) : 0;
      struct in_addr brd = { .s_addr = a->v4.s_addr | ~mask };
      mnl_attr_put (nlh, IFA_BROADCAST, sizeof brd, &brd);
    }
  return nlh;
}

struct nlmsghdr *
nlmsg_route_default (void *buf, unsigned int seq, int ifindex, const struct nl_addr *gw)
{
  struct nlmsghdr *nlh = msg_start (buf, seq, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);
  rtm->rtm_family = (unsigned char)gw->family;
  rtm->rtm_dst_len = 0;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put (nlh, RTA_GATEWAY, addr_len (gw), &gw->v4);
  mnl_attr_put_u32 (nlh, RTA_OIF, (uint32_t)ifindex);
  return nlh;
}

static int
bind_socket (struct nl *nl, struct carrel_error *err)
{
  if (nl->sock == NULL)
    return carrel_fail (err, errno, "open a netlink socket");
  if (mnl_socket_bind (nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      int e = errno;
      mnl_socket_close (nl->sock);
      nl->sock = NULL;
      return carrel_fail (err, e, "bind a netlink socket");
    }
  nl->portid = mnl_socket_get_portid (nl->sock);
  nl->seq = (unsigned int)time (NULL);
  return 0;
}

int
nl_open (struct nl *nl, struct carrel_error *err)
{
  memset (nl, 0, sizeof *nl);
  nl->sock = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  return bind_socket (nl, err);
}

int
nl_open_netns (pid_t pid, struct nl *nl, struct carrel_error *err)
{
  char path[64];
  cleanup_fd int self = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  cleanup_fd int target = -1;
  int e;
  memset (nl, 0, sizeof *nl);
  if (self < 0)
    return carrel_fail (err, errno, "open /proc/self/ns/net");
  snprintf (path, sizeof path, "/proc/%d/ns/net", (int)pid);
  target = open (path, O_RDONLY | O_CLOEXEC);
  if (target < 0)
    return carrel_fail (err, errno, "open %s", path);
  /* A netlink socket belongs to the namespace it was created in; the CLI is single-threaded, so
   * entering the container's namespace for one socket() and coming back is safe. */
  if (setns (target, CLONE_NEWNET) < 0)
    return carrel_fail (err, errno, "enter the network namespace %s", path);
  nl->sock = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  e = errno;
  if (setns (self, CLONE_NEWNET) < 0)
    {
      /* Staying in the container's namespace would misconfigure the host: never continue. */
      fprintf (stderr, "carrel: cannot return to the host network namespace: %s\n", strerror (errno));
      abort ();
    }
  errno = e;
  return bind_socket (nl, err);
}

void
nl_close (struct nl *nl)
{
  if (nl->sock)
    mnl_socket_close (nl->sock);
  nl->sock = NULL;
}

static int
nl_talk_cb (struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const char *what,
            struct carrel_error *err)
{
  char buf[16384]; /* MNL_SOCKET_BUFFER_SIZE is not a constant */
  unsigned int seq = nlh->nlmsg_seq = ++nl->seq;
  ssize_t n;
  int r;
  if (mnl_socket_sendto (nl->sock, nlh, nlh->nlmsg_len) < 0)
    return carrel_fail (err, errno, "%s: netlink send", what);
  do
    {
      n = mnl_socket_recvfrom (nl->sock, buf, sizeof buf);
      if (n < 0)
        return carrel_fail (err, errno, "%s: netlink receive", what);
      r = mnl_cb_run (buf, (size_t)n, seq, nl->portid, cb, data);
    }
  while (r > 0);
  if (r < 0)
    return carrel_fail (err, errno, "%s", what);
  return 0;
}

int
nl_talk (struct nl *nl, struct nlmsghdr *nlh, const char *what, struct carrel_error *err)
{
  return nl_talk_cb (nl, nlh, NULL, NULL, what, err);
}

struct lookup
{
  int ifindex;
  char *kind;
};

static int
linkinfo_cb (const struct nlattr *attr, void *data)
{
  struct lookup *l = data;
  if (mnl_attr_get_type (attr) == IFLA_INFO_KIND && l->kind && mnl_attr_validate (attr, MNL_TYPE_STRING) == 0)
    snprintf (l->kind, 16, "%s", mnl_attr_get_str (attr));
  return MNL_CB_OK;
}

static int
link_attr_cb (const struct nlattr *attr, void *data)
{
  if (mnl_attr_get_type (attr) == IFLA_LINKINFO)
    mnl_attr_parse_nested (attr, linkinfo_cb, data);
  return MNL_CB_OK;
}

static int
link_cb (const struct nlmsghdr *nlh, void *data)
{
  struct lookup *l = data;
  struct ifinfomsg *ifi = mnl_nlmsg_get_payload (nlh);
  l->ifindex = ifi->ifi_index;
  mnl_attr_parse (nlh, sizeof *ifi, link_attr_cb, data);
  return MNL_CB_OK;
}

int
nl_link_lookup (struct nl *nl, const char *name, int *ifindex, char *kind, struct carrel_error *err)
{
  char buf[NL_BUFSIZE];
  struct lookup l = { 0, kind };
  char what[64];
  if (kind)
    kind[0] = '\0';
  *ifindex = 0;
  snprintf (what, sizeof what, "look up link %s", name);
  if (nl_talk_cb (nl, nlmsg_link_get (buf, 0, name), link_cb, &l, what, err) < 0)
    {
      if (err->errno_value == ENODEV)
        {
          carrel_error_clear (err);
          return 0;
        }
      return -1;
    }
  *ifindex = l.ifindex;
  return 0;
}

int
nl_link_set (struct nl *nl, const struct nl_link_change *c, struct carrel_error *err)
{
  char buf[NL_BUFSIZE];
  char what[64];
  snprintf (what, sizeof what, "configure link %s", c->name ? c->name : "");
  return nl_talk (nl, nlmsg_link_change (buf, 0, c), what, err);
}

int
nl_veth_create (struct nl *nl, const struct nl_veth *v, struct carrel_error *err)
{
  char buf[NL_BUFSIZE];
  char what[96];
  snprintf (what, sizeof what, "create veth pair %s/%s", v->name, v->peer_name);
  return nl_talk (nl, nlmsg_veth_new (buf, 0, v), what, err);
}

int
nl_bridge_create (struct nl *nl, const char *name, unsigned int mtu, struct carrel_error *err)
{
  char buf[NL_BUFSIZE];
  char what[64];
  snprintf (what, sizeof what, "create bridge %s", name);
  return nl_talk (nl, nlmsg_bridge_new (buf, 0, name, mtu), what, err);
}

int
nl_link_delete (struct nl *nl, const char *name, struct carrel_error *err)
{
  char buf[NL_BUFSIZE];
  char what[64];
  snprintf (what, sizeof what, "delete link %s", name);
  if (nl_talk (nl, nlmsg_link_del (buf, 0, name), what, err) < 0)
    {
      if (err->errno_value != ENODEV)
        return -1;
      carrel_error_clear (err);
    }
  return 0;
}

int
nl_addr_add (struct nl *nl, int ifindex, const struct nl_addr *a, unsigned int prefix, bool exist_ok,
             struct carrel_error *err)
{
  char buf[NL_BUFSIZE];
  char what[96], text[INET6_ADDRSTRLEN];
  inet_ntop (a->family, &a->v4, text, sizeof text);
  snprintf (what, sizeof what, "add address %s/%u", text, prefix);
  if (nl_talk (nl, nlmsg_addr_add (buf, 0, ifindex, a, prefix), what, err) < 0)
    {
      if (!exist_ok || err->errno_value != EEXIST)
        return -1;
      carrel_error_clear (err);
    }
  return 0;
}

int
nl_route_default (struct nl *nl, int ifindex, const struct nl_addr *gw, struct carrel_error *err)
{
  char buf[NL_BUFSIZE];
  char what[96], text[INET6_ADDRSTRLEN];
  inet_ntop (gw->family, &gw->v4, text, sizeof text);
  snprintf (what, sizeof what, "add default route via %s", text);
  return nl_talk (nl, nlmsg_route_default (buf, 0, ifindex, gw), what, err);
}
