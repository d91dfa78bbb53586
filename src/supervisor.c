/* The per-container supervisor: parent of the container's init, reaps it, records how it ended,
 * relays `start`, and tells waiting clients about the exit. Single-threaded, no big buffers: a host
 * runs one per container. It exits once the init has exited and the exit is recorded. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "runtime.h"
#include "state.h"
#include "sync.h"
#include "util.h"

#define MAX_CLIENTS 16

struct supervisor
{
  struct supervisor_config *cfg;
  pid_t init_pid;
  bool committed; /* the CLI finished create: the container is ours to keep */
  bool started;
  bool exited;
  int wait_status;
  int listen_fd;
  int clients[MAX_CLIENTS];
  bool waiting[MAX_CLIENTS];
  bool monitor_reaps;
  int init_pidfd;
  struct sync_msg scratch;
};

static int
ctl_listen (int dirfd, struct carrel_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return carrel_fail (err, errno, "control socket");
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/" CTL_SOCKET, dirfd);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 16) < 0)
    {
      int e = errno;
      close (fd);
      return carrel_fail (err, e, "bind control socket");
    }
  return fd;
}

static void
client_close (struct supervisor *s, int i)
{
  close (s->clients[i]);
  s->clients[i] = -1;
  s->waiting[i] = false;
}

static void
reply_exited (int fd, int status)
{
  struct carrel_error ignored;
  sync_send (fd, SYNC_EXITED, 0, status, NULL, &ignored);
}

/* Relay start to the init and report how it went: EXECUTING then EOF is success (the socket is
 * close-on-exec); an error message or EOF without EXECUTING is a failure. */
static void
do_start (struct supervisor *s, int client, const char *hook_state)
{
  struct carrel_error err = { 0 };
  struct sync_msg *msg = xmalloc (sizeof *msg);
  bool executing = false;
  if (s->started || s->exited)
    {
      carrel_fail (&err, EINVAL, "the container was already started");
      sync_send_error (client, &err);
      free (msg);
      return;
    }
  s->started = true;
  if (sync_send (s->cfg->start_sock, SYNC_START, 0, 0, hook_state, &err) < 0)
    goto fail;
  for (;;)
    {
      if (sync_recv (s->cfg->start_sock, msg, &err) < 0)
        goto fail;
      if (msg->type == SYNC_EXECUTING)
        executing = true;
      else if (msg->type == SYNC_ERROR)
        {
          carrel_fail (&err, msg->errno_value, "%s", msg->data);
          goto fail;
        }
      else if (msg->type == 0)
        break;
    }
  if (!executing)
    {
      carrel_fail (&err, 0, "the container process exited before it could run the program");
      goto fail;
    }
  sync_send (client, SYNC_STARTED, 0, s->init_pid, NULL, &err);
  free (msg);
  return;
fail:
  sync_send_error (client, &err);
  free (msg);
}

static void
handle_message (struct supervisor *s, int i)
{
  struct sync_msg *msg = xmalloc (sizeof *msg);
  struct carrel_error err;
  int fd = s->clients[i];
  if (sync_recv (fd, msg, &err) < 0 || msg->type == 0)
    {
      /* The creating CLI went away before it committed: undo, nothing may be left running. */
      if (fd == s->cfg->cli_sock && !s->committed)
        kill (s->init_pid, SIGKILL);
      if (fd == s->cfg->cli_sock)
        s->cfg->cli_sock = -1;
      client_close (s, i);
      free (msg);
      return;
    }
  switch (msg->type)
    {
    case SYNC_CREATED:
      s->committed = true;
      break;
    case SYNC_START:
      do_start (s, fd, msg->data);
      break;
    case SYNC_WAIT:
      if (s->exited)
        reply_exited (fd, s->wait_status);
      else
        s->waiting[i] = true;
      break;
    default:
      carrel_fail (&err, EPROTO, "supervisor: unknown request %u", msg->type);
      sync_send_error (fd, &err);
    }
  free (msg);
}

static void
reap (struct supervisor *s)
{
  int status;
  pid_t pid;
  while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
    {
      if (pid != s->init_pid)
        continue;
      struct carrel_error err;
      s->exited = true;
      s->wait_status = status;
      if (s->committed || s->cfg->cli_sock < 0)
        state_write_exit (s->cfg->state_dirfd, status, &err);
      /* Every connected client hears of the exit: `run` may not have asked yet, and we leave now. */
      for (int i = 0; i < MAX_CLIENTS; i++)
        if (s->clients[i] >= 0)
          reply_exited (s->clients[i], status);

    }
}

