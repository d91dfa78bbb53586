/* kill, delete and state: commands on a container that exists. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "cgroup.h"
#include "fault.h"
#include "network.h"
#include "runtime.h"
#include "state.h"
#include "sync.h"
#include "util.h"

#define STOP_WAIT_MS 10000

/* A pidfd for the recorded process, or -1 if it is gone (or its pid was reused). */
static int
open_recorded (pid_t pid, unsigned long long start)
{
  int fd;
  if (pid <= 0)
    return -1;
  fd = syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return -1;
  /* Checked after opening: the pidfd pins the process we verified. */
  if (!proc_is (pid, start))
    {
      close (fd);
      return -1;
    }
  return fd;
}

static bool
wait_pidfd (int pidfd, int timeout_ms)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int r;
  do
    r = poll (&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r > 0;
}

int
carrel_container_kill (const char *root, const char *id, int sig, bool all, struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  cleanup_fd int pidfd = -1;
  struct carrel_state st;
  int r = -1;
  if (state_dir_open (root, id, 0, &dirfd, err) < 0)
    return carrel_wrap (err, "kill");
  if (state_read (dirfd, id, &st, err) < 0)
    return carrel_wrap (err, "kill");
  if (all && st.cgroup_path)
    {
      r = cgroup_signal_all (st.cgroup_path, sig, err);
      if (r < 0)
        carrel_wrap (err, "kill --all %s", id);
      goto out;
    }
  if (st.status == CARREL_STATUS_STOPPED || st.status == CARREL_STATUS_CREATING)
    {
      carrel_fail (err, ESRCH, "kill %s: the container is %s", id, carrel_status_name (st.status));
      goto out;
    }
  pidfd = open_recorded (st.pid, st.pid_start);
  if (pidfd < 0)
    {
      carrel_fail (err, ESRCH, "kill %s: the container is stopped", id);
      goto out;
    }
  if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    {
      carrel_fail (err, errno, "kill %s: send signal %d", id, sig);
      goto out;
    }
  r = 0;
out:
  carrel_state_free (&st);
  return r;
}

static int
stop_processes (const struct carrel_state *st, bool wait_supervisor, struct carrel_error *err)
{
  cleanup_fd int pidfd = open_recorded (st->pid, st->pid_start);
  cleanup_fd int supfd = wait_supervisor ? open_recorded (st->supervisor_pid, st->supervisor_start) : -1;
  if (pidfd >= 0)
    {
      syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
      if (!wait_pidfd (pidfd, STOP_WAIT_MS))
        return carrel_fail (err, ETIMEDOUT, "the container's init (pid %d) did not die after SIGKILL",
                            st->pid);
    }
  /* The supervisor records the exit and leaves on its own; never wait for it forever. */
  if (supfd >= 0 && !wait_pidfd (supfd, 2000))
    syscall (SYS_pidfd_send_signal, supfd, SIGKILL, NULL, 0);
  return 0;
}

/* Unreadable state and no supervisor: the config copy still says where the container's cgroup
 * is, and every process of the container is in it. A path of the user's is emptied, not removed. */
static void
force_stop_by_config (const char *id, int dirfd)
{
  struct carrel_error ignored;
  struct carrel_spec *spec = NULL;
  cleanup_free char *path = NULL;
  bool carrels = false;
  if (load_state_spec (dirfd, &spec, &ignored) < 0
      || cgroup_path_of_config (spec, id, &path, &carrels, &ignored) < 0 || !cgroup_exists (path))
    {
      carrel_spec_free (spec);
      carrel_warn (
          "delete %s: the state is unreadable, the supervisor is gone and no cgroup of the container "
          "was found: processes of this container may remain",
          id);
      return;
    }
  carrel_spec_free (spec);
  for (long long deadline = now_ms () + STOP_WAIT_MS;;)
    {
      pid_t *pids = NULL;
      size_t n = 0;
      cgroup_signal_all (path, SIGKILL, &ignored);
      bool empty = cgroup_pids (path, &pids, &n, &ignored) == 0 && n == 0;
      free (pids);
      if (empty || now_ms () > deadline)
        break;
      usleep (10000);
    }
  cgroup_remove_path (path, carrels, &ignored);
}

