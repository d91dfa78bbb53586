/* Small helpers: allocation, whole-file I/O, atomic replace, time. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

void
free_strv (char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}

static void
oom (void)
{
  static const char msg[] = "carrel: out of memory\n";
  (void)!write (2, msg, sizeof msg - 1);
  abort ();
}

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (p == NULL)
    oom ();
  return p;
}

void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size ? size : 1);
  if (p == NULL)
    oom ();
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (p == NULL)
    oom ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s);
  if (r == NULL)
    oom ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  char *r;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&r, fmt, ap) < 0)
    oom ();
  va_end (ap);
  return r;
}

ssize_t
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = write (fd, p + done, len - done);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      done += n;
    }
  return done;
}

ssize_t
read_all (int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = read (fd, p + done, len - done);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      if (n == 0)
        break;
      done += n;
    }
  return done;
}

int
read_file_at (int dirfd, const char *path, char **out, size_t *len, struct carrel_error *err)
{
  cleanup_fd int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  size_t cap = 4096, used = 0;
  cleanup_free char *buf = NULL;
  if (fd < 0)
    return carrel_fail (err, errno, "open %s", path);
  buf = xmalloc (cap);
  for (;;)
    {
      ssize_t n;
      if (used + 1 >= cap)
        buf = xrealloc (buf, cap *= 2);
      n = read (fd, buf + used, cap - used - 1);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return carrel_fail (err, errno, "read %s", path);
        }
      if (n == 0)
        break;
      used += n;
    }
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = take_ptr (&buf);
  return 0;
}

int
write_file_at (int dirfd, const char *path, const char *data, size_t len, struct carrel_error *err)
{
  cleanup_fd int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return carrel_fail (err, errno, "open %s", path);
  if (write_all (fd, data, len) < 0)
    return carrel_fail (err, errno, "write %s", path);
  return 0;
}

int
write_file_atomic (int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                   struct carrel_error *err)
{
  char tmp[4096];
  snprintf (tmp, sizeof tmp, "%s.tmp%d", path, getpid ());
  {
    cleanup_fd int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
      return carrel_fail (err, errno, "create %s", tmp);
    if (write_all (fd, data, len) < 0)
      {
        int e = errno;
        unlinkat (dirfd, tmp, 0);
        return carrel_fail (err, e, "write %s", tmp);
      }
  }
  /* Replacing a file by rename makes ext4 (auto_da_alloc) write the new file's blocks out at once,
   * and deleting the file later then waits for that write: 0.1 ms a state write here. Exchanging
   * the two names and unlinking the old file is as atomic for readers and costs neither. */
  if (renameat2 (dirfd, tmp, dirfd, path, RENAME_EXCHANGE) == 0)
    {
      unlinkat (dirfd, tmp, 0);
      return 0;
    }
  if (renameat (dirfd, tmp, dirfd, path) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return carrel_fail (err, e, "rename %s to %s", tmp, path);
    }
  return 0;
}

int
mkdir_p (const char *path, mode_t mode, struct carrel_error *err)
{
  char buf[4096];
  size_t n = strlen (path);
  if (n == 0 || n >= sizeof buf)
    return carrel_fail (err, ENAMETOOLONG, "mkdir %s", path);
  memcpy (buf, path, n + 1);
  for (char *p = buf + 1; *p; p++)
    {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir (buf, mode) < 0 && errno != EEXIST)
        return carrel_fail (err, errno, "mkdir %s", buf);
      *p = '/';
    }
  if (mkdir (buf, mode) < 0 && errno != EEXIST)
    return carrel_fail (err, errno, "mkdir %s", buf);
  return 0;
}

long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
format_rfc3339 (char *buf, size_t len, long long sec, long nsec)
{
  /* By hand: gmtime_r makes glibc read /etc/localtime once per process, on every create. Days to
   * a civil date as in Howard Hinnant's "chrono-compatible low-level date algorithms". */
  long long days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
  long long rem = sec - days * 86400;
  long long z = days + 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  long long day = doy - (153 * mp + 2) / 5 + 1;
  long long month = mp < 10 ? mp + 3 : mp - 9;
  long long year = yoe + era * 400 + (month <= 2);
  snprintf (buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", year, month, day, rem / 3600,
            rem % 3600 / 60, rem % 60, nsec);
}

