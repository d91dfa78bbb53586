/* nftables rules for NAT and published ports, through libnftnl and libmnl (see nft.h).
 *
 * Published ports are DNAT rules in prerouting (traffic from outside) and output (traffic from the
 * host itself, 127.0.0.1 included). A DNAT'ed packet from 127.0.0.1 is rerouted out of the bridge
 * with a loopback source, which the kernel only allows with route_localnet=1 on the bridge
 * (network.c sets it); the packet's source is then masqueraded to the bridge's address so the
 * container can answer, and a raw-priority rule drops anything arriving on the bridge for
 * 127.0.0.0/8 so route_localnet does not open the host's loopback services to containers. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "nft.h"
#include "util.h"

#define NFT_BATCH_SIZE (64 * 1024)

struct batch
{
  struct mnl_nlmsg_batch *b;
  uint32_t seq;
  unsigned int n_acks; /* messages that the kernel answers (NLM_F_ACK) */
};

static const struct chain_kind
{
  const char *suffix;
  const char *type;
  unsigned int hook;
  int prio;
} chain_kinds[] = {
  { "raw", "filter", NF_INET_PRE_ROUTING, -300 },
  { "pre", "nat", NF_INET_PRE_ROUTING, -100 },
  { "out", "nat", NF_INET_LOCAL_OUT, -100 },
  { "post", "nat", NF_INET_POST_ROUTING, 100 },
};
enum
{
  CH_RAW,
  CH_PRE,
  CH_OUT,
  CH_POST
};

static struct nlmsghdr *
batch_hdr (struct batch *bt, uint16_t type, uint16_t flags)
{
  struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr (mnl_nlmsg_batch_current (bt->b), type, NFPROTO_IPV4,
                                                flags | NLM_F_ACK, bt->seq++);
  bt->n_acks++;
  return nlh;
}

static void
batch_next (struct batch *bt)
{
  mnl_nlmsg_batch_next (bt->b);
}

static void
add_table (struct batch *bt)
{
  struct nftnl_table *t = nftnl_table_alloc ();
  struct nlmsghdr *nlh;
  nftnl_table_set_str (t, NFTNL_TABLE_NAME, NFT_TABLE_NAME);
  nlh = batch_hdr (bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
  nftnl_table_nlmsg_build_payload (nlh, t);
  nftnl_table_free (t);
  batch_next (bt);
}

static void
chain_name (char *buf, size_t len, const char *net, int kind)
{
  snprintf (buf, len, "%s-%s", net, chain_kinds[kind].suffix);
}

static void
add_chain (struct batch *bt, const char *net, int kind, bool del)
{
  struct nftnl_chain *c = nftnl_chain_alloc ();
  struct nlmsghdr *nlh;
  char name[128];
  chain_name (name, sizeof name, net, kind);
  nftnl_chain_set_str (c, NFTNL_CHAIN_TABLE, NFT_TABLE_NAME);
  nftnl_chain_set_str (c, NFTNL_CHAIN_NAME, name);
  if (!del)
    {
      nftnl_chain_set_u32 (c, NFTNL_CHAIN_HOOKNUM, chain_kinds[kind].hook);
      nftnl_chain_set_s32 (c, NFTNL_CHAIN_PRIO, chain_kinds[kind].prio);
      nftnl_chain_set_str (c, NFTNL_CHAIN_TYPE, chain_kinds[kind].type);
      nftnl_chain_set_u32 (c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
    }
  nlh = batch_hdr (bt, del ? NFT_MSG_DELCHAIN : NFT_MSG_NEWCHAIN, del ? 0 : NLM_F_CREATE);
  nftnl_chain_nlmsg_build_payload (nlh, c);
  nftnl_chain_free (c);
  batch_next (bt);
}

/* Delete every rule of the chain (a DELRULE naming only the chain). */
static void
flush_chain (struct batch *bt, const char *net, int kind)
{
  struct nftnl_rule *r = nftnl_rule_alloc ();
  struct nlmsghdr *nlh;
  char name[128];
  chain_name (name, sizeof name, net, kind);
  nftnl_rule_set_str (r, NFTNL_RULE_TABLE, NFT_TABLE_NAME);
  nftnl_rule_set_str (r, NFTNL_RULE_CHAIN, name);
  nlh = batch_hdr (bt, NFT_MSG_DELRULE, 0);
  nftnl_rule_nlmsg_build_payload (nlh, r);
  nftnl_rule_free (r);
  batch_next (bt);
}

static struct nftnl_rule *
rule_new (const char *net, int kind)
{
  struct nftnl_rule *r = nftnl_rule_alloc ();
  char name[128];
  chain_name (name, sizeof name, net, kind);
  nftnl_rule_set_str (r, NFTNL_RULE_TABLE, NFT_TABLE_NAME);
  nftnl_rule_set_str (r, NFTNL_RULE_CHAIN, name);
  nftnl_rule_set_u32 (r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
  return r;
}

static void
rule_commit (struct batch *bt, struct nftnl_rule *r)
{
  struct nlmsghdr *nlh = batch_hdr (bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
  nftnl_rule_nlmsg_build_payload (nlh, r);
  nftnl_rule_free (r);
  batch_next (bt);
}

/* Expressions: each loads into or reads from register 1 unless told otherwise. */
static void
x_payload (struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("payload");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_PAYLOAD_LEN, len);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
  nftnl_rule_add_expr (r, e);
}

static void
x_cmp (struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("cmp");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set (e, NFTNL_EXPR_CMP_DATA, data, len);
  nftnl_rule_add_expr (r, e);
}

static void
x_meta (struct nftnl_rule *r, uint32_t key)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("meta");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_META_DREG, NFT_REG_1);
  nftnl_rule_add_expr (r, e);
}

/* ip saddr/daddr (offset 12/16) within net/prefix, or not (op NFT_CMP_NEQ). */
static void
x_ip_in (struct nftnl_rule *r, uint32_t offset, struct in_addr net, unsigned int prefix, uint32_t op)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("bitwise");
  uint32_t mask = htonl (prefix ? ~0u << (32 - prefix) : 0), zero = 0;
  x_payload (r, NFT_PAYLOAD_NETWORK_HEADER, offset, 4);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_BITWISE_LEN, 4);
  nftnl_expr_set (e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
  nftnl_expr_set (e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
  nftnl_rule_add_expr (r, e);
  x_cmp (r, op, &net.s_addr, 4);
}

static void
x_ifname (struct nftnl_rule *r, uint32_t key, const char *ifname)
{
  char name[IFNAMSIZ] = { 0 };
  snprintf (name, sizeof name, "%s", ifname);
  x_meta (r, key);
  x_cmp (r, NFT_CMP_EQ, name, sizeof name);
}

static void
x_simple (struct nftnl_rule *r, const char *kind)
{
  nftnl_rule_add_expr (r, nftnl_expr_alloc (kind));
}

static void
x_drop (struct nftnl_rule *r)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("immediate");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
  nftnl_rule_add_expr (r, e);
}

