/* The container's init: runs in the new namespaces, builds the root, waits for start, execs. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "fault.h"
#include "runtime.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

/* A session keyring of the container's own (_ses.<id>), as runc does, so the container does not
 * see the caller's keys. Kernels without keys, or a user namespace out of key quota: go on without. */
static int
join_session_keyring (const char *id, struct carrel_error *err)
{
  cleanup_free char *name = xasprintf ("_ses.%s", id);
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0 && errno != ENOSYS
      && errno != EDQUOT)
    return carrel_fail (err, errno, "join a new session keyring %s (--no-new-keyring skips it)", name);
  return 0;
}

/* Early mode: step into the v1 hierarchies by writing "0" to each tasks file (our only thread: no
 * global lock, see cgroup.c), through the files the CLI opened (SYNC_CGROUP_FDS after GO). */
static int
join_cgroup_fds (int sock, struct carrel_error *err)
{
  int fds[FDS_PASS_MAX];
  size_t n;
  int r;
  if (sync_recv_fds (sock, SYNC_CGROUP_FDS, fds, FDS_PASS_MAX, &n, err) < 0)
    return carrel_wrap (err, "join the container's cgroup");
  r = fault_point ("init.join-cgroup", err);
  for (size_t i = 0; i < n; i++)
    {
      if (r == 0 && write (fds[i], "0", 1) != 1)
        {
          char link[64], path[4096];
          ssize_t len;
          int e = errno;
          snprintf (link, sizeof link, "/proc/self/fd/%d", fds[i]);
          len = readlink (link, path, sizeof path - 1);
          path[len > 0 ? len : 0] = '\0';
          r = carrel_fail (err, e, "join the container's cgroup: write %s", len > 0 ? path : "a tasks file");
        }
      close (fds[i]);
    }
  return r;
}

/* The first steps wait for nothing from the runtime unless a new user namespace waits for its id
 * maps, or a namespace joined by path would hide the host's cgroup hierarchies from the join. */
static bool
setup_before_go (const struct init_config *cfg)
{
  const struct carrel_namespace *mnt = carrel_spec_namespace (cfg->spec, CLONE_NEWNS);
  const struct carrel_namespace *user = carrel_spec_namespace (cfg->spec, CLONE_NEWUSER);
  return !(cfg->new_ns_flags & CLONE_NEWUSER) && !(mnt && mnt->path) && !(user && user->path);
}

/* What needs no word from the runtime: namespaces joined by path, the keyring, the root and the
 * first `upto` mounts. Mostly this runs as soon as we exist, while the CLI makes our cgroup
 * (setup_before_go); otherwise once GO came. */
static int
setup_own (struct init_config *cfg, bool join_paths, int *rootfd, size_t upto, struct carrel_error *err)
{
  const struct carrel_spec *spec = cfg->spec;
  if (join_paths && ns_join_paths (spec, err) < 0)
    return -1;
  if (!cfg->no_new_keyring && join_session_keyring (cfg->id, err) < 0)
    return -1;
  if (!(cfg->new_ns_flags & CLONE_NEWNS) && !carrel_spec_namespace (spec, CLONE_NEWNS))
    return carrel_fail (err, EINVAL, "config.json: linux.namespaces: a mount namespace is required");
  if (fault_point ("init.before-mounts", err) < 0)
    return -1;
  if (rootfs_prepare (cfg, err) < 0)
    return -1;
  *rootfd = open (cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*rootfd < 0)
    return carrel_fail (err, errno, "open rootfs %s", cfg->rootfs);
  return mounts_apply (cfg, *rootfd, 0, upto, err);
}

/* Whether a mount from `from` on lands on /dev or under it: device nodes made before it would be
 * hidden, or be in the way. */
static bool
late_mount_on_dev (const struct carrel_spec *spec, size_t from)
{
  for (size_t i = from; i < spec->n_mounts; i++)
    {
      const char *d = spec->mounts[i].destination;
      while (*d == '/') /* the parser wants absolute paths; "//dev" is one */
        d++;
      if (strncmp (d, "dev", 3) == 0 && (d[3] == '\0' || d[3] == '/'))
        return true;
    }
  return false;
}

