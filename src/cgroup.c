/* Cgroups: the host's layout (detected once), the container's path, and the dispatch to the v1 or
 * v2 backend's table of operations. Hybrid hosts (v1 controllers beside a cgroup2 mount) use v1
 * for the controllers; the cgroup2 mount is joined too and serves the controllers only it has. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "util.h"

struct cgroup
{
  char *path;  /* relative to the hierarchy roots: "/carrel/c1" */
  bool owned;  /* carrel made the leaf: removed at delete */
  int created; /* components carrel made (leaf included): undone by a failed create */

  const struct cg_layout *layout;
  const struct cg_ops *ops;
};

/* ------------------------------------------------------------------------------------------ */
/* Layout */

static struct cg_layout layout;
static bool layout_done;

/* Unescape the octal escapes of /proc/self/mountinfo (\040 for a space). */
static void
unescape (char *s)
{
  char *d = s;
  for (; *s; s++)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3])
        {
          *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 3;
        }
      else
        *d++ = *s;
    }
  *d = '\0';
}

/* The controllers a v1 mount carries, from its super options ("rw,memory" -> "memory"). */
static char *
v1_controllers (const char *super_opts)
{
  static const char *const not_controllers[]
      = { "rw",    "ro",       "relatime",       "noatime",     "nosuid", "nodev", "noexec", "clone_children",
          "xattr", "noprefix", "cpuset_v2_mode", "favordynmods" };
  char *copy = xstrdup (super_opts), *save = NULL, *out = xcalloc (1, strlen (super_opts) + 1);
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      bool skip = strncmp (t, "release_agent=", 14) == 0;
      for (size_t i = 0; i < ARRAY_SIZE (not_controllers) && !skip; i++)
        skip = strcmp (t, not_controllers[i]) == 0;
      if (skip)
        continue;
      if (*out)
        strcat (out, ",");
      strcat (out, t);
    }
  free (copy);
  return out;
}

static int
layout_detect (struct cg_layout *l, struct carrel_error *err)
{
  cleanup_file FILE *f = fopen ("/proc/self/mountinfo", "re");
  char *line = NULL;
  size_t cap = 0;
  bool has_v1_controller = false;
  if (f == NULL)
    return carrel_fail (err, errno, "cgroups: open /proc/self/mountinfo");
  /* One read(2) for the whole table rather than one per KiB. */
  setvbuf (f, NULL, _IOFBF, 1 << 16);
  while (getline (&line, &cap, f) > 0)
    {
      /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
      char *fields[6] = { 0 }, *save = NULL, *dash = strstr (line, " - ");
      int n = 0;
      if (dash == NULL)
        continue;
      *dash = '\0';
      for (char *t = strtok_r (line, " ", &save); t && n < 6; t = strtok_r (NULL, " ", &save))
        fields[n++] = t;
      char *fstype = strtok_r (dash + 3, " ", &save), *source = strtok_r (NULL, " ", &save);
      char *super = strtok_r (NULL, " \n", &save);
      (void)source;
      if (n < 5 || fstype == NULL || strcmp (fields[3], "/") != 0)
        continue; /* a bind mount of a sub-cgroup is not a hierarchy root */
      unescape (fields[4]);
      if (strcmp (fstype, "cgroup2") == 0 && l->unified == NULL)
        l->unified = xstrdup (fields[4]);
      else if (strcmp (fstype, "cgroup") == 0 && super && l->n_v1 < CG_MAX_HIERARCHIES)
        {
          char *ctl = v1_controllers (super);
          bool dup = false;
          for (size_t i = 0; i < l->n_v1 && !dup; i++)
            dup = strcmp (l->v1[i].controllers, ctl) == 0;
          if (dup || *ctl == '\0')
            {
              free (ctl);
              continue;
            }
          if (strncmp (ctl, "name=", 5) != 0)
            has_v1_controller = true;
          l->v1[l->n_v1].mount = xstrdup (fields[4]);
          l->v1[l->n_v1++].controllers = ctl;
        }
    }
  free (line);
  if (has_v1_controller)
    l->mode = CG_MODE_V1;
  else if (l->unified)
    l->mode = CG_MODE_V2;
  else
    return carrel_fail (err, ENOENT, "cgroups: no cgroup hierarchy is mounted");
  return 0;
}

