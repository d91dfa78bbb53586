/* The address allocator: pure functions over a network's JSON document (see ipalloc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipalloc.h"

static uint32_t
mask4 (unsigned int prefix)
{
  return prefix ? ~0u << (32 - prefix) : 0;
}

static int
split_prefix (const char *text, char *addr, size_t len, unsigned int *prefix, const char *what,
              struct carrel_error *err)
{
  const char *slash = strchr (text, '/');
  char *end;
  unsigned long p;
  if (slash == NULL || (size_t)(slash - text) >= len)
    return carrel_fail (err, EINVAL, "%s %s: expected ADDRESS/PREFIX", what, text);
  memcpy (addr, text, (size_t)(slash - text));
  addr[slash - text] = '\0';
  errno = 0;
  p = strtoul (slash + 1, &end, 10);
  if (slash[1] == '\0' || *end || errno || p > 128)
    return carrel_fail (err, EINVAL, "%s %s: bad prefix length", what, text);
  *prefix = (unsigned int)p;
  return 0;
}

int
ipalloc_parse_subnet4 (const char *text, struct in_addr *net, unsigned int *prefix, struct carrel_error *err)
{
  char addr[INET_ADDRSTRLEN];
  if (split_prefix (text, addr, sizeof addr, prefix, "subnet", err) < 0)
    return -1;
  if (inet_pton (AF_INET, addr, net) != 1)
    return carrel_fail (err, EINVAL, "subnet %s: %s is not an IPv4 address", text, addr);
  if (*prefix < 8 || *prefix > 30)
    return carrel_fail (err, EINVAL, "subnet %s: the prefix length must be between 8 and 30", text);
  if (ntohl (net->s_addr) & ~mask4 (*prefix))
    {
      struct in_addr fixed = { .s_addr = htonl (ntohl (net->s_addr) & mask4 (*prefix)) };
      char buf[INET_ADDRSTRLEN];
      inet_ntop (AF_INET, &fixed, buf, sizeof buf);
      return carrel_fail (err, EINVAL, "subnet %s: host bits are set (did you mean %s/%u?)", text, buf,
                          *prefix);
    }
  return 0;
}

static bool
v6_host_bits_zero (const struct in6_addr *a, unsigned int prefix)
{
  for (unsigned int bit = prefix; bit < 128; bit++)
    if (a->s6_addr[bit / 8] & (0x80 >> (bit % 8)))
      return false;
  return true;
}

int
ipalloc_parse_subnet6 (const char *text, struct in6_addr *net, unsigned int *prefix, struct carrel_error *err)
{
  char addr[INET6_ADDRSTRLEN];
  if (split_prefix (text, addr, sizeof addr, prefix, "IPv6 subnet", err) < 0)
    return -1;
  if (inet_pton (AF_INET6, addr, net) != 1)
    return carrel_fail (err, EINVAL, "IPv6 subnet %s: %s is not an IPv6 address", text, addr);
  if (*prefix < 64 || *prefix > 120)
    return carrel_fail (err, EINVAL, "IPv6 subnet %s: the prefix length must be between 64 and 120", text);
  if (!v6_host_bits_zero (net, *prefix))
    return carrel_fail (err, EINVAL, "IPv6 subnet %s: host bits are set", text);
  return 0;
}

bool
ipalloc_contains4 (struct in_addr net, unsigned int prefix, struct in_addr a)
{
  return (ntohl (a.s_addr) & mask4 (prefix)) == ntohl (net.s_addr);
}

bool
ipalloc_overlap4 (struct in_addr a, unsigned int pa, struct in_addr b, unsigned int pb)
{
  unsigned int p = pa < pb ? pa : pb;
  return (ntohl (a.s_addr) & mask4 (p)) == (ntohl (b.s_addr) & mask4 (p));
}

bool
ipalloc_overlap6 (const struct in6_addr *a, unsigned int pa, const struct in6_addr *b, unsigned int pb)
{
  unsigned int p = pa < pb ? pa : pb;
  for (unsigned int bit = 0; bit < p; bit++)
    {
      unsigned char m = 0x80 >> (bit % 8);
      if ((a->s6_addr[bit / 8] & m) != (b->s6_addr[bit / 8] & m))
        return false;
    }
  return true;
}

bool
ipalloc_is_host4 (struct in_addr net, unsigned int prefix, struct in_addr a)
{
  uint32_t host = ntohl (a.s_addr) & ~mask4 (prefix);
  return ipalloc_contains4 (net, prefix, a) && host != 0 && host != ~mask4 (prefix);
}

struct in6_addr
ipalloc_v6_at (const struct in6_addr *net, unsigned int prefix, uint32_t off)
{
  struct in6_addr r = *net;
  (void)prefix;
  for (int i = 15; i >= 12; i--)
    {
      r.s6_addr[i] |= (unsigned char)(off & 0xff);
      off >>= 8;
    }
  return r;
}

json_t *
ipalloc_find (json_t *doc, const char *root, const char *id)
{
  json_t *allocs = json_object_get (doc, "allocations");
  size_t i;
  json_t *e;
  json_array_foreach (allocs, i, e)
  {
    const char *r = json_string_value (json_object_get (e, "root"));
    const char *d = json_string_value (json_object_get (e, "id"));
    if (r && d && strcmp (r, root) == 0 && strcmp (d, id) == 0)
      return e;
  }
  return NULL;
}

size_t
ipalloc_count (const json_t *doc)
{
  return json_array_size (json_object_get (doc, "allocations"));
}

static bool
taken (json_t *doc, const char *ip)
{
  json_t *allocs = json_object_get (doc, "allocations");
  size_t i;
  json_t *e;
  json_array_foreach (allocs, i, e)
  {
    const char *x = json_string_value (json_object_get (e, "ip"));
    if (x && strcmp (x, ip) == 0)
      return true;
  }
  return false;
}

static const char *
owner_of (json_t *doc, const char *ip, const char **root)
{
  json_t *allocs = json_object_get (doc, "allocations");
  size_t i;
  json_t *e;
  json_array_foreach (allocs, i, e)
  {
    const char *x = json_string_value (json_object_get (e, "ip"));
    if (x && strcmp (x, ip) == 0)
      {
        *root = json_string_value (json_object_get (e, "root"));
        return json_string_value (json_object_get (e, "id"));
      }
  }
  return NULL;
}

int
ipalloc_release (json_t *doc, const char *root, const char *id)
{
  json_t *allocs = json_object_get (doc, "allocations");
  int n = 0;
  for (size_t i = 0; i < json_array_size (allocs);)
    {
      json_t *e = json_array_get (allocs, i);
      const char *r = json_string_value (json_object_get (e, "root"));
      const char *d = json_string_value (json_object_get (e, "id"));
      if (r && d && strcmp (r, root) == 0 && strcmp (d, id) == 0)
        {
          json_array_remove (allocs, i);
          n++;
        }
      else
        i++;
    }
  return n;
}

int
ipalloc_reclaim (json_t *doc, bool (*alive) (const char *root, const char *id, void *data), void *data)
{
  json_t *allocs = json_object_get (doc, "allocations");
  int n = 0;
  for (size_t i = 0; i < json_array_size (allocs);)
    {
      json_t *e = json_array_get (allocs, i);
      const char *r = json_string_value (json_object_get (e, "root"));
      const char *d = json_string_value (json_object_get (e, "id"));
      if (r == NULL || d == NULL || !alive (r, d, data))
        {
          json_array_remove (allocs, i);
          n++;
        }
      else
        i++;
    }
  return n;
}

static int
doc_subnet (json_t *doc, struct in_addr *net, unsigned int *prefix, struct in_addr *gw,
            struct carrel_error *err)
{
  const char *subnet = json_string_value (json_object_get (doc, "subnet"));
  const char *gateway = json_string_value (json_object_get (doc, "gateway"));
  if (subnet == NULL || gateway == NULL)
    return carrel_fail (err, EINVAL, "network document: subnet and gateway are required");
  if (ipalloc_parse_subnet4 (subnet, net, prefix, err) < 0)
    return -1;
  if (inet_pton (AF_INET, gateway, gw) != 1)
    return carrel_fail (err, EINVAL, "network document: gateway %s is not an IPv4 address", gateway);
  return 0;
}

/* Fill e's "ip6" from the network's v6 subnet and the v4 host offset. */
static int
add_ip6 (json_t *doc, json_t *e, uint32_t off, struct carrel_error *err)
{
  const char *subnet6 = json_string_value (json_object_get (doc, "subnet6"));
  struct in6_addr net6, a6;
  unsigned int p6;
  char buf[INET6_ADDRSTRLEN];
  if (subnet6 == NULL)
    return 0;
  if (ipalloc_parse_subnet6 (subnet6, &net6, &p6, err) < 0)
    return -1;
  a6 = ipalloc_v6_at (&net6, p6, off);
  inet_ntop (AF_INET6, &a6, buf, sizeof buf);
  json_object_set_new (e, "ip6", json_string (buf));
  return 0;
}

