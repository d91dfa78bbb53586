/* The cgroup v2 backend: one directory in the unified hierarchy. Controllers are enabled in every
 * ancestor's cgroup.subtree_control on the way down; limits use the v2 files with the documented
 * conversions from the OCI (v1-shaped) values. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup_internal.h"
#include "util.h"

#define RES "linux.resources."

int cg_rdma_apply (const char *dir, const struct carrel_resources *r, struct carrel_error *err);
int cg_v2_stats (const struct cg_layout *l, const char *path, void *data, struct carrel_error *err);

static char *
leaf (const struct cg_layout *l, const char *path)
{
  return xasprintf ("%s%s", l->unified, path);
}

/* Best effort: a controller that cannot be enabled shows up as a clear error when a limit needs it. */
static void
enable_controllers (const char *dir)
{
  cleanup_free char *avail = cg_read (dir, "cgroup.controllers");
  cleanup_free char *on = cg_read (dir, "cgroup.subtree_control");
  char *save = NULL;
  struct carrel_error ignored;
  for (char *c = avail ? strtok_r (avail, " ", &save) : NULL; c; c = strtok_r (NULL, " ", &save))
    {
      bool enabled = false;
      size_t n = strlen (c);
      for (const char *p = on; p && *p && !enabled;)
        {
          enabled = strncmp (p, c, n) == 0 && (p[n] == ' ' || p[n] == '\0');
          p = strchr (p, ' ');
          if (p)
            p++;
        }
      if (!enabled)
        cg_writef (dir, "cgroup.subtree_control", &ignored, "+%s", c);
    }
}

/* cg_mkdir_path's step: each level's parent passes its controllers down to the level. */
static int
enable_in_parent (const char *parent, const char *dir, bool made_parent, struct carrel_error *err)
{
  (void)dir;
  (void)made_parent;
  (void)err;
  enable_controllers (parent);
  return 0;
}

static int
v2_create (const struct cg_layout *l, const char *path, int *created, struct carrel_error *err)
{
  return cg_mkdir_path (l->unified, path, created, enable_in_parent, err);
}

static int
v2_remove (const struct cg_layout *l, const char *path, int parents, struct carrel_error *err)
{
  return cg_rmdir_path (l->unified, path, parents, err);
}

static int
v2_enter (const struct cg_layout *l, const char *path, pid_t pid, struct carrel_error *err)
{
  cleanup_free char *dir = leaf (l, path);
  return cg_writef (dir, "cgroup.procs", err, "%d", pid);
}

/* Writing a file whose controller is not enabled here: name the controller. */
static int
write_ctl (const char *dir, const char *file, const char *value, const char *field, struct carrel_error *err)
{
  if (!cg_file_exists (dir, file))
    {
      char ctl[32];
      snprintf (ctl, sizeof ctl, "%.*s", (int)strcspn (file, "."), file);
      return carrel_fail (err, ENOTSUP,
                          RES "%s: %s/%s does not exist (is the %s controller enabled in the parent's "
                              "cgroup.subtree_control?)",
                          field, dir, file, ctl);
    }
  if (cg_write (dir, file, value, err) < 0)
    return carrel_wrap (err, RES "%s", field);
  return 0;
}

static int
v2_memory (const char *dir, const struct carrel_memory *m, bool update, struct carrel_error *err)
{
  char buf[64];
  if (update && m->check_before_update && m->has_limit && m->limit > 0)
    {
      long long usage = cg_read_ll (dir, "memory.current");
      if (usage > m->limit)
        return carrel_fail (err, EBUSY,
                            RES "memory.limit: %" PRId64 " is below the current usage %lld "
                                "(checkBeforeUpdate)",
                            m->limit, usage);
    }
  if (m->has_swap && (m->swap != 0 || (m->has_limit && m->limit == -1)))
    {
      int64_t limit = m->has_limit ? m->limit : cg_read_ll (dir, "memory.max"), swap;
      if (cg_swap_v2 (m->swap, limit, &swap, err) < 0)
        return -1;
      /* Without swap accounting there is no file; "unlimited" then needs nothing. */
      if ((swap != 0 || m->swap != 0) && !(swap < 0 && !cg_file_exists (dir, "memory.swap.max")))
        {
          cg_limit_string (swap, buf, sizeof buf);
          if (write_ctl (dir, "memory.swap.max", buf, "memory.swap", err) < 0)
            return -1;
        }
    }
  else if (m->has_limit && m->limit == -1 && cg_file_exists (dir, "memory.swap.max"))
    {
      struct carrel_error ignored;
      cg_write (dir, "memory.swap.max", "max", &ignored);
    }
  if (m->has_limit && m->limit != 0)
    {
      cg_limit_string (m->limit, buf, sizeof buf);
      if (write_ctl (dir, "memory.max", buf, "memory.limit", err) < 0)
        return -1;
    }
  if (m->has_reservation && m->reservation != 0)
    {
      cg_limit_string (m->reservation, buf, sizeof buf);
      if (write_ctl (dir, "memory.low", buf, "memory.reservation", err) < 0)
        return -1;
    }
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    carrel_warn (RES "memory.disableOOMKiller: cgroup v2 has no switch for the OOM killer; ignored");
  if (m->has_swappiness)
    carrel_warn (RES "memory.swappiness: cgroup v2 has no per-cgroup swappiness; ignored");
  if (m->has_kernel || m->has_kernel_tcp)
    carrel_warn (RES "memory.kernel/kernelTCP: cgroup v2 accounts kernel memory in memory.max; ignored");
  return 0;
}

