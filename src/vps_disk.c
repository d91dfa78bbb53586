/* A VPS's disk: an ext4 image on a loop device, mounted on its rootfs/ while it runs. The image
 * keeps the template's owners (0..65535); the mount is id-mapped so that the host, and the VPS's
 * user namespace, see them shifted to the VPS's range: no chown of the tree, and the image stays
 * movable between ranges. The loop device is auto-clearing: it goes with the last unmount. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/loop.h>

#include "idmap_mount.h"
#include "util.h"
#include "vps.h"

extern char **environ;

int
vps_run (char *const argv[], char *const env_add[], bool capture, struct carrel_error *err)
{
  posix_spawn_file_actions_t fa;
  cleanup_fd int rd = -1;
  int p[2] = { -1, -1 };
  char out[1024] = "";
  size_t used = 0;
  pid_t pid;
  int status, r;
  char **envp = environ;
  cleanup_free char **merged = NULL;
  if (env_add && env_add[0])
    {
      size_t n = 0, k = 0;
      while (environ[n])
        n++;
      while (env_add[k])
        k++;
      merged = xcalloc (n + k + 1, sizeof (char *));
      memcpy (merged, env_add, k * sizeof (char *));
      memcpy (merged + k, environ, n * sizeof (char *));
      envp = merged;
    }
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
  if (capture && pipe2 (p, O_CLOEXEC) == 0)
    {
      posix_spawn_file_actions_adddup2 (&fa, p[1], 1);
      posix_spawn_file_actions_adddup2 (&fa, p[1], 2);
    }
  else
    posix_spawn_file_actions_adddup2 (&fa, 2, 1); /* progress goes to our stderr */
  r = posix_spawnp (&pid, argv[0], &fa, NULL, argv, envp);
  posix_spawn_file_actions_destroy (&fa);
  if (p[1] >= 0)
    close (p[1]);
  rd = p[0];
  if (r != 0)
    return carrel_fail (err, r, "run %s", argv[0]);
  while (rd >= 0)
    {
      char buf[512];
      ssize_t n = read (rd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      if (used + n < sizeof out)
        {
          memcpy (out + used, buf, n);
          used += n;
          out[used] = '\0';
        }
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return carrel_fail (err, errno, "wait for %s", argv[0]);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  while (used > 0 && (out[used - 1] == '\n' || out[used - 1] == ' '))
    out[--used] = '\0';
  for (char *c = out; *c; c++)
    if (*c == '\n')
      *c = ' ';
  if (WIFEXITED (status))
    return carrel_fail (err, 0, "%s exited with status %d%s%s", argv[0], WEXITSTATUS (status),
                        used ? ": " : "", out);
  return carrel_fail (err, 0, "%s was killed by signal %d", argv[0], WTERMSIG (status));
}

int
vps_disk_create (const char *image, uint64_t size, const char *rootfs, struct carrel_error *err)
{
  cleanup_fd int fd = open (image, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return carrel_fail (err, errno, "create disk image %s", image);
  if (ftruncate (fd, (off_t)size) < 0)
    return carrel_fail (err, errno, "size disk image %s", image);
  {
    /* -m 0: the tenant gets all of --disk; -d: the template's files, owners and modes as they are. */
    char *const argv[] = { "mkfs.ext4", "-q", "-F", "-m", "0", "-d", (char *)rootfs, (char *)image, NULL };
    if (vps_run (argv, NULL, true, err) < 0)
      return carrel_wrap (err, "make the file system of %s (e2fsprogs)", image);
  }
  return 0;
}

/* A loop device reading image, detached by the kernel when the last user (the mount) goes. */
static int
loop_attach (const char *image, int *loopfd, char *name, size_t name_len, struct carrel_error *err)
{
  cleanup_fd int ctl = open ("/dev/loop-control", O_RDWR | O_CLOEXEC);
  cleanup_fd int backing = open (image, O_RDWR | O_CLOEXEC);
  if (ctl < 0)
    return carrel_fail (err, errno, "open /dev/loop-control");
  if (backing < 0)
    return carrel_fail (err, errno, "open disk image %s", image);
  for (int attempt = 0; attempt < 64; attempt++)
    {
      struct loop_config cfg = { .fd = (unsigned)backing };
      int n = ioctl (ctl, LOOP_CTL_GET_FREE);
      cleanup_fd int lfd = -1;
      if (n < 0)
        return carrel_fail (err, errno, "find a free loop device");
      snprintf (name, name_len, "/dev/loop%d", n);
      lfd = open (name, O_RDWR | O_CLOEXEC);
      if (lfd < 0)
        {
          if (errno == ENOENT)
            continue;
          return carrel_fail (err, errno, "open %s", name);
        }
      cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
      snprintf ((char *)cfg.info.lo_file_name, sizeof cfg.info.lo_file_name, "%s", image);
      if (ioctl (lfd, LOOP_CONFIGURE, &cfg) < 0)
        {
          if (errno == EBUSY) /* another attach took it between GET_FREE and here */
            continue;
          return carrel_fail (err, errno, "attach %s to %s", image, name);
        }
      *loopfd = take_fd (&lfd);
      return 0;
    }
  return carrel_fail (err, EBUSY, "attach %s to a loop device: every free one was taken", image);
}

/* A user namespace whose maps are "0 base 65536" (uid and gid), as an fd for MOUNT_ATTR_IDMAP. */
static int
userns_for_range (unsigned long base, int *out, struct carrel_error *err)
{
  struct carrel_id_mapping range = { .container_id = 0, .host_id = base, .size = CARREL_VPS_ID_RANGE };
  return userns_with_maps (&range, 1, &range, 1, out, err);
}

int
vps_disk_mount (const char *image, const char *target, unsigned long id_base, struct carrel_error *err)
{
  char loopname[64];
  cleanup_fd int loopfd = -1;
  cleanup_fd int fsfd = -1;
  cleanup_fd int mfd = -1;
  cleanup_fd int userns = -1;
  if (loop_attach (image, &loopfd, loopname, sizeof loopname, err) < 0)
    return -1;
  fsfd = fsopen ("ext4", FSOPEN_CLOEXEC);
  if (fsfd < 0)
    return carrel_fail (err, errno, "mount %s: fsopen ext4", image);
  if (fsconfig (fsfd, FSCONFIG_SET_STRING, "source", loopname, 0) < 0
      || fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return carrel_fail (err, errno, "mount %s (%s) as ext4", image, loopname);
  mfd = fsmount (fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
  if (mfd < 0)
    return carrel_fail (err, errno, "mount %s: fsmount", image);
  if (id_base != VPS_NO_IDMAP)
    {
      struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
      if (userns_for_range (id_base, &userns, err) < 0)
        return -1;
      attr.userns_fd = userns;
      if (mount_setattr (mfd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        return carrel_fail (err, errno, "id-map the mount of %s to %lu..%lu", image, id_base,
                            id_base + CARREL_VPS_ID_RANGE - 1);
    }
  if (move_mount (mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return carrel_fail (err, errno, "mount %s on %s", image, target);
  return 0; /* closing loopfd now leaves the mount as the loop device's only user */
}

bool
vps_disk_mounted (const char *target)
{
  struct stat a, b;
  cleanup_free char *parent = xasprintf ("%s/..", target);
  return stat (target, &a) == 0 && stat (parent, &b) == 0 && a.st_dev != b.st_dev;
}

int
vps_disk_umount (const char *target, struct carrel_error *err)
{
  for (int i = 0; i < 8 && vps_disk_mounted (target); i++)
    {
      if (umount2 (target, UMOUNT_NOFOLLOW) == 0)
        continue;
      if (errno == EBUSY)
        {
          /* Something on the host still has a file open in it: detach now; the file system (and the
           * loop device) go when it lets go. */
          if (umount2 (target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
            continue;
        }
      if (errno == EINVAL)
        break;
      return carrel_fail (err, errno, "unmount %s", target);
    }
  return 0;
}
