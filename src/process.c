/* The last steps of the container's process: limits, identity, capabilities, cwd, fds, execve. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "runtime.h"
#include "seccomp_filter.h"
#include "sync.h"
#include "util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int
process_prepare (const struct carrel_process *proc, bool has_user_ns, struct carrel_error *err)
{
  for (size_t i = 0; i < proc->n_rlimits; i++)
    {
      const struct carrel_rlimit *r = &proc->rlimits[i];
      struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };
      if (setrlimit (r->resource, &rl) < 0)
        return carrel_fail (err, errno, "process.rlimits[%zu]: set %s to %llu/%llu", i, r->type,
                            (unsigned long long)r->soft, (unsigned long long)r->hard);
    }
  if (proc->has_oom_score_adj)
    {
      char buf[32];
      int n = snprintf (buf, sizeof buf, "%d", proc->oom_score_adj);
      if (write_file_at (AT_FDCWD, "/proc/self/oom_score_adj", buf, n, err) < 0)
        return carrel_wrap (err, "process.oomScoreAdj");
    }
  if (proc->has_io_priority)
    {
      int value = (proc->io_priority.class_value << 13) | proc->io_priority.priority;
      if (syscall (SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, value) < 0)
        return carrel_fail (err, errno, "process.ioPriority");
    }
  if (proc->has_scheduler)
    {
      struct
      {
        uint32_t size, policy;
        uint64_t flags;
        int32_t nice;
        uint32_t priority;
        uint64_t runtime, deadline, period;
      } attr = { sizeof attr,
                 proc->scheduler.policy_value,
                 proc->scheduler.flags_value,
                 proc->scheduler.nice,
                 proc->scheduler.priority,
                 proc->scheduler.runtime,
                 proc->scheduler.deadline,
                 proc->scheduler.period };
      if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
        return carrel_fail (err, errno, "process.scheduler: sched_setattr %s", proc->scheduler.policy);
    }
  (void)has_user_ns;
  return 0;
}

static int
set_identity (const struct carrel_process *proc, struct carrel_error *err)
{
  const struct carrel_user *u = &proc->user;
  gid_t *groups = NULL;
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return carrel_fail (err, errno, "keep capabilities across the uid change");
  if (u->n_additional_gids)
    {
      groups = xcalloc (u->n_additional_gids, sizeof (gid_t));
      for (size_t i = 0; i < u->n_additional_gids; i++)
        groups[i] = u->additional_gids[i];
    }
  if (setgroups (u->n_additional_gids, groups) < 0 && !(errno == EPERM && u->n_additional_gids == 0))
    {
      int e = errno;
      free (groups);
      return carrel_fail (err, e, "process.user.additionalGids: setgroups");
    }
  free (groups);
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return carrel_fail (err, errno, "process.user.gid: setgid %u", u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return carrel_fail (err, errno, "process.user.uid: setuid %u", u->uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return carrel_fail (err, errno, "reset keepcaps");
  return 0;
}

static const char *
env_get (char *const *env, size_t n, const char *name)
{
  size_t l = strlen (name);
  for (size_t i = 0; i < n; i++)
    if (strncmp (env[i], name, l) == 0 && env[i][l] == '=')
      return env[i] + l + 1;
  return NULL;
}

/* HOME from the container's /etc/passwd, as runc sets it when the config does not. */
static char *
home_of (uid_t uid)
{
  cleanup_file FILE *f = fopen ("/etc/passwd", "re");
  char line[1024];
  while (f && fgets (line, sizeof line, f))
    {
      char *fields[7];
      char *p = line;
      int n = 0;
      while (n < 7 && p)
        {
          fields[n++] = p;
          p = strchr (p, ':');
          if (p)
            *p++ = '\0';
        }
      if (n >= 6 && (uid_t)strtoul (fields[2], NULL, 10) == uid)
        return xstrdup (fields[5]);
    }
  return xstrdup ("/");
}

static char **
build_env (const struct carrel_process *proc)
{
  size_t n = proc->n_env;
  char **env = xcalloc (n + 3, sizeof (char *));
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      /* Socket activation names the process that owns the fds: us, as the container sees us. */
      if (strncmp (proc->env[i], "LISTEN_PID=", 11) == 0)
        env[k++] = xasprintf ("LISTEN_PID=%d", getpid ());
      else
        env[k++] = proc->env[i];
    }
  if (env_get (proc->env, n, "HOME") == NULL)

    {
      cleanup_free char *home = home_of (proc->user.uid);
      env[k++] = xasprintf ("HOME=%s", home);
    }
  env[k] = NULL;
  return env;
}