static int
v2_cpu (const char *dir, const struct carrel_cpu *c, struct carrel_error *err)
{
  char buf[64];
  if (c->has_shares && c->shares > 0)
    {
      snprintf (buf, sizeof buf, "%" PRIu64, cg_shares_to_weight (c->shares));
      if (write_ctl (dir, "cpu.weight", buf, "cpu.shares", err) < 0)
        return -1;
    }
  if ((c->has_quota && c->quota != 0) || (c->has_period && c->period != 0))
    {
      /* One file holds both: keep the half that is not given. */
      bool has_quota = c->has_quota && c->quota != 0;
      int64_t quota = c->quota;
      uint64_t period = c->has_period ? c->period : 0;
      cleanup_free char *cur = cg_read (dir, "cpu.max");
      if (cur && !has_quota && strncmp (cur, "max", 3) != 0)
        {
          has_quota = true;
          quota = strtoll (cur, NULL, 10);
        }
      if (cur && period == 0 && strchr (cur, ' '))
        period = strtoull (strchr (cur, ' ') + 1, NULL, 10);
      cg_cpu_max_string (has_quota, quota, period, buf, sizeof buf);
      if (write_ctl (dir, "cpu.max", buf, "cpu.quota", err) < 0)
        return -1;
    }
  if (c->has_burst)
    {
      snprintf (buf, sizeof buf, "%" PRIu64, c->burst);
      if (write_ctl (dir, "cpu.max.burst", buf, "cpu.burst", err) < 0)
        return -1;
    }
  if ((c->has_realtime_period && c->realtime_period != 0)
      || (c->has_realtime_runtime && c->realtime_runtime != 0))
    return carrel_fail (err, ENOTSUP,
                        RES "cpu.realtimeRuntime/realtimePeriod: cgroup v2 has no realtime "
                            "group scheduling");
  if (c->has_idle)
    {
      snprintf (buf, sizeof buf, "%" PRId64, c->idle);
      if (write_ctl (dir, "cpu.idle", buf, "cpu.idle", err) < 0)
        return -1;
    }
  if (c->cpus && *c->cpus && write_ctl (dir, "cpuset.cpus", c->cpus, "cpu.cpus", err) < 0)
    return -1;
  if (c->mems && *c->mems && write_ctl (dir, "cpuset.mems", c->mems, "cpu.mems", err) < 0)
    return -1;
  return 0;
}

