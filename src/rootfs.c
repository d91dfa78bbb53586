/* The container's root: propagation, the bind of the rootfs, pivot_root, and the final touches
 * (sysctl, masked and read-only paths, read-only root) made from inside. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "runtime.h"
#include "util.h"

int
rootfs_prepare (const struct init_config *cfg, struct carrel_error *err)
{
  const struct carrel_spec *spec = cfg->spec;
  unsigned long prop = spec->linux_.rootfs_propagation_flags;
  /* Nothing done here may reach the host: rslave (or rprivate when asked). A shared root can only
   * be made after pivot_root, which refuses shared mounts (see rootfs_finish). */
  if (mount (NULL, "/", NULL, (prop & MS_PRIVATE) ? (MS_PRIVATE | MS_REC) : (MS_SLAVE | MS_REC), NULL) < 0)
    return carrel_fail (err, errno, "set propagation of / in the container's mount namespace");
  if (mount (cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return carrel_fail (err, errno, "bind mount rootfs %s", cfg->rootfs);
  if (mount (NULL, cfg->rootfs, NULL, MS_PRIVATE, NULL) < 0)
    return carrel_fail (err, errno, "make rootfs %s private", cfg->rootfs);
  return 0;
}

int
rootfs_pivot (const struct init_config *cfg, struct carrel_error *err)
{
  cleanup_fd int oldroot = -1;
  cleanup_fd int newroot = -1;
  struct statfs sfs;
  bool no_pivot = cfg->no_pivot;

  if (chdir (cfg->rootfs) < 0)
    return carrel_fail (err, errno, "chdir to rootfs %s", cfg->rootfs);
  /* pivot_root cannot work when / is the initramfs (rootfs/ramfs): use MS_MOVE + chroot there. */
  if (!no_pivot && statfs ("/", &sfs) == 0 && (sfs.f_type == RAMFS_MAGIC))
    no_pivot = true;
  if (no_pivot)
    {
      if (mount (cfg->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return carrel_fail (err, errno, "move rootfs %s to /", cfg->rootfs);
      if (chroot (".") < 0)
        return carrel_fail (err, errno, "chroot to rootfs");
      if (chdir ("/") < 0)
        return carrel_fail (err, errno, "chdir /");
      return 0;
    }
  /* pivot_root(".", ".") stacks the old root under the new one; then we detach it. */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return carrel_fail (err, errno, "pivot_root to %s", cfg->rootfs);
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return carrel_fail (err, errno, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return carrel_fail (err, errno, "detach the old root");
  if (chdir ("/") < 0)
    return carrel_fail (err, errno, "chdir /");
  return 0;
}

static bool
sysctl_allowed (const char *key, int new_ns)
{
  static const char *const ipc_keys[]
      = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
          "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
  for (size_t i = 0; i < ARRAY_SIZE (ipc_keys); i++)
    if (strcmp (key, ipc_keys[i]) == 0)
      return new_ns & CLONE_NEWIPC;
  if (strncmp (key, "fs.mqueue.", 10) == 0)
    return new_ns & CLONE_NEWIPC;
  if (strncmp (key, "net.", 4) == 0)
    return new_ns & CLONE_NEWNET;
  if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
    return new_ns & CLONE_NEWUTS;
  return false;
}

static int
apply_sysctls (const struct init_config *cfg, struct carrel_error *err)
{
  const struct carrel_linux *l = &cfg->spec->linux_;
  int ns = cfg->new_ns_flags;
  for (size_t i = 0; i < cfg->spec->linux_.n_namespaces; i++)
    ns |= l->namespaces[i].clone_flag; /* joined namespaces are the container's own too */
  for (size_t i = 0; i < l->n_sysctl; i++)
    {
      char path[4096];
      const char *key = l->sysctl[i].key;
      char *p;
      if (strstr (key, "..") || strchr (key, '\n'))
        return carrel_fail (err, EINVAL, "sysctl \"%s\": invalid name", key);
      if (!sysctl_allowed (key, ns))
        return carrel_fail (err, EPERM, "sysctl \"%s\" is not namespaced in this container", key);
      snprintf (path, sizeof path, "/proc/sys/%s", key);
      for (p = path + 10; *p; p++)
        if (*p == '.')
          *p = '/';
      if (write_file_at (AT_FDCWD, path, l->sysctl[i].value, strlen (l->sysctl[i].value), err) < 0)
        return carrel_wrap (err, "sysctl %s", key);
    }
  return 0;
}

/* The /dev/null we bind over masked files must be the real one (CVE-2025-31133: a container
 * could have replaced it with a symlink or another file). */
static int
open_real_devnull (int *out, struct carrel_error *err)
{
  struct stat st;
  cleanup_fd int fd = open ("/dev/null", O_PATH | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return carrel_fail (err, errno, "open /dev/null for maskedPaths");
  if (fstat (fd, &st) < 0)
    return carrel_fail (err, errno, "stat /dev/null");
  if (!S_ISCHR (st.st_mode) || major (st.st_rdev) != 1 || minor (st.st_rdev) != 3)
    return carrel_fail (err, EPERM, "/dev/null in the container is not the null device");
  *out = take_fd (&fd);
  return 0;
}

static int
mask_paths (const struct init_config *cfg, int rootfd, struct carrel_error *err)
{
  const struct carrel_linux *l = &cfg->spec->linux_;
  cleanup_fd int devnull = -1, empty_dir = -1;
  char src[64], dst_buf[FD_PATH_MAX];
  const char *dst;
  for (size_t i = 0; i < l->n_masked_paths; i++)
    {
      cleanup_fd int fd = -1;
      struct stat st;
      if (root_open (rootfd, l->masked_paths[i], false, false, &fd, err) < 0)
        {
          if (err->errno_value == ENOENT)
            continue;
          return carrel_wrap (err, "maskedPaths");
        }
      if (fstat (fd, &st) < 0)
        return carrel_fail (err, errno, "stat masked path %s", l->masked_paths[i]);
      dst = fd_path (fd, S_ISDIR (st.st_mode), dst_buf);
      if (S_ISDIR (st.st_mode))
        {
          /* One empty read-only tmpfs for all directories: a bind of it costs less than a new
           * tmpfs (made here, and torn down at exit). */
          if (empty_dir >= 0)
            {
              snprintf (src, sizeof src, "/proc/self/fd/%d", empty_dir);
              if (mount (src, dst, NULL, MS_BIND, NULL) < 0)
                return carrel_fail (err, errno, "mask %s", l->masked_paths[i]);
              continue;
            }
          if (mount ("tmpfs", dst, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=000")
              < 0)
            return carrel_fail (err, errno, "mask %s", l->masked_paths[i]);
          /* The new mount covers fd's directory: reopen to reach it. */
          if (root_open (rootfd, l->masked_paths[i], false, false, &empty_dir, err) < 0)
            return carrel_wrap (err, "maskedPaths");
          continue;
        }
      if (devnull < 0 && open_real_devnull (&devnull, err) < 0)
        return -1;
      snprintf (src, sizeof src, "/proc/self/fd/%d", devnull);
      if (mount (src, dst, NULL, MS_BIND, NULL) < 0)
        return carrel_fail (err, errno, "mask %s", l->masked_paths[i]);
    }
  return 0;
}

static int
readonly_paths (const struct init_config *cfg, int rootfd, struct carrel_error *err)
{
  const struct carrel_linux *l = &cfg->spec->linux_;
  for (size_t i = 0; i < l->n_readonly_paths; i++)
    {
      cleanup_fd int fd = -1;
      char buf[FD_PATH_MAX];
      const char *path;
      const char *p = l->readonly_paths[i];
      struct stat st;
      if (root_open (rootfd, p, false, false, &fd, err) < 0)
        {
          if (err->errno_value == ENOENT)
            continue;
          return carrel_wrap (err, "readonlyPaths");
        }
      if (fstat (fd, &st) < 0)
        return carrel_fail (err, errno, "stat read-only path %s", p);
      path = fd_path (fd, S_ISDIR (st.st_mode), buf);
      if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
        return carrel_fail (err, errno, "bind %s read-only", p);
      close (fd);
      fd = -1;
      if (root_open (rootfd, p, false, false, &fd, err) < 0)
        return -1;
      path = fd_path (fd, S_ISDIR (st.st_mode), buf);
      if (bind_remount (path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
        {
          /* Keep exec/dev/suid as they were where the kernel does not let us add them. */
          if (bind_remount (path, MS_RDONLY, err) < 0)
            return carrel_wrap (err, "readonlyPaths %s", p);
        }
    }
  return 0;
}

int
rootfs_finish (const struct init_config *cfg, struct carrel_error *err)
{
  cleanup_fd int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return carrel_fail (err, errno, "open /");
  if (apply_sysctls (cfg, err) < 0)
    return -1;
  if (mask_paths (cfg, rootfd, err) < 0)
    return -1;
  if (readonly_paths (cfg, rootfd, err) < 0)
    return -1;
  /* Both moved the cwd (fd_path); the process's own is set at exec. */
  if (chdir ("/") < 0)
    return carrel_fail (err, errno, "chdir /");
  if (cfg->spec->root_readonly && bind_remount ("/", MS_RDONLY, err) < 0)
    return carrel_wrap (err, "make root read-only");
  if (cfg->spec->linux_.rootfs_propagation_flags
      && mount (NULL, "/", NULL, cfg->spec->linux_.rootfs_propagation_flags, NULL) < 0)
    return carrel_fail (err, errno, "linux.rootfsPropagation: set %s", cfg->spec->linux_.rootfs_propagation);
  return 0;
}