int
cg_layout_get (const struct cg_layout **out, struct carrel_error *err)
{
  if (!layout_done)
    {
      if (layout_detect (&layout, err) < 0)
        return -1;
      layout_done = true;
    }
  *out = &layout;
  return 0;
}

const char *
cg_v1_mount (const struct cg_layout *l, const char *name)
{
  size_t n = strlen (name);
  for (size_t i = 0; i < l->n_v1; i++)
    {
      const char *c = l->v1[i].controllers;
      while (c && *c)
        {
          if (strncmp (c, name, n) == 0 && (c[n] == ',' || c[n] == '\0'))
            return l->v1[i].mount;
          c = strchr (c, ',');
          if (c)
            c++;
        }
    }
  return NULL;
}

static const struct cg_ops *
ops_for (const struct cg_layout *l)
{
  return l->mode == CG_MODE_V2 ? &cg_v2_ops : &cg_v1_ops;
}

/* ------------------------------------------------------------------------------------------ */
/* Files */

static char *
join (const char *dir, const char *file)
{
  return xasprintf ("%s/%s", dir, file);
}

int
cg_write (const char *dir, const char *file, const char *value, struct carrel_error *err)
{
  cleanup_free char *p = join (dir, file);
  cleanup_fd int fd = open (p, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return carrel_fail (err, ENOENT, "cgroup file %s does not exist (controller not available here)", p);
      return carrel_fail (err, errno, "open %s", p);
    }
  /* One write: cgroup files take one value per write(2). */
  ssize_t n = write (fd, value, strlen (value));
  if (n < 0)
    return carrel_fail (err, errno, "write \"%s\" to %s", value, p);
  return 0;
}

int
cg_writef (const char *dir, const char *file, struct carrel_error *err, const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  return cg_write (dir, file, buf, err);
}

char *
cg_read (const char *dir, const char *file)
{
  cleanup_free char *p = join (dir, file);
  cleanup_fd int fd = open (p, O_RDONLY | O_CLOEXEC);
  size_t cap = 4096, len = 0;
  char *buf;
  if (fd < 0)
    return NULL;
  buf = xmalloc (cap);
  for (;;)
    {
      ssize_t n = read (fd, buf + len, cap - len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          free (buf);
          errno = e;
          return NULL;
        }
      if (n == 0)
        break;
      len += n;
      if (len + 1 >= cap)
        buf = xrealloc (buf, cap *= 2);
    }
  while (len > 0 && buf[len - 1] == '\n')
    len--;
  buf[len] = '\0';
  return buf;
}

bool
cg_file_exists (const char *dir, const char *file)
{
  cleanup_free char *p = join (dir, file);
  return access (p, F_OK) == 0;
}

long long
cg_read_key (const char *dir, const char *file, const char *key)
{
  cleanup_free char *text = cg_read (dir, file);
  size_t n = strlen (key);
  for (char *l = text; l && *l;)
    {
      if (strncmp (l, key, n) == 0 && l[n] == ' ')
        return strtoll (l + n + 1, NULL, 10);
      l = strchr (l, '\n');
      if (l)
        l++;
    }
  return -1;
}