/* fib daddr type local PROTO dport HOST dnat to CTR:PORT */
static void
rule_dnat (struct batch *bt, const char *net, int kind, const struct nft_publish *p)
{
  struct nftnl_rule *r = rule_new (net, kind);
  struct nftnl_expr *e = nftnl_expr_alloc ("fib");
  uint32_t local = RTN_LOCAL;
  uint16_t hport = htons (p->host_port), cport = htons (p->ctr_port);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
  nftnl_rule_add_expr (r, e);
  x_cmp (r, NFT_CMP_EQ, &local, sizeof local);
  x_meta (r, NFT_META_L4PROTO);
  x_cmp (r, NFT_CMP_EQ, &p->proto, 1);
  x_payload (r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
  x_cmp (r, NFT_CMP_EQ, &hport, 2);
  e = nftnl_expr_alloc ("immediate");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
  nftnl_expr_set (e, NFTNL_EXPR_IMM_DATA, &p->ctr.s_addr, 4);
  nftnl_rule_add_expr (r, e);
  e = nftnl_expr_alloc ("immediate");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_IMM_DREG, NFT_REG_2);
  nftnl_expr_set (e, NFTNL_EXPR_IMM_DATA, &cport, 2);
  nftnl_rule_add_expr (r, e);
  e = nftnl_expr_alloc ("nat");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
  nftnl_rule_add_expr (r, e);
  rule_commit (bt, r);
}

static void
build_rules (struct batch *bt, const struct nft_network *n)
{
  const struct in_addr loopnet = { .s_addr = htonl (0x7f000000) };
  struct nftnl_rule *r;
  if (n->masquerade)
    {
      /* ip saddr SUBNET ip daddr != SUBNET masquerade */
      r = rule_new (n->name, CH_POST);
      x_ip_in (r, 12, n->subnet, n->prefix, NFT_CMP_EQ);
      x_ip_in (r, 16, n->subnet, n->prefix, NFT_CMP_NEQ);
      x_simple (r, "masq");
      rule_commit (bt, r);
    }
  if (n->n_pub == 0)
    return;
  /* iifname BRIDGE ip daddr 127.0.0.0/8 drop */
  r = rule_new (n->name, CH_RAW);
  x_ifname (r, NFT_META_IIFNAME, n->bridge);
  x_ip_in (r, 16, loopnet, 8, NFT_CMP_EQ);
  x_drop (r);
  rule_commit (bt, r);
  for (size_t i = 0; i < n->n_pub; i++)
    {
      rule_dnat (bt, n->name, CH_PRE, &n->pub[i]);
      rule_dnat (bt, n->name, CH_OUT, &n->pub[i]);
    }
  /* ip saddr 127.0.0.0/8 oifname BRIDGE masquerade: the container cannot answer 127.0.0.1. */
  r = rule_new (n->name, CH_POST);
  x_ip_in (r, 12, loopnet, 8, NFT_CMP_EQ);
  x_ifname (r, NFT_META_OIFNAME, n->bridge);
  x_simple (r, "masq");
  rule_commit (bt, r);
}

