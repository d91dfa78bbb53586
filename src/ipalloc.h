/* The address allocator of a network: pure functions over the network's JSON document.
 *
 * The document (persisted by network.c under a lock) holds "subnet", "gateway", optionally
 * "subnet6"/"gateway6", a cursor "next" (host offset where the next search starts, so a released
 * address is not handed out again at once) and "allocations": [{"ip", "ip6", "root", "id", ...}].
 * An allocation names the container's state dir (<root>/<id>) so dead ones can be reclaimed. */
#ifndef CARREL_IPALLOC_H
#define CARREL_IPALLOC_H

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "carrel/error.h"

/* "10.88.0.0/24": host bits must be zero; prefix 8..30 (room for a gateway and a container). */
int ipalloc_parse_subnet4 (const char *text, struct in_addr *net, unsigned int *prefix,
                           struct carrel_error *err);
/* "fd00::/64": host bits zero; prefix 64..120. */
int ipalloc_parse_subnet6 (const char *text, struct in6_addr *net, unsigned int *prefix,
                           struct carrel_error *err);
bool ipalloc_contains4 (struct in_addr net, unsigned int prefix, struct in_addr a);
bool ipalloc_overlap4 (struct in_addr a, unsigned int pa, struct in_addr b, unsigned int pb);
bool ipalloc_overlap6 (const struct in6_addr *a, unsigned int pa, const struct in6_addr *b, unsigned int pb);
/* A usable host address of the subnet: not the network or broadcast address. */
bool ipalloc_is_host4 (struct in_addr net, unsigned int prefix, struct in_addr a);
/* The address at host offset off of a v6 subnet (e.g. fd00::/64 + 5 = fd00::5). */
struct in6_addr ipalloc_v6_at (const struct in6_addr *net, unsigned int prefix, uint32_t off);

/* Take an address for root/id: want (a dotted quad) or, when NULL, the next free one after the
 * cursor. Replaces an older allocation of the same root/id. The new entry (owned by doc) is
 * returned in *entry; it has "ip" and, when the network has IPv6, "ip6" (same host offset). */
int ipalloc_take (json_t *doc, const char *root, const char *id, const char *want, json_t **entry,
                  struct carrel_error *err);
/* Drop the allocations of root/id; returns how many. */
int ipalloc_release (json_t *doc, const char *root, const char *id);
/* Drop the allocations whose container is gone (alive returns false); returns how many. */
int ipalloc_reclaim (json_t *doc, bool (*alive) (const char *root, const char *id, void *data), void *data);
json_t *ipalloc_find (json_t *doc, const char *root, const char *id);
size_t ipalloc_count (const json_t *doc);

#endif