long long
cg_read_ll (const char *dir, const char *file)
{
  cleanup_free char *text = cg_read (dir, file);
  if (text == NULL || *text == '\0')
    return -1;
  if (strcmp (text, "max") == 0)
    return -1;
  return strtoll (text, NULL, 10);
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* Children first: a container with a delegated cgroup may have made sub-cgroups. Usually it has
 * none: the rmdir alone, for reading a cgroup directory lists all its control files. */
static int
rmdir_tree (const char *dir, int depth)
{
  DIR *d;
  struct dirent *e;
  if (rmdir (dir) == 0)
    return 0;
  if (errno != EBUSY && errno != ENOTEMPTY)
    return -1;
  d = depth < 16 ? opendir (dir) : NULL;
  while (d && (e = readdir (d)))
    {
      if (e->d_type != DT_DIR || strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      cleanup_free char *sub = join (dir, e->d_name);
      rmdir_tree (sub, depth + 1);
    }
  if (d)
    closedir (d);
  return rmdir (dir);
}

int
cg_rmdir (const char *dir, struct carrel_error *err)
{
  long long deadline = now_ms () + 2000;
  for (int i = 0;; i++)
    {
      if (rmdir_tree (dir, 0) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY || now_ms () > deadline)
        return carrel_fail (err, errno, "remove cgroup %s", dir);
      /* The last process is gone but the cgroup is still dying: short waits, then longer. */
      sleep_ms (i < 10 ? 1 : 10);
    }
}

int
cg_mkdir_path (const char *mount, const char *path, int *made, cg_mkdir_step each, struct carrel_error *err)
{
  cleanup_free char *dir = xasprintf ("%s%s", mount, path);
  char *p = dir + strlen (mount);
  bool leaf_made = false;
  *made = 0;
  /* Usually the parents exist (carrel's own, or the engine's): the leaf alone, one mkdir instead
   * of one per level. Otherwise, or when the leaf is not right yet (an empty cpuset above), level
   * by level. */
  if (mkdir (dir, 0755) == 0)
    {
      cleanup_free char *parent = xstrdup (dir);
      *strrchr (parent, '/') = '\0';
      *made = 1;
      leaf_made = true;
      if (each == NULL || each (parent, dir, false, err) == 0)
        return 0;
    }
  else if (errno == EEXIST && each == NULL)
    return 0; /* joined: someone made it, and its parents */
  while (p && *p)
    {
      char *next = strchr (p + 1, '/');
      if (next)
        *next = '\0';
      bool made_now = mkdir (dir, 0755) == 0;
      if (made_now)
        ++*made;
      else if (errno != EEXIST)
        return carrel_fail (err, errno, "create cgroup %s", dir);
      else
        *made = 0; /* raced with another create: count only the trailing ones made here */
      if (each)
        {
          cleanup_free char *parent = xstrdup (dir);
          *strrchr (parent, '/') = '\0';
          if (each (parent, dir, made_now && next != NULL, err) < 0)
            return -1;
        }
      if (next)
        *next = '/';
      p = next;
    }
  if (leaf_made)
    *made = 1; /* the walk met it as existing */
  return 0;
}

int
cg_rmdir_path (const char *mount, const char *path, int parents, struct carrel_error *err)
{
  cleanup_free char *dir = xasprintf ("%s%s", mount, path);
  if (cg_rmdir (dir, err) < 0)
    return -1;
  for (int k = 0; k < parents; k++)
    {
      char *slash = strrchr (dir, '/');
      if (slash == NULL || slash <= dir + strlen (mount))
        break;
      *slash = '\0';
      if (rmdir (dir) < 0)
        break; /* another container uses it */
    }
  return 0;
}

static void
pids_add (pid_t **v, size_t *n, size_t *cap, pid_t p)
{
  for (size_t i = 0; i < *n; i++)
    if ((*v)[i] == p)
      return;
  if (*n == *cap)
    *v = xrealloc (*v, (*cap = *cap ? *cap * 2 : 64) * sizeof **v);
  (*v)[(*n)++] = p;
}

static void
read_pids_tree (const char *dir, int depth, pid_t **v, size_t *n, size_t *cap)
{
  cleanup_free char *text = cg_read (dir, "cgroup.procs");
  for (char *l = text; l && *l;)
    {
      pid_t p = (pid_t)strtol (l, &l, 10);
      if (p > 0)
        pids_add (v, n, cap, p);
      while (*l == '\n')
        l++;
    }
  DIR *d = depth < 16 ? opendir (dir) : NULL;
  struct dirent *e;
  while (d && (e = readdir (d)))
    {
      if (e->d_type != DT_DIR || strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      cleanup_free char *sub = join (dir, e->d_name);
      read_pids_tree (sub, depth + 1, v, n, cap);
    }
  if (d)
    closedir (d);
}

int
cg_read_pids (const char *dir, pid_t **pids, size_t *n, struct carrel_error *err)
{
  size_t cap = 0;
  if (access (dir, F_OK) < 0)
    return carrel_fail (err, errno, "cgroup %s", dir);
  *pids = NULL;
  *n = 0;
  read_pids_tree (dir, 0, pids, n, &cap);
  return 0;
}

int
cg_signal_procs (const char *dir, int sig, struct carrel_error *err)
{
  long long deadline = now_ms () + 5000;
  for (int round = 0;; round++)
    {
      pid_t *pids = NULL;
      size_t n = 0;
      if (cg_read_pids (dir, &pids, &n, err) < 0)
        return -1;
      for (size_t i = 0; i < n; i++)
        if (kill (pids[i], sig) < 0 && errno != ESRCH)
          {
            int e = errno;
            free (pids);
            return carrel_fail (err, e, "signal %d to pid %d of cgroup %s", sig, pids[i], dir);
          }
      free (pids);
      /* Other signals are delivered once; SIGKILL must leave the cgroup empty (forks race us). */
      if (sig != SIGKILL || n == 0)
        return 0;
      if (now_ms () > deadline)
        return carrel_fail (err, ETIMEDOUT, "processes of cgroup %s survive SIGKILL", dir);
      sleep_ms (round < 10 ? 1 : 10);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Paths */

/* Our own cgroup in the unified hierarchy ("0::/x/y"). */
static char *
own_v2_cgroup (void)
{
  cleanup_file FILE *f = fopen ("/proc/self/cgroup", "re");
  char line[4096];
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, "0::", 3) == 0)
      {
        line[strcspn (line, "\n")] = '\0';
        return xstrdup (line + 3);
      }
  return xstrdup ("/");
}

/* Normalize "/a//b/" to "/a/b"; reject "." and ".." components. */
static int
normalize (const char *in, char **out, struct carrel_error *err)
{
  char *buf = xcalloc (1, strlen (in) + 2), *copy = xstrdup (in), *save = NULL;
  for (char *t = strtok_r (copy, "/", &save); t; t = strtok_r (NULL, "/", &save))
    {
      if (strcmp (t, ".") == 0 || strcmp (t, "..") == 0)
        {
          free (buf);
          free (copy);
          return carrel_fail (err, EINVAL,
                              "config.json: linux.cgroupsPath \"%s\": \".\" and \"..\" are not allowed", in);
        }
      strcat (buf, "/");
      strcat (buf, t);
    }
  free (copy);
  *out = buf;
  return 0;
}

/* Absolute paths are taken from the hierarchy roots. A relative path is placed, on v2, beside
 * our own cgroup (its parent: ours has processes, so it cannot enable controllers for a child),
 * as runc does; on v1 our cgroup differs per hierarchy, so it is taken from the roots. */
static int
resolve_path (const struct cg_layout *l, const char *cgroups_path, const char *id, char **out,
              struct carrel_error *err)
{
  cleanup_free char *raw = NULL;
  if (cgroups_path == NULL || *cgroups_path == '\0')
    raw = xasprintf (CG_DEFAULT_PARENT "/%s", id);
  else if (strchr (cgroups_path, ':'))
    return carrel_fail (err, EINVAL,
                        "config.json: linux.cgroupsPath \"%s\": the systemd form (slice:prefix:name) is not "
                        "supported: carrel drives cgroupfs",
                        cgroups_path);
  else if (cgroups_path[0] == '/' || l->mode == CG_MODE_V1)
    raw = xasprintf ("/%s", cgroups_path);
  else
    {
      cleanup_free char *own = own_v2_cgroup ();
      char *slash = strrchr (own, '/');
      if (slash)
        *slash = '\0';
      raw = xasprintf ("%s/%s", own, cgroups_path);
    }
  if (normalize (raw, out, err) < 0)
    return -1;
  if (**out == '\0')
    {
      free (*out);
      return carrel_fail (err, EINVAL,
                          "config.json: linux.cgroupsPath \"%s\": the root cgroup cannot hold a container",
                          cgroups_path);
    }
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The container's cgroup */

static int
apply_all (const struct cg_layout *l, const struct cg_ops *ops, const char *path,
           const struct carrel_resources *res, const struct carrel_device *devs, size_t n_devs, bool update,
           struct carrel_error *err)
{
  if (res == NULL)
    return 0;
  if (ops->apply (l, path, res, update, err) < 0)
    return -1;
  if (res->n_devices > 0)
    {
      cleanup_free struct cg_dev_rule *rules = NULL;
      size_t n;
      cg_dev_rules_build (res, devs, n_devs, &rules, &n);
      if (ops->devices (l, path, rules, n, err) < 0)
        return -1;
    }
  return 0;
}

static bool
is_permission_error (int e)
{
  return e == EACCES || e == EPERM || e == EROFS;
}

int
cgroup_create (const struct carrel_spec *spec, const char *id, const char *path, bool rootless,
               struct cgroup **out, struct carrel_error *err)
{
  const struct cg_layout *l;
  const struct carrel_resources *res = spec->linux_.has_resources ? &spec->linux_.resources : NULL;
  struct cgroup *cg;
  *out = NULL;
  if (cg_layout_get (&l, err) < 0)
    return -1;
  cg = xcalloc (1, sizeof *cg);
  cg->layout = l;
  cg->ops = ops_for (l);
  if (path)
    cg->path = xstrdup (path);
  else if (resolve_path (l, spec->linux_.cgroups_path, id, &cg->path, err) < 0)
    {
      cgroup_free (cg);
      return -1;
    }
  if (cg->ops->create (l, cg->path, &cg->created, err) < 0)
    {
      int e = err->errno_value;
      /* Remove what was made before the failing step (another hierarchy, a parent). */
      if (cg->created > 0)
        {
          struct carrel_error ignored;
          cg->ops->remove (l, cg->path, cg->created - 1, &ignored);
        }
      cgroup_free (cg);
      if (rootless && is_permission_error (e))
        {
          char buf[CARREL_ERROR_MSG_MAX + 64];
          carrel_warn ("no cgroup for a rootless container (%s)", carrel_error_string (err, buf, sizeof buf));
          carrel_error_clear (err);
          return 0;
        }
      return -1;
    }
  cg->owned = cg->created > 0;
  if (apply_all (l, cg->ops, cg->path, res, spec->linux_.devices, spec->linux_.n_devices, false, err) < 0)

    {
      struct carrel_error ignored;
      cgroup_destroy (cg, &ignored);
      cgroup_free (cg);
      return -1;
    }
  *out = cg;
  return 0;
}

int
cgroup_enter (struct cgroup *cg, pid_t pid, struct carrel_error *err)
{
  if (cg->ops->enter (cg->layout, cg->path, pid, err) < 0)
    return carrel_wrap (err, "cgroup %s", cg->path);
  return 0;
}

/* The tasks file of each v1 hierarchy: for the container's cgroup (enter) and for the caller's own
 * (leave). A process that writes "0" to a v1 tasks file moves its only thread without taking the
 * global threadgroup lock, so it does not wait for the RCU grace period that the first
 * cgroup.procs write of a burst costs (about 7 ms here against 0.05 ms). The supervisor moves
 * itself in, clones the init there, and moves back; clone3 places the init on the cgroup2 side
 * of a hybrid host. */
int
cgroup_self_move_plan (const char *path, char ***enter, char ***leave, int *clone_fd,
                       struct carrel_error *err)
{
  const struct cg_layout *l;
  cleanup_file FILE *f = NULL;
  char line[4096];
  size_t n = 0;
  *enter = NULL;
  if (leave)
    *leave = NULL;
  *clone_fd = -1;
  if (cg_layout_get (&l, err) < 0)
    return -1;
  if (l->unified)
    {
      /* v2, and a hybrid host's cgroup2 side (hugetlb here): clone3 can start the init there. */
      cleanup_free char *dir = xasprintf ("%s%s", l->unified, path);
      *clone_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  /* A hybrid host's cgroup2 side is joined by clone3: without it, no fast path. */
  if (l->mode != CG_MODE_V1 || l->n_v1 == 0 || (l->unified && *clone_fd < 0))
    return 0;
  f = fopen ("/proc/self/cgroup", "re");
  if (f == NULL)
    return carrel_fail (err, errno, "open /proc/self/cgroup");
  *enter = xcalloc (l->n_v1 + 1, sizeof (char *));
  if (leave)
    *leave = xcalloc (l->n_v1 + 1, sizeof (char *));
  while (fgets (line, sizeof line, f))
    {
      char *ctl = strchr (line, ':'), *own;
      if (ctl == NULL || (own = strchr (++ctl, ':')) == NULL)
        continue;
      *own++ = '\0';
      own[strcspn (own, "\n")] = '\0';
      for (size_t i = 0; i < l->n_v1; i++)
        if (strcmp (l->v1[i].controllers, ctl) == 0 && n < l->n_v1)
          {
            (*enter)[n] = xasprintf ("%s%s/tasks", l->v1[i].mount, path);
            if (leave)
              (*leave)[n] = xasprintf ("%s%s/tasks", l->v1[i].mount, strcmp (own, "/") == 0 ? "" : own);
            n++;
          }
    }
  if (n != l->n_v1)
    {
      /* Some hierarchy is not in our /proc/self/cgroup: take the ordinary path. */
      free_strv (*enter);
      *enter = NULL;
      if (leave)
        {
          free_strv (*leave);
          *leave = NULL;
        }
    }
  return 0;
}

/* An early join (create.c): the init is cloned before the CLI has made its cgroup and, once
 * told, steps into each v1 hierarchy itself by writing "0" to the tasks file (no global lock: see
 * above). A hybrid host's cgroup2 side cannot be joined that cheaply, so its directory is made
 * now and clone3 starts the init in it; nothing is made where this does not apply (no v1
 * hierarchy: on v2 clone3 does it all). The CLI opens the tasks files for the init
 * (cgroup_open_tasks). *unified_made counts the directories made here. */
int
cgroup_early_plan (const char *path, int *unified_fd, int *unified_made, struct carrel_error *err)
{
  const struct cg_layout *l;
  *unified_fd = -1;
  *unified_made = 0;
  if (cg_layout_get (&l, err) < 0)
    return -1;
  if (l->mode != CG_MODE_V1 || l->n_v1 == 0)
    return 0;
  if (l->unified)
    {
      cleanup_free char *dir = xasprintf ("%s%s", l->unified, path);
      if (cg_mkdir_path (l->unified, path, unified_made, NULL, err) < 0)
        {
          cgroup_early_undo (path, *unified_made);
          *unified_made = 0;
          return -1;
        }
      *unified_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (*unified_fd < 0)
        {
          int e = errno;
          cgroup_early_undo (path, *unified_made);
          *unified_made = 0;
          return carrel_fail (err, e, "open cgroup %s", dir);
        }
    }
  return 0;
}

int
cgroup_open_tasks (const char *path, int *fds, size_t max, size_t *n, struct carrel_error *err)
{
  const struct cg_layout *l;
  *n = 0;
  if (cg_layout_get (&l, err) < 0)
    return -1;
  if (l->n_v1 > max)
    return carrel_fail (err, E2BIG, "%zu cgroup hierarchies", l->n_v1);
  for (size_t i = 0; i < l->n_v1; i++)
    {
      cleanup_free char *tasks = xasprintf ("%s%s/tasks", l->v1[i].mount, path);
      fds[*n] = open (tasks, O_WRONLY | O_CLOEXEC);
      if (fds[*n] < 0)
        {
          int e = errno;
          while (*n > 0)
            close (fds[--*n]);
          return carrel_fail (err, e, "open %s", tasks);
        }
      ++*n;
    }
  return 0;
}

bool
cgroup_early_wanted (void)
{
  const struct cg_layout *l;
  struct carrel_error ignored;
  return cg_layout_get (&l, &ignored) == 0 && l->mode == CG_MODE_V1 && l->n_v1 > 0;
}

void
cgroup_early_undo (const char *path, int unified_made)
{
  const struct cg_layout *l;
  struct carrel_error ignored;
  if (unified_made > 0 && cg_layout_get (&l, &ignored) == 0 && l->unified)
    cg_rmdir_path (l->unified, path, unified_made - 1, &ignored);
}

void
cgroup_count_made (struct cgroup *cg, int made)
{
  if (cg && made > cg->created)
    {
      cg->created = made;
      cg->owned = true;
    }
}

const char *
cgroup_path (const struct cgroup *cg)
{
  return cg ? cg->path : NULL;
}

bool
cgroup_owned (const struct cgroup *cg)
{
  return cg && cg->owned;
}

int
cgroup_destroy (struct cgroup *cg, struct carrel_error *err)
{
  if (cg == NULL || cg->created == 0)
    return 0;
  struct carrel_error ignored;
  cg->ops->kill (cg->layout, cg->path, SIGKILL, &ignored);
  return cg->ops->remove (cg->layout, cg->path, cg->created - 1, err);
}

void
cgroup_free (struct cgroup *cg)
{
  if (cg == NULL)
    return;
  free (cg->path);
  free (cg);
}

/* ------------------------------------------------------------------------------------------ */
/* Operations on a recorded path */

static int
ops_of_path (const char *path, const struct cg_layout **l, const struct cg_ops **ops,
             struct carrel_error *err)
{
  if (path == NULL || path[0] != '/')
    return carrel_fail (err, EINVAL, "the container has no cgroup");
  if (cg_layout_get (l, err) < 0)
    return -1;
  *ops = ops_for (*l);
  return 0;
}

int
cgroup_path_of_config (const struct carrel_spec *spec, const char *id, char **path, bool *carrels,
                       struct carrel_error *err)
{
  const struct cg_layout *l;
  const char *want = spec->linux_.cgroups_path;
  *path = NULL;
  if (cg_layout_get (&l, err) < 0)
    return -1;
  /* A relative v2 path hangs below the creating CLI's own cgroup, which we cannot know now. */
  if (want && *want && want[0] != '/' && l->mode == CG_MODE_V2)
    return carrel_fail (err, ENOENT, "linux.cgroupsPath \"%s\" is relative to the creator's cgroup", want);
  *carrels = want == NULL || *want == '\0';
  return resolve_path (l, want, id, path, err);
}

int
cgroup_remove_path (const char *path, bool owned, struct carrel_error *err)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  if (!owned)
    return 0; /* joined, not ours */
  if (ops_of_path (path, &l, &ops, err) < 0)
    return -1;
  return ops->remove (l, path, 0, err);
}

int
cgroup_enter_path (const char *path, pid_t pid, struct carrel_error *err)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  if (ops_of_path (path, &l, &ops, err) < 0 || ops->enter (l, path, pid, err) < 0)
    return carrel_wrap (err, "join the container's cgroup %s", path);
  return 0;
}

int
cgroup_signal_all (const char *path, int sig, struct carrel_error *err)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  if (ops_of_path (path, &l, &ops, err) < 0)
    return -1;
  return ops->kill (l, path, sig, err);
}

int
cgroup_freeze (const char *path, bool frozen, struct carrel_error *err)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  if (ops_of_path (path, &l, &ops, err) < 0)
    return -1;
  return ops->freeze (l, path, frozen, err);
}

int
cgroup_is_frozen (const char *path, bool *frozen, struct carrel_error *err)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  *frozen = false;
  if (ops_of_path (path, &l, &ops, err) < 0)
    return -1;
  return ops->is_frozen (l, path, frozen, err);
}