/* Everything before the cgroup mounts: setup_own, the device nodes, the names and lo. Before GO
 * (the usual case) this is done while the CLI makes our cgroup; after GO it was on the path to
 * the program. When the supervisor makes our network namespace meanwhile, what needs it waits for
 * it: sysfs shows the network devices of its mounter's namespace, so the first sysfs mount (and
 * what follows) comes after; the device nodes and the names come before where they can.
 * *mounted: the mounts done; *devices_done: whether the nodes are made. */
static int
setup_early_root (struct init_config *cfg, bool join_paths, int *rootfd, size_t *mounted, bool *devices_done,
                  struct carrel_error *err)
{
  const struct carrel_spec *spec = cfg->spec;
  size_t early = mounts_before_cgroup (spec);
  size_t net_at = cfg->netns_from_supervisor ? mounts_first_sysfs (spec, early) : early;
  if (setup_own (cfg, join_paths, rootfd, net_at, err) < 0)
    return -1;
  if (!late_mount_on_dev (spec, net_at))
    {
      if (devices_setup (cfg, *rootfd, err) < 0)
        return -1;
      *devices_done = true;
    }
  if (ns_set_names (spec, err) < 0)
    return -1;
  if (cfg->netns_from_supervisor && ns_enter_net_from_supervisor (cfg->start_sock, err) < 0)
    return -1;
  if (mounts_apply (cfg, *rootfd, net_at, early, err) < 0)
    return -1;
  *mounted = early;
  if (!*devices_done && !late_mount_on_dev (spec, early))
    {
      if (devices_setup (cfg, *rootfd, err) < 0)
        return -1;
      *devices_done = true;
    }
  /* The supervisor brought lo up in the namespace it made. */
  if ((cfg->new_ns_flags & CLONE_NEWNET) && !cfg->netns_from_supervisor && ns_loopback_up (err) < 0)
    return -1;
  return 0;
}

