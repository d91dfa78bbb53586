/* The persistent side of networks: <data>/networks/<name>.json under one lock, the bridge and the
 * firewall rules that follow from a network's document. */
#ifndef CARREL_NETWORK_STORE_H
#define CARREL_NETWORK_STORE_H

#include <jansson.h>

#include "carrel/error.h"
#include "netlink.h"

struct netstore
{
  int dirfd;  /* <data>/networks */
  int lockfd; /* .lock, flock(LOCK_EX) while open */
};

/* Create the directory when missing and take the lock (blocks while another carrel holds it). */
int netstore_open (struct netstore *st, struct carrel_error *err);
void netstore_close (struct netstore *st);
int netstore_names (struct netstore *st, char ***names, size_t *n, struct carrel_error *err);
/* ENOENT: "network NAME does not exist". */
int netstore_load (struct netstore *st, const char *name, json_t **doc, struct carrel_error *err);
int netstore_save (struct netstore *st, json_t *doc, struct carrel_error *err);
/* Drop allocations whose container state dir (<root>/<id>) is gone and delete their host veths;
 * returns how many. */
int netstore_reclaim (struct netstore *st, json_t *doc, struct carrel_error *err);
/* The network's bridge exists (recreated when carrel made it and it is gone, e.g. after a reboot),
 * is up and holds the gateway addresses; *ifindex is its index. */
int netstore_bridge_ready (struct nl *hnl, json_t *doc, int *ifindex, struct carrel_error *err);
/* Rules (nft.c), route_localnet and ip_forward as the document's users need them now. */
int netstore_firewall (struct netstore *st, json_t *doc, struct carrel_error *err);

#endif
