/* Built-in networking: networks (bridge + subnet + allocator, JSON under <data>/networks/) and
 * attaching a container to one with a veth pair, all through netlink (netlink.c) and nftables
 * (nft.c).
 *
 * One lock file (<data>/networks/.lock, flock) serializes every change to every network: creates
 * are short, and overlap checks and published ports need a consistent view of all networks. What a
 * container got is recorded twice: in the allocator (root + id, so a later create or `network
 * prune` reclaims addresses of containers whose state dir is gone) and in its state dir
 * (network.json, so teardown undoes exactly what setup made). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "carrel/container.h"
#include "carrel/network.h"
#include "ipalloc.h"
#include "netlink.h"
#include "network.h"
#include "network_store.h"
#include "nft.h"
#include "util.h"

#define PUBLISH_ANNOTATION "run.carrel.publish"
#define RECORD_FILE "network.json"
#define CTR_IFNAME "eth0"

/* ------------------------------------------------------------------------------------------ */
/* Annotations */

struct attach_request
{
  char name[CARREL_NETWORK_NAME_MAX + 1];
  const char *ip; /* points into ip_buf or NULL */
  char ip_buf[INET_ADDRSTRLEN];
  json_t *publish; /* [{"host": N, "ctr": N, "proto": "tcp"}] */
};

static int
parse_network_annotation (const char *v, struct attach_request *req, struct carrel_error *err)
{
  const char *comma = strchr (v, ',');
  size_t len = comma ? (size_t)(comma - v) : strlen (v);
  if (len == 0 || len > CARREL_NETWORK_NAME_MAX)
    return carrel_fail (err, EINVAL, "annotation %s=\"%s\": expected NAME[,ip=ADDR]",
                        CARREL_NETWORK_ANNOTATION, v);
  memcpy (req->name, v, len);
  req->name[len] = '\0';
  if (comma)
    {
      const char *opt = comma + 1;
      if (strncmp (opt, "ip=", 3) != 0 || strlen (opt + 3) >= sizeof req->ip_buf || opt[3] == '\0')
        return carrel_fail (err, EINVAL, "annotation %s=\"%s\": unknown option \"%s\" (expected ip=ADDR)",
                            CARREL_NETWORK_ANNOTATION, v, opt);
      snprintf (req->ip_buf, sizeof req->ip_buf, "%s", opt + 3);
      req->ip = req->ip_buf;
    }
  return 0;
}

static int
parse_port (const char *s, size_t len, const char *whole, long *out, struct carrel_error *err)
{
  char buf[16], *end;
  long p;
  if (len == 0 || len >= sizeof buf)
    return carrel_fail (err, EINVAL, "annotation %s: \"%s\": bad port", PUBLISH_ANNOTATION, whole);
  memcpy (buf, s, len);
  buf[len] = '\0';
  p = strtol (buf, &end, 10);
  if (*end || p < 1 || p > 65535)
    return carrel_fail (err, EINVAL, "annotation %s: \"%s\": port %s is not in 1-65535", PUBLISH_ANNOTATION,
                        whole, buf);
  *out = p;
  return 0;
}

