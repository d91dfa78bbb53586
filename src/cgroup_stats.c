/* `events --stats`: the container's usage in runc's shape ({cpu, memory, pids, blkio, hugetlb}),
 * read from the v1 or the v2 files. Unlimited values that v2 spells "max" are INT64_MAX here
 * (jansson integers are signed 64-bit). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "util.h"

static json_int_t
nz (long long v)
{
  return v < 0 ? 0 : v;
}

/* A limit: "max" and absent are unlimited. */
static json_int_t
limit_value (const char *dir, const char *file)
{
  cleanup_free char *t = cg_read (dir, file);
  if (t == NULL || strcmp (t, "max") == 0)
    return INT64_MAX;
  return strtoll (t, NULL, 10);
}

/* "key value" lines into an object. */
static json_t *
flat_keyed (const char *dir, const char *file)
{
  json_t *o = json_object ();
  cleanup_free char *text = cg_read (dir, file);
  char *save = NULL;
  for (char *l = text ? strtok_r (text, "\n", &save) : NULL; l; l = strtok_r (NULL, "\n", &save))
    {
      char *sp = strchr (l, ' ');
      if (sp == NULL)
        continue;
      *sp = '\0';
      json_object_set_new (o, l, json_integer (strtoll (sp + 1, NULL, 10)));
    }
  return o;
}

static json_int_t
obj_int (json_t *o, const char *key)
{
  return json_integer_value (json_object_get (o, key));
}

static json_t *
mem_entry (json_int_t limit, json_int_t usage, json_int_t max, json_int_t failcnt)
{
  return json_pack ("{s:I, s:I, s:I, s:I}", "limit", limit, "usage", usage, "max", max, "failcnt", failcnt);
}

static json_t *
blkio_entry (long long major, long long minor, const char *op, long long value)
{
  return json_pack ("{s:I, s:I, s:s, s:I}", "major", (json_int_t)major, "minor", (json_int_t)minor, "op", op,
                    "value", (json_int_t)value);
}

/* The page sizes of this host ("2MB", "1GB"), from /sys/kernel/mm/hugepages. */
static size_t
page_sizes (char names[][24], size_t max)
{
  DIR *d = opendir ("/sys/kernel/mm/hugepages");
  struct dirent *e;
  size_t n = 0;
  while (d && (e = readdir (d)) && n < max)
    {
      unsigned long kb;
      if (sscanf (e->d_name, "hugepages-%lukB", &kb) != 1)
        continue;
      if (kb >= 1048576 && kb % 1048576 == 0)
        snprintf (names[n++], 24, "%luGB", kb / 1048576);
      else if (kb >= 1024 && kb % 1024 == 0)
        snprintf (names[n++], 24, "%luMB", kb / 1024);
      else
        snprintf (names[n++], 24, "%luKB", kb);
    }
  if (d)
    closedir (d);
  return n;
}

static void
hugetlb_stats (json_t *data, const char *dir, bool v2)
{
  char sizes[8][24];
  size_t n = page_sizes (sizes, 8);
  json_t *h = json_object ();
  for (size_t i = 0; i < n && dir; i++)
    {
      char f[256];
      json_int_t usage, max, failcnt;
      if (v2)
        {
          snprintf (f, sizeof f, "hugetlb.%s.current", sizes[i]);
          usage = nz (cg_read_ll (dir, f));
          max = 0;
          snprintf (f, sizeof f, "hugetlb.%s.events", sizes[i]);
          failcnt = nz (cg_read_key (dir, f, "max"));
        }
      else
        {
          snprintf (f, sizeof f, "hugetlb.%s.usage_in_bytes", sizes[i]);
          usage = nz (cg_read_ll (dir, f));
          snprintf (f, sizeof f, "hugetlb.%s.max_usage_in_bytes", sizes[i]);
          max = nz (cg_read_ll (dir, f));
          snprintf (f, sizeof f, "hugetlb.%s.failcnt", sizes[i]);
          failcnt = nz (cg_read_ll (dir, f));
        }
      json_object_set_new (h, sizes[i],
                           json_pack ("{s:I, s:I, s:I}", "usage", usage, "max", max, "failcnt", failcnt));
    }
  json_object_set_new (data, "hugetlb", h);
}

/* ---------------------------------------------------------------------------------------- v1 */

static char *
v1_dir (const struct cg_layout *l, const char *ctl, const char *path)
{
  const char *m = cg_v1_mount (l, ctl);
  return m ? xasprintf ("%s%s", m, path) : NULL;
}

