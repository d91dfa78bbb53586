/* rtnetlink through libmnl: the few link, address and route operations carrel's networking needs.
 *
 * Message builders (nlmsg_*) only fill a buffer, so unit tests check them without a kernel; the
 * nl_* functions send a message on a socket and wait for the kernel's acknowledgement. */
#ifndef CARREL_NETLINK_H
#define CARREL_NETLINK_H

#include <libmnl/libmnl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "carrel/error.h"

/* Enough for every message built here. */
#define NL_BUFSIZE 4096

struct nl
{
  struct mnl_socket *sock;
  unsigned int portid;
  unsigned int seq;
};

/* An IPv4 or IPv6 address. */
struct nl_addr
{
  int family; /* AF_INET or AF_INET6 */
  union
  {
    struct in_addr v4;
    struct in6_addr v6;
  };
};

/* A change to an existing link; fields left 0/NULL/false are not touched. */
struct nl_link_change
{
  int ifindex;              /* or 0 with name */
  const char *name;         /* select by name when ifindex is 0 */
  const char *new_name;     /* IFLA_IFNAME rename */
  bool up;                  /* set IFF_UP */
  unsigned int mtu;         /* IFLA_MTU */
  int master;               /* IFLA_MASTER (bridge ifindex) */
  pid_t netns_pid;          /* IFLA_NET_NS_PID: move into that process's network namespace */
  const unsigned char *mac; /* IFLA_ADDRESS, 6 bytes */
};

/* A new veth pair: the host end stays here, the peer goes into netns_pid's namespace. */
struct nl_veth
{
  const char *name;              /* host end */
  const char *peer_name;         /* e.g. eth0, named in the target namespace */
  pid_t peer_netns_pid;          /* 0: stay here */
  unsigned int mtu;              /* both ends; 0: kernel default */
  int master;                    /* host end's bridge ifindex, 0: none */
  const unsigned char *peer_mac; /* 6 bytes or NULL */
  bool up;                       /* the host end; bring the peer up where it lands */
};

/* Builders: fill buf (NL_BUFSIZE bytes) and return the message. */
struct nlmsghdr *nlmsg_link_change (void *buf, unsigned int seq, const struct nl_link_change *c);
struct nlmsghdr *nlmsg_veth_new (void *buf, unsigned int seq, const struct nl_veth *v);
struct nlmsghdr *nlmsg_bridge_new (void *buf, unsigned int seq, const char *name, unsigned int mtu);
struct nlmsghdr *nlmsg_link_del (void *buf, unsigned int seq, const char *name);
struct nlmsghdr *nlmsg_link_get (void *buf, unsigned int seq, const char *name);
/* IPv6 addresses get IFA_F_NODAD: a fresh link must be usable at once (no 1 s tentative state). */
struct nlmsghdr *nlmsg_addr_add (void *buf, unsigned int seq, int ifindex, const struct nl_addr *a,
                                 unsigned int prefix);
struct nlmsghdr *nlmsg_route_default (void *buf, unsigned int seq, int ifindex, const struct nl_addr *gw);

/* Sockets. nl_open: in our network namespace; nl_open_netns: in pid's (the socket stays bound to
 * that namespace; the calling thread enters it for the socket() call and comes back). */
int nl_open (struct nl *nl, struct carrel_error *err);
int nl_open_netns (pid_t pid, struct nl *nl, struct carrel_error *err);
void nl_close (struct nl *nl);

/* Send one message, wait for its ack; errno of a kernel refusal goes into err. */
int nl_talk (struct nl *nl, struct nlmsghdr *nlh, const char *what, struct carrel_error *err);

/* Link lookup by name: *ifindex (0 and return 0 when it does not exist), kind ("bridge", "veth",
 * "" for none) into kind[16] when kind is not NULL. */
int nl_link_lookup (struct nl *nl, const char *name, int *ifindex, char *kind, struct carrel_error *err);

int nl_link_set (struct nl *nl, const struct nl_link_change *c, struct carrel_error *err);
int nl_veth_create (struct nl *nl, const struct nl_veth *v, struct carrel_error *err);
int nl_bridge_create (struct nl *nl, const char *name, unsigned int mtu, struct carrel_error *err);
/* ENODEV is success: the link is gone either way. */
int nl_link_delete (struct nl *nl, const char *name, struct carrel_error *err);
/* EEXIST is success when exist_ok (the address is already there). */
int nl_addr_add (struct nl *nl, int ifindex, const struct nl_addr *a, unsigned int prefix, bool exist_ok,
                 struct carrel_error *err);
int nl_route_default (struct nl *nl, int ifindex, const struct nl_addr *gw, struct carrel_error *err);

#endif
