/* carrel: linux.resources (also read alone by `update --resources`). */
#include <stdlib.h>
#include <string.h>

#include "spec/parse.h"
#include "util.h"

static int
parse_device_cgroup (struct pctx *c, const json_t *v, struct carrel_device_cgroup *d)
{
  d->type = 'a';
  d->major = -1;
  d->minor = -1;
  if (val_object (c, v) < 0)
    return -1;
  bool has_allow = false;
  if (fld_bool (c, v, "allow", &d->allow, &has_allow) < 0)
    return -1;
  if (!has_allow)
    return pfail_key (c, "allow", "required");
  const char *type = NULL;
  if (fld_string (c, v, "type", false, &type) < 0)
    return -1;
  if (type && *type)
    {
      if (strcmp (type, "a") != 0 && strcmp (type, "c") != 0 && strcmp (type, "b") != 0)
        return pfail_key (c, "type", "unknown device type \"%s\" (expected a, c or b)", type);
      d->type = type[0];
    }
  if (fld_i64 (c, v, "major", false, INT64_MIN, INT64_MAX, &d->major, &d->has_major) < 0
      || fld_i64 (c, v, "minor", false, INT64_MIN, INT64_MAX, &d->minor, &d->has_minor) < 0
      || fld_strdup (c, v, "access", false, &d->access) < 0)
    return -1;
  if (d->access && strspn (d->access, "rwm") != strlen (d->access))
    return pfail_key (c, "access", "invalid access \"%s\" (expected a subset of \"rwm\")", d->access);
  return 0;
}

static int
parse_memory (struct pctx *c, const json_t *v, struct carrel_memory *m)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_i64 (c, v, "limit", false, INT64_MIN, INT64_MAX, &m->limit, &m->has_limit) < 0
      || fld_i64 (c, v, "reservation", false, INT64_MIN, INT64_MAX, &m->reservation, &m->has_reservation) < 0
      || fld_i64 (c, v, "swap", false, INT64_MIN, INT64_MAX, &m->swap, &m->has_swap) < 0
      || fld_i64 (c, v, "kernel", false, INT64_MIN, INT64_MAX, &m->kernel, &m->has_kernel) < 0
      || fld_i64 (c, v, "kernelTCP", false, INT64_MIN, INT64_MAX, &m->kernel_tcp, &m->has_kernel_tcp) < 0
      || fld_u64 (c, v, "swappiness", false, 100, &m->swappiness, &m->has_swappiness) < 0
      || fld_bool (c, v, "disableOOMKiller", &m->disable_oom_killer, &m->has_disable_oom_killer) < 0
      || fld_bool (c, v, "useHierarchy", &m->use_hierarchy, &m->has_use_hierarchy) < 0
      || fld_bool (c, v, "checkBeforeUpdate", &m->check_before_update, NULL) < 0)
    return -1;
  return 0;
}

static int
parse_cpu (struct pctx *c, const json_t *v, struct carrel_cpu *cpu)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_u64 (c, v, "shares", false, UINT64_MAX, &cpu->shares, &cpu->has_shares) < 0
      || fld_i64 (c, v, "quota", false, INT64_MIN, INT64_MAX, &cpu->quota, &cpu->has_quota) < 0
      || fld_u64 (c, v, "burst", false, UINT64_MAX, &cpu->burst, &cpu->has_burst) < 0
      || fld_u64 (c, v, "period", false, UINT64_MAX, &cpu->period, &cpu->has_period) < 0
      || fld_i64 (c, v, "realtimeRuntime", false, INT64_MIN, INT64_MAX, &cpu->realtime_runtime,
                  &cpu->has_realtime_runtime)
             < 0
      || fld_u64 (c, v, "realtimePeriod", false, UINT64_MAX, &cpu->realtime_period, &cpu->has_realtime_period)
             < 0
      || fld_strdup (c, v, "cpus", false, &cpu->cpus) < 0 || fld_strdup (c, v, "mems", false, &cpu->mems) < 0
      || fld_i64 (c, v, "idle", false, INT64_MIN, INT64_MAX, &cpu->idle, &cpu->has_idle) < 0)
    return -1;
  return 0;
}