/* "8:0 Read 123" lines; the "Total" line is dropped. */
static json_t *
v1_blkio_list (const char *dir, const char *file)
{
  json_t *a = json_array ();
  cleanup_free char *text = dir ? cg_read (dir, file) : NULL;
  char *save = NULL;
  for (char *l = text ? strtok_r (text, "\n", &save) : NULL; l; l = strtok_r (NULL, "\n", &save))
    {
      long long major, minor, value;
      char op[16];
      if (sscanf (l, "%lld:%lld %15s %lld", &major, &minor, op, &value) == 4)
        json_array_append_new (a, blkio_entry (major, minor, op, value));
    }
  return a;
}

int
cg_v1_stats (const struct cg_layout *l, const char *path, void *data_, struct carrel_error *err)
{
  json_t *data = data_;
  cleanup_free char *cpu = v1_dir (l, "cpu", path);
  cleanup_free char *acct = v1_dir (l, "cpuacct", path);
  cleanup_free char *mem = v1_dir (l, "memory", path);
  cleanup_free char *pids = v1_dir (l, "pids", path);
  cleanup_free char *blkio = v1_dir (l, "blkio", path);
  cleanup_free char *huge = v1_dir (l, "hugetlb", path);
  long tick_ns = 1000000000L / sysconf (_SC_CLK_TCK);
  json_t *percpu = json_array ();
  (void)err;

  /* cpu */
  {
    cleanup_free char *pc = acct ? cg_read (acct, "cpuacct.usage_percpu") : NULL;
    char *save = NULL;
    for (char *t = pc ? strtok_r (pc, " ", &save) : NULL; t; t = strtok_r (NULL, " ", &save))
      json_array_append_new (percpu, json_integer (strtoll (t, NULL, 10)));
    json_int_t user = acct ? nz (cg_read_key (acct, "cpuacct.stat", "user")) * tick_ns : 0;
    json_int_t sys = acct ? nz (cg_read_key (acct, "cpuacct.stat", "system")) * tick_ns : 0;
    json_object_set_new (
        data, "cpu",
        json_pack (
            "{s:{s:I, s:o, s:I, s:I}, s:{s:I, s:I, s:I}}", "usage", "total",
            (json_int_t)(acct ? nz (cg_read_ll (acct, "cpuacct.usage")) : 0), "percpu", percpu, "kernel", sys,
            "user", user, "throttling", "periods",
            (json_int_t)(cpu ? nz (cg_read_key (cpu, "cpu.stat", "nr_periods")) : 0), "throttledPeriods",
            (json_int_t)(cpu ? nz (cg_read_key (cpu, "cpu.stat", "nr_throttled")) : 0), "throttledTime",
            (json_int_t)(cpu ? nz (cg_read_key (cpu, "cpu.stat", "throttled_time")) : 0)));
  }
  /* memory */
  if (mem)
    {
      json_t *raw = flat_keyed (mem, "memory.stat");
      json_t *m = json_object ();
      json_object_set_new (m, "cache", json_integer (obj_int (raw, "cache")));
      json_object_set_new (m, "usage",
                           mem_entry (nz (cg_read_ll (mem, "memory.limit_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.usage_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.max_usage_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.failcnt"))));
      json_object_set_new (m, "swap",
                           mem_entry (nz (cg_read_ll (mem, "memory.memsw.limit_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.memsw.usage_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.memsw.max_usage_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.memsw.failcnt"))));
      json_object_set_new (m, "kernel",
                           mem_entry (nz (cg_read_ll (mem, "memory.kmem.limit_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.kmem.usage_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.kmem.max_usage_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.kmem.failcnt"))));
      json_object_set_new (m, "kernelTCP",
                           mem_entry (nz (cg_read_ll (mem, "memory.kmem.tcp.limit_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.kmem.tcp.usage_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.kmem.tcp.max_usage_in_bytes")),
                                      nz (cg_read_ll (mem, "memory.kmem.tcp.failcnt"))));
      json_object_set_new (m, "raw", raw);
      json_object_set_new (data, "memory", m);
    }
  if (pids)
    json_object_set_new (data, "pids",
                         json_pack ("{s:I, s:I}", "current",
                                    (json_int_t)nz (cg_read_ll (pids, "pids.current")), "limit",
                                    (json_int_t)nz (cg_read_ll (pids, "pids.max"))));
  json_object_set_new (data, "blkio",
                       json_pack ("{s:o, s:o}", "ioServiceBytesRecursive",
                                  v1_blkio_list (blkio, "blkio.throttle.io_service_bytes_recursive"),
                                  "ioServicedRecursive",
                                  v1_blkio_list (blkio, "blkio.throttle.io_serviced_recursive")));
  if (huge)
    hugetlb_stats (data, huge, false);
  else if (l->unified)
    {
      cleanup_free char *u = xasprintf ("%s%s", l->unified, path);
      hugetlb_stats (data, u, true);
    }
  return 0;
}