/* The state file is unreadable, so what runs is learnt from the supervisor itself: its pid from
 * the control socket's peer credentials, the init's pid and the cgroup from its answer. */
static void
force_stop_unreadable (const char *id, int dirfd)
{
  struct carrel_error ignored;
  cleanup_fd int sock = -1;
  cleanup_fd int supfd = -1;
  cleanup_fd int initfd = -1;
  struct ucred cred;
  socklen_t len = sizeof cred;
  struct sync_msg *msg;
  if (ctl_connect (dirfd, &sock, &ignored) < 0 || getsockopt (sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    {
      force_stop_by_config (id, dirfd);
      return;
    }
  supfd = syscall (SYS_pidfd_open, cred.pid, 0);
  msg = xmalloc (sizeof *msg);
  if (sync_send (sock, SYNC_QUERY, 0, 0, NULL, &ignored) == 0
      && sync_expect (sock, SYNC_PID, msg, "query the supervisor", &ignored) == 0)
    {
      initfd = syscall (SYS_pidfd_open, msg->pid, 0);
      if (initfd >= 0)
        {
          syscall (SYS_pidfd_send_signal, initfd, SIGKILL, NULL, 0);
          wait_pidfd (initfd, STOP_WAIT_MS);
        }
      char *path = strchr (msg->data, ':');
      if (path)
        {
          /* A cgroup carrel joined but did not make is the user's: emptied, never removed. */
          bool owned = strncmp (msg->data, "owned:", 6) == 0;
          path++;
          cgroup_signal_all (path, SIGKILL, &ignored);
          cgroup_remove_path (path, owned, &ignored);
        }
    }
  free (msg);
  if (supfd >= 0 && !wait_pidfd (supfd, 2000))
    syscall (SYS_pidfd_send_signal, supfd, SIGKILL, NULL, 0);
}

int
carrel_container_delete (const char *root, const char *id, bool force, struct carrel_error *err)
{
  return container_delete_known (root, id, force, NULL, err);
}

/* Empty the container's cgroup and remove it (a path of the user's is only emptied). */
static int
delete_cgroup (const char *id, const struct carrel_state *st, struct carrel_error *err)
{
  struct carrel_error ignored;
  if (st->cgroup_path == NULL)
    return 0;
  /* Without a pid namespace, processes may outlive the init: the cgroup knows them all. */
  cgroup_signal_all (st->cgroup_path, SIGKILL, &ignored);
  if (cgroup_remove_path (st->cgroup_path, st->cgroup_owned, err) < 0)
    return carrel_wrap (err, "delete %s", id);
  return fault_point ("delete.after-cgroup", err);
}

/* runtime.md: a failing poststop hook is a warning. */
static void
run_poststop (const char *id, const struct carrel_state *st, const struct carrel_spec *hooks_of,
              struct carrel_error *err)
{
  cleanup_free char *state_json
      = hook_state_json (id, "stopped", st->pid, st->bundle ? st->bundle : "", hooks_of);
  if (hooks_run (hooks_of, CARREL_HOOK_POSTSTOP, state_json, err) < 0)
    {
      char buf[CARREL_ERROR_MSG_MAX + 128];
      carrel_warn ("delete %s: %s", id, carrel_error_string (err, buf, sizeof buf));
    }
  carrel_error_clear (err);
}

int
container_delete_known (const char *root, const char *id, bool force, const struct delete_known *known,
                        struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  struct carrel_state st;
  struct carrel_spec *spec = NULL;
  const struct carrel_spec *hooks_spec = known ? known->spec : NULL;
  int cleaner_sock = known ? known->cleaner_sock : -1;
  int r = -1;
  if (state_dir_open (root, id, LOCK_EX, &dirfd, err) < 0)
    return carrel_wrap (err, "delete");
  if (known && known->state)
    carrel_state_copy (&st, known->state);
  else if (state_read (dirfd, id, &st, err) < 0)
    {
      /* A corrupt state must not make a container undeletable. */
      if (!force)
        return carrel_wrap (err, "delete (use --force to remove it anyway)");
      carrel_error_clear (err);
      force_stop_unreadable (id, dirfd);
      return state_dir_remove (root, id, err);
    }

  if (st.status != CARREL_STATUS_STOPPED && !force)
    {
      carrel_fail (err, EBUSY, "delete %s: the container is %s: stop it first or use --force", id,
                   carrel_status_name (st.status));
      goto out;
    }
  if (st.cgroup_path && st.status != CARREL_STATUS_STOPPED)
    {
      /* Frozen processes do not die until thawed: kill through the cgroup first (it thaws). */
      struct carrel_error ignored;
      cgroup_signal_all (st.cgroup_path, SIGKILL, &ignored);
    }
  if (stop_processes (&st, cleaner_sock < 0, err) < 0)

    {
      carrel_wrap (err, "delete %s", id);
      goto out;
    }
  if (fault_point ("delete.after-stop", err) < 0)
    goto out;
  if (cleaner_sock < 0 && delete_cgroup (id, &st, err) < 0)
    goto out;
  {
    struct carrel_error ignored;
    network_teardown_at (id, dirfd, &ignored);
  }
  if (!hooks_spec && load_state_spec (dirfd, &spec, err) < 0)
    carrel_error_clear (err);
  if (!hooks_spec)
    hooks_spec = spec;
  if (cleaner_sock >= 0)
    {
      /* run: the supervisor empties and removes the cgroup while we remove the state, and says
       * so on cleaner_sock. If it died first (EOF) or hangs, the cgroup is ours to remove. */
      struct pollfd p = { .fd = cleaner_sock, .events = POLLIN };
      if (state_dir_remove (root, id, err) < 0)
        {
          carrel_wrap (err, "delete %s", id);
          goto out;
        }
      /* Let the supervisor hold the last reference to the removed directory: whoever drops it
       * frees its block, and on a filesystem mounted with discard that waits for the disk. */
      close (take_fd (&dirfd));
      int ready;
      bool removed = false;
      while ((ready = poll (&p, 1, 2000)) < 0 && errno == EINTR)
        ;
      if (ready > 0)
        {
          struct sync_msg *msg = xmalloc (sizeof *msg);
          struct carrel_error ignored;
          removed = sync_recv (cleaner_sock, msg, &ignored) == 0 && msg->type == SYNC_OK;
          free (msg);
        }
      if (!removed && st.cgroup_path && cgroup_exists (st.cgroup_path) && delete_cgroup (id, &st, err) < 0)
        goto out;
      if (hooks_spec)
        run_poststop (id, &st, hooks_spec, err);
      r = 0;
      goto out;
    }
  if (hooks_spec)
    run_poststop (id, &st, hooks_spec, err);
  if (state_dir_remove (root, id, err) < 0)
    {
      carrel_wrap (err, "delete %s", id);
      goto out;
    }
  r = 0;
out:
  carrel_spec_free (spec);
  carrel_state_free (&st);
  return r;
}

int
carrel_container_state (const char *root, const char *id, struct carrel_state *out, struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  if (state_dir_open (root, id, 0, &dirfd, err) < 0)
    return carrel_wrap (err, "state");
  if (state_read (dirfd, id, out, err) < 0)
    return -1;
  /* The state records the uid; users read names. */
  if (out->owner && out->owner[0] >= '0' && out->owner[0] <= '9')
    {
      char *name = passwd_name_of ((uid_t)strtoul (out->owner, NULL, 10));
      if (name)
        {
          free (out->owner);
          out->owner = name;
        }
    }
  return 0;
}
