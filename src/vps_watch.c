/* The watcher of a VPS whose supervisor is gone (killed, or stopped by an upgrade of carrel).
 *
 * The init lives on without its supervisor, but then nobody carries out its restart policy.
 * `vps start NAME` on such a VPS leaves this small process instead of a second copy: in a session
 * of its own it holds a pidfd of the init (checked against the start time in the state, so a
 * reused pid is never taken for it) and, when the init ends, does what the supervisor would have
 * done: exec `carrel vps start --restarted` (which waits the backoff and starts the VPS anew, with
 * a new supervisor and console). The watcher is not the init's parent, so the exit status is
 * unknown: the end counts as a failure, and vps.log says so. The console cannot be adopted: the
 * pty master was only in the dead supervisor. `vps stop` ends the watcher (watcher.pid). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"
#include "util.h"
#include "vps.h"

/* Every fd but keep: the watcher must not hold the caller's pipes or locks' files open. */
static void
close_all_but (int keep)
{
  if (keep > 3)
    syscall (SYS_close_range, 3, keep - 1, 0);
  syscall (SYS_close_range, keep + 1, ~0U, 0);
}

static bool
container_live (const char *root, const char *name)
{
  char cid[64];
  struct carrel_state st;
  struct carrel_error ignored;
  bool live;
  if (carrel_container_state (root, carrel_vps_container_id (name, cid, sizeof cid), &st, &ignored) < 0)
    return false;
  live = st.status != CARREL_STATUS_STOPPED;
  carrel_state_free (&st);
  return live;
}

/* Runs in the watcher: wait for the init, then carry out the policy. Never returns. */
static _Noreturn void
watch (const char *root, const char *name, int pidfd, pid_t pid)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  struct carrel_error err = { 0 };
  struct vps_record r;
  cleanup_fd int lock = -1;
  cleanup_strv char **argv = NULL;
  while (poll (&p, 1, -1) < 0)
    if (errno != EINTR)
      _exit (1);
  /* stop kills us under this lock before it stops the init: holding it, we are still wanted. */
  if (vps_lock (name, &lock, &err) < 0 || vps_record_load (name, &r, &err) < 0)
    _exit (1);
  {
    cleanup_free char *path = vps_path (name, VPS_WATCHER);
    unlink (path);
  }
  if (!r.want_running)
    _exit (0);
  vps_log (name, "warning",
           "vps %s: its init (pid %d) ended while its supervisor was gone (watched since an adopting "
           "vps start): exit status unknown, taken as a failure",
           name, (int)pid);
  if (container_live (root, name))
    _exit (0); /* started anew meanwhile */
  if (r.restart == CARREL_RESTART_NO)
    {
      vps_log (name, "warning", "vps %s: restart policy no: left stopped", name);
      _exit (0);
    }
  argv = vps_restart_argv (root, name, vps_restart_delay_ms (r.restarts));
  vps_record_free (&r);
  close (take_fd (&lock));
  execv (argv[0], argv);
  vps_log (name, "error", "vps %s: restart: exec %s: %s", name, argv[0], strerror (errno));
  _exit (127);
}

int
vps_watch_adopt (const char *root, const char *name, const struct carrel_state *st, struct carrel_error *err)
{
  cleanup_fd int pidfd = -1;
  cleanup_fd int ready_r = -1;
  cleanup_fd int ready_w = -1;
  cleanup_free char *abs_root = realpath (root, NULL);
  cleanup_free char *abs_data = realpath (carrel_data_dir (), NULL);
  int fds[2];
  pid_t child;
  char ok = 0;
  if (vps_pidfile_alive (name, VPS_WATCHER))
    return carrel_fail (err, EBUSY,
                        "VPS %s is already running (its supervisor is gone; a watcher carries out its "
                        "restart policy)",
                        name);
  pidfd = (int)syscall (SYS_pidfd_open, st->pid, 0);
  if (pidfd < 0 && errno == ESRCH)
    return 0;
  if (pidfd < 0)
    return carrel_fail (err, errno, "VPS %s: pidfd_open of its init (pid %d)", name, (int)st->pid);
  /* Opened first, checked after: the pidfd is of the recorded init, not of a reused pid. */
  if (!proc_is (st->pid, st->pid_start))
    return 0;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return carrel_fail (err, errno, "pipe");
  ready_r = fds[0];
  ready_w = fds[1];
  child = fork ();
  if (child < 0)
    return carrel_fail (err, errno, "fork the watcher of VPS %s", name);
  if (child == 0)
    {
      sigset_t none;
      int null;
      setsid ();
      if (fork () != 0)
        _exit (0); /* the watcher is nobody's child but the reaper's */
      prctl (PR_SET_NAME, "carrel-watch");
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGPIPE, SIG_IGN);
      null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (null >= 0)
        {
          dup2 (null, 0);
          dup2 (null, 1);
          dup2 (null, 2);
        }
      /* Pin nobody's directory; the paths it uses are absolute. */
      if (abs_data)
        setenv ("CARREL_DATA_DIR", abs_data, 1);
      if (chdir ("/") < 0)
        _exit (1);
      vps_pidfile_write (name, VPS_WATCHER);
      (void)!write (ready_w, "1", 1);
      close_all_but (pidfd);
      watch (abs_root ? abs_root : root, name, pidfd, st->pid);
    }
  close (take_fd (&ready_w));
  waitpid (child, NULL, 0);
  if (read (ready_r, &ok, 1) != 1)
    return carrel_fail (err, EIO, "VPS %s: the watcher did not start", name);
  return 1;
}
