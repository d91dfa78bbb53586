/* The cgroup v1 backend: one directory per mounted hierarchy (and, on a hybrid host, one in the
 * cgroup2 mount beside them, which serves the controllers only it has, e.g. hugetlb). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup_internal.h"
#include "util.h"

#define RES "linux.resources."

static char *
dir_of (const char *mount, const char *path)
{
  return xasprintf ("%s%s", mount, path);
}

/* Every directory the container has: one per v1 hierarchy, then the unified one (if any). */
static size_t
all_mounts (const struct cg_layout *l, const char **out)
{
  size_t n = 0;
  for (size_t i = 0; i < l->n_v1; i++)
    out[n++] = l->v1[i].mount;
  if (l->unified)
    out[n++] = l->unified;
  return n;
}

/* A new cpuset cgroup starts with no cpus and no mems: nothing could run in it. Unless its parent
 * has cgroup.clone_children, which the parents carrel makes get: then the kernel copies them at
 * mkdir (60 µs less per create than copying here), and this only checks. */
static int
cpuset_inherit (const char *parent, const char *dir, bool made_parent, struct carrel_error *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  for (size_t i = 0; i < ARRAY_SIZE (files); i++)
    {
      cleanup_free char *mine = cg_read (dir, files[i]);
      if (mine && *mine)
        continue;
      cleanup_free char *theirs = cg_read (parent, files[i]);
      if (theirs == NULL || *theirs == '\0')
        return carrel_fail (err, EINVAL, "cgroup %s: parent %s has an empty %s", dir, parent, files[i]);
      if (cg_write (dir, files[i], theirs, err) < 0)
        return -1;
    }
  /* Only where we own the level: clone_children changes what the kernel gives children made
   * there by anyone, and the container's own cgroup is the container's. */
  if (made_parent)
    {
      struct carrel_error ignored;
      cg_write (dir, "cgroup.clone_children", "1", &ignored);
    }
  return 0;
}

static int
v1_create (const struct cg_layout *l, const char *path, int *created, struct carrel_error *err)
{
  const char *mounts[CG_MAX_HIERARCHIES + 1];
  size_t n = all_mounts (l, mounts);
  const char *cpuset = cg_v1_mount (l, "cpuset");
  *created = 0;
  for (size_t i = 0; i < n; i++)
    {
      /* cpuset: also for a joined cgroup someone made with an empty cpuset. */
      int made, r = cg_mkdir_path (mounts[i], path, &made, mounts[i] == cpuset ? cpuset_inherit : NULL, err);
      if (made > *created)
        *created = made;
      if (r < 0)
        return -1;
    }
  return 0;
}

static int
v1_remove (const struct cg_layout *l, const char *path, int parents, struct carrel_error *err)
{
  const char *mounts[CG_MAX_HIERARCHIES + 1];
  size_t n = all_mounts (l, mounts);
  int r = 0;
  for (size_t i = 0; i < n; i++)
    if (cg_rmdir_path (mounts[i], path, parents, err) < 0)
      r = -1;
  return r;
}

static int
v1_enter (const struct cg_layout *l, const char *path, pid_t pid, struct carrel_error *err)
{
  const char *mounts[CG_MAX_HIERARCHIES + 1];
  size_t n = all_mounts (l, mounts);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *dir = dir_of (mounts[i], path);
      if (cg_writef (dir, "cgroup.procs", err, "%d", pid) < 0)
        return -1;
    }
  return 0;
}

/* The directory of controller `name`; a clear error when the host does not mount it. */
static char *
ctl_dir (const struct cg_layout *l, const char *path, const char *name, const char *field,
         struct carrel_error *err)
{
  const char *m = cg_v1_mount (l, name);
  if (m == NULL)
    {
      carrel_fail (err, ENOTSUP, RES "%s: the %s cgroup controller is not mounted on this host", field, name);
      return NULL;
    }
  return dir_of (m, path);
}

static int
need_file (const char *dir, const char *file, const char *field, struct carrel_error *err)
{
  if (!cg_file_exists (dir, file))
    return carrel_fail (err, ENOTSUP, RES "%s: this host's kernel has no %s", field, file);
  return 0;
}