static void
add_client (struct supervisor *s, int fd)
{
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (s->clients[i] < 0)
      {
        s->clients[i] = fd;
        return;
      }
  close (fd);
}

static void
loop (struct supervisor *s, int sigfd)
{
  struct pollfd pfd[MAX_CLIENTS + 3];
  while (!s->exited)
    {
      int n = 0;
      pfd[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
      pfd[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
      for (int i = 0; i < MAX_CLIENTS; i++)
        pfd[n++] = (struct pollfd){ .fd = s->clients[i], .events = POLLIN };
      pfd[n++] = (struct pollfd){ .fd = s->init_pidfd, .events = POLLIN };
      if (poll (pfd, n, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          _exit (1);
        }
      if (pfd[0].revents)
        {
          struct signalfd_siginfo si;
          while (read (sigfd, &si, sizeof si) > 0)
            ;
          reap (s);
        }
      if (pfd[1].revents & POLLIN)
        {
          int c = accept4 (s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
          if (c >= 0)
            add_client (s, c);
        }
      for (int i = 0; i < MAX_CLIENTS; i++)
        if (s->clients[i] >= 0 && pfd[2 + i].revents)
          handle_message (s, i);
      if (s->init_pidfd >= 0 && pfd[2 + MAX_CLIENTS].revents)
        {
          /* The monitor reaps it and has the status; we only know that it ended. */
          s->exited = true;
          s->wait_status = 0;
          for (int i = 0; i < MAX_CLIENTS; i++)
            if (s->clients[i] >= 0)
              reply_exited (s->clients[i], 0);

        }
    }
}

void
supervisor_main (struct supervisor_config *cfg)
{
  static struct supervisor s;
  struct carrel_error err = { 0 };
  sigset_t mask, empty;
  int sigfd;
  pid_t pid;

  s.cfg = cfg;
  s.listen_fd = -1;
  s.init_pidfd = -1;
  setsid ();
  signal (SIGPIPE, SIG_IGN);
  for (int i = 0; i < MAX_CLIENTS; i++)
    s.clients[i] = -1;
  sigemptyset (&empty);
  sigemptyset (&mask);
  sigaddset (&mask, SIGCHLD);
  sigprocmask (SIG_SETMASK, &mask, NULL);
  sigfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0)
    {
      carrel_fail (&err, errno, "supervisor: signalfd");
      goto fail;
    }
  s.listen_fd = ctl_listen (cfg->state_dirfd, &err);
  if (s.listen_fd < 0)
    goto fail;
  if (sync_send (cfg->cli_sock, SYNC_HELLO, 0, getpid (), NULL, &err) < 0
      || sync_expect (cfg->cli_sock, SYNC_MODE, &s.scratch, "supervisor", &err) < 0)
    _exit (1);
  s.monitor_reaps = s.scratch.pid == REAPER_MONITOR;
  if (ns_prepare_for_children (cfg->init.spec, &err) < 0)
    goto fail;

  pid = syscall (SYS_clone, (unsigned long) (cfg->clone_flags | SIGCHLD | (s.monitor_reaps ? CLONE_PARENT : 0)),
                 NULL, NULL, NULL, 0);
  if (pid < 0)
    {
      carrel_fail (&err, errno, "create the container's namespaces (clone)");
      goto fail;
    }
  if (pid == 0)
    {
      close (cfg->cli_sock);
      close (cfg->start_sock);
      close (cfg->state_dirfd);
      close (sigfd);
      close (s.listen_fd);
      sigprocmask (SIG_SETMASK, &empty, NULL);
      signal (SIGPIPE, SIG_DFL);
      container_init (&cfg->init);
    }
  s.init_pid = pid;
  if (s.monitor_reaps)
    {
      /* Not our child: watch it through a pidfd; the monitor learns the exit status. */
      s.init_pidfd = syscall (SYS_pidfd_open, pid, 0);
    }
  close (cfg->init_cli_sock);
  close (cfg->init_start_sock);
  if (sync_send (cfg->cli_sock, SYNC_PID, 0, pid, NULL, &err) < 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      _exit (1);
    }
  {
    /* Keep no pipe of the caller's open: engines wait for EOF on the container's stdio. */
    int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0)
      {
        dup2 (null, 0);
        dup2 (null, 1);
        dup2 (null, 2);
        close (null);
      }
  }
  add_client (&s, cfg->cli_sock);
  loop (&s, sigfd);
  /* Let waiting clients read the exit before we go. */
  _exit (0);

fail:
  sync_send_error (cfg->cli_sock, &err);
  _exit (1);
}
