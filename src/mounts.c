/* config.json mounts, resolved inside the rootfs so that symlinks and ".." cannot leave it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "idmap_mount.h"
#include "fault.h"
#include "runtime.h"
#include "util.h"

static int
openat2_in_root (int rootfd, const char *path, int flags, struct carrel_error *err)
{
  struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd = syscall (SYS_openat2, rootfd, path, &how, sizeof how);
  if (fd < 0)
    return carrel_fail (err, errno, "open %s in the container", path);
  return fd;
}

int
root_open (int rootfd, const char *path, bool create, bool leaf_is_file, int *out, struct carrel_error *err)
{
  char buf[4096];
  char *p, *slash;
  cleanup_fd int parent = -1;
  size_t n = strlen (path);
  int fd;

  while (*path == '/')
    path++;
  if (*path == '\0')
    {
      fd = openat (rootfd, ".", O_PATH | O_CLOEXEC);
      if (fd < 0)
        return carrel_fail (err, errno, "open container root");
      *out = fd;
      return 0;
    }
  n = strlen (path);
  if (n >= sizeof buf)
    return carrel_fail (err, ENAMETOOLONG, "path %s", path);
  memcpy (buf, path, n + 1);
  while (n > 1 && buf[n - 1] == '/')
    buf[--n] = '\0';

  fd = openat2_in_root (rootfd, buf, O_PATH, err);
  if (fd >= 0)
    {
      *out = fd;
      return 0;
    }
  if (!create || err->errno_value != ENOENT)
    return -1;

  /* Walk down from the root, creating what is missing; each parent was resolved inside the root. */
  parent = openat (rootfd, ".", O_PATH | O_CLOEXEC);
  if (parent < 0)
    return carrel_fail (err, errno, "open container root");
  p = buf;
  for (;;)
    {
      bool last;
      int next;
      slash = strchr (p, '/');
      last = slash == NULL;
      if (slash)
        *slash = '\0';
      if (*p == '\0')
        goto advance;
      next = openat2_in_root (rootfd, buf, O_PATH, err);
      if (next < 0 && err->errno_value == ENOENT)
        {
          if (last && leaf_is_file)
            {
              cleanup_fd int dfd = openat (parent, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
              int f = dfd < 0 ? -1
                              : openat (dfd, p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
              if (f < 0 && errno != EEXIST)
                return carrel_fail (err, errno, "create mount point %s", buf);
              if (f >= 0)
                close (f);
            }
          else if (mkdirat (parent, p, 0755) < 0 && errno != EEXIST)
            return carrel_fail (err, errno, "create directory %s", buf);
          next = openat2_in_root (rootfd, buf, O_PATH, err);
        }
      if (next < 0)
        return -1;
      close (parent);
      parent = next;
    advance:
      if (last)
        break;
      *slash = '/';
      p = slash + 1;
    }
  *out = take_fd (&parent);
  return 0;
}

int
parse_mount_options (char *const *opts, size_t n, unsigned long *flags, unsigned long *propagation,
                     bool *bind, bool *recursive, char **data)
{
  size_t dlen = 0;
  *flags = 0;
  *propagation = 0;
  *bind = false;
  *recursive = false;
  *data = NULL;
  for (size_t i = 0; i < n; i++)
    {
      const struct carrel_mount_opt *o = carrel_mount_opt_by_name (opts[i]);
      if (o == NULL)
        {
          size_t l = strlen (opts[i]);
          *data = xrealloc (*data, dlen + l + 2);
          if (dlen)
            (*data)[dlen++] = ',';
          memcpy (*data + dlen, opts[i], l + 1);
          dlen += l;
          continue;
        }
      switch (o->kind)
        {
        case CARREL_MOPT_FLAG:
          *flags |= o->value;
          break;
        case CARREL_MOPT_CLEAR:
          *flags &= ~o->value;
          break;
        case CARREL_MOPT_PROPAGATION:
          *propagation |= o->value | (o->recursive ? MS_REC : 0);
          break;
        case CARREL_MOPT_BIND:
          *bind = true;
          *recursive = *recursive || o->recursive;
          break;
        default:
          /* mount_setattr attributes, idmap and carrel extensions are handled by the caller. */
          break;
        }
    }
  return 0;
}

/* Flags a bind remount must keep: in a user namespace they are locked and dropping them is EPERM. */
static unsigned long
locked_flags (const char *target)
{
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs (target, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  if (sv.f_flag & ST_NOATIME)
    f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME)
    f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME)
    f |= MS_RELATIME;
  return f;
}