/* io.weight takes [1, 10000] (converted); without it, BFQ's io.bfq.weight takes the blkio value. */
static int
v2_io (const char *dir, const struct carrel_blkio *b, struct carrel_error *err)
{
  static const struct
  {
    const char *key, *field;
    size_t off_v, off_n;
  } throttles[] = {
    { "rbps", "blockIO.throttleReadBpsDevice", offsetof (struct carrel_blkio, throttle_read_bps),
      offsetof (struct carrel_blkio, n_throttle_read_bps) },
    { "wbps", "blockIO.throttleWriteBpsDevice", offsetof (struct carrel_blkio, throttle_write_bps),
      offsetof (struct carrel_blkio, n_throttle_write_bps) },
    { "riops", "blockIO.throttleReadIOPSDevice", offsetof (struct carrel_blkio, throttle_read_iops),
      offsetof (struct carrel_blkio, n_throttle_read_iops) },
    { "wiops", "blockIO.throttleWriteIOPSDevice", offsetof (struct carrel_blkio, throttle_write_iops),
      offsetof (struct carrel_blkio, n_throttle_write_iops) },
  };
  bool io_weight = cg_file_exists (dir, "io.weight"), bfq = cg_file_exists (dir, "io.bfq.weight");
  char buf[128];
  if ((b->has_weight || b->n_weight_device > 0) && !io_weight && !bfq)
    return carrel_fail (err, ENOTSUP,
                        RES "blockIO.weight: this host has neither io.weight nor io.bfq.weight "
                            "(no weight-based I/O scheduler, or the io controller is not enabled)");
  if (b->has_weight && b->weight > 0)
    {
      if (io_weight)
        snprintf (buf, sizeof buf, "default %" PRIu64, cg_blkio_to_io_weight (b->weight));
      else
        snprintf (buf, sizeof buf, "%u", b->weight);
      if (write_ctl (dir, io_weight ? "io.weight" : "io.bfq.weight", buf, "blockIO.weight", err) < 0)
        return -1;
    }
  if (b->has_leaf_weight)
    carrel_warn (RES "blockIO.leafWeight: cgroup v2 has no leaf weight; ignored");
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct carrel_blkio_weight_device *d = &b->weight_device[i];
      if (!d->has_weight)
        continue;
      snprintf (buf, sizeof buf, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                io_weight ? cg_blkio_to_io_weight (d->weight) : d->weight);
      if (write_ctl (dir, io_weight ? "io.weight" : "io.bfq.weight", buf, "blockIO.weightDevice", err) < 0)
        return -1;
    }
  for (size_t t = 0; t < ARRAY_SIZE (throttles); t++)
    {
      const struct carrel_blkio_throttle *v
          = *(struct carrel_blkio_throttle *const *)((const char *)b + throttles[t].off_v);
      size_t n = *(const size_t *)((const char *)b + throttles[t].off_n);
      for (size_t i = 0; i < n; i++)
        {
          snprintf (buf, sizeof buf, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, v[i].major, v[i].minor,
                    throttles[t].key, v[i].rate);
          if (write_ctl (dir, "io.max", buf, throttles[t].field, err) < 0)
            return -1;
        }
    }
  return 0;
}

/* A `unified` key is a file name of this cgroup: no path, no hidden file, only an interface file. */
static int
v2_unified (const char *dir, const struct carrel_resources *r, struct carrel_error *err)
{
  for (size_t i = 0; i < r->n_unified; i++)
    {
      const char *k = r->unified[i].key, *v = r->unified[i].value;
      if (*k == '\0' || strchr (k, '/') || k[0] == '.' || strchr (k, '.') == NULL)
        return carrel_fail (err, EINVAL, RES "unified: \"%s\" is not a cgroup interface file name", k);
      if (!cg_file_exists (dir, k))
        {
          char ctl[64];
          snprintf (ctl, sizeof ctl, "%.*s", (int)strcspn (k, "."), k);
          cleanup_free char *avail = cg_read (dir, "cgroup.controllers");
          bool known = strcmp (ctl, "cgroup") == 0;
          for (char *p = avail; p && !known;)
            {
              known = strncmp (p, ctl, strlen (ctl)) == 0
                      && (p[strlen (ctl)] == ' ' || p[strlen (ctl)] == '\0');
              p = strchr (p, ' ');
              if (p)
                p++;
            }
          if (!known)
            return carrel_fail (err, ENOTSUP,
                                RES "unified.%s: the %s controller is not available for this cgroup", k, ctl);
          return carrel_fail (err, ENOENT, RES "unified.%s: no such cgroup file in %s", k, dir);
        }
      if (cg_write (dir, k, v, err) < 0)
        return carrel_wrap (err, RES "unified.%s", k);
    }
  return 0;
}

static int
v2_apply (const struct cg_layout *l, const char *path, const struct carrel_resources *r, bool update,
          struct carrel_error *err)
{
  cleanup_free char *dir = leaf (l, path);
  if (r->has_network && (r->has_class_id || r->n_net_priorities > 0))
    return carrel_fail (err, ENOTSUP,
                        RES "network: classID and priorities need the cgroup v1 net_cls and net_prio "
                            "controllers; this host has cgroup v2");
  if (r->has_memory && v2_memory (dir, &r->memory, update, err) < 0)
    return -1;
  if (r->has_cpu && v2_cpu (dir, &r->cpu, err) < 0)
    return -1;
  if (r->has_pids && r->pids_limit != 0)
    {
      char buf[32];
      cg_limit_string (r->pids_limit, buf, sizeof buf);
      if (write_ctl (dir, "pids.max", buf, "pids.limit", err) < 0)
        return -1;
    }
  if (r->has_blkio && v2_io (dir, &r->blkio, err) < 0)
    return -1;
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    {
      cleanup_free char *file = xasprintf ("hugetlb.%s.max", r->hugepage_limits[i].page_size);
      char buf[32];
      snprintf (buf, sizeof buf, "%" PRIu64, r->hugepage_limits[i].limit);
      if (write_ctl (dir, file, buf, "hugepageLimits", err) < 0)
        return -1;
    }
  if (r->n_rdma > 0)
    {
      if (!cg_file_exists (dir, "rdma.max"))
        return carrel_fail (err, ENOTSUP, RES "rdma: the rdma controller is not available for this cgroup");
      if (cg_rdma_apply (dir, r, err) < 0)
        return -1;
    }
  /* Last: the unified values override what the conversions above wrote. */
  return v2_unified (dir, r, err);
}