static int
parse_major_minor (struct pctx *c, const json_t *v, int64_t *major, int64_t *minor)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_i64 (c, v, "major", true, INT64_MIN, INT64_MAX, major, NULL) < 0
      || fld_i64 (c, v, "minor", true, INT64_MIN, INT64_MAX, minor, NULL) < 0)
    return -1;
  return 0;
}

static int
parse_weight_device (struct pctx *c, const json_t *v, struct carrel_blkio_weight_device *d)
{
  if (parse_major_minor (c, v, &d->major, &d->minor) < 0
      || fld_u16 (c, v, "weight", false, &d->weight, &d->has_weight) < 0
      || fld_u16 (c, v, "leafWeight", false, &d->leaf_weight, &d->has_leaf_weight) < 0)
    return -1;
  return 0;
}

static int
parse_throttle (struct pctx *c, const json_t *v, struct carrel_blkio_throttle *t)
{
  if (parse_major_minor (c, v, &t->major, &t->minor) < 0
      || fld_u64 (c, v, "rate", false, UINT64_MAX, &t->rate, NULL) < 0)
    return -1;
  return 0;
}

static int
parse_blkio (struct pctx *c, const json_t *v, struct carrel_blkio *b)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_u16 (c, v, "weight", false, &b->weight, &b->has_weight) < 0
      || fld_u16 (c, v, "leafWeight", false, &b->leaf_weight, &b->has_leaf_weight) < 0
      || PARSE_ARRAY (c, v, "weightDevice", &b->weight_device, &b->n_weight_device, parse_weight_device) < 0
      || PARSE_ARRAY (c, v, "throttleReadBpsDevice", &b->throttle_read_bps, &b->n_throttle_read_bps,
                      parse_throttle)
             < 0
      || PARSE_ARRAY (c, v, "throttleWriteBpsDevice", &b->throttle_write_bps, &b->n_throttle_write_bps,
                      parse_throttle)
             < 0
      || PARSE_ARRAY (c, v, "throttleReadIOPSDevice", &b->throttle_read_iops, &b->n_throttle_read_iops,
                      parse_throttle)
             < 0
      || PARSE_ARRAY (c, v, "throttleWriteIOPSDevice", &b->throttle_write_iops, &b->n_throttle_write_iops,
                      parse_throttle)
             < 0)
    return -1;
  return 0;
}

/* ^[1-9][0-9]*[KMG]B$ */
static bool
is_page_size (const char *s)
{
  if (*s < '1' || *s > '9')
    return false;
  while (*s >= '0' && *s <= '9')
    s++;
  return (s[0] == 'K' || s[0] == 'M' || s[0] == 'G') && s[1] == 'B' && s[2] == '\0';
}

static int
parse_hugepage (struct pctx *c, const json_t *v, struct carrel_hugepage_limit *h)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_strdup (c, v, "pageSize", true, &h->page_size) < 0)
    return -1;
  if (!is_page_size (h->page_size))
    return pfail_key (c, "pageSize", "invalid page size \"%s\" (expected a size like \"2MB\" or \"1GB\")",
                      h->page_size);
  return fld_u64 (c, v, "limit", true, UINT64_MAX, &h->limit, NULL);
}

static int
parse_net_priority (struct pctx *c, const json_t *v, struct carrel_net_priority *p)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_strdup (c, v, "name", true, &p->name) < 0
      || fld_u32 (c, v, "priority", true, &p->priority, NULL) < 0)
    return -1;
  return 0;
}

static int
parse_network (struct pctx *c, const json_t *v, struct carrel_resources *r)
{
  if (val_object (c, v) < 0)
    return -1;
  r->has_network = true;
  if (fld_u32 (c, v, "classID", false, &r->class_id, &r->has_class_id) < 0
      || PARSE_ARRAY (c, v, "priorities", &r->net_priorities, &r->n_net_priorities, parse_net_priority) < 0)
    return -1;
  return 0;
}

