/* OCI hooks: each one gets the container state on stdin, runs with its own env, within its timeout. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime.h"
#include "util.h"

static json_t *
annotations_object (const struct carrel_spec *spec)
{
  json_t *ann = json_object ();
  for (size_t i = 0; spec && i < spec->n_annotations; i++)
    json_object_set_new (ann, spec->annotations[i].key, json_string (spec->annotations[i].value));
  return ann;
}

char *
spec_annotations_json (const struct carrel_spec *spec)
{
  json_t *ann = annotations_object (spec);
  char *text = json_dumps (ann, JSON_COMPACT);
  json_decref (ann);
  return text;
}

char *
hook_state_json (const char *id, const char *status, pid_t pid, const char *bundle,
                 const struct carrel_spec *spec)
{
  json_t *o = json_object ();
  json_t *ann = annotations_object (spec);
  char *text;

  json_object_set_new (o, "ociVersion", json_string (CARREL_OCI_VERSION));
  json_object_set_new (o, "id", json_string (id));
  json_object_set_new (o, "status", json_string (status));
  json_object_set_new (o, "pid", json_integer (pid));
  json_object_set_new (o, "bundle", json_string (bundle));
  json_object_set_new (o, "annotations", ann);
  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  return text;
}

static int
wait_hook (pid_t pid, int timeout_s, const char *what, struct carrel_error *err)
{
  int status;
  cleanup_fd int pidfd = syscall (SYS_pidfd_open, pid, 0);
  if (timeout_s > 0 && pidfd >= 0)
    {
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      int r;
      do
        r = poll (&p, 1, timeout_s * 1000);
      while (r < 0 && errno == EINTR);
      if (r == 0)
        {
          kill (pid, SIGKILL);
          waitpid (pid, &status, 0);
          return carrel_fail (err, ETIMEDOUT, "%s timed out after %d s", what, timeout_s);
        }
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return carrel_fail (err, errno, "wait for %s", what);
  if (WIFSIGNALED (status))
    return carrel_fail (err, 0, "%s was killed by signal %d", what, WTERMSIG (status));
  if (WEXITSTATUS (status) != 0)
    return carrel_fail (err, 0, "%s exited with status %d", what, WEXITSTATUS (status));
  return 0;
}

static char **
null_terminated (char *const *v, size_t n)
{
  char **r = xcalloc (n + 1, sizeof (char *));
  memcpy (r, v, n * sizeof (char *));
  return r;
}

static int
run_one (const struct carrel_hook *h, const char *kind, size_t index, const char *state_json,
         struct carrel_error *err)
{
  int pipefd[2], errpipe[2];
  int exec_errno = 0;
  pid_t pid;
  char what[4200];
  cleanup_free char **argv = null_terminated (h->args, h->n_args);
  cleanup_free char **envp = null_terminated (h->env, h->n_env);
  snprintf (what, sizeof what, "%s hook [%zu] %s", kind, index, h->path);
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return carrel_fail (err, errno, "%s: pipe", what);
  /* The child reports a failed execve here; a successful one closes it (close-on-exec). */
  if (pipe2 (errpipe, O_CLOEXEC) < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      return carrel_fail (err, errno, "%s: pipe", what);
    }
  pid = fork ();
  if (pid < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      close (errpipe[0]);
      close (errpipe[1]);
      return carrel_fail (err, errno, "%s: fork", what);
    }
  if (pid == 0)
    {
      char *default_argv[] = { (char *)h->path, NULL };
      int e;
      dup2 (pipefd[0], 0);
      signal (SIGPIPE, SIG_DFL);
      execve (h->path, h->n_args ? argv : default_argv, envp);
      e = errno;
      (void)!write (errpipe[1], &e, sizeof e);
      _exit (127);
    }
  close (pipefd[0]);
  close (errpipe[1]);
  signal (SIGPIPE, SIG_IGN);
  /* A hook that does not read its stdin is fine: ignore EPIPE. */
  write_all (pipefd[1], state_json, strlen (state_json));
  close (pipefd[1]);
  if (read_all (errpipe[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno)
    {
      close (errpipe[0]);
      waitpid (pid, NULL, 0);
      return carrel_fail (err, exec_errno, "%s: exec", what);
    }
  close (errpipe[0]);
  return wait_hook (pid, h->has_timeout ? h->timeout : 0, what, err);
}

int
hooks_run (const struct carrel_spec *spec, enum carrel_hook_kind kind, const char *state_json,
           struct carrel_error *err)
{
  for (size_t i = 0; i < spec->n_hooks[kind]; i++)
    if (run_one (&spec->hooks[kind][i], carrel_hook_names[kind], i, state_json, err) < 0)
      return -1;
  return 0;
}