static int
v2_devices (const struct cg_layout *l, const char *path, const struct cg_dev_rule *rules, size_t n,
            struct carrel_error *err)
{
  cleanup_free char *dir = leaf (l, path);
  return cg_bpf_attach (dir, rules, n, err);
}

static void
nap (long us)
{
  struct timespec ts = { 0, us * 1000 };
  nanosleep (&ts, NULL);
}

static int
v2_freeze (const struct cg_layout *l, const char *path, bool frozen, struct carrel_error *err)
{
  cleanup_free char *dir = leaf (l, path);
  long long deadline = now_ms () + CG_FREEZE_WAIT_MS;
  if (!cg_file_exists (dir, "cgroup.freeze"))
    return carrel_fail (err, ENOTSUP, "freeze: %s/cgroup.freeze does not exist (kernel before 5.2?)", dir);
  if (cg_write (dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  if (!frozen)
    return 0;
  for (int i = 0;; i++)
    {
      if (cg_read_key (dir, "cgroup.events", "frozen") == 1)
        return 0;
      if (now_ms () > deadline)
        break;
      nap (i < 100 ? 100 : 2000);
    }
  struct carrel_error ignored;
  cg_write (dir, "cgroup.freeze", "0", &ignored);
  return carrel_fail (err, ETIMEDOUT, "freeze cgroup %s: not frozen after %d ms", dir, CG_FREEZE_WAIT_MS);
}

static int
v2_is_frozen (const struct cg_layout *l, const char *path, bool *frozen, struct carrel_error *err)
{
  cleanup_free char *dir = leaf (l, path);
  cleanup_free char *v = cg_read (dir, "cgroup.freeze");
  if (v == NULL)
    return carrel_fail (err, errno, "read %s/cgroup.freeze", dir);
  *frozen = strcmp (v, "1") == 0;
  return 0;
}

static char *
v2_procs_dir (const struct cg_layout *l, const char *path)
{
  return leaf (l, path);
}

/* cgroup.kill (5.14) kills the whole subtree at once, frozen or not, with no fork race. */
static int
v2_kill (const struct cg_layout *l, const char *path, int sig, struct carrel_error *err)
{
  cleanup_free char *dir = leaf (l, path);
  if (access (dir, F_OK) < 0)
    return carrel_fail (err, errno, "cgroup %s", dir);
  if (sig == SIGKILL && cg_file_exists (dir, "cgroup.kill"))
    {
      if (cg_write (dir, "cgroup.kill", "1", err) < 0)
        return -1;
      long long deadline = now_ms () + 5000;
      for (int i = 0;; i++)
        {
          if (cg_read_key (dir, "cgroup.events", "populated") == 0)
            return 0;
          if (now_ms () > deadline)
            return carrel_fail (err, ETIMEDOUT, "processes of cgroup %s survive cgroup.kill", dir);
          nap (i < 100 ? 100 : 5000);
        }
    }
  return cg_signal_procs (dir, sig, err);
}

static int
v2_oom_fd (const struct cg_layout *l, const char *path, int *fd, struct carrel_error *err)
{
  cleanup_free char *dir = leaf (l, path);
  cleanup_free char *file = xasprintf ("%s/memory.events", dir);
  cleanup_fd int ifd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (ifd < 0)
    return carrel_fail (err, errno, "inotify");
  if (inotify_add_watch (ifd, file, IN_MODIFY) < 0)
    return carrel_fail (err, errno, "watch %s", file);
  *fd = take_fd (&ifd);
  return 0;
}

static long long
v2_oom_count (const struct cg_layout *l, const char *path)
{
  cleanup_free char *dir = leaf (l, path);
  return cg_read_key (dir, "memory.events", "oom_kill");
}

const struct cg_ops cg_v2_ops = {
  .name = "v2",
  .create = v2_create,
  .remove = v2_remove,
  .apply = v2_apply,
  .devices = v2_devices,
  .enter = v2_enter,
  .freeze = v2_freeze,
  .is_frozen = v2_is_frozen,
  .kill = v2_kill,
  .procs_dir = v2_procs_dir,
  .stats = cg_v2_stats,
  .oom_fd = v2_oom_fd,
  .oom_count = v2_oom_count,
};
