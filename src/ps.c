/* The processes of a container, for `ps`: its cgroup knows them all; without a cgroup, its pid
 * namespace, or else the init and its descendants. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "state.h"
#include "util.h"

static int
cmp_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

static void
push (pid_t **v, size_t *n, size_t *cap, pid_t p)
{
  if (*n == *cap)
    {
      *cap = *cap ? *cap * 2 : 16;
      *v = xrealloc (*v, *cap * sizeof (pid_t));
    }
  (*v)[(*n)++] = p;
}

static pid_t
ppid_of (pid_t pid)
{
  char path[64], buf[512];
  cleanup_fd int fd = -1;
  ssize_t n;
  char *p;
  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || (n = read (fd, buf, sizeof buf - 1)) <= 0)
    return -1;
  buf[n] = '\0';
  p = strrchr (buf, ')');
  if (p == NULL)
    return -1;
  return strtol (p + 4, NULL, 10); /* ") S <ppid>" */
}

static int
scan_proc (pid_t init, pid_t **out, size_t *n_out, struct carrel_error *err)
{
  struct stat ns_init, ns_self, st;
  char path[64];
  DIR *d;
  struct dirent *e;
  pid_t *all = NULL, *v = NULL;
  size_t n_all = 0, cap_all = 0, n = 0, cap = 0;
  bool by_ns;
  snprintf (path, sizeof path, "/proc/%d/ns/pid", init);
  if (stat (path, &ns_init) < 0 || stat ("/proc/self/ns/pid", &ns_self) < 0)
    return carrel_fail (err, errno, "stat %s", path);
  by_ns = ns_init.st_ino != ns_self.st_ino;
  d = opendir ("/proc");
  if (d == NULL)
    return carrel_fail (err, errno, "open /proc");
  while ((e = readdir (d)))
    {
      pid_t p = strtol (e->d_name, NULL, 10);
      if (p <= 0)
        continue;
      if (by_ns)
        {
          snprintf (path, sizeof path, "/proc/%d/ns/pid", p);
          if (stat (path, &st) == 0 && st.st_ino == ns_init.st_ino && st.st_dev == ns_init.st_dev)
            push (&v, &n, &cap, p);
        }
      else
        push (&all, &n_all, &cap_all, p);
    }
  closedir (d);
  if (!by_ns)
    {
      /* Descendants of the init: repeat until no new child is found (parents may have higher pids). */
      push (&v, &n, &cap, init);
      for (bool grew = true; grew;)
        {
          grew = false;
          for (size_t i = 0; i < n_all; i++)
            {
              pid_t pp;
              bool known = false;
              if (all[i] <= 0)
                continue;
              pp = ppid_of (all[i]);
              for (size_t k = 0; k < n && !known; k++)
                known = v[k] == pp;
              if (known)
                {
                  push (&v, &n, &cap, all[i]);
                  all[i] = 0;
                  grew = true;
                }
            }
        }
      free (all);
    }
  *out = v;
  *n_out = n;
  return 0;
}

int
carrel_container_pids (const char *root, const char *id, pid_t **pids, size_t *n, struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  struct carrel_state st;
  int r = 0;
  *pids = NULL;
  *n = 0;
  if (state_dir_open (root, id, 0, &dirfd, err) < 0 || state_read (dirfd, id, &st, err) < 0)
    return carrel_wrap (err, "ps");
  if (st.cgroup_path && cgroup_pids (st.cgroup_path, pids, n, err) == 0)
    goto sort;
  carrel_error_clear (err);
  if (st.status == CARREL_STATUS_STOPPED || st.status == CARREL_STATUS_CREATING
      || !proc_is (st.pid, st.pid_start))
    goto out;
  r = scan_proc (st.pid, pids, n, err);
  if (r < 0)
    carrel_wrap (err, "ps %s", id);
sort:
  if (*n)
    qsort (*pids, *n, sizeof (pid_t), cmp_pid);
out:
  carrel_state_free (&st);
  return r;
}
