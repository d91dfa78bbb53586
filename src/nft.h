/* nftables through libnftnl + libmnl: one table "ip carrel", per network the chains
 * <net>-raw (filter prerouting -300), <net>-pre (nat prerouting -100), <net>-out (nat output -100)
 * and <net>-post (nat postrouting 100). Each update replaces a network's chains in one atomic
 * batch, built from the network's current users, so no rule outlives them. */
#ifndef CARREL_NFT_H
#define CARREL_NFT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carrel/error.h"

#define NFT_TABLE_NAME "carrel"

struct nft_publish
{
  uint16_t host_port;
  uint16_t ctr_port;
  uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
  struct in_addr ctr;
};

struct nft_network
{
  const char *name;
  const char *bridge;
  struct in_addr subnet;
  unsigned int prefix;
  bool masquerade;               /* outbound NAT for the subnet */
  const struct nft_publish *pub; /* published ports */
  size_t n_pub;
};

/* Make the network's chains say exactly what n says; with nothing to say, its chains go, and the
 * table too once no chain is left in it. */
int nft_apply (const struct nft_network *n, struct carrel_error *err);

#endif