int
bind_remount (const char *target, unsigned long flags, struct carrel_error *err)
{
  unsigned long keep = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY | MS_NOATIME | MS_NODIRATIME | MS_RELATIME
                       | MS_STRICTATIME;
  if (mount (NULL, target, NULL, MS_BIND | MS_REMOUNT | (flags & keep), NULL) == 0)
    return 0;
  if (errno == EPERM
      && mount (NULL, target, NULL, MS_BIND | MS_REMOUNT | (flags & keep) | locked_flags (target), NULL) == 0)
    return 0;
  return carrel_fail (err, errno, "remount %s", target);
}

const char *
fd_path (int fd, bool dir, char buf[FD_PATH_MAX])
{
  if (dir && fchdir (fd) == 0)
    return ".";
  snprintf (buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}

/* mount_cgroup_hierarchy's "the host has no directory for this hierarchy". */
#define CGROUP_NO_HOST_DIR 1

/* One cgroup v1 hierarchy (or the hybrid host's v2 one) at <name> in `dir_fd`, which is our cwd
 * (so <name> is its path).
 * `line` is its entry of /proc/self/cgroup ("4:pids:/carrel/c1", writable). On the host's
 * directories (on_host) nothing is made: CGROUP_NO_HOST_DIR when the directory is missing. */
static int
mount_cgroup_hierarchy (char *line, int dir_fd, bool on_host, const char *dest_label, unsigned long flags,
                        struct carrel_error *err)
{
  char *controllers = strchr (line, ':'), *own;
  const char *fstype = "cgroup", *opts, *name;
  int e;
  if (controllers == NULL || (own = strchr (++controllers, ':')) == NULL)
    return 0;
  *own++ = '\0';
  if (*controllers == '\0')
    {
      fstype = "cgroup2";
      name = "unified";
      opts = NULL;
    }
  else
    {
      name = strncmp (controllers, "name=", 5) == 0 ? controllers + 5 : controllers;
      opts = controllers;
    }
  if (!on_host && mkdirat (dir_fd, name, 0755) < 0 && errno != EEXIST)
    return carrel_fail (err, errno, "mkdir %s/%s", dest_label, name);
  flags |= MS_NOSUID | MS_NODEV | MS_NOEXEC;
  /* In the fault build these faults stand for the kernel's refusal and for a host without the
   * directory, so tests reach what follows. */
  if (fault_point ("init.cgroup-mount-refused", err) < 0)
    errno = EPERM;
  else if (on_host && fault_point ("init.cgroup-host-dir-missing", err) < 0)
    errno = ENOENT;
  else if (mount ("cgroup", name, fstype, flags, opts) == 0)
    return 0;
  e = errno;
  if (on_host && e == ENOENT)
    return CGROUP_NO_HOST_DIR;
  /* A user namespace that does not own our cgroup namespace may not mount v1 hierarchies: bind
   * the container's own cgroup from the host's hierarchy instead, as runc does, with the same
   * flags (ro). `own` was read before the cgroup namespace was made: relative to the host's
   * hierarchy root, which the host's mount shows. */
  if (e != EPERM && e != EACCES)
    return carrel_fail (err, e, "mount cgroup %s on %s/%s", opts ? opts : "v2", dest_label, name);
  {
    char source[4096];
    snprintf (source, sizeof source, "/sys/fs/cgroup/%s%s", name, own);
    if (mount (source, name, NULL, MS_BIND | MS_REC, NULL) < 0)
      return carrel_fail (err, e, "mount cgroup %s on %s/%s (and bind %s: %s)", opts ? opts : "v2",
                          dest_label, name, source, strerror (errno));
    if (bind_remount (name, flags, err) < 0)
      return carrel_wrap (err, "mount cgroup %s on %s/%s", opts ? opts : "v2", dest_label, name);
  }
  return 0;
}

/* Take back the bind of the host's /sys/fs/cgroup that is our cwd, with what was mounted on it
 * so far: the caller makes the tree on a tmpfs instead. */
static int
detach_host_dir (const char *dest_label, struct carrel_error *err)
{
  if (umount2 (".", MNT_DETACH) < 0)
    return carrel_fail (err, errno, "detach the host's cgroup directory from %s", dest_label);
  return CGROUP_NO_HOST_DIR;
}

/* Every hierarchy of `own_lines` (/proc/self/cgroup) on what is mounted at dest_label now: the
 * host's /sys/fs/cgroup (on_host, read-only first: its directories are the host's) or a new tmpfs
 * (read-only last, if the mount is). CGROUP_NO_HOST_DIR as mount_cgroup_hierarchy, with what was
 * mounted detached again. Leaves the cwd in the tree. */
static int
mount_cgroup_tree (const char *own_lines, int rootfd, bool on_host, const char *dest_label,
                   unsigned long flags, struct carrel_error *err)
{
  cleanup_fd int dir_fd = -1;
  cleanup_free char *lines = xstrdup (own_lines);
  char *line, *save = NULL;
  /* The caller's fd names the directory under the new mount: reach the mount itself. */
  if (root_open (rootfd, dest_label, false, false, &dir_fd, err) < 0)
    return -1;
  if (fchdir (dir_fd) < 0)
    return carrel_fail (err, errno, "chdir to %s", dest_label);
  /* Where the host's directory cannot be made read-only, it is not used. */
  if (on_host
      && (fault_point ("init.cgroup-host-dir-read-only", err) < 0
          || bind_remount (".", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0))
    return detach_host_dir (dest_label, err);
  for (line = strtok_r (lines, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      int r = mount_cgroup_hierarchy (line, dir_fd, on_host, dest_label, flags, err);
      if (r == CGROUP_NO_HOST_DIR)
        return detach_host_dir (dest_label, err);
      if (r < 0)
        return -1;
    }
  if (!on_host && (flags & MS_RDONLY))
    return bind_remount (".", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
  return 0;
}

static int
mount_cgroup (const struct init_config *cfg, int rootfd, const char *dest_label, int target_fd,
              unsigned long flags, struct carrel_error *err)
{
  char buf[FD_PATH_MAX];
  cleanup_free char *read_now = NULL;
  const char *lines = cfg->own_cgroups;
  if (lines == NULL)
    {
      if (read_file_at (AT_FDCWD, "/proc/self/cgroup", &read_now, NULL, err) < 0)
        return -1;
      lines = read_now;
    }
  /* Pure v2: one line "0::/path". */
  if (strncmp (lines, "0::", 3) == 0 && strchr (lines, '\n') == strrchr (lines, '\n'))
    {
      if (mount ("cgroup2", fd_path (target_fd, true, buf), "cgroup2", flags, NULL) < 0)
        return carrel_fail (err, errno, "mount cgroup2 on %s", dest_label);
      return 0;
    }
  /* The hierarchies go on the host's own directories for them (and its symlinks such as cpu ->
   * cpu,cpuacct come along): a bind of the host's /sys/fs/cgroup without what is mounted on it,
   * read-only. That costs 80 µs less a container than a new tmpfs with a directory each (made,
   * and torn down at exit). Not for a writable mount (the container could write into the host's
   * directory), nor where the bind is refused (a user namespace: hidden mounts below) or the host
   * keeps a hierarchy elsewhere. */
  if ((flags & MS_RDONLY)
      && mount ("/sys/fs/cgroup", fd_path (target_fd, true, buf), NULL, MS_BIND, NULL) == 0)
    {
      int r = mount_cgroup_tree (lines, rootfd, true, dest_label, flags, err);
      if (r != CGROUP_NO_HOST_DIR)
        return r;
    }
  if (mount ("tmpfs", fd_path (target_fd, true, buf), "tmpfs",
             (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755")
      < 0)
    return carrel_fail (err, errno, "mount tmpfs on %s", dest_label);
  return mount_cgroup_tree (lines, rootfd, false, dest_label, flags, err);
}

/* devpts refuses gid=N (EINVAL) when N is not mapped in the user namespace, as with a plain config
 * run by an unprivileged user: mount it without, as runc does. True when that worked. */
static bool
devpts_without_gid (const char *source, const char *target, const char *type, unsigned long flags, char *data)
{
  char *gid, *end;
  int saved = errno;
  if (saved != EINVAL || type == NULL || strcmp (type, "devpts") != 0 || data == NULL
      || (gid = strstr (data, "gid=")) == NULL || (gid != data && gid[-1] != ','))
    return false;
  end = strchr (gid, ',');
  if (end)
    memmove (gid, end + 1, strlen (end + 1) + 1);
  else
    *(gid == data ? gid : gid - 1) = '\0';
  if (mount (source, target, type, flags, data) == 0)
    return true;
  errno = saved;
  return false;
}

static int
mount_one (const struct init_config *cfg, int rootfd, const struct carrel_mount *m, struct carrel_error *err)

{
  unsigned long flags, propagation;
  bool bind, recursive;
  cleanup_free char *data = NULL;
  cleanup_free char *source = NULL;
  cleanup_fd int target_fd = -1;
  char buf[FD_PATH_MAX];
  const char *target;
  const char *type = m->type;
  bool leaf_is_file = false;

  parse_mount_options (m->options, m->n_options, &flags, &propagation, &bind, &recursive, &data);
  if (type && strcmp (type, "bind") == 0)
    bind = true;
  if (m->source && bind && m->source[0] != '/')
    source = xasprintf ("%s/%s", cfg->bundle, m->source);
  else
    source = xstrdup (m->source ? m->source : (type ? type : "none"));

  if (bind)
    {
      struct stat st;
      if (stat (source, &st) < 0)
        return carrel_fail (err, errno, "mount %s on %s: source", source, m->destination);
      leaf_is_file = !S_ISDIR (st.st_mode);
    }
  if (root_open (rootfd, m->destination, true, leaf_is_file, &target_fd, err) < 0)
    return carrel_wrap (err, "mount %s on %s", source, m->destination);

  if (bind)
    {
      if (idmap_mount_wanted (m))
        {
          if (idmap_mount_attach (cfg->spec, m, fd_path (target_fd, false, buf), err) < 0)
            return -1;
        }
      else if (mount (source, fd_path (target_fd, !leaf_is_file, buf), NULL,
                      MS_BIND | (recursive ? MS_REC : 0), NULL)
               < 0)
        return carrel_fail (err, errno, "bind mount %s on %s", source, m->destination);
      /* The new mount covers the old fd's dentry: reopen to reach it. */
      close (target_fd);
      target_fd = -1;
      if (root_open (rootfd, m->destination, false, false, &target_fd, err) < 0)
        return carrel_wrap (err, "mount %s on %s", source, m->destination);
      if ((flags & ~MS_REC) && bind_remount (fd_path (target_fd, !leaf_is_file, buf), flags, err) < 0)
        return carrel_wrap (err, "mount %s on %s", source, m->destination);
    }
  else if (type && strcmp (type, "cgroup") == 0)
    {
      if (mount_cgroup (cfg, rootfd, m->destination, target_fd, flags, err) < 0)
        return -1;
    }
  else
    {
      target = fd_path (target_fd, true, buf);
      if (mount (source, target, type, flags, data) < 0
          && !devpts_without_gid (source, target, type, flags, data))
        {
          int e = errno;

          /* sysfs in a user namespace without its own network namespace: bind the host's instead. */
          if ((e == EPERM || e == EBUSY) && type && strcmp (type, "sysfs") == 0
              && mount ("/sys", target, NULL, MS_BIND | MS_REC, NULL) == 0)
            {
              close (target_fd);
              target_fd = -1;
              if (root_open (rootfd, m->destination, false, false, &target_fd, err) < 0)
                return -1;
              return bind_remount (fd_path (target_fd, true, buf), flags | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                   err);
            }
          return carrel_fail (err, e, "mount %s on %s", type ? type : source, m->destination);
        }
    }
  if (propagation)
    {
      close (target_fd);
      target_fd = -1;
      if (root_open (rootfd, m->destination, false, false, &target_fd, err) < 0)
        return -1;
      if (mount (NULL, fd_path (target_fd, !leaf_is_file, buf), NULL, propagation, NULL) < 0)
        return carrel_fail (err, errno, "set propagation of %s", m->destination);
    }
  return 0;
}

/* Filesystems whose mount opens no device and reads no cgroup: the leading run of them in the
 * config is mounted before the init is in its cgroup (init.c), so that this work overlaps with
 * the CLI's making of the cgroup. A block device or a bind is mounted in the cgroup, whose
 * devices rules apply to it, as before. */
static const char *const cgroup_free_types[] = { "proc", "tmpfs", "devpts", "mqueue", "sysfs" };

size_t
mounts_before_cgroup (const struct carrel_spec *spec)
{
  size_t n = 0;
  for (; n < spec->n_mounts; n++)
    {
      const struct carrel_mount *m = &spec->mounts[n];
      unsigned long flags, propagation;
      bool free_type = false, bind, recursive;
      cleanup_free char *data = NULL;
      for (size_t t = 0; m->type && t < ARRAY_SIZE (cgroup_free_types); t++)
        free_type = free_type || strcmp (m->type, cgroup_free_types[t]) == 0;
      if (!free_type)
        break;
      parse_mount_options (m->options, m->n_options, &flags, &propagation, &bind, &recursive, &data);
      if (bind || idmap_mount_wanted (m))
        break;
    }
  return n;
}

bool
mounts_have_type (const struct carrel_spec *spec, const char *type)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (spec->mounts[i].type && strcmp (spec->mounts[i].type, type) == 0)
      return true;
  return false;
}

size_t
mounts_first_sysfs (const struct carrel_spec *spec, size_t to)
{
  size_t i = 0;
  while (i < to && !(spec->mounts[i].type && strcmp (spec->mounts[i].type, "sysfs") == 0))
    i++;
  return i;
}

int
mounts_apply (const struct init_config *cfg, int rootfd, size_t from, size_t to, struct carrel_error *err)
{
  const struct carrel_spec *spec = cfg->spec;
  cleanup_fd int cwd = -1;
  if (from >= to || from >= spec->n_mounts)
    return 0;
  /* fd_path moves the cwd; what runs next (hooks) keeps the one it had. */
  cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (size_t i = from; i < to && i < spec->n_mounts; i++)
    if (mount_one (cfg, rootfd, &spec->mounts[i], err) < 0)
      return -1;
  if (cwd >= 0 && fchdir (cwd) < 0)
    return carrel_fail (err, errno, "mounts: return to the working directory");
  return 0;
}
