/* Networks on disk and on the host: the JSON documents, their bridge, their firewall rules, and
 * the public carrel_network_* API over them. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "carrel/container.h"
#include "carrel/network.h"
#include "ipalloc.h"
#include "network_store.h"
#include "nft.h"
#include "util.h"

#define LOCK_FILE ".lock"
#define DEFAULT_MTU 1500
#define MAX_PUBLISH 1024

/* ------------------------------------------------------------------------------------------ */
/* Documents */

int
netstore_open (struct netstore *st, struct carrel_error *err)
{
  cleanup_free char *dir = xasprintf ("%s/networks", carrel_data_dir ());
  cleanup_fd int dfd = -1;
  cleanup_fd int lfd = -1;
  st->dirfd = st->lockfd = -1;
  if (mkdir_p (dir, 0700, err) < 0)
    return carrel_wrap (err, "networks directory");
  dfd = open (dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dfd < 0)
    return carrel_fail (err, errno, "open %s", dir);
  lfd = openat (dfd, LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0)
    return carrel_fail (err, errno, "open %s/%s", dir, LOCK_FILE);
  while (flock (lfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return carrel_fail (err, errno, "lock %s/%s", dir, LOCK_FILE);
  st->dirfd = take_fd (&dfd);
  st->lockfd = take_fd (&lfd);
  return 0;
}

void
netstore_close (struct netstore *st)
{
  close_fdp (&st->lockfd); /* closing drops the lock */
  close_fdp (&st->dirfd);
  st->lockfd = st->dirfd = -1;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

int
netstore_names (struct netstore *st, char ***names, size_t *n, struct carrel_error *err)
{
  int fd = dup (st->dirfd);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  char **v = NULL;
  size_t count = 0;
  if (d == NULL)
    {
      close_fdp (&fd);
      return carrel_fail (err, errno, "read the networks directory");
    }
  rewinddir (d);
  while ((de = readdir (d)))
    {
      size_t len = strlen (de->d_name);
      if (de->d_name[0] == '.' || len <= 5 || strcmp (de->d_name + len - 5, ".json") != 0)
        continue;
      v = xrealloc (v, (count + 2) * sizeof *v);
      v[count++] = xasprintf ("%.*s", (int)(len - 5), de->d_name);
      v[count] = NULL;
    }
  closedir (d);
  if (v)
    qsort (v, count, sizeof *v, cmp_str);
  else
    v = xcalloc (1, sizeof *v);
  *names = v;
  *n = count;
  return 0;
}

int
netstore_load (struct netstore *st, const char *name, json_t **doc, struct carrel_error *err)
{
  cleanup_free char *path = xasprintf ("%s.json", name);
  cleanup_free char *text = NULL;
  size_t len;
  json_error_t jerr;
  if (read_file_at (st->dirfd, path, &text, &len, err) < 0)
    {
      if (err->errno_value == ENOENT)
        return carrel_fail (err, ENOENT, "network %s does not exist", name);
      return -1;
    }
  *doc = json_loadb (text, len, 0, &jerr);
  if (!json_is_object (*doc))
    {
      json_decref (*doc);
      *doc = NULL;
      return carrel_fail (err, EINVAL, "%s/networks/%s: %s", carrel_data_dir (), path, jerr.text);
    }
  return 0;
}

int
netstore_save (struct netstore *st, json_t *doc, struct carrel_error *err)
{
  const char *name = json_string_value (json_object_get (doc, "name"));
  cleanup_free char *path = xasprintf ("%s.json", name);
  cleanup_free char *text = json_dumps (doc, JSON_INDENT (2) | JSON_SORT_KEYS);
  return write_file_atomic (st->dirfd, path, text, strlen (text), 0600, err);
}

static bool
state_dir_exists (const char *root, const char *id, void *data)
{
  char path[PATH_MAX];
  struct stat sb;
  (void)data;
  snprintf (path, sizeof path, "%s/%s", root, id);
  return stat (path, &sb) == 0 && S_ISDIR (sb.st_mode);
}

int
netstore_reclaim (struct netstore *st, json_t *doc, struct carrel_error *err)
{
  json_t *allocs = json_object_get (doc, "allocations");
  size_t i;
  json_t *e;
  struct nl hnl = { 0 };
  struct carrel_error ignored;
  (void)st, (void)err;
  /* The veth normally died with the container's namespace; one held by a bind mount would not. */
  json_array_foreach (allocs, i, e)
  {
    const char *root = json_string_value (json_object_get (e, "root"));
    const char *id = json_string_value (json_object_get (e, "id"));
    const char *ifname = json_string_value (json_object_get (e, "ifname"));
    if (root && id && ifname && !state_dir_exists (root, id, NULL))
      {
        if (hnl.sock == NULL && nl_open (&hnl, &ignored) < 0)
          break;
        nl_link_delete (&hnl, ifname, &ignored);
      }
  }
  nl_close (&hnl);
  return ipalloc_reclaim (doc, state_dir_exists, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Bridge */

static int
bridge_addresses (struct nl *hnl, json_t *doc, int ifindex, struct carrel_error *err)
{
  struct nl_addr a;
  unsigned int prefix;
  struct in_addr net;
  const char *gw6 = json_string_value (json_object_get (doc, "gateway6"));
  if (ipalloc_parse_subnet4 (json_string_value (json_object_get (doc, "subnet")), &net, &prefix, err) < 0)
    return -1;
  a.family = AF_INET;
  inet_pton (AF_INET, json_string_value (json_object_get (doc, "gateway")), &a.v4);
  if (nl_addr_add (hnl, ifindex, &a, prefix, true, err) < 0)
    return -1;
  if (gw6)
    {
      struct in6_addr net6;
      if (ipalloc_parse_subnet6 (json_string_value (json_object_get (doc, "subnet6")), &net6, &prefix, err)
          < 0)
        return -1;
      a.family = AF_INET6;
      inet_pton (AF_INET6, gw6, &a.v6);
      if (nl_addr_add (hnl, ifindex, &a, prefix, true, err) < 0)
        return -1;
    }
  return 0;
}

int
netstore_bridge_ready (struct nl *hnl, json_t *doc, int *ifindex, struct carrel_error *err)
{
  const char *name = json_string_value (json_object_get (doc, "name"));
  const char *bridge = json_string_value (json_object_get (doc, "bridge"));
  unsigned int mtu = (unsigned int)json_integer_value (json_object_get (doc, "mtu"));
  char kind[16];
  if (nl_link_lookup (hnl, bridge, ifindex, kind, err) < 0)
    return -1;
  if (*ifindex && strcmp (kind, "bridge") != 0)
    return carrel_fail (err, EINVAL, "network %s: %s is not a bridge (kind \"%s\")", name, bridge, kind);
  if (*ifindex == 0)
    {
      if (!json_is_true (json_object_get (doc, "bridge_created")))
        return carrel_fail (err, ENODEV, "network %s: bridge %s is missing", name, bridge);
      if (nl_bridge_create (hnl, bridge, mtu, err) < 0
          || nl_link_lookup (hnl, bridge, ifindex, NULL, err) < 0)
        return carrel_wrap (err, "network %s", name);
    }
  {
    struct nl_link_change up = { .ifindex = *ifindex, .name = bridge, .up = true };
    if (nl_link_set (hnl, &up, err) < 0)
      return carrel_wrap (err, "network %s", name);
  }
  if (bridge_addresses (hnl, doc, *ifindex, err) < 0)
    return carrel_wrap (err, "network %s: bridge %s", name, bridge);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Firewall */

static int
write_sysctl (const char *path, const char *value, struct carrel_error *err)
{
  return write_file_at (AT_FDCWD, path, value, strlen (value), err);
}

int
netstore_firewall (struct netstore *st, json_t *doc, struct carrel_error *err)
{
  (void)st;
  const char *name = json_string_value (json_object_get (doc, "name"));
  const char *bridge = json_string_value (json_object_get (doc, "bridge"));
  json_t *allocs = json_object_get (doc, "allocations");
  struct nft_publish pub[MAX_PUBLISH];
  struct nft_network n = { .name = name, .bridge = bridge, .pub = pub };
  bool had = json_is_true (json_object_get (doc, "nft"));
  size_t i, j;
  json_t *e, *p;
  cleanup_free char *localnet = xasprintf ("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
  if (ipalloc_parse_subnet4 (json_string_value (json_object_get (doc, "subnet")), &n.subnet, &n.prefix, err)
      < 0)
    return -1;
  n.masquerade = json_is_true (json_object_get (doc, "nat")) && json_array_size (allocs) > 0;
  json_array_foreach (allocs, i, e)
  {
    json_array_foreach (json_object_get (e, "publish"), j, p)
    {
      if (n.n_pub == MAX_PUBLISH)
        return carrel_fail (err, E2BIG, "network %s: more than %d published ports", name, MAX_PUBLISH);
      pub[n.n_pub].host_port = (uint16_t)json_integer_value (json_object_get (p, "host"));
      pub[n.n_pub].ctr_port = (uint16_t)json_integer_value (json_object_get (p, "ctr"));
      pub[n.n_pub].proto
          = strcmp (json_string_value (json_object_get (p, "proto")), "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
      inet_pton (AF_INET, json_string_value (json_object_get (e, "ip")), &pub[n.n_pub].ctr);
      n.n_pub++;
    }
  }
  if (!had && !n.masquerade && n.n_pub == 0)
    return 0;
  /* Outbound NAT needs forwarding; it is a host-wide switch, so carrel only ever turns it on. */
  if (n.masquerade && write_sysctl ("/proc/sys/net/ipv4/ip_forward", "1", err) < 0)
    return carrel_wrap (err, "network %s: enable IPv4 forwarding for NAT", name);
  /* 127.0.0.1:HOSTPORT -> container: the DNAT'ed packet leaves through the bridge with a loopback
   * source, which routing refuses unless route_localnet is on for that interface (see nft.c). */
  if (access (localnet, F_OK) == 0 && write_sysctl (localnet, n.n_pub ? "1" : "0", err) < 0)
    return carrel_wrap (err, "network %s: route_localnet on %s", name, bridge);
  if (nft_apply (&n, err) < 0)
    return -1;
  json_object_set_new (doc, "nft", json_boolean (n.masquerade || n.n_pub > 0));
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Public API */

static int
validate_name (const char *name, struct carrel_error *err)
{
  size_t n = name ? strlen (name) : 0;
  if (n == 0 || n > CARREL_NETWORK_NAME_MAX)
    return carrel_fail (err, EINVAL, "network name \"%s\": must have 1 to %d characters", name ? name : "",
                        CARREL_NETWORK_NAME_MAX);
  for (size_t i = 0; i < n; i++)
    {
      char c = name[i];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || (i > 0 && (c == '-' || c == '_' || c == '.'));
      if (!ok)
        return carrel_fail (
            err, EINVAL, "network name \"%s\": only letters, digits and (not first) - _ . are allowed", name);
    }
  return 0;
}

static int
validate_ifname (const char *what, const char *name, struct carrel_error *err)
{
  size_t n = strlen (name);
  if (n == 0 || n >= IFNAMSIZ)
    return carrel_fail (err, EINVAL, "%s \"%s\": an interface name has 1 to %d characters", what, name,
                        IFNAMSIZ - 1);
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == ':' || *p <= ' ')
      return carrel_fail (err, EINVAL, "%s \"%s\": not a valid interface name", what, name);
  return 0;
}

/* Build the document of a new network from cfg (no I/O). */
static int
new_document (const struct carrel_network_config *cfg, json_t **out, struct carrel_error *err)
{
  struct in_addr net, gw;
  unsigned int prefix, prefix6 = 0;
  struct in6_addr net6;
  char gwbuf[INET_ADDRSTRLEN], bridge[64];
  json_t *doc;
  if (validate_name (cfg->name, err) < 0)
    return -1;
  if (cfg->subnet == NULL)
    return carrel_fail (err, EINVAL, "network %s: --subnet is required", cfg->name);
  if (ipalloc_parse_subnet4 (cfg->subnet, &net, &prefix, err) < 0)
    return carrel_wrap (err, "network %s", cfg->name);
  if (cfg->gateway)
    {
      if (inet_pton (AF_INET, cfg->gateway, &gw) != 1)
        return carrel_fail (err, EINVAL, "network %s: gateway %s is not an IPv4 address", cfg->name,
                            cfg->gateway);
      if (!ipalloc_is_host4 (net, prefix, gw))
        return carrel_fail (err, EINVAL, "network %s: gateway %s is not a host address of %s", cfg->name,
                            cfg->gateway, cfg->subnet);
    }
  else
    gw.s_addr = htonl (ntohl (net.s_addr) + 1);
  inet_ntop (AF_INET, &gw, gwbuf, sizeof gwbuf);
  if (cfg->subnet6)
    {
      if (ipalloc_parse_subnet6 (cfg->subnet6, &net6, &prefix6, err) < 0)
        return carrel_wrap (err, "network %s", cfg->name);
      /* A container's IPv6 address repeats its IPv4 host number: the v6 host part must hold it. */
      if (128 - prefix6 < 32 - prefix)
        return carrel_fail (err, EINVAL, "network %s: IPv6 subnet %s is smaller than the IPv4 subnet %s",
                            cfg->name, cfg->subnet6, cfg->subnet);
    }
  if (cfg->mtu && (cfg->mtu < 576 || cfg->mtu > 65535))
    return carrel_fail (err, EINVAL, "network %s: mtu %u is not in 576-65535", cfg->name, cfg->mtu);
  snprintf (bridge, sizeof bridge, "%s%s", cfg->bridge ? "" : "cbr-", cfg->bridge ? cfg->bridge : cfg->name);
  if (validate_ifname (cfg->bridge ? "bridge" : "bridge (default cbr-NAME; pass --bridge)", bridge, err) < 0)
    return carrel_wrap (err, "network %s", cfg->name);
  doc = json_pack ("{s:s, s:s, s:s, s:s, s:b, s:i, s:i, s:[], s:b, s:b}", "name", cfg->name, "bridge", bridge,
                   "subnet", cfg->subnet, "gateway", gwbuf, "nat", cfg->nat, "mtu",
                   (int)(cfg->mtu ? cfg->mtu : DEFAULT_MTU), "next", 2, "allocations", "nft", 0,
                   "bridge_created", 0);
  if (cfg->subnet6)
    {
      struct in6_addr gw6 = ipalloc_v6_at (&net6, prefix6, 1);
      char buf[INET6_ADDRSTRLEN];
      inet_ntop (AF_INET6, &gw6, buf, sizeof buf);
      json_object_set_new (doc, "subnet6", json_string (cfg->subnet6));
      json_object_set_new (doc, "gateway6", json_string (buf));
    }
  *out = doc;
  return 0;
}

/* Refuse a subnet or bridge another network already has. */
static int
check_conflicts (struct netstore *st, json_t *doc, struct carrel_error *err)
{
  cleanup_strv char **names = NULL;
  size_t n = 0;
  const char *name = json_string_value (json_object_get (doc, "name"));
  const char *subnet = json_string_value (json_object_get (doc, "subnet"));
  const char *subnet6 = json_string_value (json_object_get (doc, "subnet6"));
  const char *bridge = json_string_value (json_object_get (doc, "bridge"));
  struct in_addr net;
  unsigned int prefix;
  ipalloc_parse_subnet4 (subnet, &net, &prefix, err);
  if (netstore_names (st, &names, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      json_t *other;
      struct in_addr onet;
      unsigned int op;
      const char *osub, *osub6;
      int r = 0;
      if (strcmp (names[i], name) == 0)
        return carrel_fail (err, EEXIST, "network %s already exists", name);
      if (netstore_load (st, names[i], &other, err) < 0)
        return -1;
      osub = json_string_value (json_object_get (other, "subnet"));
      osub6 = json_string_value (json_object_get (other, "subnet6"));
      if (osub && ipalloc_parse_subnet4 (osub, &onet, &op, err) == 0
          && ipalloc_overlap4 (net, prefix, onet, op))
        r = carrel_fail (err, EEXIST, "network %s: subnet %s overlaps %s of network %s", name, subnet, osub,
                         names[i]);
      else if (subnet6 && osub6)
        {
          struct in6_addr a6, b6;
          unsigned int pa, pb;
          if (ipalloc_parse_subnet6 (subnet6, &a6, &pa, err) == 0
              && ipalloc_parse_subnet6 (osub6, &b6, &pb, err) == 0 && ipalloc_overlap6 (&a6, pa, &b6, pb))
            r = carrel_fail (err, EEXIST, "network %s: IPv6 subnet %s overlaps %s of network %s", name,
                             subnet6, osub6, names[i]);
        }
      if (r == 0 && strcmp (json_string_value (json_object_get (other, "bridge")), bridge) == 0)
        r = carrel_fail (err, EEXIST, "network %s: bridge %s already belongs to network %s", name, bridge,
                         names[i]);
      json_decref (other);
      if (r < 0)
        return -1;
      carrel_error_clear (err);
    }
  carrel_error_clear (err);
  return 0;
}

int
carrel_network_create (const struct carrel_network_config *cfg, struct carrel_error *err)
{
  json_t *doc = NULL;
  struct netstore st;
  struct nl hnl = { 0 };
  const char *bridge;
  char kind[16];
  int ifindex, r = -1;
  bool made = false;
  if (new_document (cfg, &doc, err) < 0)
    return -1;
  bridge = json_string_value (json_object_get (doc, "bridge"));
  if (netstore_open (&st, err) < 0)
    {
      json_decref (doc);
      return -1;
    }
  if (check_conflicts (&st, doc, err) < 0 || nl_open (&hnl, err) < 0)
    goto out;
  if (nl_link_lookup (&hnl, bridge, &ifindex, kind, err) < 0)
    goto out;
  if (ifindex && strcmp (kind, "bridge") != 0)
    {
      carrel_fail (err, EEXIST, "network %s: %s exists and is not a bridge", cfg->name, bridge);
      goto out;
    }
  if (ifindex == 0)
    {
      if (nl_bridge_create (&hnl, bridge, (unsigned int)json_integer_value (json_object_get (doc, "mtu")),
                            err)
          < 0)
        goto out;
      made = true;
      json_object_set_new (doc, "bridge_created", json_true ());
    }
  if (netstore_bridge_ready (&hnl, doc, &ifindex, err) < 0 || netstore_save (&st, doc, err) < 0)
    goto out;
  r = 0;
out:
  if (r < 0 && made)
    {
      struct carrel_error ignored;
      nl_link_delete (&hnl, bridge, &ignored);
    }
  nl_close (&hnl);
  json_decref (doc);
  netstore_close (&st);
  return r;
}

int
carrel_network_remove (const char *name, struct carrel_error *err)
{
  json_t *doc = NULL;
  struct netstore st;
  int r = -1;
  if (validate_name (name, err) < 0)
    return -1;
  if (netstore_open (&st, err) < 0)
    return -1;
  if (netstore_load (&st, name, &doc, err) < 0)
    goto out;
  if (netstore_reclaim (&st, doc, err) > 0 && netstore_save (&st, doc, err) < 0)
    goto out;
  if (ipalloc_count (doc) > 0)
    {
      json_t *e = json_array_get (json_object_get (doc, "allocations"), 0);
      carrel_fail (err, EBUSY, "network %s is in use by %zu container(s), e.g. %s", name, ipalloc_count (doc),
                   json_string_value (json_object_get (e, "id")));
      goto out;
    }
  if (netstore_firewall (&st, doc, err) < 0)
    goto out;
  if (json_is_true (json_object_get (doc, "bridge_created")))
    {
      struct nl hnl;
      int d;
      if (nl_open (&hnl, err) < 0)
        goto out;
      d = nl_link_delete (&hnl, json_string_value (json_object_get (doc, "bridge")), err);
      nl_close (&hnl);
      if (d < 0)
        goto out;
    }
  {
    cleanup_free char *path = xasprintf ("%s.json", name);
    if (unlinkat (st.dirfd, path, 0) < 0)
      {
        carrel_fail (err, errno, "remove %s/networks/%s", carrel_data_dir (), path);
        goto out;
      }
  }
  r = 0;
out:
  json_decref (doc);
  netstore_close (&st);
  return r;
}

static char *
dup_field (json_t *doc, const char *key)
{
  const char *s = json_string_value (json_object_get (doc, key));
  return s ? xstrdup (s) : NULL;
}

int
carrel_network_list (struct carrel_network_info **out, size_t *n, struct carrel_error *err)
{
  cleanup_strv char **names = NULL;
  struct netstore st;
  struct carrel_network_info *v;
  size_t count = 0, k = 0;
  if (netstore_open (&st, err) < 0)
    return -1;
  if (netstore_names (&st, &names, &count, err) < 0)
    {
      netstore_close (&st);
      return -1;
    }
  v = xcalloc (count + 1, sizeof *v);
  for (size_t i = 0; i < count; i++)
    {
      json_t *doc;
      if (netstore_load (&st, names[i], &doc, err) < 0)
        {
          netstore_close (&st);
          carrel_network_list_free (v, k);
          return -1;
        }
      v[k].name = dup_field (doc, "name");
      v[k].bridge = dup_field (doc, "bridge");
      v[k].subnet = dup_field (doc, "subnet");
      v[k].gateway = dup_field (doc, "gateway");
      v[k].subnet6 = dup_field (doc, "subnet6");
      v[k].gateway6 = dup_field (doc, "gateway6");
      v[k].nat = json_is_true (json_object_get (doc, "nat"));
      v[k].mtu = (unsigned int)json_integer_value (json_object_get (doc, "mtu"));
      v[k].n_containers = ipalloc_count (doc);
      k++;
      json_decref (doc);
    }
  netstore_close (&st);
  *out = v;
  *n = k;
  return 0;
}

void
carrel_network_list_free (struct carrel_network_info *v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    {
      free (v[i].name);
      free (v[i].bridge);
      free (v[i].subnet);
      free (v[i].gateway);
      free (v[i].subnet6);
      free (v[i].gateway6);
    }
  free (v);
}

int
carrel_network_prune (size_t *reclaimed, struct carrel_error *err)
{
  cleanup_strv char **names = NULL;
  struct netstore st;
  size_t count = 0;
  int r = 0;
  *reclaimed = 0;
  if (netstore_open (&st, err) < 0)
    return -1;
  if (netstore_names (&st, &names, &count, err) < 0)
    r = -1;
  for (size_t i = 0; r == 0 && i < count; i++)
    {
      json_t *doc;
      int k;
      if (netstore_load (&st, names[i], &doc, err) < 0)
        {
          r = -1;
          break;
        }
      k = netstore_reclaim (&st, doc, err);
      if (k > 0 && (netstore_firewall (&st, doc, err) < 0 || netstore_save (&st, doc, err) < 0))
        r = -1;
      *reclaimed += (size_t)(k > 0 ? k : 0);
      json_decref (doc);
    }
  netstore_close (&st);
  return r;
}