/* HOSTPORT:CTRPORT[/tcp|udp],... into a JSON array. */
static int
parse_publish_annotation (const char *v, json_t **out, struct carrel_error *err)
{
  json_t *arr = json_array ();
  cleanup_free char *copy = xstrdup (v);
  char *save = NULL;
  for (char *item = strtok_r (copy, ",", &save); item; item = strtok_r (NULL, ",", &save))
    {
      char *colon = strchr (item, ':'), *slash = strchr (item, '/');
      const char *proto = "tcp";
      long hp, cp;
      if (colon == NULL)
        goto bad;
      if (slash)
        {
          proto = slash + 1;
          if (strcmp (proto, "tcp") && strcmp (proto, "udp"))
            {
              carrel_fail (err, EINVAL, "annotation %s: \"%s\": protocol must be tcp or udp",
                           PUBLISH_ANNOTATION, item);
              goto fail;
            }
        }
      if (parse_port (item, (size_t)(colon - item), item, &hp, err) < 0
          || parse_port (colon + 1, slash ? (size_t)(slash - colon - 1) : strlen (colon + 1), item, &cp, err)
                 < 0)
        goto fail;
      json_array_append_new (
          arr, json_pack ("{s:I, s:I, s:s}", "host", (json_int_t)hp, "ctr", (json_int_t)cp, "proto", proto));
      continue;
    bad:
      carrel_fail (err, EINVAL, "annotation %s: \"%s\": expected HOSTPORT:CTRPORT[/tcp|udp]",
                   PUBLISH_ANNOTATION, item);
      goto fail;
    }
  if (json_array_size (arr) == 0)
    {
      carrel_fail (err, EINVAL, "annotation %s: \"%s\": no port", PUBLISH_ANNOTATION, v);
      goto fail;
    }
  *out = arr;
  return 0;
fail:
  json_decref (arr);
  return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Names and addresses */

/* "crl" + 8 hex digits of FNV-1a over <root>/<id>: unique per container on the host, 11 chars. */
static void
host_ifname (const char *state_path, char out[IFNAMSIZ])
{
  uint32_t h = 2166136261u;
  for (const unsigned char *p = (const unsigned char *)state_path; *p; p++)
    h = (h ^ *p) * 16777619u;
  snprintf (out, IFNAMSIZ, "crl%08x", h);
}

/* Locally administered unicast (02:...), then the IPv4 address: stable across restarts. */
static void
mac_for (struct in_addr a, unsigned char mac[6])
{
  const unsigned char *b = (const unsigned char *)&a.s_addr;
  mac[0] = 0x02;
  mac[1] = 0xca;
  memcpy (mac + 2, b, 4);
}

static int
parse_addr (int family, const char *text, struct nl_addr *a, struct carrel_error *err)
{
  a->family = family;
  if (inet_pton (family, text, &a->v4) != 1)
    return carrel_fail (err, EINVAL, "%s is not an %s address", text, family == AF_INET ? "IPv4" : "IPv6");
  return 0;
}

static int
state_dir_path (int dirfd, char *out, size_t len, struct carrel_error *err)
{
  char link[64];
  ssize_t n;
  snprintf (link, sizeof link, "/proc/self/fd/%d", dirfd);
  n = readlink (link, out, len - 1);
  if (n < 0)
    return carrel_fail (err, errno, "readlink %s", link);
  out[n] = '\0';
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The container's record (state dir) */

static int
record_write (int dirfd, json_t *rec, struct carrel_error *err)
{
  cleanup_free char *text = json_dumps (rec, JSON_COMPACT);
  return write_file_atomic (dirfd, RECORD_FILE, text, strlen (text), 0600, err);
}

static json_t *
record_read (int dirfd)
{
  cleanup_free char *text = NULL;
  size_t len;
  struct carrel_error ignored;
  if (read_file_at (dirfd, RECORD_FILE, &text, &len, &ignored) < 0)
    return NULL;
  return json_loadb (text, len, 0, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Setup */

static int
loopback_up (struct nl *cnl, struct carrel_error *err)
{
  struct nl_link_change lo = { .name = "lo", .up = true };
  return nl_link_set (cnl, &lo, err);
}

/* A published host port/proto may belong to one container on the whole host. */
static int
check_publish_conflicts (struct netstore *st, const char *root, const char *id, json_t *publish,
                         struct carrel_error *err)
{
  cleanup_strv char **names = NULL;
  size_t n = 0, i, j;
  json_t *p;
  if (publish == NULL)
    return 0;
  if (netstore_names (st, &names, &n, err) < 0)
    return -1;
  for (size_t k = 0; k < n; k++)
    {
      json_t *doc = NULL, *allocs, *e;
      if (netstore_load (st, names[k], &doc, err) < 0)
        return -1;
      allocs = json_object_get (doc, "allocations");
      json_array_foreach (allocs, i, e)
      {
        json_t *q;
        const char *eroot = json_string_value (json_object_get (e, "root"));
        const char *eid = json_string_value (json_object_get (e, "id"));
        if (eroot && eid && strcmp (eroot, root) == 0 && strcmp (eid, id) == 0)
          continue;
        json_array_foreach (json_object_get (e, "publish"), j, q)
        {
          size_t m;
          json_array_foreach (publish, m, p)
          {
            if (json_integer_value (json_object_get (p, "host"))
                    == json_integer_value (json_object_get (q, "host"))
                && json_equal (json_object_get (p, "proto"), json_object_get (q, "proto")))
              {
                carrel_fail (err, EADDRINUSE,
                             "annotation %s: host port %lld/%s is already published by container %s",
                             PUBLISH_ANNOTATION, (long long)json_integer_value (json_object_get (p, "host")),
                             json_string_value (json_object_get (p, "proto")), eid ? eid : "?");
                json_decref (doc);
                return -1;
              }
          }
        }
      }
      json_decref (doc);
    }
  return 0;
}

static int
configure_container_side (struct nl *cnl, json_t *doc, json_t *entry, struct carrel_error *err)
{
  struct nl_addr a, gw;
  int ifindex;
  unsigned int prefix;
  struct in_addr net;
  const char *ip6 = json_string_value (json_object_get (entry, "ip6"));
  if (nl_link_lookup (cnl, CTR_IFNAME, &ifindex, NULL, err) < 0)
    return -1;
  if (ifindex == 0)
    return carrel_fail (err, ENODEV, "%s did not arrive in the container's network namespace", CTR_IFNAME);
  {
    struct nl_link_change up = { .ifindex = ifindex, .name = CTR_IFNAME, .up = true };
    if (nl_link_set (cnl, &up, err) < 0)
      return -1;
  }
  if (ipalloc_parse_subnet4 (json_string_value (json_object_get (doc, "subnet")), &net, &prefix, err) < 0
      || parse_addr (AF_INET, json_string_value (json_object_get (entry, "ip")), &a, err) < 0
      || parse_addr (AF_INET, json_string_value (json_object_get (doc, "gateway")), &gw, err) < 0)
    return -1;
  if (nl_addr_add (cnl, ifindex, &a, prefix, false, err) < 0 || nl_route_default (cnl, ifindex, &gw, err) < 0)
    return -1;
  if (ip6)
    {
      struct in6_addr net6;
      unsigned int prefix6;
      if (ipalloc_parse_subnet6 (json_string_value (json_object_get (doc, "subnet6")), &net6, &prefix6, err)
              < 0
          || parse_addr (AF_INET6, ip6, &a, err) < 0
          || parse_addr (AF_INET6, json_string_value (json_object_get (doc, "gateway6")), &gw, err) < 0)
        return -1;
      if (nl_addr_add (cnl, ifindex, &a, prefix6, false, err) < 0
          || nl_route_default (cnl, ifindex, &gw, err) < 0)
        return -1;
    }
  return 0;
}

static int
attach (const char *id, struct attach_request *req, pid_t init_pid, int state_dirfd, struct nl *cnl,
        struct carrel_error *err)
{
  char state_path[PATH_MAX], ifname[IFNAMSIZ];
  cleanup_free char *root = NULL;
  struct netstore st;
  json_t *doc = NULL, *entry, *rec = NULL;
  struct nl hnl = { 0 };
  int bridge_index, r = -1;
  unsigned char mac[6];
  struct in_addr a;

  if (state_dir_path (state_dirfd, state_path, sizeof state_path, err) < 0)
    return -1;
  root = xstrdup (state_path);
  *strrchr (root, '/') = '\0';
  host_ifname (state_path, ifname);

  if (netstore_open (&st, err) < 0)
    return -1;
  if (netstore_load (&st, req->name, &doc, err) < 0)
    goto out;
  netstore_reclaim (&st, doc, NULL);
  if (check_publish_conflicts (&st, root, id, req->publish, err) < 0)
    goto out;
  if (ipalloc_take (doc, root, id, req->ip, &entry, err) < 0)
    {
      carrel_wrap (err, "network %s", req->name);
      goto out;
    }
  json_object_set_new (entry, "ifname", json_string (ifname));
  if (req->publish)
    json_object_set (entry, "publish", req->publish);
  if (nl_open (&hnl, err) < 0 || netstore_bridge_ready (&hnl, doc, &bridge_index, err) < 0)
    goto out;
  if (netstore_save (&st, doc, err) < 0)
    goto out;
  /* From here on teardown must release the address: record before making anything. */
  rec = json_pack ("{s:s, s:s, s:s, s:b}", "network", req->name, "root", root, "ifname", ifname, "veth", 0);
  if (record_write (state_dirfd, rec, err) < 0)
    goto out;

  inet_pton (AF_INET, json_string_value (json_object_get (entry, "ip")), &a);
  mac_for (a, mac);
  {
    struct nl_veth v = { .name = ifname,
                         .peer_name = CTR_IFNAME,
                         .peer_netns_pid = init_pid,
                         .mtu = (unsigned int)json_integer_value (json_object_get (doc, "mtu")),
                         .master = bridge_index,
                         .peer_mac = mac,
                         .up = true };
    if (nl_veth_create (&hnl, &v, err) < 0)
      goto out;
  }
  json_object_set_new (rec, "veth", json_true ());
  if (record_write (state_dirfd, rec, err) < 0)
    goto out;
  if (configure_container_side (cnl, doc, entry, err) < 0)
    goto out;
  if (netstore_firewall (&st, doc, err) < 0 || netstore_save (&st, doc, err) < 0)
    goto out;
  r = 0;
out:
  if (r < 0)
    carrel_wrap (err, "attach to network %s", req->name);
  nl_close (&hnl);
  json_decref (rec);
  json_decref (doc);
  netstore_close (&st);
  return r;
}

bool
network_wanted (const struct carrel_spec *spec)
{
  return carrel_spec_annotation (spec, CARREL_NETWORK_ANNOTATION) != NULL;
}

int
network_setup (const char *id, const struct carrel_spec *spec, pid_t init_pid, int state_dirfd,
               struct carrel_error *err)
{
  const char *want = carrel_spec_annotation (spec, CARREL_NETWORK_ANNOTATION);
  const char *publish = carrel_spec_annotation (spec, PUBLISH_ANNOTATION);
  struct attach_request req = { 0 };
  struct nl cnl;
  int r;
  if (publish && want == NULL)
    return carrel_fail (err, EINVAL, "annotation %s needs %s", PUBLISH_ANNOTATION, CARREL_NETWORK_ANNOTATION);
  if (want && parse_network_annotation (want, &req, err) < 0)
    return -1;
  if (publish && parse_publish_annotation (publish, &req.publish, err) < 0)
    return -1;
  r = nl_open_netns (init_pid, &cnl, err);
  if (r == 0)
    {
      r = loopback_up (&cnl, err);
      if (r == 0 && want)
        r = attach (id, &req, init_pid, state_dirfd, &cnl, err);
      nl_close (&cnl);
    }
  json_decref (req.publish);
  return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Teardown */

int
network_teardown_at (const char *id, int state_dirfd, struct carrel_error *err)
{
  json_t *rec = record_read (state_dirfd), *doc = NULL;
  const char *name, *root, *ifname;
  struct netstore st;
  int r = -1;
  if (rec == NULL)
    return 0; /* nothing was attached */
  name = json_string_value (json_object_get (rec, "network"));
  root = json_string_value (json_object_get (rec, "root"));
  ifname = json_string_value (json_object_get (rec, "ifname"));
  if (name == NULL || root == NULL || ifname == NULL)
    {
      json_decref (rec);
      return carrel_fail (err, EINVAL, "%s of container %s: incomplete", RECORD_FILE, id);
    }
  if (netstore_open (&st, err) < 0)
    goto out;
  if (json_is_true (json_object_get (rec, "veth")))
    {
      struct nl hnl;
      int d;
      if (nl_open (&hnl, err) < 0)
        goto out;
      d = nl_link_delete (&hnl, ifname, err);
      nl_close (&hnl);
      if (d < 0)
        goto out;
    }
  if (netstore_load (&st, name, &doc, err) < 0)
    {
      /* The network was removed by force: there is no address to give back. */
      if (err->errno_value != ENOENT)
        goto out;
      carrel_error_clear (err);
    }
  else
    {
      ipalloc_release (doc, root, id);
      if (netstore_firewall (&st, doc, err) < 0 || netstore_save (&st, doc, err) < 0)
        goto out;
    }
  unlinkat (state_dirfd, RECORD_FILE, 0);
  r = 0;
out:
  if (r < 0)
    carrel_wrap (err, "detach %s from network %s", id, name);
  json_decref (doc);
  json_decref (rec);
  netstore_close (&st);
  return r;
}

/* The caller (create's rollback, delete) holds the container's state dir open: find it among our
 * fds, so teardown undoes what this very container's setup recorded. */
static int
find_state_dirfd (const char *id)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;
  int found = -1;
  size_t idlen = strlen (id);
  if (d == NULL)
    return -1;
  while ((de = readdir (d)) && found < 0)
    {
      char link[64], target[PATH_MAX];
      ssize_t n;
      int fd;
      struct stat sb;
      if (de->d_name[0] == '.')
        continue;
      fd = atoi (de->d_name);
      if (fd == dirfd (d) || fstat (fd, &sb) < 0 || !S_ISDIR (sb.st_mode))
        continue;
      snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
      n = readlink (link, target, sizeof target - 1);
      if (n <= (ssize_t)idlen + 1)
        continue;
      target[n] = '\0';
      if (strcmp (target + n - idlen, id) == 0 && target[n - idlen - 1] == '/'
          && faccessat (fd, "state.json", F_OK, 0) == 0)
        found = fd;
    }
  closedir (d);
  return found;
}

int
network_teardown (const char *id, const struct carrel_spec *spec, struct carrel_error *err)
{
  int fd;
  if (!network_wanted (spec))
    return 0;
  fd = find_state_dirfd (id);
  if (fd < 0)
    return carrel_fail (err, ENOENT, "detach %s from its network: the state dir is not open", id);
  return network_teardown_at (id, fd, err);
}
