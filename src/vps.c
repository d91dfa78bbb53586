/* VPS lifecycle: create, start, stop, destroy, list, stats (see include/carrel/vps.h, docs/vps.md).
 * The VPS's container is "vps-<name>" under the state root; everything persistent is in
 * <data>/vps/<name>/. Every command that changes a VPS holds its lock (<dir>/.lock). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "carrel/container.h"
#include "cgroup.h"
#include "state.h"
#include "supervisor_console.h"
#include "util.h"
#include "vps.h"

#define RESTART_DELAY_MIN_MS 1000
#define RESTART_DELAY_MAX_MS 60000
#define RESTART_STABLE_MS 60000 /* a run this long resets the backoff */

const char *
carrel_vps_container_id (const char *name, char *buf, size_t len)
{
  snprintf (buf, len, "vps-%s", name);
  return buf;
}

static void
sleep_ms (unsigned ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* The network must exist at create (its addresses are taken at each start). */
static int
check_network (const char *spec, struct carrel_error *err)
{
  cleanup_free char *name = xstrdup (spec);
  cleanup_free char *path = NULL;
  char *comma = strchr (name, ',');
  if (comma)
    {
      *comma = '\0';
      if (strncmp (comma + 1, "ip=", 3) != 0 || comma[4] == '\0')
        return carrel_fail (err, EINVAL, "--network %s: expected NET[,ip=ADDR]", spec);
    }
  path = xasprintf ("%s/networks/%s.json", carrel_data_dir (), name);
  if (name[0] == '\0' || access (path, F_OK) < 0)
    return carrel_fail (err, ENOENT, "--network: network %s does not exist (carrel network create)", name);
  return 0;
}

static void
record_from_config (struct vps_record *r, const struct carrel_vps_config *cfg, const struct vps_template *t)
{
  char when[64];
  memset (r, 0, sizeof *r);
  r->name = xstrdup (cfg->name);
  r->template_name = xstrdup (t->name);
  r->memory = cfg->memory ? cfg->memory : t->memory;
  r->disk = cfg->disk ? cfg->disk : t->disk;
  r->cpus = cfg->cpus > 0 ? cfg->cpus : t->cpus;
  r->pids = cfg->pids ? cfg->pids : t->pids;
  r->io_weight = cfg->io_weight;
  r->network = cfg->network ? xstrdup (cfg->network) : NULL;
  r->hostname = xstrdup (cfg->hostname ? cfg->hostname : cfg->name);
  r->restart = cfg->restart;
  r->autostart = cfg->autostart;
  r->stop_signal = t->stop_signal;
  r->stop_timeout_ms = t->stop_timeout_ms;
  now_rfc3339 (when, sizeof when);
  r->created = xstrdup (when);
}

static int
create_in (const char *dir, struct vps_record *r, const struct vps_template *t, const char *ssh_key,
           struct carrel_error *err)
{
  cleanup_free char *troot = NULL;
  cleanup_free char *image = xasprintf ("%s/%s", dir, VPS_DISK);
  cleanup_free char *rootfs = xasprintf ("%s/%s", dir, VPS_ROOTFS);
  cleanup_free char *config = xasprintf ("%s/%s", dir, VPS_CONFIG);
  int rc;
  if (vps_idrange_alloc (r->name, &r->id_base, err) < 0)
    return -1;
  if (vps_template_rootfs (t, &troot, err) < 0)
    return -1;
  if (vps_disk_create (image, r->disk, troot, err) < 0)
    return -1;
  if (mkdir (rootfs, 0755) < 0)
    return carrel_fail (err, errno, "mkdir %s", rootfs);
  /* Unmapped: the image keeps ids 0..65535; the mount at start shifts them. */
  if (vps_disk_mount (image, rootfs, VPS_NO_IDMAP, err) < 0)
    return -1;
  rc = vps_template_install (t, r, rootfs, ssh_key, err);
  if (vps_disk_umount (rootfs, rc < 0 ? &(struct carrel_error){ 0 } : err) < 0)
    rc = -1;
  if (rc < 0)
    return -1;
  if (vps_spec_write (r, t, config, err) < 0 || vps_spec_probe_limits (r->name, config, err) < 0)
    return -1;
  return vps_record_save (r, err);
}

int
carrel_vps_create (const char *root, const struct carrel_vps_config *cfg, struct carrel_error *err)
{
  struct vps_template t;
  struct vps_record r = { 0 };
  cleanup_free char *base = vps_base_dir ();
  cleanup_free char *dir = NULL;
  cleanup_fd int lock = -1;
  int rc = -1;
  (void)root;
  if (vps_name_validate (cfg->name, err) < 0)
    return -1;
  if (cfg->hostname && (strlen (cfg->hostname) == 0 || strlen (cfg->hostname) > 64))
    return carrel_fail (err, EINVAL, "--hostname \"%s\": 1 to 64 characters", cfg->hostname);
  if (cfg->network && check_network (cfg->network, err) < 0)
    return -1;
  if (cfg->ssh_key && access (cfg->ssh_key, R_OK) < 0)
    return carrel_fail (err, errno, "--ssh-key %s", cfg->ssh_key);
  if (vps_template_load (cfg->template_name, &t, err) < 0)
    return -1;
  record_from_config (&r, cfg, &t);
  if (r.disk < (8 << 20))
    {
      carrel_fail (err, EINVAL, "--disk: at least 8M");
      goto out_free;
    }
  if (mkdir_p (base, 0711, err) < 0)
    goto out_free;
  dir = vps_dir (cfg->name);
  /* 0711: the VPS's root (an unprivileged id on the host) must reach rootfs/ through it. */
  if (mkdir (dir, 0711) < 0)
    {
      if (errno == EEXIST)
        carrel_fail (err, EEXIST, "VPS %s already exists", cfg->name);
      else
        carrel_fail (err, errno, "mkdir %s", dir);
      goto out_free;
    }
  if (vps_lock (cfg->name, &lock, err) < 0 || create_in (dir, &r, &t, cfg->ssh_key, err) < 0)
    {
      struct carrel_error ignored;
      cleanup_free char *rootfs = xasprintf ("%s/%s", dir, VPS_ROOTFS);
      vps_disk_umount (rootfs, &ignored);
      if (r.id_base)
        vps_idrange_release (cfg->name, &ignored);
      if (!vps_disk_mounted (rootfs))
        vps_remove_tree (dir, &ignored);
      carrel_wrap (err, "vps create %s", cfg->name);
      goto out_free;
    }
  rc = 0;
out_free:
  vps_record_free (&r);
  vps_template_free (&t);
  return rc;
}

static char *
self_exe (void)
{
  char buf[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return xstrdup ("/proc/self/exe");
  buf[n] = '\0';
  /* An upgraded binary (replaced, so this one shows " (deleted)"): restart with the new one. */
  if (n > 10 && strcmp (buf + n - 10, " (deleted)") == 0)
    buf[n - 10] = '\0';
  return xstrdup (buf);
}

unsigned
vps_restart_delay_ms (unsigned restarts)
{
  return restarts >= 6 ? RESTART_DELAY_MAX_MS : RESTART_DELAY_MIN_MS << restarts;
}

char **
vps_restart_argv (const char *root, const char *name, unsigned delay_ms)
{
  cleanup_free char *abs_root = realpath (root, NULL);
  cleanup_free char *abs_data = realpath (carrel_data_dir (), NULL);
  cleanup_free char *log = vps_path (name, VPS_LOG);
  cleanup_free char *delay = xasprintf ("%u", delay_ms);
  const char *const args[] = { "--root",      abs_root ? abs_root : root,
                               "--data-dir",  abs_data ? abs_data : carrel_data_dir (),
                               "--log",       log,
                               "vps",         "start",
                               "--restarted", "--delay-ms",
                               delay,         name };
  char **v = xcalloc (ARRAY_SIZE (args) + 2, sizeof (char *));
  v[0] = self_exe ();
  for (size_t i = 0; i < ARRAY_SIZE (args); i++)
    v[i + 1] = xstrdup (args[i]);
  return v;
}

/* The VPS's root, an unprivileged id on the host, must pass through <data> and <data>/vps to reach
 * rootfs/ (its bind mount is made with its own credentials): search permission for others on
 * carrel's own directories (the networks store makes <data> 0700). */
static int
make_traversable (struct carrel_error *err)
{
  cleanup_free char *base = vps_base_dir ();
  const char *dirs[] = { carrel_data_dir (), base };
  for (size_t i = 0; i < ARRAY_SIZE (dirs); i++)
    {
      struct stat st;
      if (stat (dirs[i], &st) < 0)
        return carrel_fail (err, errno, "%s", dirs[i]);
      if (!(st.st_mode & S_IXOTH) && chmod (dirs[i], (st.st_mode & 07777) | S_IXOTH | S_IXGRP) < 0)
        return carrel_fail (err, errno, "chmod o+x %s", dirs[i]);
    }
  return 0;
}

static int
start_locked (const char *root, struct vps_record *r, bool restarted, struct carrel_error *err)
{
  char cid[64];
  struct carrel_state st;
  struct carrel_error e2 = { 0 };
  cleanup_free char *dir = vps_dir (r->name);
  cleanup_free char *rootfs = xasprintf ("%s/%s", dir, VPS_ROOTFS);
  cleanup_free char *image = xasprintf ("%s/%s", dir, VPS_DISK);
  cleanup_free char *console_log = xasprintf ("%s/%s", dir, VPS_CONSOLE_LOG);
  cleanup_strv char **restart_argv = NULL;
  struct carrel_create_options o = { 0 };
  long long now = vps_now_ms ();
  int status = 0;

  carrel_vps_container_id (r->name, cid, sizeof cid);
  if (carrel_container_state (root, cid, &st, &e2) == 0)
    {
      bool live = st.status != CARREL_STATUS_STOPPED;
      int rc = 0;
      /* Its supervisor was killed (or carrel upgraded) while it ran: adopt it. */
      if (live && !restarted && st.status == CARREL_STATUS_RUNNING && !st.supervisor_alive)
        {
          rc = vps_watch_adopt (root, r->name, &st, err);
          live = rc != 0;
        }
      carrel_state_free (&st);
      if (live)
        return restarted || rc != 0 ? rc : carrel_fail (err, EBUSY, "VPS %s is already running", r->name);
      if (carrel_container_delete (root, cid, true, err) < 0)
        return -1;
    }
  if (make_traversable (err) < 0 || vps_disk_umount (rootfs, err) < 0)
    return -1;
  if (vps_disk_mount (image, rootfs, r->id_base, err) < 0)
    return -1;

  if (!restarted || now - r->last_start > RESTART_STABLE_MS)
    r->restarts = 0;
  else
    r->restarts++;
  restart_argv = vps_restart_argv (root, r->name, vps_restart_delay_ms (r->restarts));
  o.root = root;
  o.id = cid;
  o.bundle = dir;
  o.console_mode = CARREL_CONSOLE_SUPERVISOR;
  o.console_log = console_log;
  o.restart_policy = r->restart;
  o.restart_argv = restart_argv;
  /* The supervisor reaps the init, whoever runs us: the restart policy needs the status. */
  setenv ("CARREL_REAPER", "supervisor", 1);
  if (carrel_container_run (&o, true, &status, err) < 0)
    {
      struct carrel_error ignored;
      vps_disk_umount (rootfs, &ignored);
      return -1;
    }
  r->want_running = true;
  r->last_start = vps_now_ms ();
  r->console_protocol = SUP_CONSOLE_PROTOCOL;
  return vps_record_save (r, err);
}

int
carrel_vps_start (const char *root, const char *name, bool restarted, unsigned delay_ms,
                  struct carrel_error *err)
{
  struct vps_record r;
  cleanup_fd int lock = -1;
  int rc;
  if (vps_name_validate (name, err) < 0)
    return -1;
  if (restarted)
    {
      /* stop clears want_running before it ends the init: the exit it caused restarts nothing. */
      struct carrel_error ignored;
      bool wanted = vps_record_load (name, &r, &ignored) == 0 && r.want_running;
      vps_record_free (&r);
      if (!wanted)
        return 0;
      vps_pidfile_write (name, VPS_RESTARTER);
      sleep_ms (delay_ms);
    }
  if (vps_lock (name, &lock, err) < 0)
    return carrel_wrap (err, "vps start");
  if (vps_record_load (name, &r, err) < 0)
    return carrel_wrap (err, "vps start");
  if (restarted)
    {
      cleanup_free char *path = vps_path (name, VPS_RESTARTER);
      unlink (path);
    }
  if (restarted && !r.want_running)
    rc = 0; /* stopped meanwhile */
  else
    rc = start_locked (root, &r, restarted, err);
  if (rc < 0)
    carrel_wrap (err, "vps start %s", name);
  vps_record_free (&r);
  return rc;
}

static bool
wait_stopped (const char *root, const char *cid, unsigned timeout_ms)
{
  long long end = now_ms () + timeout_ms;
  for (;;)
    {
      struct carrel_state st;
      struct carrel_error e = { 0 };
      bool stopped = true;
      if (carrel_container_state (root, cid, &st, &e) == 0)
        {
          stopped = st.status == CARREL_STATUS_STOPPED;
          carrel_state_free (&st);
        }
      if (stopped)
        return true;
      if (now_ms () >= end)
        return false;
      sleep_ms (20);
    }
}

static int
stop_locked (const char *root, struct vps_record *r, unsigned timeout_ms, struct carrel_error *err)
{
  char cid[64];
  struct carrel_state st;
  struct carrel_error e = { 0 };
  cleanup_free char *rootfs = vps_path (r->name, VPS_ROOTFS);
  carrel_vps_container_id (r->name, cid, sizeof cid);
  if (r->want_running)
    {
      r->want_running = false;
      if (vps_record_save (r, err) < 0)
        return -1;
    }
  vps_pidfile_kill (r->name, VPS_RESTARTER);
  vps_pidfile_kill (r->name, VPS_WATCHER);
  if (carrel_container_state (root, cid, &st, &e) == 0)
    {
      bool live = st.status == CARREL_STATUS_RUNNING || st.status == CARREL_STATUS_CREATED;
      carrel_state_free (&st);
      if (live)
        {
          carrel_container_kill (root, cid, r->stop_signal, false, &e);
          if (!wait_stopped (root, cid, timeout_ms ? timeout_ms : r->stop_timeout_ms))
            {
              carrel_container_kill (root, cid, SIGKILL, true, &e);
              wait_stopped (root, cid, 5000);
            }
        }
      if (carrel_container_delete (root, cid, true, err) < 0)
        return -1;
    }
  return vps_disk_umount (rootfs, err);
}

int
carrel_vps_stop (const char *root, const char *name, unsigned timeout_ms, struct carrel_error *err)
{
  struct vps_record r;
  cleanup_fd int lock = -1;
  int rc;
  if (vps_name_validate (name, err) < 0 || vps_lock (name, &lock, err) < 0
      || vps_record_load (name, &r, err) < 0)
    return carrel_wrap (err, "vps stop");
  rc = stop_locked (root, &r, timeout_ms, err);
  if (rc < 0)
    carrel_wrap (err, "vps stop %s", name);
  vps_record_free (&r);
  return rc;
}

int
carrel_vps_destroy (const char *root, const char *name, struct carrel_error *err)
{
  struct vps_record r;
  cleanup_fd int lock = -1;
  cleanup_free char *dir = NULL;
  cleanup_free char *rootfs = NULL;
  int rc = -1;
  if (vps_name_validate (name, err) < 0 || vps_lock (name, &lock, err) < 0
      || vps_record_load (name, &r, err) < 0)
    return carrel_wrap (err, "vps destroy");
  dir = vps_dir (name);
  rootfs = vps_path (name, VPS_ROOTFS);
  if (stop_locked (root, &r, 0, err) < 0)
    goto out;
  if (vps_disk_mounted (rootfs))
    {
      carrel_fail (err, EBUSY, "%s is still mounted", rootfs);
      goto out;
    }
  if (vps_idrange_release (name, err) < 0 || vps_remove_tree (dir, err) < 0)
    goto out;
  rc = 0;
out:
  if (rc < 0)
    carrel_wrap (err, "vps destroy %s", name);
  vps_record_free (&r);
  return rc;
}

/* The VPS's IPv4 address: the static one, or what its network's allocator gave its container. */
static char *
vps_address (const struct vps_record *r, const char *cid)
{
  cleanup_free char *net = NULL;
  cleanup_free char *path = NULL;
  char *comma, *res = NULL;
  json_t *doc, *a;
  size_t i;
  if (r->network == NULL)
    return NULL;
  net = xstrdup (r->network);
  comma = strchr (net, ',');
  if (comma)
    {
      *comma = '\0';
      if (strncmp (comma + 1, "ip=", 3) == 0)
        return xstrdup (comma + 4);
    }
  path = xasprintf ("%s/networks/%s.json", carrel_data_dir (), net);
  doc = json_load_file (path, 0, NULL);
  json_array_foreach (json_object_get (doc, "allocations"), i,
                      a) if (json_is_string (json_object_get (a, "id"))
                             && strcmp (json_string_value (json_object_get (a, "id")), cid) == 0)
  {
    res = xstrdup (
        json_string_value (json_object_get (a, "ip")) ? json_string_value (json_object_get (a, "ip")) : "");
    break;
  }
  json_decref (doc);
  return res;
}

int
carrel_vps_info (const char *root, const char *name, struct carrel_vps_info *out, struct carrel_error *err)
{
  struct vps_record r;
  struct carrel_state st;
  struct carrel_error e = { 0 };
  char cid[64];
  memset (out, 0, sizeof *out);
  if (vps_name_validate (name, err) < 0 || vps_record_load (name, &r, err) < 0)
    return -1;
  carrel_vps_container_id (name, cid, sizeof cid);
  out->name = xstrdup (name);
  out->template_name = xstrdup (r.template_name);
  out->status = xstrdup ("stopped");
  if (carrel_container_state (root, cid, &st, &e) == 0)
    {
      free (out->status);
      out->status = xstrdup (carrel_status_name (st.status));
      if (st.status != CARREL_STATUS_STOPPED)
        {
          out->pid = st.pid;
          out->address = vps_address (&r, cid);
        }
      carrel_state_free (&st);
    }
  out->memory = r.memory;
  out->disk = r.disk;
  out->cpus = r.cpus;
  out->pids = r.pids;
  out->io_weight = r.io_weight;
  out->id_base = r.id_base;
  out->restart = r.restart;
  out->autostart = r.autostart;
  vps_record_free (&r);
  return 0;
}

void
carrel_vps_info_clear (struct carrel_vps_info *v)
{
  free (v->name);
  free (v->template_name);
  free (v->status);
  free (v->address);
  memset (v, 0, sizeof *v);
}

void
carrel_vps_list_free (struct carrel_vps_info *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    carrel_vps_info_clear (&v[i]);
  free (v);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Names of the VPS directories (those with a vps.json), sorted. */
static int
vps_names (char ***out, size_t *n, struct carrel_error *err)
{
  cleanup_free char *base = vps_base_dir ();
  DIR *d = opendir (base);
  struct dirent *de;
  char **v = NULL;
  size_t k = 0;
  *out = NULL;
  *n = 0;
  if (d == NULL)
    return errno == ENOENT ? 0 : carrel_fail (err, errno, "open %s", base);
  while ((de = readdir (d)))
    {
      struct carrel_error ignored;
      cleanup_free char *rec = NULL;
      if (de->d_name[0] == '.' || vps_name_validate (de->d_name, &ignored) < 0)
        continue;
      rec = xasprintf ("%s/%s/%s", base, de->d_name, VPS_RECORD);
      if (access (rec, F_OK) < 0)
        continue;
      v = xrealloc (v, (k + 2) * sizeof (char *));
      v[k++] = xstrdup (de->d_name);
      v[k] = NULL;
    }
  closedir (d);
  if (k)
    qsort (v, k, sizeof (char *), cmp_str);
  *out = v;
  *n = k;
  return 0;
}

int
carrel_vps_list (const char *root, struct carrel_vps_info **out, size_t *n, struct carrel_error *err)
{
  cleanup_strv char **names = NULL;
  size_t k, m = 0;
  struct carrel_vps_info *v;
  if (vps_names (&names, &k, err) < 0)
    return -1;
  v = xcalloc (k + 1, sizeof *v);
  for (size_t i = 0; i < k; i++)
    {
      struct carrel_error ignored;
      if (carrel_vps_info (root, names[i], &v[m], &ignored) == 0)
        m++;
    }
  *out = v;
  *n = m;
  return 0;
}

int
carrel_vps_autostart_names (char ***names, size_t *n, struct carrel_error *err)
{
  char **all = NULL;
  size_t k, m = 0;
  if (vps_names (&all, &k, err) < 0)
    return -1;
  for (size_t i = 0; i < k; i++)
    {
      struct vps_record r;
      struct carrel_error ignored;
      if (vps_record_load (all[i], &r, &ignored) == 0 && r.autostart)
        all[m++] = take_ptr (&all[i]);
      else
        free (take_ptr (&all[i]));
      vps_record_free (&r);
    }
  if (all)
    all[m] = NULL;
  *names = all;
  *n = m;
  return 0;
}

/* Bytes received and sent on every interface but lo of the init's network namespace. */
static void
net_bytes (pid_t pid, unsigned long long *rx, unsigned long long *tx)
{
  char path[64], line[512];
  cleanup_file FILE *f = NULL;
  snprintf (path, sizeof path, "/proc/%d/net/dev", pid);
  f = fopen (path, "re");
  while (f && fgets (line, sizeof line, f))
    {
      char *colon = strchr (line, ':');
      char ifname[32];
      unsigned long long v[9];
      if (colon == NULL || sscanf (line, " %31[^:]", ifname) != 1 || strcmp (ifname, "lo") == 0)
        continue;
      if (sscanf (colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                  &v[4], &v[5], &v[6], &v[7], &v[8])
          == 9)
        {
          *rx += v[0];
          *tx += v[8];
        }
    }
}

static json_int_t
io_bytes (json_t *blkio, const char *op)
{
  json_int_t sum = 0;
  size_t i;
  json_t *e;
  json_array_foreach (json_object_get (blkio, "ioServiceBytesRecursive"), i, e)
  {
    const char *o = json_string_value (json_object_get (e, "op"));
    if (o && strcasecmp (o, op) == 0)
      sum += json_integer_value (json_object_get (e, "value"));
  }
  return sum;
}

int
carrel_vps_stats_json (const char *root, const char *name, char **json, struct carrel_error *err)
{
  char cid[64];
  cleanup_free char *text = NULL;
  struct carrel_state st;
  unsigned long long rx = 0, tx = 0;
  json_t *doc, *data, *o;
  if (vps_name_validate (name, err) < 0)
    return -1;
  carrel_vps_container_id (name, cid, sizeof cid);
  if (carrel_container_state (root, cid, &st, err) < 0)
    return carrel_fail (err, ESRCH, "vps stats %s: the VPS is not running", name);
  if (st.status == CARREL_STATUS_STOPPED)
    {
      carrel_state_free (&st);
      return carrel_fail (err, ESRCH, "vps stats %s: the VPS is not running", name);
    }
  net_bytes (st.pid, &rx, &tx);
  carrel_state_free (&st);
  if (carrel_container_stats (root, cid, &text, err) < 0)
    return carrel_wrap (err, "vps stats %s", name);
  doc = json_loads (text, 0, NULL);
  data = json_object_get (doc, "data");
  o = json_pack ("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name", name, "cpu_ns",
                 json_integer_value (
                     json_object_get (json_object_get (json_object_get (data, "cpu"), "usage"), "total")),
                 "memory_bytes",
                 json_integer_value (
                     json_object_get (json_object_get (json_object_get (data, "memory"), "usage"), "usage")),
                 "memory_limit",
                 json_integer_value (
                     json_object_get (json_object_get (json_object_get (data, "memory"), "usage"), "limit")),
                 "pids", json_integer_value (json_object_get (json_object_get (data, "pids"), "current")),
                 "io_read_bytes", io_bytes (json_object_get (data, "blkio"), "read"), "io_write_bytes",
                 io_bytes (json_object_get (data, "blkio"), "write"), "net_rx_bytes", (json_int_t)rx,
                 "net_tx_bytes", (json_int_t)tx);
  *json = json_dumps (o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref (o);
  json_decref (doc);
  return 0;
}
