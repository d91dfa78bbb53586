/* /dev inside the container: the standard nodes, the config's devices, and the usual links. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime.h"
#include "util.h"

struct std_dev
{
  const char *path;
  unsigned maj, min;
};

static const struct std_dev std_devs[] = {
  { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct
{
  const char *target, *link;
} std_links[] = {
  { "/proc/self/fd", "/dev/fd" },
  { "/proc/self/fd/0", "/dev/stdin" },
  { "/proc/self/fd/1", "/dev/stdout" },
  { "/proc/self/fd/2", "/dev/stderr" },
};

/* A directory of the container's root (created if missing), opened for *at calls. */
static int
open_dir_in_root (int rootfd, const char *dir, int *out, struct carrel_error *err)
{
  cleanup_fd int pfd = -1;
  char p[64];
  if (root_open (rootfd, dir, true, false, &pfd, err) < 0)
    return -1;
  snprintf (p, sizeof p, "/proc/self/fd/%d", pfd);
  *out = open (p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (*out < 0)
    return carrel_fail (err, errno, "open /%s in the container", dir);
  return 0;
}

/* In a user namespace mknod is not allowed: bind the host's node onto an empty file instead. */
static int
make_node (int rootfd, int devfd, const char *path, mode_t mode, dev_t dev, bool has_uid, uid_t uid,
           bool has_gid, gid_t gid, bool bind_host, struct carrel_error *err)
{
  const char *rel = path;
  cleanup_fd int own_dirfd = -1;
  int dirfd;
  cleanup_free char *parent = NULL;
  const char *base;
  while (*rel == '/')
    rel++;
  base = strrchr (rel, '/');
  parent = base ? strndup (rel, base - rel) : xstrdup ("");
  base = base ? base + 1 : rel;
  if (strcmp (parent, "dev") == 0)
    dirfd = devfd; /* most nodes: /dev, opened once */
  else
    {
      if (open_dir_in_root (rootfd, parent, &own_dirfd, err) < 0)
        return carrel_wrap (err, "device %s", path);
      dirfd = own_dirfd;
    }
  if (!bind_host)
    {
      int r = mknodat (dirfd, base, mode, dev);
      if (r < 0 && errno == EEXIST)
        {
          unlinkat (dirfd, base, 0);
          r = mknodat (dirfd, base, mode, dev);
        }
      /* carrel itself may run in a user namespace it did not make (rootless Podman): there only a
       * bind of the host's node works. */
      if (r < 0 && errno == EPERM && !S_ISFIFO (mode))
        bind_host = true;
      else if (r < 0)
        return carrel_fail (err, errno, "mknod %s", path);
    }
  if (!bind_host)
    {

      if (fchmodat (dirfd, base, mode & 07777, 0) < 0)
        return carrel_fail (err, errno, "chmod %s", path);
      if ((has_uid || has_gid)
          && fchownat (dirfd, base, has_uid ? uid : (uid_t)-1, has_gid ? gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW)
                 < 0)
        return carrel_fail (err, errno, "chown %s", path);
      return 0;
    }
  {
    int f = openat (dirfd, base, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    char target[64];
    cleanup_fd int tfd = -1;
    if (f < 0 && errno != EEXIST)
      return carrel_fail (err, errno, "create %s", path);
    if (f >= 0)
      close (f);
    tfd = openat (dirfd, base, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    if (tfd < 0)
      return carrel_fail (err, errno, "open %s", path);
    snprintf (target, sizeof target, "/proc/self/fd/%d", tfd);
    if (mount (path, target, NULL, MS_BIND, NULL) < 0)
      return carrel_fail (err, errno, "bind mount host %s", path);
  }
  return 0;
}

static bool
dev_is_bind_mounted (const struct carrel_spec *spec)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (strcmp (spec->mounts[i].destination, "/dev") == 0)
      {
        const struct carrel_mount *m = &spec->mounts[i];
        if (m->type && strcmp (m->type, "bind") == 0)
          return true;
        for (size_t j = 0; j < m->n_options; j++)
          if (strcmp (m->options[j], "bind") == 0 || strcmp (m->options[j], "rbind") == 0)
            return true;
      }
  return false;
}

static bool
devpts_mounted (const struct carrel_spec *spec)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (strcmp (spec->mounts[i].destination, "/dev/pts") == 0)
      return true;
  return false;
}

int
devices_setup (const struct init_config *cfg, int rootfd, struct carrel_error *err)
{
  const struct carrel_spec *spec = cfg->spec;
  bool userns = (cfg->new_ns_flags & CLONE_NEWUSER) || carrel_spec_namespace (spec, CLONE_NEWUSER);
  cleanup_fd int dfd = -1;

  if (dev_is_bind_mounted (spec))
    return 0;
  if (open_dir_in_root (rootfd, "dev", &dfd, err) < 0)
    return carrel_wrap (err, "set up /dev");
  for (size_t i = 0; i < ARRAY_SIZE (std_devs); i++)
    {
      bool in_config = false;
      for (size_t j = 0; j < spec->linux_.n_devices; j++)
        if (strcmp (spec->linux_.devices[j].path, std_devs[i].path) == 0)
          in_config = true;
      if (in_config)
        continue;
      if (make_node (rootfd, dfd, std_devs[i].path, S_IFCHR | 0666,
                     makedev (std_devs[i].maj, std_devs[i].min), false, 0, false, 0, userns, err)
          < 0)
        return -1;
    }
  for (size_t j = 0; j < spec->linux_.n_devices; j++)
    {
      const struct carrel_device *d = &spec->linux_.devices[j];
      mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
      mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
      if (make_node (rootfd, dfd, d->path, type | perm, makedev (d->major, d->minor), d->has_uid, d->uid,
                     d->has_gid, d->gid, userns && d->type != 'p', err)
          < 0)
        return carrel_wrap (err, "linux.devices[%zu]", j);
    }
  {
    for (size_t i = 0; i < ARRAY_SIZE (std_links); i++)
      if (symlinkat (std_links[i].target, dfd, std_links[i].link + 5) < 0 && errno != EEXIST)
        return carrel_fail (err, errno, "symlink %s", std_links[i].link);
    if (devpts_mounted (spec))
      {
        /* /dev/ptmx must be the container's devpts instance. */
        unlinkat (dfd, "ptmx", 0);
        if (symlinkat ("pts/ptmx", dfd, "ptmx") < 0 && errno != EEXIST)
          return carrel_fail (err, errno, "symlink /dev/ptmx");
      }
  }
  return 0;
}
