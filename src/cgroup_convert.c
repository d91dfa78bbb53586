/* Pure conversions between OCI resource values and cgroup files (no I/O: unit-tested). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup_internal.h"
#include "util.h"

/* The linear map runc 1.1 and crun 1.8 use, so a container gets the same weight under each:
 * [2, 262144] onto [1, 10000]. */
uint64_t
cg_shares_to_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

/* The inverse: the smallest shares that map to weight (weight -> shares -> weight is stable). */
uint64_t
cg_weight_to_shares (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight > 10000)
    weight = 10000;
  return 2 + ((weight - 1) * 262142 + 9998) / 9999;
}

/* [10, 1000] onto [1, 10000], as runc. */
uint64_t
cg_blkio_to_io_weight (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + (weight - 10) * 9999 / 990;
}

void
cg_cpu_max_string (bool has_quota, int64_t quota, uint64_t period, char *buf, size_t len)
{
  if (period == 0)
    period = 100000;
  if (!has_quota || quota <= 0)
    snprintf (buf, len, "max %" PRIu64, period);
  else
    snprintf (buf, len, "%" PRId64 " %" PRIu64, quota, period);
}

int
cg_swap_v2 (int64_t swap, int64_t limit, int64_t *out, struct carrel_error *err)
{
  /* As with v1: an unlimited memory with no swap value means both unlimited. */
  if (limit == -1 && swap == 0)
    {
      *out = -1;
      return 0;
    }
  if (swap == -1 || swap == 0)
    {
      *out = swap;
      return 0;
    }
  if (limit <= 0)
    return carrel_fail (err, EINVAL, "linux.resources.memory.swap: a swap limit needs a memory limit");
  if (swap < limit)
    return carrel_fail (err, EINVAL,
                        "linux.resources.memory.swap: %" PRId64 " is below memory.limit %" PRId64
                        " (swap is memory+swap)",
                        swap, limit);
  *out = swap - limit;
  return 0;
}

void
cg_limit_string (int64_t v, char *buf, size_t len)
{
  if (v < 0)
    snprintf (buf, len, "max");
  else
    snprintf (buf, len, "%" PRId64, v);
}

unsigned
cg_dev_access_bits (const char *access)
{
  unsigned bits = 0;
  if (access == NULL || *access == '\0')
    return CG_DEV_ALL;
  for (; *access; access++)
    bits |= *access == 'm' ? CG_DEV_MKNOD : *access == 'r' ? CG_DEV_READ : *access == 'w' ? CG_DEV_WRITE : 0;
  return bits;
}

static void
num_or_star (int64_t v, char *buf, size_t len)
{
  if (v < 0)
    snprintf (buf, len, "*");
  else
    snprintf (buf, len, "%" PRId64, v);
}

void
cg_dev_rule_string (const struct cg_dev_rule *r, char *buf, size_t len)
{
  char maj[24], min[24], acc[4];
  size_t k = 0;
  num_or_star (r->major, maj, sizeof maj);
  num_or_star (r->minor, min, sizeof min);
  if (r->access & CG_DEV_READ)
    acc[k++] = 'r';
  if (r->access & CG_DEV_WRITE)
    acc[k++] = 'w';
  if (r->access & CG_DEV_MKNOD)
    acc[k++] = 'm';
  acc[k] = '\0';
  snprintf (buf, len, "%c %s:%s %s", r->type, maj, min, acc);
}

/* What every container needs to work, allowed after the config's rules (as runc does). */
static const struct cg_dev_rule default_allows[] = {
  { true, 'c', -1, -1, CG_DEV_MKNOD }, { true, 'b', -1, -1, CG_DEV_MKNOD }, /* mknod, not use */
  { true, 'c', 1, 3, CG_DEV_ALL },                                          /* null */
  { true, 'c', 1, 5, CG_DEV_ALL },                                          /* zero */
  { true, 'c', 1, 7, CG_DEV_ALL },                                          /* full */
  { true, 'c', 1, 8, CG_DEV_ALL },                                          /* random */
  { true, 'c', 1, 9, CG_DEV_ALL },                                          /* urandom */
  { true, 'c', 5, 0, CG_DEV_ALL },                                          /* tty */
  { true, 'c', 5, 1, CG_DEV_ALL },                                          /* console */
  { true, 'c', 5, 2, CG_DEV_ALL },                                          /* ptmx */
  { true, 'c', 136, -1, CG_DEV_ALL },                                       /* pts */
};

int
cg_dev_rules_build (const struct carrel_resources *r, const struct carrel_device *devs, size_t n_devs,
                    struct cg_dev_rule **out, size_t *n)
{
  size_t cap = (r ? r->n_devices : 0) + ARRAY_SIZE (default_allows) + n_devs, k = 0;
  struct cg_dev_rule *v = xcalloc (cap ? cap : 1, sizeof *v);
  for (size_t i = 0; r && i < r->n_devices; i++)
    {
      const struct carrel_device_cgroup *d = &r->devices[i];
      v[k++] = (struct cg_dev_rule){ .allow = d->allow,
                                     .type = d->type ? d->type : 'a',
                                     .major = d->has_major ? d->major : -1,
                                     .minor = d->has_minor ? d->minor : -1,
                                     .access = cg_dev_access_bits (d->access) };
    }
  for (size_t i = 0; i < ARRAY_SIZE (default_allows); i++)
    v[k++] = default_allows[i];
  for (size_t i = 0; i < n_devs; i++)
    {
      if (devs[i].type != 'c' && devs[i].type != 'b' && devs[i].type != 'u')
        continue; /* fifos need no rule */
      v[k++] = (struct cg_dev_rule){ .allow = true,
                                     .type = devs[i].type == 'b' ? 'b' : 'c',
                                     .major = devs[i].major,
                                     .minor = devs[i].minor,
                                     .access = CG_DEV_ALL };
    }
  *out = v;
  *n = k;
  return 0;
}