/* Send the batch and collect one answer per message; the first refusal is the error. */
static int
batch_send (struct batch *bt, struct carrel_error *err)
{
  struct mnl_socket *nl = mnl_socket_open2 (NETLINK_NETFILTER, SOCK_CLOEXEC);
  char buf[16384]; /* MNL_SOCKET_BUFFER_SIZE is not a constant */
  struct timeval tv = { .tv_sec = 5 };
  unsigned int portid, answers = 0;
  int first_error = 0, r = -1;
  if (nl == NULL)
    return carrel_fail (err, errno, "nftables: open a netlink socket");
  if (mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      carrel_fail (err, errno, "nftables: bind a netlink socket");
      goto out;
    }
  setsockopt (mnl_socket_get_fd (nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  portid = mnl_socket_get_portid (nl);
  if (mnl_socket_sendto (nl, mnl_nlmsg_batch_head (bt->b), mnl_nlmsg_batch_size (bt->b)) < 0)
    {
      carrel_fail (err, errno, "nftables: send the rules");
      goto out;
    }
  while (answers < bt->n_acks)
    {
      ssize_t len = mnl_socket_recvfrom (nl, buf, sizeof buf);
      const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
      int left = (int)len;
      if (len < 0 && first_error)
        break; /* no more answers to a refused batch */
      if (len < 0)
        {
          carrel_fail (err, errno, "nftables: read the kernel's answer");
          goto out;
        }
      for (; mnl_nlmsg_ok (nlh, left); nlh = mnl_nlmsg_next (nlh, &left))
        {
          if (nlh->nlmsg_pid != portid)
            continue;
          if (nlh->nlmsg_type == NLMSG_ERROR)
            {
              const struct nlmsgerr *e = mnl_nlmsg_get_payload (nlh);
              answers++;
              if (e->error && first_error == 0)
                first_error = -e->error;
            }
        }
      /* A refused batch may leave some messages unanswered: do not wait long for them. */
      if (first_error && answers < bt->n_acks)
        {
          struct timeval quick = { .tv_usec = 100000 };
          setsockopt (mnl_socket_get_fd (nl), SOL_SOCKET, SO_RCVTIMEO, &quick, sizeof quick);
        }
    }
  if (first_error)
    {
      carrel_fail (err, first_error, "nftables: the kernel refused the rules of table %s", NFT_TABLE_NAME);
      goto out;
    }
  r = 0;
out:
  mnl_socket_close (nl);
  return r;
}

static void
batch_open (struct batch *bt, char *buf)
{
  bt->seq = 1;
  bt->n_acks = 0;
  bt->b = mnl_nlmsg_batch_start (buf, NFT_BATCH_SIZE);
  nftnl_batch_begin (mnl_nlmsg_batch_current (bt->b), bt->seq++);
  batch_next (bt);
}

static int
batch_close_send (struct batch *bt, struct carrel_error *err)
{
  int r;
  nftnl_batch_end (mnl_nlmsg_batch_current (bt->b), bt->seq++);
  batch_next (bt);
  r = batch_send (bt, err);
  mnl_nlmsg_batch_stop (bt->b);
  return r;
}

/* Delete the table only when no chain is left in it (NLM_F_NONREC: EBUSY otherwise), so a table
 * other networks still use (also from another --data-dir) stays. */
static int
drop_table_if_empty (char *buf, struct carrel_error *err)
{
  struct batch bt;
  struct nftnl_table *t = nftnl_table_alloc ();
  struct nlmsghdr *nlh;
  batch_open (&bt, buf);
  nftnl_table_set_str (t, NFTNL_TABLE_NAME, NFT_TABLE_NAME);
  nlh = batch_hdr (&bt, NFT_MSG_DELTABLE, NLM_F_NONREC);
  nftnl_table_nlmsg_build_payload (nlh, t);
  nftnl_table_free (t);
  batch_next (&bt);
  if (batch_close_send (&bt, err) < 0)
    {
      if (err->errno_value != EBUSY && err->errno_value != ENOENT)
        return -1;
      carrel_error_clear (err);
    }
  return 0;
}

int
nft_apply (const struct nft_network *n, struct carrel_error *err)
{
  cleanup_free char *buf = xmalloc (NFT_BATCH_SIZE);
  struct batch bt;
  bool wanted = n->masquerade || n->n_pub > 0;
  batch_open (&bt, buf);
  /* Creating what exists is no error; so "add, then flush or delete" works from any state. */
  add_table (&bt);
  for (int k = 0; k < (int)ARRAY_SIZE (chain_kinds); k++)
    {
      add_chain (&bt, n->name, k, false);
      if (wanted)
        flush_chain (&bt, n->name, k);
      else
        add_chain (&bt, n->name, k, true);
    }
  if (wanted)
    build_rules (&bt, n);
  if (batch_close_send (&bt, err) < 0 || (!wanted && drop_table_if_empty (buf, err) < 0))
    return carrel_wrap (err, "network %s", n->name);
  return 0;
}