/* ---------------------------------------------------------------------------------------- v2 */

int
cg_v2_stats (const struct cg_layout *l, const char *path, void *data_, struct carrel_error *err)
{
  json_t *data = data_;
  cleanup_free char *dir = xasprintf ("%s%s", l->unified, path);
  json_t *cpu = flat_keyed (dir, "cpu.stat");
  (void)err;
  json_object_set_new (
      data, "cpu",
      json_pack ("{s:{s:I, s:[], s:I, s:I}, s:{s:I, s:I, s:I}}", "usage", "total",
                 obj_int (cpu, "usage_usec") * 1000, "percpu", "kernel", obj_int (cpu, "system_usec") * 1000,
                 "user", obj_int (cpu, "user_usec") * 1000, "throttling", "periods",
                 obj_int (cpu, "nr_periods"), "throttledPeriods", obj_int (cpu, "nr_throttled"),
                 "throttledTime", obj_int (cpu, "throttled_usec") * 1000));
  json_decref (cpu);
  if (cg_file_exists (dir, "memory.current"))
    {
      json_t *raw = flat_keyed (dir, "memory.stat");
      json_t *m = json_object ();
      json_int_t usage = nz (cg_read_ll (dir, "memory.current")), limit = limit_value (dir, "memory.max");
      json_int_t swap = nz (cg_read_ll (dir, "memory.swap.current")),
                 swap_limit = limit_value (dir, "memory.swap.max");
      json_object_set_new (m, "cache", json_integer (obj_int (raw, "file")));
      json_object_set_new (m, "usage",
                           mem_entry (limit, usage, nz (cg_read_ll (dir, "memory.peak")),
                                      nz (cg_read_key (dir, "memory.events", "max"))));
      /* As v1's memsw: memory plus swap. */
      json_object_set_new (
          m, "swap",
          mem_entry (limit == INT64_MAX || swap_limit == INT64_MAX ? INT64_MAX : limit + swap_limit,
                     usage + swap, 0, nz (cg_read_key (dir, "memory.swap.events", "max"))));
      json_object_set_new (m, "raw", raw);
      json_object_set_new (data, "memory", m);
    }
  if (cg_file_exists (dir, "pids.current"))
    json_object_set_new (data, "pids",
                         json_pack ("{s:I, s:I}", "current",
                                    (json_int_t)nz (cg_read_ll (dir, "pids.current")), "limit",
                                    (json_int_t)nz (cg_read_ll (dir, "pids.max"))));
  {
    json_t *bytes = json_array (), *ios = json_array ();
    cleanup_free char *text = cg_read (dir, "io.stat");
    char *save = NULL;
    for (char *line = text ? strtok_r (text, "\n", &save) : NULL; line; line = strtok_r (NULL, "\n", &save))
      {
        long long major, minor, rb = 0, wb = 0, rio = 0, wio = 0;
        if (sscanf (line, "%lld:%lld", &major, &minor) != 2)
          continue;
        char *p;
        if ((p = strstr (line, "rbytes=")))
          rb = strtoll (p + 7, NULL, 10);
        if ((p = strstr (line, "wbytes=")))
          wb = strtoll (p + 7, NULL, 10);
        if ((p = strstr (line, "rios=")))
          rio = strtoll (p + 5, NULL, 10);
        if ((p = strstr (line, "wios=")))
          wio = strtoll (p + 5, NULL, 10);
        json_array_append_new (bytes, blkio_entry (major, minor, "Read", rb));
        json_array_append_new (bytes, blkio_entry (major, minor, "Write", wb));
        json_array_append_new (ios, blkio_entry (major, minor, "Read", rio));
        json_array_append_new (ios, blkio_entry (major, minor, "Write", wio));
      }
    json_object_set_new (
        data, "blkio",
        json_pack ("{s:o, s:o}", "ioServiceBytesRecursive", bytes, "ioServicedRecursive", ios));
  }
  hugetlb_stats (data, dir, true);
  return 0;
}

int
cgroup_stats_json (const char *path, char **json, struct carrel_error *err)
{
  const struct cg_layout *l;
  json_t *data;
  *json = NULL;
  if (path == NULL || !cgroup_exists (path))
    return carrel_fail (err, ENOENT, "the container's cgroup %s does not exist", path ? path : "(none)");
  if (cg_layout_get (&l, err) < 0)
    return -1;
  data = json_object ();
  if ((l->mode == CG_MODE_V2 ? cg_v2_stats : cg_v1_stats) (l, path, data, err) < 0)
    {
      json_decref (data);
      return -1;
    }
  *json = json_dumps (data, JSON_COMPACT);
  json_decref (data);
  return 0;
}
