/* exec: run a new process in a running container.
 *
 * The CLI forks a helper that joins every namespace of the container's init (user first; fds opened
 * before any setns), enters its root through /proc/<init>/root, and clones the process with
 * CLONE_PARENT: joining a pid namespace only affects children, and CLONE_PARENT makes the process
 * our own child, so a foreground exec waits for it and a detached one leaves it to our subreaper
 * (conmon, the containerd shim), as runc does. The CLI puts the helper into the container's cgroup
 * before it clones, so the process starts there. The process then goes through the same last steps
 * as the container's own process (process_prepare, process_exec: rlimits, user, capabilities,
 * seccomp, fds). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "carrel/tables.h"
#include "cgroup.h"
#include "fault.h"
#include "runtime.h"

#include "seccomp_filter.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

/* Namespaces in the order they are joined: user first (it grants the rights to join the others),
 * mount last (after it, host paths no longer resolve; every fd is open by then). */
static const struct
{
  const char *name;
  int flag;
} join_order[] = {
  { "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
  { "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP },
  { "time", CLONE_NEWTIME }, { "mnt", CLONE_NEWNS },
};
#define N_JOIN ARRAY_SIZE (join_order)

struct exec_ctx
{
  const struct carrel_exec_options *opts;
  struct carrel_state st;
  struct carrel_spec *spec;         /* the container's config */
  struct carrel_process *file_proc; /* --process FILE */
  struct carrel_spec view;          /* spec with the exec's process: what init_config points to */
  int ns_fds[N_JOIN];               /* -1: same as ours, not joined */
  int rootfd;
  int console_sock;            /* the process's end: --console-socket, or our pair for a foreground tty */
  int console_peer;            /* foreground tty without --console-socket: our end */
  int master;                  /* the pty master received on console_peer */
  int sock[2];                 /* report channel: [0] ours, [1] the helper's and the process's */
  struct seccomp_program prog; /* linux.seccomp compiled: from the cache, or now */
  char *profile;               /* linux.seccomp's JSON text, NULL when not found */
  int cache_fd;                /* the filter cache, or -1 */
};

static void
ctx_release (struct exec_ctx *c)
{
  for (size_t i = 0; i < N_JOIN; i++)
    if (c->ns_fds[i] >= 0)
      close (c->ns_fds[i]);
  if (c->rootfd >= 0)
    close (c->rootfd);
  if (c->console_sock >= 0)
    close (c->console_sock);
  if (c->console_peer >= 0)
    close (c->console_peer);
  if (c->master >= 0)
    close (c->master);
  for (int i = 0; i < 2; i++)
    if (c->sock[i] >= 0)
      close (c->sock[i]);
  carrel_process_free (c->file_proc);
  carrel_spec_free (c->spec);
  carrel_state_free (&c->st);
  seccomp_program_free (&c->prog);
  free (c->profile);
  if (c->cache_fd >= 0)
    close (c->cache_fd);
}

/* Keep carrel's own fds out of 3..3+preserve_fds-1, which belong to the caller's passed fds. */
static int
fd_above (int fd, int min, struct carrel_error *err)
{
  int nfd;
  if (fd < 0 || fd >= min)
    return fd;
  nfd = fcntl (fd, F_DUPFD_CLOEXEC, min);
  if (nfd < 0)
    {
      int e = errno;
      close (fd);
      return carrel_fail (err, e, "move fd %d above %d", fd, min);
    }
  close (fd);
  return nfd;
}

/* Whether our namespace `name` is the init's (ns dirs of both open: one /proc lookup each). */
static bool
same_ns (int init_ns, int own_ns, const char *name)
{
  struct stat a, b;
  if (fstatat (init_ns, name, &a, 0) < 0)
    return true; /* the kernel lacks it (time before 5.6): nothing to join */
  if (fstatat (own_ns, name, &b, 0) < 0)
    return true;
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Open the init's namespaces and root while they are reachable, and check it is still the init. */
static int
open_container (struct exec_ctx *c, struct carrel_error *err)
{
  pid_t pid = c->st.pid;
  char path[64];
  int min = 3 + c->opts->preserve_fds;
  cleanup_fd int init_ns = -1, own_ns = open ("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
  snprintf (path, sizeof path, "/proc/%d/ns", pid);
  init_ns = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (init_ns < 0 || own_ns < 0)
    return carrel_fail (err, errno, "open %s", init_ns < 0 ? path : "/proc/self/ns");
  for (size_t i = 0; i < N_JOIN; i++)
    {
      if (same_ns (init_ns, own_ns, join_order[i].name))
        continue;
      c->ns_fds[i] = openat (init_ns, join_order[i].name, O_RDONLY | O_CLOEXEC);
      if (c->ns_fds[i] < 0)
        return carrel_fail (err, errno, "open /proc/%d/ns/%s", pid, join_order[i].name);
      if ((c->ns_fds[i] = fd_above (c->ns_fds[i], min, err)) < 0)
        return -1;
    }
  snprintf (path, sizeof path, "/proc/%d/root", pid);
  c->rootfd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->rootfd < 0)
    return carrel_fail (err, errno, "open the container's root %s", path);
  if ((c->rootfd = fd_above (c->rootfd, min, err)) < 0)
    return -1;
  /* Opened, then verified: a pid reused meanwhile is not our container. */
  if (!proc_is (pid, c->st.pid_start))
    return carrel_fail (err, ESRCH, "the container's init (pid %d) is gone", pid);
  return 0;
}

static int
replace_strv (char ***v, size_t *n, char *const *src, size_t n_src)
{
  for (size_t i = 0; i < *n; i++)
    free ((*v)[i]);
  free (*v);
  *v = xcalloc (n_src + 1, sizeof (char *));
  for (size_t i = 0; i < n_src; i++)
    (*v)[i] = xstrdup (src[i]);
  *n = n_src;
  return 0;
}

static void
set_env (struct carrel_process *p, const char *kv)
{
  size_t name_len = strcspn (kv, "=");
  for (size_t i = 0; i < p->n_env; i++)
    if (strncmp (p->env[i], kv, name_len) == 0 && p->env[i][name_len] == '=')
      {
        free (p->env[i]);
        p->env[i] = xstrdup (kv);
        return;
      }
  p->env = xrealloc (p->env, (p->n_env + 2) * sizeof (char *));
  p->env[p->n_env++] = xstrdup (kv);
  p->env[p->n_env] = NULL;
}

static void
add_cap (int **set, size_t *n, int cap)
{
  for (size_t i = 0; i < *n; i++)
    if ((*set)[i] == cap)
      return;
  *set = xrealloc (*set, (*n + 1) * sizeof (int));
  (*set)[(*n)++] = cap;
}

/* The container's process with the command line's changes, as runc builds it. */
static int
apply_flags (struct carrel_process *p, const struct carrel_exec_options *o, struct carrel_error *err)
{
  if (o->n_args == 0)
    return carrel_fail (err, EINVAL, "exec: no command given (ARGS or --process FILE)");
  replace_strv (&p->args, &p->n_args, o->args, o->n_args);
  free (p->command_line);
  p->command_line = NULL;
  p->terminal = o->tty;
  p->has_console_size = false;
  if (o->cwd)
    {
      if (o->cwd[0] != '/')
        return carrel_fail (err, EINVAL, "exec --cwd %s: must be an absolute path", o->cwd);
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  for (size_t i = 0; i < o->n_env; i++)
    {
      if (strchr (o->env[i], '=') == NULL || o->env[i][0] == '=')
        return carrel_fail (err, EINVAL, "exec --env %s: expected NAME=VALUE", o->env[i]);
      set_env (p, o->env[i]);
    }
  if (o->has_user)
    {
      p->user.uid = o->uid;
      if (o->has_gid)
        p->user.gid = o->gid;
      free (p->user.username);
      p->user.username = NULL;
    }
  if (o->n_additional_gids)
    {
      size_t n = p->user.n_additional_gids;
      p->user.additional_gids
          = xrealloc (p->user.additional_gids, (n + o->n_additional_gids) * sizeof (uint32_t));
      for (size_t i = 0; i < o->n_additional_gids; i++)
        p->user.additional_gids[n + i] = o->additional_gids[i];
      p->user.n_additional_gids = n + o->n_additional_gids;
    }
  if (o->n_caps)
    {
      struct carrel_capabilities *cs = &p->capabilities;
      bool ambient = cs->n_inheritable > 0; /* ambient needs inheritable: only then, as runc */
      p->has_capabilities = true;
      for (size_t i = 0; i < o->n_caps; i++)
        {
          add_cap (&cs->bounding, &cs->n_bounding, o->caps[i]);
          add_cap (&cs->effective, &cs->n_effective, o->caps[i]);
          add_cap (&cs->permitted, &cs->n_permitted, o->caps[i]);
          if (ambient)
            add_cap (&cs->ambient, &cs->n_ambient, o->caps[i]);
        }
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  return 0;
}

/* The container's config; the profile is left out when the filter cache has it. */
static int
load_config (struct exec_ctx *c, int dirfd, struct carrel_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (dirfd, CONFIG_COPY, &text, &len, err) < 0)
    return carrel_wrap (err, "read the container's config");
  return seccomp_parse_config (text, len, "config.json", c->opts->root, &c->cache_fd, &c->spec, &c->prog,
                               &c->profile, err);
}

static int
load_process (struct exec_ctx *c, int dirfd, struct carrel_error *err)
{
  const struct carrel_exec_options *o = c->opts;
  if (load_config (c, dirfd, err) < 0)
    return -1;
  c->view = *c->spec;
  if (o->process_file)
    {
      cleanup_free char *text = NULL;
      size_t len;
      if (read_file_at (AT_FDCWD, o->process_file, &text, &len, err) < 0)
        return carrel_wrap (err, "--process");
      if (carrel_process_parse (text, len, o->process_file, &c->file_proc, err) < 0)
        return -1;
      if (o->tty)
        c->file_proc->terminal = true;
      if (o->no_new_privs)
        c->file_proc->no_new_privileges = true;
      if (c->file_proc->n_args == 0)
        return carrel_fail (err, EINVAL, "%s: args: must not be empty", o->process_file);
      c->view.process = *c->file_proc;
    }
  else
    {
      if (apply_flags (&c->spec->process, o, err) < 0)
        return -1;
      c->view.process = c->spec->process;
    }
  if (c->view.process.apparmor_profile && c->view.process.apparmor_profile[0])
    return carrel_fail (err, ENOTSUP, "exec: process.apparmorProfile: AppArmor is not supported by carrel");
  if (c->view.process.selinux_label && c->view.process.selinux_label[0])
    return carrel_fail (err, ENOTSUP, "exec: process.selinuxLabel: SELinux is not supported by carrel");
  if (c->view.process.terminal && o->detach && o->console_socket == NULL)
    return carrel_fail (err, EINVAL, "exec: a terminal with --detach needs --console-socket");
  if (!c->view.process.terminal && o->console_socket)
    return carrel_fail (err, EINVAL, "exec: --console-socket needs a terminal (--tty or process.terminal)");
  return 0;
}

/* Join the container's namespaces in join_order, but those of `skip` (CLONE_NEW* bits). */
static int
join_namespaces (struct exec_ctx *c, int skip, struct carrel_error *err)
{
  for (size_t i = 0; i < N_JOIN; i++)
    if (c->ns_fds[i] >= 0 && !(join_order[i].flag & skip) && setns (c->ns_fds[i], join_order[i].flag) < 0)
      return carrel_fail (err, errno, "join the container's %s namespace", join_order[i].name);
  return 0;
}

static int
ns_fd_of (struct exec_ctx *c, int flag)
{
  for (size_t i = 0; i < N_JOIN; i++)
    if (join_order[i].flag == flag)
      return c->ns_fds[i];
  return -1;
}

/* The process: runs inside every namespace and the root of the container. */
__attribute__ ((noreturn)) static void
exec_child (struct exec_ctx *c, struct init_config *cfg)
{
  struct carrel_error err = { 0 };
  int report = c->sock[1];
  sigset_t empty;
  sigemptyset (&empty);
  sigprocmask (SIG_SETMASK, &empty, NULL);
  if (cfg->spec->process.terminal && terminal_setup_console (cfg, &err) < 0)
    goto fail;
  c->console_sock = -1;
  /* Our own CLI holds the terminal: it sets the window size before the program can look at it. */
  if (c->console_peer >= 0)
    {
      struct sync_msg *msg = xmalloc (sizeof *msg);
      if (sync_expect (report, SYNC_GO, msg, "exec", &err) < 0)
        goto fail;
      free (msg);
    }
  if (fault_point ("exec.before-exec", &err) < 0)
    goto fail;
  if (process_prepare (&cfg->spec->process, c->ns_fds[0] >= 0, &err) < 0)
    goto fail;
  /* The caller's preserved fds reach the program even if it passed them close-on-exec. */
  for (int fd = 3; fd < 3 + cfg->preserve_fds; fd++)
    {
      int fl = fcntl (fd, F_GETFD);
      if (fl >= 0)
        fcntl (fd, F_SETFD, fl & ~FD_CLOEXEC);
    }
  process_exec (cfg, &cfg->spec->process, report);
fail:
  sync_send_error (report, &err);
  _exit (127);
}

/* The helper: joins the container, then clones the process as our parent's child. */
__attribute__ ((noreturn)) static void
exec_helper (struct exec_ctx *c, struct init_config *cfg)
{
  struct carrel_error err = { 0 };
  struct sync_msg *msg = xmalloc (sizeof *msg);
  int report = c->sock[1];
  pid_t pid;
  /* Until the user's program replaces us, nothing in the container may reach this process's
   * /proc entries: its exe is the carrel binary (the CVE-2019-5736 class). execve resets it. */
  prctl (PR_SET_DUMPABLE, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  close (c->sock[0]);

  if (c->console_peer >= 0)
    close (c->console_peer);
  /* Wait until the CLI has put us into the container's cgroup. */
  if (sync_expect (report, SYNC_GO, msg, "exec", &err) < 0)
    _exit (1);
  if (join_namespaces (c, 0, &err) < 0)
    goto fail;
  if (fchdir (c->rootfd) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    {
      carrel_fail (&err, errno, "enter the container's root");
      goto fail;
    }
  pid = syscall (SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0);
  if (pid < 0)
    {
      carrel_fail (&err, errno, "clone the process");
      goto fail;
    }
  if (pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, 0);
      exec_child (c, cfg);
    }
  sync_send (report, SYNC_PID, 0, pid, NULL, &err);
  _exit (0);
fail:
  sync_send_error (report, &err);
  _exit (1);
}

/* The process, cloned by the CLI itself (exec_direct). cgroup_tasks: the container's v1 tasks
 * files to write itself into; NULL when there are none (on v2, clone3 placed it). */
__attribute__ ((noreturn)) static void
exec_direct_child (struct exec_ctx *c, struct init_config *cfg, char **cgroup_tasks)
{
  struct carrel_error err = { 0 };
  /* Non-dumpable until execve, as the helper is (see exec_helper). */
  prctl (PR_SET_DUMPABLE, 0);
  close (c->sock[0]);
  if (c->console_peer >= 0)
    close (c->console_peer);
  /* Into the v1 cgroups first, while /sys/fs/cgroup is still the host's. A task moving itself
   * ("0") skips the lock a move by pid takes. */
  for (char **f = cgroup_tasks; f && *f; f++)
    if (fault_point ("exec.join-cgroup", &err) < 0 || write_file_at (AT_FDCWD, *f, "0", 1, &err) < 0)
      {
        carrel_wrap (&err, "join the container's cgroup %s", c->st.cgroup_path);
        goto fail;
      }
  if (join_namespaces (c, CLONE_NEWPID | CLONE_NEWTIME, &err) < 0)
    goto fail;
  if (fchdir (c->rootfd) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    {
      carrel_fail (&err, errno, "enter the container's root");
      goto fail;
    }
  exec_child (c, cfg);
fail:
  sync_send_error (c->sock[1], &err);
  _exit (127);
}

/* A privileged caller needs no helper: it enters the container's pid (and time) namespace for its
 * children only and clones the process into the cgroup2 side; the process joins the v1 cgroups
 * and the other namespaces itself. One fork fewer than the helper's way, and no moves of the CLI
 * into the cgroups and back. As with runc, the process is moved into the v1 cgroups rather than
 * born there, so a pids.max that is already reached does not refuse it.
 * Returns 1 when this caller may not (a rootless one): use the helper. */
static int
exec_direct (struct exec_ctx *c, struct init_config *cfg, pid_t *out, struct carrel_error *err)
{
  cleanup_fd int own_pid = -1, own_time = -1, clone_fd = -1;
  cleanup_strv char **enter = NULL;
  int pid_ns = ns_fd_of (c, CLONE_NEWPID), time_ns = ns_fd_of (c, CLONE_NEWTIME);
  bool into_cgroup = false;
  int r = -1;
  pid_t pid;

  if (geteuid () != 0)
    return 1;
  if (c->st.cgroup_path && cgroup_self_move_plan (c->st.cgroup_path, &enter, NULL, &clone_fd, err) < 0)
    return -1;
  /* No fast path (a v1 hierarchy without the cgroup; a v2 cgroup we cannot clone into, or a
   * kernel without CLONE_INTO_CGROUP): the helper is moved the ordinary way. */
  if (c->st.cgroup_path && cgroup_version () == 1 && enter == NULL)
    return 1;
  if (c->st.cgroup_path && (clone_fd >= 0 ? !clone_into_cgroup_supported () : cgroup_version () == 2))
    return 1;
  own_pid = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  if (time_ns >= 0)
    own_time = open ("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
  if (pid_ns >= 0 && setns (pid_ns, CLONE_NEWPID) < 0)
    return errno == EPERM ? 1 : carrel_fail (err, errno, "join the container's pid namespace");
  if (time_ns >= 0 && setns (time_ns, CLONE_NEWTIME) < 0)
    {
      carrel_fail (err, errno, "join the container's time namespace");
      goto restore;
    }
  pid = clone_into_cgroup (0, clone_fd, &into_cgroup);
  if (pid == 0)
    exec_direct_child (c, cfg, enter);
  if (pid < 0 || (clone_fd >= 0 && !into_cgroup))
    {
      carrel_fail (err, pid < 0 ? errno : ENOTSUP, "clone the process into the container's cgroup");
      if (pid > 0)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
        }
      goto restore;
    }
  *out = pid;
  r = 0;
restore:
  /* Our own later children (none today) belong to the host again. */
  if (own_pid >= 0)
    setns (own_pid, CLONE_NEWPID);
  if (own_time >= 0)
    setns (own_time, CLONE_NEWTIME);
  return r;
}

/* Signals that reach a foreground exec go to the process, as with runc. */
static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static void
drain (int master)
{
  char buf[8192];
  ssize_t n;
  fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK);
  while ((n = read (master, buf, sizeof buf)) > 0)
    write_all (1, buf, n);
}

static int
wait_process (struct exec_ctx *c, pid_t pid, int *exit_status, struct carrel_error *err)
{
  cleanup_fd int pidfd = syscall (SYS_pidfd_open, pid, 0);
  cleanup_fd int sigfd = -1;
  sigset_t mask;
  int status;
  sigemptyset (&mask);
  for (size_t i = 0; i < ARRAY_SIZE (forwarded_signals); i++)
    sigaddset (&mask, forwarded_signals[i]);
  sigfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (pidfd < 0)
    return carrel_fail (err, errno, "pidfd_open %d", pid);
  if (c->master >= 0)
    {
      terminal_relay (c->master, pidfd, err);
      drain (c->master);
    }
  for (;;)
    {
      struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return carrel_fail (err, errno, "poll");
        }
      if (p[1].revents)
        {
          struct signalfd_siginfo si;
          while (read (sigfd, &si, sizeof si) == sizeof si)
            syscall (SYS_pidfd_send_signal, pidfd, si.ssi_signo, NULL, 0);
        }
      if (p[0].revents)
        break;
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return carrel_fail (err, errno, "wait for pid %d", pid);
  *exit_status = WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);
  return 0;
}

static int
check_status (struct exec_ctx *c, struct carrel_error *err)
{
  /* state_read already told paused (the freezer's state) from running. */
  const char *id = c->opts->id;
  switch (c->st.status)
    {
    case CARREL_STATUS_RUNNING:
    case CARREL_STATUS_CREATED: /* runc allows it too: the init is in place, waiting for start */
      return 0;
    case CARREL_STATUS_PAUSED:
      return carrel_fail (err, EINVAL, "the container %s is paused: resume it first", id);
    default:
      return carrel_fail (err, EINVAL, "the container %s is %s: exec needs a running container", id,
                          carrel_status_name (c->st.status));
    }
}

static int
do_exec (struct exec_ctx *c, int *exit_status, struct carrel_error *err)
{
  const struct carrel_exec_options *o = c->opts;
  struct sync_msg *msg = NULL;
  struct init_config cfg;
  cleanup_fd int dirfd = -1;
  int min = 3 + o->preserve_fds;

  pid_t helper, pid = -1;
  int r = -1, status;

  if (state_dir_open (o->root, o->id, 0, &dirfd, err) < 0 || state_read (dirfd, o->id, &c->st, err) < 0)
    return -1;
  if (check_status (c, err) < 0 || load_process (c, dirfd, err) < 0 || open_container (c, err) < 0)
    return -1;
  if (o->console_socket)
    {
      if (terminal_connect (o->console_socket, &c->console_sock, err) < 0)
        return -1;
    }
  else if (c->view.process.terminal)
    {
      int sp[2];
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
        return carrel_fail (err, errno, "socketpair for the terminal");
      c->console_peer = sp[0];
      c->console_sock = sp[1];
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sock) < 0)
    return carrel_fail (err, errno, "socketpair");
  if (c->console_sock >= 0 && (c->console_sock = fd_above (c->console_sock, min, err)) < 0)
    return -1;
  if ((c->sock[1] = fd_above (c->sock[1], min, err)) < 0)
    return -1;

  if (c->view.linux_.has_seccomp && c->prog.filter == NULL)
    {
      /* Compiled (or taken from the cache) here, before the fork, as create does. */
      if (seccomp_prepare (&c->view.linux_.seccomp, c->profile, c->profile ? strlen (c->profile) : 0,
                           c->cache_fd, &c->prog, err)
          < 0)
        return -1;
    }
  cfg = (struct init_config){ .spec = &c->view,
                              .id = o->id,
                              .rootfs = "/",
                              .bundle = c->st.bundle,
                              .cli_sock = -1,
                              .start_sock = c->sock[1],
                              .preserve_fds = o->preserve_fds,
                              .console_socket = c->console_sock,
                              .seccomp_prog = c->prog.filter ? &c->prog : NULL };
  if (fault_point ("exec.before-clone", err) < 0)
    return -1;
  if ((r = exec_direct (c, &cfg, &pid, err)) < 0)
    return -1;
  if (r == 0)
    helper = -1;
  else
    {
      /* A rootless caller, or no fast path into the cgroup: a helper, moved the ordinary way. */
      helper = fork ();
      if (helper < 0)
        return carrel_fail (err, errno, "fork");
      if (helper == 0)
        exec_helper (c, &cfg);
    }
  r = -1;
  close (c->sock[1]);
  c->sock[1] = -1;
  if (c->console_sock >= 0)
    {
      close (c->console_sock);
      c->console_sock = -1;
    }
  msg = xmalloc (sizeof *msg);
  if (fault_point ("exec.after-clone", err) < 0)
    goto out;
  if (helper > 0 && c->st.cgroup_path && cgroup_enter_path (c->st.cgroup_path, helper, err) < 0)
    goto out;
  if (helper > 0 && sync_send (c->sock[0], SYNC_GO, 0, 0, NULL, err) < 0)
    goto out;
  if (c->console_peer >= 0)
    {
      /* The process waits for a second GO, after we took the terminal and gave it our size. If it
       * failed before it had a terminal, its report follows below. */
      struct carrel_error no_tty;
      if (terminal_recv_fd (c->console_peer, &c->master, &no_tty) == 0)
        {
          terminal_copy_winsize (0, c->master);
          if (sync_send (c->sock[0], SYNC_GO, 0, 0, NULL, err) < 0)
            goto out;
        }
    }
  /* The helper reports the pid (exec_direct knows it), the process EXECUTING (then EOF: the socket
   * is close-on-exec) or an error; the two write concurrently, so in any order. */
  for (bool executing = false, failed = false;;)
    {
      if (sync_recv (c->sock[0], msg, err) < 0)
        goto out;
      if (msg->type == SYNC_PID)
        pid = msg->pid;
      else if (msg->type == SYNC_SECCOMP_NOTIFY)
        {
          /* The profile notifies: hand the listener to the agent, as the supervisor does for the
           * init (the process waits for our answer before its first notified syscall). */
          cleanup_free char *state_json
              = hook_state_json (o->id, "running", c->st.pid, c->st.bundle ? c->st.bundle : "", &c->view);
          seccomp_notify_forward (c->sock[0], &c->view, state_json, pid > 0 ? pid : c->st.pid);
        }
      else if (msg->type == SYNC_EXECUTING)
        executing = true;
      else if (msg->type == SYNC_ERROR && !failed)
        {
          /* Read on to EOF: the pid may still come, and the process must be reaped. */
          carrel_fail (err, msg->errno_value, "%s", msg->data);
          failed = true;
        }
      else if (msg->type == 0)
        {
          if (failed)
            goto out;
          if (!executing || pid <= 0)
            {
              carrel_fail (err, 0, "the process exited before it could run the program");
              goto out;
            }
          break;
        }
    }
  if (o->pid_file && write_pid_file (o->pid_file, pid, err) < 0)
    goto out;
  if (o->detach)
    {
      *exit_status = 0;
      pid = -1; /* ours no more: our subreaper adopts it when we exit */
      r = 0;
      goto out;
    }
  r = wait_process (c, pid, exit_status, err);
  pid = -1;
out:
  free (msg);
  while (helper > 0 && waitpid (helper, &status, 0) < 0 && errno == EINTR)
    ;
  if (r < 0 && pid > 0)
    {
      /* A failed exec: the process has exited (or is killed); reap it. */
      kill (pid, SIGKILL);
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
    }
  return r;
}

int
carrel_container_exec (const struct carrel_exec_options *opts, int *exit_status, struct carrel_error *err)
{
  struct exec_ctx c;
  sigset_t mask, old;
  int r;
  memset (&c, 0, sizeof c);
  c.opts = opts;
  c.rootfd = c.console_sock = c.console_peer = c.master = c.sock[0] = c.sock[1] = c.cache_fd = -1;
  for (size_t i = 0; i < N_JOIN; i++)
    c.ns_fds[i] = -1;
  /* Block the forwarded signals before the process exists so none is lost; children reset it. */
  sigemptyset (&mask);
  for (size_t i = 0; i < ARRAY_SIZE (forwarded_signals); i++)
    sigaddset (&mask, forwarded_signals[i]);
  if (!opts->detach)
    sigprocmask (SIG_BLOCK, &mask, &old);
  r = do_exec (&c, exit_status, err);
  ctx_release (&c);
  if (!opts->detach)
    sigprocmask (SIG_SETMASK, &old, NULL);
  if (r < 0)
    return carrel_wrap (err, "exec %s", opts->id);
  return 0;
}
