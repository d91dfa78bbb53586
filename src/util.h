/* Small helpers shared by the library: cleanup attributes, ownership transfer, file I/O. */
#ifndef CARREL_UTIL_H
#define CARREL_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "carrel/error.h"

static inline void
close_fdp (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}
static inline void
freep (void *p)
{
  free (*(void **)p);
}
static inline void
fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}
void free_strv (char **v);
static inline void
free_strvp (char ***v)
{
  free_strv (*v);
}

#define cleanup_fd __attribute__ ((cleanup (close_fdp)))
#define cleanup_free __attribute__ ((cleanup (freep)))
#define cleanup_file __attribute__ ((cleanup (fclosep)))
#define cleanup_strv __attribute__ ((cleanup (free_strvp)))

static inline int
take_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}
static inline void *
take_ptr (void *pp)
{
  void **p = pp;
  void *r = *p;
  *p = NULL;
  return r;
}

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

/* Allocation failure is not recoverable in a runtime: abort with a message. */
void *xmalloc (size_t n);
void *xcalloc (size_t n, size_t size);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Write all of buf, retrying on EINTR and short writes. */
ssize_t write_all (int fd, const void *buf, size_t len);
/* Read until EOF or len bytes. */
ssize_t read_all (int fd, void *buf, size_t len);
/* Read a whole file (NUL-terminated) relative to dirfd. */
int read_file_at (int dirfd, const char *path, char **out, size_t *len, struct carrel_error *err);
/* Write a small file in place (no O_CREAT): sysfs, procfs, cgroupfs. */
int write_file_at (int dirfd, const char *path, const char *data, size_t len, struct carrel_error *err);
/* Replace path (relative to dirfd) atomically: temp file, fsync-free rename. */
int write_file_atomic (int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                       struct carrel_error *err);
/* --pid-file: written atomically. */
int write_pid_file (const char *path, pid_t pid, struct carrel_error *err);
/* mkdir -p with mode for created components. */
int mkdir_p (const char *path, mode_t mode, struct carrel_error *err);

/* clone (flags | SIGCHLD) started in the cgroup2 directory cgroup_fd with clone3's
 * CLONE_INTO_CGROUP when cgroup_fd >= 0 and the kernel has it (*into_cgroup tells); a plain clone
 * otherwise. Returns as fork does. */
pid_t clone_into_cgroup (unsigned long flags, int cgroup_fd, bool *into_cgroup);
/* Whether the kernel has CLONE_INTO_CGROUP (5.7+); probed once without creating a process. */
bool clone_into_cgroup_supported (void);

/* Passing open files over a unix socket (SCM_RIGHTS), at most FDS_PASS_MAX at once. send_fds
 * sends data (len > 0) with fds[n]; recv_fds receives up to len bytes into buf and the files that
 * came with them (close-on-exec) into fds[max] (*n of them; any beyond max are closed). Both return
 * what sendmsg/recvmsg return (-1 with errno), retrying on EINTR. */
#define FDS_PASS_MAX 32
ssize_t send_fds (int sock, const void *data, size_t len, const int *fds, size_t n);
ssize_t recv_fds (int sock, void *buf, size_t len, int *fds, size_t max, size_t *n);

/* The name /etc/passwd gives uid, or NULL. Read directly, as runc does: carrel is linked
 * statically, and glibc's getpwuid would load NSS modules from the shared libc at run time. */
char *passwd_name_of (uid_t uid);

/* Monotonic milliseconds, for bounded waits. */
long long now_ms (void);
/* Nanoseconds since the epoch as an RFC 3339 string with nanoseconds, UTC. */
void format_rfc3339 (char *buf, size_t len, long long sec, long nsec);

#endif