int
write_pid_file (const char *path, pid_t pid, struct carrel_error *err)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%d", pid);
  /* Atomic: engines poll for the file and must never read it half-written. */
  cleanup_free char *tmp = xasprintf ("%s.tmp%d", path, getpid ());
  cleanup_fd int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return carrel_fail (err, errno, "--pid-file %s", path);
  if (write_all (fd, buf, n) < 0 || rename (tmp, path) < 0)
    {
      int e = errno;
      unlink (tmp);
      return carrel_fail (err, e, "--pid-file %s", path);
    }
  return 0;
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct clone3_args
{
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
      cgroup;
};

pid_t
clone_into_cgroup (unsigned long flags, int cgroup_fd, bool *into_cgroup)
{
  /* With CLONE_PARENT the child signals our parent as we would, and clone3 wants no signal named. */
  struct clone3_args args = { .flags = (uint64_t)flags | CLONE_INTO_CGROUP,
                              .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD,
                              .cgroup = (uint64_t)cgroup_fd };
  *into_cgroup = false;
  if (cgroup_fd >= 0)
    {
      pid_t pid = syscall (SYS_clone3, &args, sizeof args);
      if (pid >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EOPNOTSUPP))
        {
          *into_cgroup = pid >= 0;
          return pid;
        }
    }
  return syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

bool
clone_into_cgroup_supported (void)
{
  static int known = -1;
  if (known < 0)
    {
      /* A cgroup fd above INT_MAX is refused with EINVAL by kernels that know the flag, before any
       * process is made; older ones refuse the larger struct (E2BIG) or clone3 itself (ENOSYS). */
      struct clone3_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = 1ULL << 32 };
      known = syscall (SYS_clone3, &args, sizeof args) < 0 && errno == EINVAL;
    }
  return known;
}

char *
passwd_name_of (uid_t uid)
{
  cleanup_file FILE *f = fopen ("/etc/passwd", "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  if (f == NULL)
    return NULL;
  /* name:password:uid:... */
  while (getline (&line, &cap, f) > 0)
    {
      char *colon = strchr (line, ':');
      char *field = colon ? strchr (colon + 1, ':') : NULL;
      char *end;
      unsigned long v;
      if (field == NULL || colon == line)
        continue;
      errno = 0;
      v = strtoul (field + 1, &end, 10);
      if (errno == 0 && end != field + 1 && *end == ':' && v == uid)
        {
          *colon = '\0';
          return xstrdup (line);
        }
    }
  return NULL;
}

ssize_t
send_fds (int sock, const void *data, size_t len, const int *fds, size_t n)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * FDS_PASS_MAX)];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t r;
  if (n > FDS_PASS_MAX)
    {
      errno = EINVAL;
      return -1;
    }
  if (n > 0)
    {
      struct cmsghdr *cm;
      memset (&u, 0, sizeof u);
      mh.msg_control = u.buf;
      mh.msg_controllen = CMSG_SPACE (sizeof (int) * n);
      cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int) * n);
      memcpy (CMSG_DATA (cm), fds, sizeof (int) * n);
    }
  do
    r = sendmsg (sock, &mh, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r;
}

ssize_t
recv_fds (int sock, void *buf, size_t len, int *fds, size_t max, size_t *n)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * FDS_PASS_MAX)];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = buf, .iov_len = len };
  struct msghdr mh
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t r;
  *n = 0;
  do
    r = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return r;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR (&mh); cm; cm = CMSG_NXTHDR (&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN (0)) / sizeof (int); i++)
        {
          int fd;
          memcpy (&fd, CMSG_DATA (cm) + i * sizeof (int), sizeof fd);
          if (*n < max)
            fds[(*n)++] = fd;
          else
            close (fd);
        }
  return r;
}