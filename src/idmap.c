/* uid_map and gid_map of a new user namespace. Root writes them directly; an unprivileged user
 * goes through newuidmap/newgidmap, which check /etc/subuid and /etc/subgid. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "idmap_mount.h"
#include "runtime.h"
#include "util.h"

char *
idmap_format (const struct carrel_id_mapping *m, size_t n)
{
  size_t cap = n * 36 + 1, len = 0;
  char *buf = xmalloc (cap);
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++)
    len += snprintf (buf + len, cap - len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
  return buf;
}

/* The helper's complaint ("newuidmap: uid range [1-11) -> [1-11) not allowed"), first line only:
 * it goes into our one error line instead of a second line on stderr. */
static void
read_complaint (int fd, char *buf, size_t len)
{
  ssize_t n = read_all (fd, buf, len - 1);
  char *nl;
  buf[n > 0 ? n : 0] = '\0';
  if ((nl = strchr (buf, '\n')))
    *nl = '\0';
}

static int
run_helper (const char *helper, pid_t pid, const struct carrel_id_mapping *m, size_t n,
            struct carrel_error *err)
{
  char **argv = xcalloc (3 + n * 3 + 1, sizeof (char *));
  char complaint[512];
  int errpipe[2];
  size_t k = 0;
  pid_t child;
  int status;
  if (pipe2 (errpipe, O_CLOEXEC) < 0)
    {
      free (argv);
      return carrel_fail (err, errno, "pipe for %s", helper);
    }
  argv[k++] = (char *)helper;
  argv[k++] = xasprintf ("%d", pid);
  for (size_t i = 0; i < n; i++)
    {
      argv[k++] = xasprintf ("%u", m[i].container_id);
      argv[k++] = xasprintf ("%u", m[i].host_id);
      argv[k++] = xasprintf ("%u", m[i].size);
    }
  child = fork ();
  if (child == 0)
    {
      dup2 (errpipe[1], 2);
      execvp (helper, argv);
      _exit (127);
    }
  close (errpipe[1]);
  for (size_t i = 1; i < k; i++)
    free (argv[i]);
  free (argv);
  if (child < 0)
    {
      close (errpipe[0]);
      return carrel_fail (err, errno, "fork %s", helper);
    }
  read_complaint (errpipe[0], complaint, sizeof complaint);
  close (errpipe[0]);
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return carrel_fail (err, errno, "wait for %s", helper);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
    return carrel_fail (err, ENOENT, "%s not found (install Debian's uidmap package)", helper);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return carrel_fail (err, EPERM, "%s (check this user's ranges in /etc/sub%cid)",
                        complaint[0] ? complaint : helper, helper[3] == 'u' ? 'u' : 'g');
  return 0;
}

static int
write_one (pid_t pid, const char *file, const char *helper, const struct carrel_id_mapping *m, size_t n,
           struct carrel_error *err)
{
  char path[64];
  cleanup_free char *text = NULL;
  if (n == 0)
    return 0;
  snprintf (path, sizeof path, "/proc/%d/%s", pid, file);
  text = idmap_format (m, n);
  if (write_file_at (AT_FDCWD, path, text, strlen (text), err) == 0)
    return 0;
  if (geteuid () == 0 || (err->errno_value != EPERM && err->errno_value != EACCES))
    return carrel_wrap (err, "write %s", file);
  return run_helper (helper, pid, m, n, err);
}

int
idmap_write (pid_t pid, const struct carrel_spec *spec, struct carrel_error *err)
{
  const struct carrel_linux *l = &spec->linux_;
  if (write_one (pid, "uid_map", "newuidmap", l->uid_mappings, l->n_uid_mappings, err) < 0)
    return carrel_wrap (err, "linux.uidMappings");
  if (geteuid () != 0 && l->n_gid_mappings == 1 && l->gid_mappings[0].size == 1)
    {
      /* A single unprivileged gid mapping needs setgroups denied first. */
      char path[64];
      struct carrel_error ignored;
      snprintf (path, sizeof path, "/proc/%d/setgroups", pid);
      write_file_at (AT_FDCWD, path, "deny", 4, &ignored);
    }
  if (write_one (pid, "gid_map", "newgidmap", l->gid_mappings, l->n_gid_mappings, err) < 0)
    return carrel_wrap (err, "linux.gidMappings");
  return 0;
}