static int
setup_before_start (struct init_config *cfg, struct sync_msg *msg, struct carrel_error *err)
{
  const struct carrel_spec *spec = cfg->spec;
  bool before_go = setup_before_go (cfg);
  cleanup_fd int rootfd = -1;
  size_t mounted = 0;
  bool devices_done = false;

  /* Our exe is the carrel binary until execve: keep /proc/<pid>/exe out of reach of anything in
   * the container (exec into a created container, CVE-2019-5736 class). execve resets it. An
   * unprivileged caller writes our uid_map first, which a non-dumpable process's /proc does not
   * allow. */
  if (before_go)
    {
      prctl (PR_SET_DUMPABLE, 0);
      if (setup_early_root (cfg, true, &rootfd, &mounted, &devices_done, err) < 0)
        return -1;
    }
  /* The CLI has made our cgroup and written our id maps when this arrives; it carries the state
   * for the hooks. */
  if (sync_expect (cfg->cli_sock, SYNC_GO, msg, "wait for the runtime", err) < 0)
    return -1;
  if (!before_go)
    prctl (PR_SET_DUMPABLE, 0);
  if ((cfg->new_ns_flags & CLONE_NEWUSER) && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return carrel_fail (err, errno, "become root in the user namespace (is uid/gid 0 mapped?)");
  /* Early mode: the CLI made our cgroup while we started; step into its v1 hierarchies (before
   * the cgroup namespace, and before any namespace join when we waited for GO). */
  if (msg->pid == SYNC_GO_JOIN_CGROUP && join_cgroup_fds (cfg->cli_sock, err) < 0)
    return -1;
  if (!before_go && ns_join_paths (spec, err) < 0)
    return -1;
  /* In our cgroup by now: the namespace's root is the container's cgroup. A cgroup mount may need
   * our cgroup's path from the host's roots (mounts.c), which the namespace then hides. */
  if (cfg->new_ns_flags & CLONE_NEWCGROUP)
    {
      if (mounts_have_type (spec, "cgroup")
          && read_file_at (AT_FDCWD, "/proc/self/cgroup", &cfg->own_cgroups, NULL, err) < 0)
        return -1;
      if (unshare (CLONE_NEWCGROUP) < 0)
        return carrel_fail (err, errno, "create cgroup namespace");
    }
  if (!before_go && setup_early_root (cfg, false, &rootfd, &mounted, &devices_done, err) < 0)
    return -1;
  if (mounts_apply (cfg, rootfd, mounted, spec->n_mounts, err) < 0)
    return -1;
  if (!devices_done && devices_setup (cfg, rootfd, err) < 0)
    return -1;
  if (fault_point ("init.after-mounts", err) < 0)
    return -1;

  /* prestart and createRuntime run in the runtime's namespaces: the CLI runs them. */
  if (cfg->hooks_handshake)
    {
      if (sync_send (cfg->cli_sock, SYNC_HOOKS, 0, 0, NULL, err) < 0
          || sync_expect (cfg->cli_sock, SYNC_HOOKS_DONE, msg, "createRuntime hooks", err) < 0)
        return -1;
      if (hooks_run (spec, CARREL_HOOK_CREATE_CONTAINER, msg->data, err) < 0)
        return -1;
    }

  if (fault_point ("init.before-pivot", err) < 0)
    return -1;
  if (rootfs_pivot (cfg, err) < 0)
    return -1;
  if (rootfs_finish (cfg, err) < 0)
    return -1;
  return 0;
}

void
container_init (struct init_config *cfg)
{
  struct carrel_error err = { 0 };
  struct sync_msg *msg = xmalloc (sizeof *msg);
  const struct carrel_process *proc = &cfg->spec->process;
  cleanup_free char *hook_state = NULL;

  /* The supervisor is our parent; if it dies before start we must not linger. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);

  if (setup_before_start (cfg, msg, &err) < 0)
    goto fail;
  if (process_check_program (proc, &err) < 0)
    goto fail;
  if (process_prepare (proc, cfg->new_ns_flags & CLONE_NEWUSER, &err) < 0)
    goto fail;

  if (proc->terminal && terminal_setup_console (cfg, &err) < 0)
    goto fail;
  if (fault_point ("init.before-created", &err) < 0)
    goto fail;
  if (sync_send (cfg->cli_sock, SYNC_CREATED, 0, 0, NULL, &err) < 0)
    goto fail;

  /* Block until `start`: the supervisor relays it (run's CLI sends it itself). EOF means it is
   * gone: do not run the program. */
  if (!cfg->start_at_once)
    {
      close (cfg->cli_sock);
      cfg->cli_sock = -1;
    }
  if (!cfg->start_unasked)
    {
      if (sync_recv (cfg->start_at_once ? cfg->cli_sock : cfg->start_sock, msg, &err) < 0
          || msg->type != SYNC_START)
        _exit (1);
      hook_state = xstrdup (msg->data);
    }
  if (cfg->cli_sock >= 0)
    {
      close (cfg->cli_sock);
      cfg->cli_sock = -1;
    }
  /* From here on, the container lives on its own: a dying supervisor no longer takes it along. */
  prctl (PR_SET_PDEATHSIG, 0);
  if (fault_point ("init.after-start", &err) < 0)
    {
      sync_send_error (cfg->start_sock, &err);
      _exit (1);
    }
  if (hooks_run (cfg->spec, CARREL_HOOK_START_CONTAINER, hook_state, &err) < 0)
    {
      sync_send_error (cfg->start_sock, &err);
      _exit (1);
    }
  free (msg);
  process_exec (cfg, proc, cfg->start_sock);

fail:
  if (cfg->cli_sock >= 0)
    sync_send_error (cfg->cli_sock, &err);
  _exit (1);
}