int
cgroup_update_devices (const char *path, const struct carrel_resources *res, const struct carrel_device *devs,
                       size_t n_devs, struct carrel_error *err)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  if (ops_of_path (path, &l, &ops, err) < 0)
    return -1;
  return apply_all (l, ops, path, res, devs, n_devs, true, err);
}

int
cgroup_update (const char *path, const struct carrel_resources *res, struct carrel_error *err)
{
  return cgroup_update_devices (path, res, NULL, 0, err);
}

int
cgroup_pids (const char *path, pid_t **pids, size_t *n, struct carrel_error *err)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  if (ops_of_path (path, &l, &ops, err) < 0)
    return -1;
  cleanup_free char *dir = ops->procs_dir (l, path);
  return cg_read_pids (dir, pids, n, err);
}

int
cgroup_oom_fd (const char *path, int *fd, struct carrel_error *err)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  if (ops_of_path (path, &l, &ops, err) < 0)
    return -1;
  return ops->oom_fd (l, path, fd, err);
}

long long
cgroup_oom_count (const char *path)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  struct carrel_error ignored;
  if (ops_of_path (path, &l, &ops, &ignored) < 0)
    return -1;
  return ops->oom_count (l, path);
}

bool
cgroup_exists (const char *path)
{
  const struct cg_layout *l;
  const struct cg_ops *ops;
  struct carrel_error ignored;
  if (ops_of_path (path, &l, &ops, &ignored) < 0)
    return false;
  cleanup_free char *dir = ops->procs_dir (l, path);
  return access (dir, F_OK) == 0;
}

int
cgroup_version (void)
{
  const struct cg_layout *l;
  struct carrel_error ignored;
  if (cg_layout_get (&l, &ignored) < 0)
    return 0;
  return l->mode == CG_MODE_V2 ? 2 : 1;
}