static int
parse_rdma (struct pctx *c, const json_t *v, struct carrel_resources *r)
{
  if (val_object (c, v) < 0)
    return -1;
  r->rdma = alloc_array (json_object_size (v), sizeof (struct carrel_rdma));
  r->n_rdma = json_object_size (v);
  size_t i = 0;
  const char *dev;
  json_t *e;
  json_object_foreach ((json_t *)v, dev, e)
  {
    struct carrel_rdma *d = &r->rdma[i++];
    d->device = xstrdup (dev);
    size_t m = path_key (c, dev);
    int rc = val_object (c, e);
    if (rc == 0)
      rc = fld_u32 (c, e, "hcaHandles", false, &d->hca_handles, &d->has_hca_handles);
    if (rc == 0)
      rc = fld_u32 (c, e, "hcaObjects", false, &d->hca_objects, &d->has_hca_objects);
    path_pop (c, m);
    if (rc < 0)
      return -1;
  }
  return 0;
}

int
parse_resources (struct pctx *c, const json_t *v, struct carrel_resources *r)
{
  if (val_object (c, v) < 0)
    return -1;
  if (PARSE_ARRAY (c, v, "devices", &r->devices, &r->n_devices, parse_device_cgroup) < 0)
    return -1;
  if (field (v, "memory"))
    {
      r->has_memory = true;
      if (SUB (c, v, "memory", parse_memory, &r->memory) < 0)
        return -1;
    }
  if (field (v, "cpu"))
    {
      r->has_cpu = true;
      if (SUB (c, v, "cpu", parse_cpu, &r->cpu) < 0)
        return -1;
    }
  int rc;
  json_t *pids = fld_object (c, v, "pids", false, &rc);
  if (rc < 0)
    return -1;
  if (pids)
    {
      size_t m = path_key (c, "pids");
      rc = fld_i64 (c, pids, "limit", true, INT64_MIN, INT64_MAX, &r->pids_limit, &r->has_pids);
      path_pop (c, m);
      if (rc < 0)
        return -1;
    }
  if (field (v, "blockIO"))
    {
      r->has_blkio = true;
      if (SUB (c, v, "blockIO", parse_blkio, &r->blkio) < 0)
        return -1;
    }
  if (PARSE_ARRAY (c, v, "hugepageLimits", &r->hugepage_limits, &r->n_hugepage_limits, parse_hugepage) < 0
      || SUB (c, v, "network", parse_network, r) < 0 || SUB (c, v, "rdma", parse_rdma, r) < 0
      || fld_kv (c, v, "unified", &r->unified, &r->n_unified) < 0)
    return -1;
  return 0;
}

void
resources_clear (struct carrel_resources *r)
{
  for (size_t i = 0; i < r->n_devices; i++)
    free (r->devices[i].access);
  free (r->devices);
  free (r->cpu.cpus);
  free (r->cpu.mems);
  free (r->blkio.weight_device);
  free (r->blkio.throttle_read_bps);
  free (r->blkio.throttle_write_bps);
  free (r->blkio.throttle_read_iops);
  free (r->blkio.throttle_write_iops);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  for (size_t i = 0; i < r->n_net_priorities; i++)
    free (r->net_priorities[i].name);
  free (r->net_priorities);
  for (size_t i = 0; i < r->n_rdma; i++)
    free (r->rdma[i].device);
  free (r->rdma);
  free_kv (r->unified, r->n_unified);
  memset (r, 0, sizeof *r);
}

int
carrel_resources_parse (const char *text, size_t len, const char *origin, struct carrel_resources **out,
                        struct carrel_error *err)
{
  struct pctx c;
  pctx_init (&c, origin ? origin : "resources.json", err);
  json_arena_begin ();
  json_t *root = parse_document (&c, text, len);
  if (root == NULL)
    {
      json_arena_end ();
      return -1;
    }
  struct carrel_resources *r = xcalloc (1, sizeof *r);
  int rc = parse_resources (&c, root, r);
  json_decref (root);
  json_arena_end ();
  if (rc < 0)
    {
      carrel_resources_free (r);
      return -1;
    }
  *out = r;
  return 0;
}

void
carrel_resources_free (struct carrel_resources *resources)
{
  if (resources == NULL)
    return;
  resources_clear (resources);
  free (resources);
}
