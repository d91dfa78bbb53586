/* carrel: built-in networks, as `carrel network` uses them.
 *
 * A network is a host bridge with an IPv4 subnet (optionally IPv6), persisted with its address
 * allocator as JSON under <data dir>/networks/. Containers join one with the annotation
 * run.carrel.network = NAME[,ip=ADDR] and publish ports with run.carrel.publish =
 * HOSTPORT:CTRPORT[/tcp|udp],... */
#ifndef CARREL_PUBLIC_NETWORK_H
#define CARREL_PUBLIC_NETWORK_H

#include <stdbool.h>
#include <stddef.h>

#include "carrel/error.h"

#define CARREL_NETWORK_NAME_MAX 32

struct carrel_network_config
{
  const char *name;
  const char *subnet;  /* "10.88.0.0/24" */
  const char *gateway; /* NULL: the subnet's first address */
  const char *subnet6; /* NULL: no IPv6; else e.g. "fd00::/64" (gateway: its first address) */
  const char *bridge;  /* NULL: "cbr-" + name */
  bool nat;            /* masquerade traffic leaving the subnet */
  unsigned int mtu;    /* 0: 1500 */
};

struct carrel_network_info
{
  char *name;
  char *bridge;
  char *subnet;
  char *gateway;
  char *subnet6; /* NULL when none */
  char *gateway6;
  bool nat;
  unsigned int mtu;
  size_t n_containers; /* addresses in use */
};

int carrel_network_create (const struct carrel_network_config *cfg, struct carrel_error *err);
/* Refused (EBUSY) while a container uses it. Removes the bridge when carrel made it. */
int carrel_network_remove (const char *name, struct carrel_error *err);
/* Every network, sorted by name. */
int carrel_network_list (struct carrel_network_info **out, size_t *n, struct carrel_error *err);
void carrel_network_list_free (struct carrel_network_info *v, size_t n);
/* Reclaim the addresses (and rules) of containers whose state dir is gone; *reclaimed: how many. */
int carrel_network_prune (size_t *reclaimed, struct carrel_error *err);

#endif