int
find_program (const char *name, const char *path_env, char *out, size_t len, struct carrel_error *err)

{
  int last_errno = ENOENT;
  if (strchr (name, '/'))
    {
      snprintf (out, len, "%s", name);
      return 0;
    }
  for (const char *p = path_env; p && *p;)
    {
      const char *end = strchrnul (p, ':');
      struct stat st;
      snprintf (out, len, "%.*s/%s", (int)(end - p), p, name);
      if (stat (out, &st) == 0 && S_ISREG (st.st_mode))
        {
          if (access (out, X_OK) == 0)
            return 0;
          last_errno = EACCES;
        }
      p = *end ? end + 1 : end;
    }
  return carrel_fail (err, last_errno, "exec %s: not found in $PATH (%s)", name, path_env);
}

int
process_check_program (const struct carrel_process *proc, struct carrel_error *err)
{
  char program[4096];
  const char *path_env = env_get (proc->env, proc->n_env, "PATH");
  struct stat st;
  if (proc->n_args == 0)
    return carrel_fail (err, EINVAL, "config.json: process.args: must not be empty");
  if (find_program (proc->args[0], path_env ? path_env : DEFAULT_PATH, program, sizeof program, err) < 0)
    return -1;
  if (stat (program, &st) < 0)
    return carrel_fail (err, errno, "process.args[0]: %s", program);
  return 0;
}

void
process_exec (const struct init_config *cfg, const struct carrel_process *proc, int report_fd)

{
  struct carrel_error err = { 0 };
  char program[4096];
  char **env;
  const char *path_env;
  bool has_seccomp = cfg->spec->linux_.has_seccomp;
  bool seccomp_early = false;

  if (proc->n_args == 0)
    {
      carrel_fail (&err, EINVAL, "config.json: process.args: must not be empty");
      goto fail;
    }
  if (caps_drop_bounding (proc, &err) < 0)
    goto fail;
  /* Without noNewPrivileges the kernel wants CAP_SYS_ADMIN to load a filter: load it while we
   * still have it when the process will not (as runc does); otherwise as late as possible, so
   * that it covers the program's execve and little of carrel's own work. */
  seccomp_early = has_seccomp && seccomp_load_before_identity (proc);
  if (seccomp_early && seccomp_apply (&cfg->spec->linux_.seccomp, cfg, &err) < 0)
    goto fail;
  if (set_identity (proc, &err) < 0)
    goto fail;
  if (caps_apply (proc, &err) < 0)
    goto fail;
  if (proc->user.has_umask)
    umask (proc->user.umask);
  if (chdir (proc->cwd ? proc->cwd : "/") < 0)
    {
      carrel_fail (&err, errno, "process.cwd: chdir %s", proc->cwd ? proc->cwd : "/");
      goto fail;
    }
  if (proc->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    {
      carrel_fail (&err, errno, "process.noNewPrivileges");
      goto fail;
    }
  env = build_env (proc);
  path_env = env_get (proc->env, proc->n_env, "PATH");
  if (find_program (proc->args[0], path_env ? path_env : DEFAULT_PATH, program, sizeof program, &err) < 0)
    goto fail;
  /* Only 0-2 (and what --preserve-fds asked for) reach the program; the report fd is CLOEXEC. */
  syscall (SYS_close_range, 3 + cfg->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  {
    /* Before the filter: a profile that denies sendmsg must not turn a good start into a failure.
     * An ERROR after EXECUTING still fails the start. */
    struct carrel_error ignored;
    sync_send (report_fd, SYNC_EXECUTING, 0, 0, NULL, &ignored);
  }
  if (has_seccomp && !seccomp_early && seccomp_apply (&cfg->spec->linux_.seccomp, cfg, &err) < 0)
    goto fail;
  {
    char **argv = xcalloc (proc->n_args + 1, sizeof (char *));
    memcpy (argv, proc->args, proc->n_args * sizeof (char *));
    execve (program, argv, env);
  }
  carrel_fail (&err, errno, "exec %s", program);
fail:
  sync_send_error (report_fd, &err);
  _exit (127);
}