/* The v1 memory+swap limit must stay >= the memory limit at every step: order the writes. */
static int
v1_memory_limits (const char *dir, const struct carrel_memory *m, struct carrel_error *err)
{
  bool swap = m->has_swap && m->swap != 0;
  if (swap && need_file (dir, "memory.memsw.limit_in_bytes", "memory.swap", err) < 0)
    return -1;
  if (m->has_limit && swap && m->swap > 0 && m->limit > 0 && m->swap < m->limit)
    return carrel_fail (
        err, EINVAL, RES "memory.swap: %" PRId64 " is below memory.limit %" PRId64 " (swap is memory+swap)",
        m->swap, m->limit);
  if (m->has_limit && cg_writef (dir, "memory.limit_in_bytes", err, "%" PRId64, m->limit) < 0)
    {
      if (!(swap && err->errno_value == EINVAL))
        return -1;
      /* Raising the limit above the current memsw: memsw first. */
      if (cg_writef (dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, m->swap) < 0
          || cg_writef (dir, "memory.limit_in_bytes", err, "%" PRId64, m->limit) < 0)
        return -1;
      return 0;
    }
  if (swap && cg_writef (dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, m->swap) < 0)
    return -1;
  return 0;
}

static int
v1_memory (const struct cg_layout *l, const char *path, const struct carrel_memory *m, bool update,
           struct carrel_error *err)
{
  cleanup_free char *dir = ctl_dir (l, path, "memory", "memory", err);
  if (dir == NULL)
    return -1;
  if (update && m->check_before_update && m->has_limit && m->limit > 0)
    {
      long long usage = cg_read_ll (dir, "memory.usage_in_bytes");
      if (usage > m->limit)
        return carrel_fail (err, EBUSY,
                            RES "memory.limit: %" PRId64 " is below the current usage %lld "
                                "(checkBeforeUpdate)",
                            m->limit, usage);
    }
  if (v1_memory_limits (dir, m, err) < 0)
    return -1;
  if (m->has_reservation
      && cg_writef (dir, "memory.soft_limit_in_bytes", err, "%" PRId64, m->reservation) < 0)
    return -1;
  if (m->has_kernel)
    carrel_warn (RES "memory.kernel: kernel memory limits are deprecated and ignored");
  if (m->has_kernel_tcp
      && (need_file (dir, "memory.kmem.tcp.limit_in_bytes", "memory.kernelTCP", err) < 0
          || cg_writef (dir, "memory.kmem.tcp.limit_in_bytes", err, "%" PRId64, m->kernel_tcp) < 0))
    return -1;
  if (m->has_swappiness && cg_writef (dir, "memory.swappiness", err, "%" PRIu64, m->swappiness) < 0)
    return -1;
  if (m->has_disable_oom_killer && (m->disable_oom_killer || update)
      && cg_write (dir, "memory.oom_control", m->disable_oom_killer ? "1" : "0", err) < 0)
    return -1;
  if (m->has_use_hierarchy && cg_read_ll (dir, "memory.use_hierarchy") != (m->use_hierarchy ? 1 : 0)
      && cg_write (dir, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", err) < 0)
    return -1;
  return 0;
}

static int
v1_cpu (const struct cg_layout *l, const char *path, const struct carrel_cpu *c, struct carrel_error *err)
{
  if (c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_realtime_period
      || c->has_realtime_runtime || c->has_idle)
    {
      cleanup_free char *dir = ctl_dir (l, path, "cpu", "cpu", err);
      if (dir == NULL)
        return -1;
      if (c->has_shares && c->shares > 0 && cg_writef (dir, "cpu.shares", err, "%" PRIu64, c->shares) < 0)
        return -1;
      /* A new period must fit the current quota and the other way round: retry in the other order. */
      if (c->has_period && c->period > 0
          && cg_writef (dir, "cpu.cfs_period_us", err, "%" PRIu64, c->period) < 0)
        {
          if (!(c->has_quota && err->errno_value == EINVAL))
            return -1;
          if (cg_writef (dir, "cpu.cfs_quota_us", err, "%" PRId64, c->quota) < 0
              || cg_writef (dir, "cpu.cfs_period_us", err, "%" PRIu64, c->period) < 0)
            return -1;
        }
      if (c->has_quota && c->quota != 0 && cg_writef (dir, "cpu.cfs_quota_us", err, "%" PRId64, c->quota) < 0)
        return -1;
      if (c->has_burst
          && (need_file (dir, "cpu.cfs_burst_us", "cpu.burst", err) < 0
              || cg_writef (dir, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst) < 0))
        return -1;
      if (c->has_realtime_period && c->realtime_period > 0
          && (need_file (dir, "cpu.rt_period_us", "cpu.realtimePeriod", err) < 0
              || cg_writef (dir, "cpu.rt_period_us", err, "%" PRIu64, c->realtime_period) < 0))
        return -1;
      if (c->has_realtime_runtime && c->realtime_runtime != 0
          && (need_file (dir, "cpu.rt_runtime_us", "cpu.realtimeRuntime", err) < 0
              || cg_writef (dir, "cpu.rt_runtime_us", err, "%" PRId64, c->realtime_runtime) < 0))
        return carrel_wrap (err, RES "cpu.realtimeRuntime (the parent cgroup needs a realtime budget)");
      if (c->has_idle
          && (need_file (dir, "cpu.idle", "cpu.idle", err) < 0
              || cg_writef (dir, "cpu.idle", err, "%" PRId64, c->idle) < 0))
        return -1;
    }
  if (c->cpus || c->mems)
    {
      cleanup_free char *dir = ctl_dir (l, path, "cpuset", c->cpus ? "cpu.cpus" : "cpu.mems", err);
      if (dir == NULL)
        return -1;
      if (c->cpus && *c->cpus && cg_write (dir, "cpuset.cpus", c->cpus, err) < 0)
        return -1;
      if (c->mems && *c->mems && cg_write (dir, "cpuset.mems", c->mems, err) < 0)
        return -1;
    }
  return 0;
}

/* blkio.weight needs CFQ or BFQ (blkio.bfq.weight); multi-queue hosts often have neither. */
static int
v1_blkio (const struct cg_layout *l, const char *path, const struct carrel_blkio *b, struct carrel_error *err)
{
  static const struct
  {
    const char *file, *field;
    size_t off_v, off_n;
  } throttles[] = {
    { "blkio.throttle.read_bps_device", "blockIO.throttleReadBpsDevice",
      offsetof (struct carrel_blkio, throttle_read_bps),
      offsetof (struct carrel_blkio, n_throttle_read_bps) },
    { "blkio.throttle.write_bps_device", "blockIO.throttleWriteBpsDevice",
      offsetof (struct carrel_blkio, throttle_write_bps),
      offsetof (struct carrel_blkio, n_throttle_write_bps) },
    { "blkio.throttle.read_iops_device", "blockIO.throttleReadIOPSDevice",
      offsetof (struct carrel_blkio, throttle_read_iops),
      offsetof (struct carrel_blkio, n_throttle_read_iops) },
    { "blkio.throttle.write_iops_device", "blockIO.throttleWriteIOPSDevice",
      offsetof (struct carrel_blkio, throttle_write_iops),
      offsetof (struct carrel_blkio, n_throttle_write_iops) },
  };
  cleanup_free char *dir = ctl_dir (l, path, "blkio", "blockIO", err);
  if (dir == NULL)
    return -1;
  const char *wfile = cg_file_exists (dir, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
  const char *wdfile
      = strcmp (wfile, "blkio.weight") == 0 ? "blkio.weight_device" : "blkio.bfq.weight_device";
  if ((b->has_weight || b->n_weight_device > 0) && !cg_file_exists (dir, wfile))
    return carrel_fail (err, ENOTSUP,
                        RES "blockIO.weight: this host has neither blkio.weight nor "
                            "blkio.bfq.weight (no weight-based I/O scheduler)");
  if (b->has_weight && cg_writef (dir, wfile, err, "%u", b->weight) < 0)
    return -1;
  if (b->has_leaf_weight
      && (need_file (dir, "blkio.leaf_weight", "blockIO.leafWeight", err) < 0
          || cg_writef (dir, "blkio.leaf_weight", err, "%u", b->leaf_weight) < 0))
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct carrel_blkio_weight_device *d = &b->weight_device[i];
      if (d->has_weight
          && cg_writef (dir, wdfile, err, "%" PRId64 ":%" PRId64 " %u", d->major, d->minor, d->weight) < 0)
        return -1;
      if (d->has_leaf_weight
          && (need_file (dir, "blkio.leaf_weight_device", "blockIO.weightDevice.leafWeight", err) < 0
              || cg_writef (dir, "blkio.leaf_weight_device", err, "%" PRId64 ":%" PRId64 " %u", d->major,
                            d->minor, d->leaf_weight)
                     < 0))
        return -1;
    }
  for (size_t t = 0; t < ARRAY_SIZE (throttles); t++)
    {
      const struct carrel_blkio_throttle *v
          = *(struct carrel_blkio_throttle *const *)((const char *)b + throttles[t].off_v);
      size_t n = *(const size_t *)((const char *)b + throttles[t].off_n);
      for (size_t i = 0; i < n; i++)
        if (cg_writef (dir, throttles[t].file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, v[i].major,
                       v[i].minor, v[i].rate)
            < 0)
          return carrel_wrap (err, RES "%s[%zu]", throttles[t].field, i);
    }
  return 0;
}

/* hugetlb is a v1 controller on most v1 hosts; on a hybrid host it may live only in cgroup2. */
static int
v1_hugetlb (const struct cg_layout *l, const char *path, const struct carrel_resources *r,
            struct carrel_error *err)
{
  const char *m = cg_v1_mount (l, "hugetlb");
  cleanup_free char *dir = NULL;
  bool v2 = m == NULL && l->unified;
  if (m == NULL && l->unified == NULL)
    return carrel_fail (err, ENOTSUP,
                        RES "hugepageLimits: the hugetlb cgroup controller is not mounted on this host");
  dir = dir_of (m ? m : l->unified, path);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    {
      const struct carrel_hugepage_limit *h = &r->hugepage_limits[i];
      cleanup_free char *file = xasprintf ("hugetlb.%s.%s", h->page_size, v2 ? "max" : "limit_in_bytes");
      if (!cg_file_exists (dir, file))
        return carrel_fail (err, ENOTSUP,
                            RES
                            "hugepageLimits[%zu]: %s/%s does not exist (unknown page size, or hugetlb not "
                            "enabled for this cgroup)",
                            i, dir, file);
      if (cg_writef (dir, file, err, "%" PRIu64, h->limit) < 0)
        return -1;
    }
  return 0;
}

static int
v1_network (const struct cg_layout *l, const char *path, const struct carrel_resources *r,
            struct carrel_error *err)
{
  if (r->has_class_id)
    {
      cleanup_free char *dir = ctl_dir (l, path, "net_cls", "network.classID", err);
      if (dir == NULL || cg_writef (dir, "net_cls.classid", err, "%u", r->class_id) < 0)
        return -1;
    }
  if (r->n_net_priorities > 0)
    {
      cleanup_free char *dir = ctl_dir (l, path, "net_prio", "network.priorities", err);
      if (dir == NULL)
        return -1;
      for (size_t i = 0; i < r->n_net_priorities; i++)
        if (cg_writef (dir, "net_prio.ifpriomap", err, "%s %u", r->net_priorities[i].name,
                       r->net_priorities[i].priority)
            < 0)
          return -1;
    }
  return 0;
}

int
cg_rdma_apply (const char *dir, const struct carrel_resources *r, struct carrel_error *err)
{
  for (size_t i = 0; i < r->n_rdma; i++)
    {
      const struct carrel_rdma *d = &r->rdma[i];
      char buf[256];
      int k = snprintf (buf, sizeof buf, "%s", d->device);
      if (d->has_hca_handles)
        k += snprintf (buf + k, sizeof buf - k, " hca_handle=%u", d->hca_handles);
      if (d->has_hca_objects)
        snprintf (buf + k, sizeof buf - k, " hca_object=%u", d->hca_objects);
      if (cg_write (dir, "rdma.max", buf, err) < 0)
        return carrel_wrap (err, RES "rdma.%s", d->device);
    }
  return 0;
}

static int
v1_apply (const struct cg_layout *l, const char *path, const struct carrel_resources *r, bool update,
          struct carrel_error *err)
{
  if (r->n_unified > 0)
    return carrel_fail (err, ENOTSUP,
                        RES "unified: needs cgroup v2, but this host drives its controllers with "
                            "cgroup v1");
  if (r->has_memory && v1_memory (l, path, &r->memory, update, err) < 0)
    return -1;
  if (r->has_cpu && v1_cpu (l, path, &r->cpu, err) < 0)
    return -1;
  if (r->has_pids && r->pids_limit != 0)
    {
      cleanup_free char *dir = ctl_dir (l, path, "pids", "pids", err);
      if (dir == NULL)
        return -1;
      if (r->pids_limit < 0 ? cg_write (dir, "pids.max", "max", err) < 0
                            : cg_writef (dir, "pids.max", err, "%" PRId64, r->pids_limit) < 0)
        return -1;
    }
  if (r->has_blkio && v1_blkio (l, path, &r->blkio, err) < 0)
    return -1;
  if (r->n_hugepage_limits > 0 && v1_hugetlb (l, path, r, err) < 0)
    return -1;
  if (r->has_network && v1_network (l, path, r, err) < 0)
    return -1;
  if (r->n_rdma > 0)
    {
      cleanup_free char *dir = ctl_dir (l, path, "rdma", "rdma", err);
      if (dir == NULL || cg_rdma_apply (dir, r, err) < 0)
        return -1;
    }
  return 0;
}

/* devices.allow/deny take one rule per write (each file is opened once for all of them). A rule of
 * type 'a' with a device number or a partial access is two rules (c and b): the kernel reads any
 * "a" as "everything". */
static int
v1_devices (const struct cg_layout *l, const char *path, const struct cg_dev_rule *rules, size_t n,
            struct carrel_error *err)
{
  cleanup_free char *dir = ctl_dir (l, path, "devices", "devices", err);
  cleanup_fd int allow = -1, deny = -1;
  if (dir == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      struct cg_dev_rule r = rules[i];
      const char *file = r.allow ? "devices.allow" : "devices.deny";
      int *fd = r.allow ? &allow : &deny;
      char buf[96];
      if (*fd < 0)
        {
          cleanup_free char *p = xasprintf ("%s/%s", dir, file);
          if ((*fd = open (p, O_WRONLY | O_CLOEXEC)) < 0)
            return carrel_fail (err, errno, RES "devices[%zu]: open %s", i, p);
        }
      for (int pass = 0; pass < 2; pass++)
        {
          if (pass == 0 && !(r.type == 'a' && (r.major >= 0 || r.minor >= 0 || r.access != CG_DEV_ALL)))
            continue;
          if (pass == 0)
            r.type = 'c';
          cg_dev_rule_string (&r, buf, sizeof buf);
          if (write (*fd, buf, strlen (buf)) < 0)
            return carrel_fail (err, errno, RES "devices[%zu]: write \"%s\" to %s/%s", i, buf, dir, file);
          if (pass == 0)
            r.type = 'b';
        }
    }
  return 0;
}

static char *
freezer_dir (const struct cg_layout *l, const char *path, struct carrel_error *err)
{
  const char *m = cg_v1_mount (l, "freezer");
  if (m == NULL)
    {
      carrel_fail (err, ENOTSUP, "the freezer cgroup controller is not mounted on this host");
      return NULL;
    }
  return dir_of (m, path);
}

static void
nap (long us)
{
  struct timespec ts = { 0, us * 1000 };
  nanosleep (&ts, NULL);
}

static int
v1_freeze (const struct cg_layout *l, const char *path, bool frozen, struct carrel_error *err)
{
  cleanup_free char *dir = freezer_dir (l, path, err);
  long long deadline = now_ms () + CG_FREEZE_WAIT_MS;
  if (dir == NULL)
    return -1;
  if (!frozen)
    return cg_write (dir, "freezer.state", "THAWED", err);
  for (int i = 0;; i++)
    {
      /* Rewriting FROZEN retries the tasks that were busy (in a vfork, in the kernel). */
      if (i % 50 == 0 && cg_write (dir, "freezer.state", "FROZEN", err) < 0)
        break;
      cleanup_free char *state = cg_read (dir, "freezer.state");
      if (state && strcmp (state, "FROZEN") == 0)
        return 0;
      if (now_ms () > deadline)
        {
          carrel_fail (err, ETIMEDOUT, "freeze cgroup %s: still %s after %d ms", dir, state ? state : "?",
                       CG_FREEZE_WAIT_MS);
          break;
        }
      nap (i < 100 ? 100 : 2000);
    }
  /* Never leave a container half frozen. */
  struct carrel_error ignored;
  cg_write (dir, "freezer.state", "THAWED", &ignored);
  return -1;
}

static int
v1_is_frozen (const struct cg_layout *l, const char *path, bool *frozen, struct carrel_error *err)
{
  cleanup_free char *dir = freezer_dir (l, path, err);
  if (dir == NULL)
    return -1;
  cleanup_free char *state = cg_read (dir, "freezer.state");
  if (state == NULL)
    return carrel_fail (err, errno, "read %s/freezer.state", dir);
  *frozen = strcmp (state, "FROZEN") == 0;
  return 0;
}

static char *
v1_procs_dir (const struct cg_layout *l, const char *path)
{
  static const char *const prefer[] = { "freezer", "pids", "memory", "cpu", "devices" };
  for (size_t i = 0; i < ARRAY_SIZE (prefer); i++)
    if (cg_v1_mount (l, prefer[i]))
      return dir_of (cg_v1_mount (l, prefer[i]), path);
  return dir_of (l->n_v1 ? l->v1[0].mount : l->unified, path);
}

/* SIGKILL under the freezer so no process forks past us (as runc does); the kill lands on thaw. */
static int
v1_kill (const struct cg_layout *l, const char *path, int sig, struct carrel_error *err)
{
  cleanup_free char *dir = v1_procs_dir (l, path);
  bool frozen = false;
  struct carrel_error ignored;
  int r;
  if (access (dir, F_OK) < 0)
    return carrel_fail (err, errno, "cgroup %s", dir);
  if (sig == SIGKILL && cg_v1_mount (l, "freezer"))
    {
      /* An empty cgroup (the usual delete after the init ended) needs no freeze: only its own
       * members could fork into it. */
      pid_t *pids = NULL;
      size_t n = 0;
      bool empty = cg_read_pids (dir, &pids, &n, &ignored) == 0 && n == 0;
      free (pids);
      if (empty)
        return 0;
      frozen = v1_freeze (l, path, true, &ignored) == 0;
    }
  if (frozen)
    {
      /* Send while frozen, then thaw: the kills land and nothing forked in between. */
      pid_t *pids = NULL;
      size_t n = 0;
      if (cg_read_pids (dir, &pids, &n, &ignored) == 0)
        for (size_t i = 0; i < n; i++)
          kill (pids[i], SIGKILL);
      free (pids);
      v1_freeze (l, path, false, &ignored);
    }
  r = cg_signal_procs (dir, sig, err);
  return r;
}

static int
v1_oom_fd (const struct cg_layout *l, const char *path, int *fd, struct carrel_error *err)
{
  cleanup_free char *dir = ctl_dir (l, path, "memory", "memory", err);
  if (dir == NULL)
    return -1;
  cleanup_free char *ctl = xasprintf ("%s/memory.oom_control", dir);
  cleanup_fd int efd = eventfd (0, EFD_CLOEXEC);
  cleanup_fd int ofd = open (ctl, O_RDONLY | O_CLOEXEC);
  if (efd < 0 || ofd < 0)
    return carrel_fail (err, errno, "OOM notification: open %s", ctl);
  if (cg_writef (dir, "cgroup.event_control", err, "%d %d", efd, ofd) < 0)
    return -1;
  *fd = take_fd (&efd);
  return 0;
}

static long long
v1_oom_count (const struct cg_layout *l, const char *path)
{
  const char *m = cg_v1_mount (l, "memory");
  if (m == NULL)
    return -1;
  cleanup_free char *dir = dir_of (m, path);
  return cg_read_key (dir, "memory.oom_control", "oom_kill");
}

int cg_v1_stats (const struct cg_layout *l, const char *path, void *data, struct carrel_error *err);

const struct cg_ops cg_v1_ops = {
  .name = "v1",
  .create = v1_create,
  .remove = v1_remove,
  .apply = v1_apply,
  .devices = v1_devices,
  .enter = v1_enter,
  .freeze = v1_freeze,
  .is_frozen = v1_is_frozen,
  .kill = v1_kill,
  .procs_dir = v1_procs_dir,
  .stats = cg_v1_stats,
  .oom_fd = v1_oom_fd,
  .oom_count = v1_oom_count,
};