int
ipalloc_take (json_t *doc, const char *root, const char *id, const char *want, json_t **entry,
              struct carrel_error *err)
{
  struct in_addr net, gw, a;
  unsigned int prefix;
  uint32_t size, off = 0;
  char buf[INET_ADDRSTRLEN];
  json_t *allocs, *e;
  if (doc_subnet (doc, &net, &prefix, &gw, err) < 0)
    return -1;
  size = ~mask4 (prefix) + 1;
  ipalloc_release (doc, root, id);
  allocs = json_object_get (doc, "allocations");
  if (!json_is_array (allocs))
    {
      allocs = json_array ();
      json_object_set_new (doc, "allocations", allocs);
    }
  if (want)
    {
      const char *owner, *owner_root = NULL;
      if (inet_pton (AF_INET, want, &a) != 1)
        return carrel_fail (err, EINVAL, "ip=%s: not an IPv4 address", want);
      if (!ipalloc_is_host4 (net, prefix, a))
        return carrel_fail (err, EINVAL, "ip=%s: not a host address of the subnet %s", want,
                            json_string_value (json_object_get (doc, "subnet")));
      if (a.s_addr == gw.s_addr)
        return carrel_fail (err, EADDRINUSE, "ip=%s: that is the network's gateway", want);
      inet_ntop (AF_INET, &a, buf, sizeof buf);
      owner = owner_of (doc, buf, &owner_root);
      if (owner)
        return carrel_fail (err, EADDRINUSE, "ip=%s: already taken by container %s (root %s)", want, owner,
                            owner_root ? owner_root : "?");
      off = ntohl (a.s_addr) & ~mask4 (prefix);
    }
  else
    {
      json_int_t next = json_integer_value (json_object_get (doc, "next"));
      uint32_t start = next > 0 && (uint64_t)next < size - 1 ? (uint32_t)next : 1;
      bool found = false;
      for (uint32_t k = 0; k < size - 2 && !found; k++)
        {
          off = 1 + (start - 1 + k) % (size - 2);
          a.s_addr = htonl (ntohl (net.s_addr) + off);
          inet_ntop (AF_INET, &a, buf, sizeof buf);
          found = a.s_addr != gw.s_addr && !taken (doc, buf);
        }
      if (!found)
        return carrel_fail (err, ENOSPC, "network %s: no free address left in %s",
                            json_string_value (json_object_get (doc, "name")),
                            json_string_value (json_object_get (doc, "subnet")));
      json_object_set_new (doc, "next", json_integer (off + 1 < size - 1 ? off + 1 : 1));
    }
  e = json_pack ("{s:s, s:s, s:s}", "ip", buf, "root", root, "id", id);
  if (add_ip6 (doc, e, off, err) < 0)
    {
      json_decref (e);
      return -1;
    }
  json_array_append_new (allocs, e);
  *entry = e;
  return 0;
}
