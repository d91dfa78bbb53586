/* The per-container supervisor: parent of the container's init, reaps it, records how it ended,
 * relays `start`, and tells waiting clients about the exit. Single-threaded, no big buffers: a host
 * runs one per container. It exits once the init has exited and the exit is recorded. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "cgroup.h"
#include "fault.h"
#include "idmap_mount.h"
#include "ns_stage.h"
#include "runtime.h"
#include "seccomp_filter.h"
#include "state.h"
#include "supervisor_console.h"
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
  bool cleaned; /* clean_up_for_cli ran */
  int wait_status;
  int listen_fd;
  int clients[MAX_CLIENTS];
  bool waiting[MAX_CLIENTS];
  bool monitor_reaps;
  int init_pidfd;
  int unified_made;            /* early: cgroup2 directories made for the clone (cgroup_early_plan) */
  struct sup_console *console; /* CARREL_CONSOLE_SUPERVISOR only */
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
  if (bind (fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen (fd, 16) < 0)
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

/* run's CLI started the init itself (start_at_once) and has not had our SYNC_STARTED yet: a
 * quick program may be gone already. The CLI hears of the exit after the start, and we stay. */
static bool
start_owed (const struct supervisor *s)
{
  return s->cfg->init.start_at_once && !s->started && s->cfg->cli_sock >= 0;
}

/* A foreground run: the CLI that waits deletes the container, and we remove the cgroup meanwhile. */
static bool
cleans_after_cli (const struct supervisor *s)
{
  return s->cfg->remove_cgroup_at_exit && s->committed && s->cfg->init.cgroup_path;
}

/* Every connected client hears of the exit: `run` may not have asked yet, and we leave now. */
static void
announce_exit (struct supervisor *s)
{
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (s->clients[i] >= 0 && !(start_owed (s) && s->clients[i] == s->cfg->cli_sock))
      reply_exited (s->clients[i], s->wait_status);
}

/* Relay start to the init and report how it went: EXECUTING then EOF is success (the socket is
 * close-on-exec); an error message or EOF without EXECUTING is a failure. */
static void
do_start (struct supervisor *s, int client, const char *hook_state)
{
  struct carrel_error err = { 0 };
  struct sync_msg *msg = xmalloc (sizeof *msg);
  bool executing = false;
  if (s->started || (s->exited && !s->cfg->init.start_at_once))
    {
      carrel_fail (&err, EINVAL, "the container was already started");
      sync_send_error (client, &err);
      free (msg);
      return;
    }
  s->started = true;
  /* run's CLI told the init to start already: only its report is ours to relay. */
  if (!s->cfg->init.start_at_once && sync_send (s->cfg->start_sock, SYNC_START, 0, 0, hook_state, &err) < 0)
    goto fail;
  for (;;)
    {
      if (sync_recv (s->cfg->start_sock, msg, &err) < 0)
        goto fail;
      if (msg->type == SYNC_EXECUTING)
        executing = true;
      else if (msg->type == SYNC_SECCOMP_NOTIFY)
        seccomp_notify_forward (s->cfg->start_sock, s->cfg->init.spec, hook_state, s->init_pid);
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
  if (s->exited)
    reply_exited (client, s->wait_status); /* start_owed: it ran and ended meanwhile */
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
    case SYNC_QUERY:
      /* For a forced delete whose state file is unreadable: what runs, and where. */
      {
        char where[4200] = "";
        if (s->cfg->init.cgroup_path)
          snprintf (where, sizeof where, "%s:%s", s->cfg->init.cgroup_owned ? "owned" : "joined",
                    s->cfg->init.cgroup_path);
        sync_send (fd, SYNC_PID, 0, s->init_pid, where, &err);
      }
      break;

    default:
      carrel_fail (&err, EPROTO, "supervisor: unknown request %u", msg->type);
      sync_send_error (fd, &err);
    }
  free (msg);
}

/* A foreground run's last step, as soon as the init is gone and the CLI has heard: the CLI
 * removes the state meanwhile and waits for our OK. */
static void
clean_up_for_cli (struct supervisor *s)
{
  struct supervisor_config *cfg = s->cfg;
  struct carrel_error err;
  struct stat dir;
  bool removed;
  if (s->cleaned || !cleans_after_cli (s))
    return;
  s->cleaned = true;
  if (fault_point ("supervisor.before-cgroup-removal", &err) < 0)
    _exit (1);
  /* Also with a pid namespace: a process may have joined the cgroup from outside it. */
  cgroup_signal_all (cfg->init.cgroup_path, SIGKILL, &err);
  removed = cgroup_remove_path (cfg->init.cgroup_path, cfg->init.cgroup_owned, &err) == 0;
  /* OK means removed: otherwise the CLI removes it, and says what failed. */
  if (removed && cfg->cli_sock >= 0)
    sync_send (cfg->cli_sock, SYNC_OK, 0, 0, NULL, &err);
  /* For a CLI that died before its delete; usually the directory is gone (no links) by now. */
  if (s->exited && fstat (cfg->state_dirfd, &dir) == 0 && dir.st_nlink > 0)
    state_write_exit (cfg->state_dirfd, s->wait_status, &err);
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
      /* An abandoned create has no container to report on; its state directory is being
       * removed (by the CLI, or by a delete --force racing us). A foreground run's CLI removes it
       * as soon as it hears, so it hears first: the record is written as we leave (cleans_after_cli). */
      if (s->committed && !cleans_after_cli (s))
        state_write_exit (s->cfg->state_dirfd, status, &err);

      if (fault_point ("supervisor.after-exit-record", &err) < 0)
        _exit (1);
      announce_exit (s);
      /* A CLI still owed its start report hears of the exit after it: clean up after that.
       * A socket's wake-up is a sync one: the CLI we just woke waits on our CPU for us to sleep,
       * and the cgroup removal would keep it waiting. Yield first: its state removal, then ours. */
      if (!start_owed (s))
        {
          if (cleans_after_cli (s))
            sched_yield ();
          clean_up_for_cli (s);
        }
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

/* A system call whose instruction lies in carrel's own text. After shed_memory dropped libc's
 * pages, the idle wait must not fault them back in: libc's text sits in large folios in the page
 * cache, and one fault maps a whole folio (hundreds of KiB) into this process. -errno on failure. */
static long
own_syscall (long nr, long a, long b, long c, long d)
{
#if defined(__x86_64__)
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
#else
  long r = syscall (nr, a, b, c, d);
  return r < 0 ? -errno : r;
#endif
}

#define SHED_MAX_RANGES 128

/* The supervisor is a fork of the CLI: it maps every page the CLI touched (the parser, libc,
 * jansson, libseccomp). Hand back what it will not use while idle: read-only file pages (re-read
 * from the page cache if ever needed again) and the heap's free memory. One supervisor runs per
 * container, so this is what a host with a thousand containers pays a thousand times. The ranges
 * are collected first and dropped last, with our own system call, so that no libc code runs after
 * its pages went. The unused depth of the stack goes too. */
static void
shed_memory (void)
{
  static struct
  {
    unsigned long start, len;
  } ranges[SHED_MAX_RANGES];
  size_t n_ranges = 0;
  char buf[8192];
  size_t used = 0;
  ssize_t n;
  unsigned long start = 0, end = 0, stack_low = 0, below;
  bool candidate = false;
  int fd = open ("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  for (;;)
    {
      char *line = buf, *nl;
      n = read (fd, buf + used, sizeof buf - 1 - used);
      if (n > 0)
        used += n;
      buf[used] = '\0';
      while ((nl = strchr (line, '\n')))
        {
          unsigned long a, b;
          char perms[5];
          unsigned long kb;
          *nl = '\0';
          if (sscanf (line, "%lx-%lx %4s", &a, &b, perms) == 3)
            {
              /* File-backed, not writable, private: its content is the file's, unless relocations
               * wrote to it (RELRO): "Anonymous:" tells, below. */
              start = a;
              end = b;
              candidate = perms[1] == '-' && perms[3] == 'p' && strchr (line, '/') != NULL;
              if (strstr (line, "[stack]"))
                stack_low = a;
            }
          else if (candidate && sscanf (line, "Anonymous: %lu kB", &kb) == 1)
            {
              if (kb == 0 && n_ranges < SHED_MAX_RANGES)
                {
                  ranges[n_ranges].start = start;
                  ranges[n_ranges++].len = end - start;
                }
              candidate = false;
            }
          line = nl + 1;
        }
      used = strlen (line);
      memmove (buf, line, used);
      if (n <= 0)
        break;
    }
  close (fd);
  malloc_trim (0);
  /* The stack below us holds only what the CLI's deep calls left there: zero pages will do. A
   * margin stays for the frames still to come (the system calls below, the poll loop's). */
  below = ((unsigned long)&below & ~4095UL) - 16384;
  if (stack_low && below > stack_low && n_ranges < SHED_MAX_RANGES)
    {
      ranges[n_ranges].start = stack_low;
      ranges[n_ranges++].len = below - stack_low;
    }
  for (size_t i = 0; i < n_ranges; i++)
    own_syscall (SYS_madvise, (long)ranges[i].start, (long)ranges[i].len, MADV_DONTNEED, 0);
}

/* The cgroup the CLI made while we started ("owned:/carrel/c1" or "joined:/path"): the init is
 * born there (cgroup_self_move_plan). */
static int
use_cgroup (struct supervisor_config *cfg, const char *where, struct carrel_error *err)
{
  const char *path = strchr (where, ':');
  if (path == NULL || path[1] != '/')
    return carrel_fail (err, EPROTO, "supervisor: bad cgroup \"%s\"", where);
  cfg->init.cgroup_owned = strncmp (where, "owned:", 6) == 0;
  cfg->init.cgroup_path = xstrdup (path + 1);
  return cgroup_self_move_plan (cfg->init.cgroup_path, &cfg->cgroup_enter, &cfg->cgroup_leave,
                                &cfg->cgroup_fd, err);
}

/* Write "0" (ourselves) to each v1 tasks file: see cgroup_self_move_plan. */
static bool
move_self (char **tasks_files)
{
  struct carrel_error ignored;
  for (char **f = tasks_files; *f; f++)
    if (write_file_at (AT_FDCWD, *f, "0", 1, &ignored) < 0)
      return false;
  return true;
}

/* Who reaps the container's init. The supervisor does, unless an engine's monitor (a subreaper
 * above us: conmon, the containerd shim) adopted the supervisor: engines wait for the init as
 * their own child, as they do with runc, so then the init is cloned as the monitor's child. A
 * foreground `run` always keeps the supervisor as the reaper: it needs the exit status.
 * CARREL_REAPER=supervisor|monitor decides for tests and odd setups. 0: it depends on the parent. */
int
reaper_chosen (bool foreground)
{
  const char *env = getenv ("CARREL_REAPER");
  if (foreground || (env && strcmp (env, "supervisor") == 0))
    return REAPER_SUPERVISOR;
  if (env && strcmp (env, "monitor") == 0)
    return REAPER_MONITOR;
  return 0;
}

int
reaper_for_parent (pid_t supervisor_parent)
{
  return supervisor_parent > 1 ? REAPER_MONITOR : REAPER_SUPERVISOR;
}

/* Early mode: the reaper is decided here, not by the CLI. Our first parent was the middle of the
 * double fork: once it is gone, we have been adopted. */
static int
early_reaper (const struct supervisor_config *cfg)
{
  int chosen = reaper_chosen (cfg->foreground);
  int fd;
  if (chosen)
    return chosen;
  /* While it is our parent its pid cannot be reused: only then is the pidfd surely its. */
  fd = getppid () == cfg->middle_pid ? syscall (SYS_pidfd_open, cfg->middle_pid, 0) : -1;
  if (fd >= 0)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      while (poll (&p, 1, 5000) < 0 && errno == EINTR)
        ;
      close (fd);
    }
  return reaper_for_parent (getppid ());
}

static void
loop (struct supervisor *s, int sigfd)
{
  struct pollfd pfd[MAX_CLIENTS + 3 + SUP_CONSOLE_NFDS];
  bool busy = true;
  while (!s->exited || start_owed (s))
    {
      int n = 0, r;

      pfd[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
      pfd[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
      for (int i = 0; i < MAX_CLIENTS; i++)
        pfd[n++] = (struct pollfd){ .fd = s->clients[i], .events = POLLIN };
      pfd[n++] = (struct pollfd){ .fd = s->init_pidfd, .events = POLLIN };
      if (s->console)
        n += sup_console_fill (s->console, pfd + n);
      /* After a second without events, give back what the last ones paged in. */
      if (busy)
        r = poll (pfd, n, 1000);
      else if ((r = (int)own_syscall (SYS_ppoll, (long)pfd, n, 0, 0)) < 0)
        {
          errno = -r;
          r = -1;
        }
      if (r == 0)
        {
          if (s->started && s->cfg->release)
            {
              /* Running: the config and the filter are of no more use here. */
              s->cfg->release (s->cfg->release_arg);
              s->cfg->release = NULL;
              s->cfg->init.spec = NULL;
            }
          shed_memory ();
          busy = false;
          continue;
        }
      busy = true;
      if (r < 0)
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
          announce_exit (s);
          close (s->init_pidfd);
          s->init_pidfd = -1;
        }
      if (s->console)
        sup_console_handle (s->console, pfd + 3 + MAX_CLIENTS);
    }
}

/* The restart policy: the supervisor decides; `restart_argv` (e.g. `carrel vps start --restarted`)
 * does it, in a new session, after the exit is recorded and this supervisor is gone. A
 * pid-namespace init that halted or powered off (reboot(2)) ends with SIGINT: a clean stop. */
static void
maybe_restart (struct supervisor *s)
{
  int st = s->wait_status;
  bool failed = (WIFEXITED (st) && WEXITSTATUS (st) != 0) || (WIFSIGNALED (st) && WTERMSIG (st) != SIGINT);
  sigset_t empty;
  if (s->cfg->restart_argv == NULL || !s->committed || !s->started || s->monitor_reaps)
    return;
  if (s->cfg->restart_policy == CARREL_RESTART_NO
      || (s->cfg->restart_policy == CARREL_RESTART_ON_FAILURE && !failed))
    return;
  if (fork () == 0)
    {
      setsid ();
      sigemptyset (&empty);
      sigprocmask (SIG_SETMASK, &empty, NULL);
      signal (SIGPIPE, SIG_DFL);
      execv (s->cfg->restart_argv[0], s->cfg->restart_argv);
      _exit (127);
    }
}

void
supervisor_main (struct supervisor_config *cfg)
{

  static struct supervisor s;
  struct ns_stage stage;
  struct carrel_error err = { 0 };
  sigset_t mask, empty;
  int sigfd;
  pid_t pid;
  bool moved_self, into_cgroup, entered_cgroup, cli_gone;
  char born[32] = "";

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
  if (sync_send (cfg->cli_sock, SYNC_HELLO, 0, getpid (), NULL, &err) < 0)
    _exit (1);
  if (cfg->early)
    {
      s.monitor_reaps = early_reaper (cfg) == REAPER_MONITOR;
      /* A hybrid host's cgroup2 side, for clone3; the CLI makes the v1 side meanwhile. */
      if (cgroup_early_plan (cfg->early_path, &cfg->cgroup_fd, &s.unified_made, &err) < 0)
        goto fail;
    }
  else
    {
      if (sync_expect (cfg->cli_sock, SYNC_MODE, &s.scratch, "supervisor", &err) < 0)
        _exit (1);
      s.monitor_reaps = s.scratch.pid == REAPER_MONITOR;
      if (s.scratch.data[0] && use_cgroup (cfg, s.scratch.data, &err) < 0)
        goto fail;
    }
  if (ns_prepare_for_children (cfg->init.spec, &err) < 0)
    goto fail;
  if (idmap_mounts_prepare (cfg->init.spec, cfg->init.bundle, &err) < 0)
    goto fail;

  if (fault_point ("supervisor.before-clone", &err) < 0)
    goto fail;
  if (ns_stage_begin (cfg->init.spec, cfg->clone_flags, &stage, &err) < 0)
    goto fail;
  /* v1 hierarchies: we step in and the init is born there; v2 (also a hybrid host's cgroup2
   * side): clone3 puts it there. Neither takes the global lock a cgroup.procs write takes. */
  moved_self = cfg->cgroup_enter && move_self (cfg->cgroup_enter);
  if (cfg->cgroup_enter && !moved_self)
    move_self (cfg->cgroup_leave); /* partly moved: back to where we were */
  /* clone3 with CLONE_INTO_CGROUP (v2) starts the init in its cgroup, with no migration later. */
  pid = clone_into_cgroup ((unsigned)(stage.active ? 0 : cfg->clone_flags)
                               | (s.monitor_reaps ? CLONE_PARENT : 0),
                           cfg->cgroup_fd, &into_cgroup);
  if (pid != 0 && moved_self)
    move_self (cfg->cgroup_leave);
  /* Otherwise the CLI moves the init the ordinary way. */
  entered_cgroup = moved_self && (cfg->cgroup_fd < 0 || into_cgroup);

  if (cfg->cgroup_fd >= 0)
    close (cfg->cgroup_fd);
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
      if (cfg->console_fd >= 0)
        close (cfg->console_fd);
      sigprocmask (SIG_SETMASK, &empty, NULL);
      signal (SIGPIPE, SIG_DFL);
      ns_stage_child (cfg->init.spec, &stage); /* returns in the init only */
      container_init (&cfg->init);
    }
  if (stage.active && (pid = ns_stage_finish (&stage, pid, !s.monitor_reaps, &err)) < 0)
    goto fail;
  s.init_pid = pid;
  /* After the clone: the init's setup need not wait for this. */
  s.listen_fd = ctl_listen (cfg->state_dirfd, &err);
  if (s.listen_fd < 0)
    {
      kill (pid, SIGKILL);
      goto fail;
    }
  /* The fds passed to the container (--preserve-fds) are the container's: a pipe's reader must see
   * EOF when the container closes it, not when the supervisor goes. carrel's own fds lie above. */
  if (cfg->init.preserve_fds > 0)
    syscall (SYS_close_range, 3, 3 + cfg->init.preserve_fds - 1, 0);

  idmap_mounts_release (); /* the init has its copies */
  if (s.monitor_reaps)
    {
      /* Not our child: watch it through a pidfd; the monitor learns the exit status. */
      s.init_pidfd = syscall (SYS_pidfd_open, pid, 0);
    }
  close (cfg->init_cli_sock);
  close (cfg->init_start_sock);
  if (cfg->console_fd >= 0)
    s.console = sup_console_open (cfg->console_fd, cfg->state_dirfd, cfg->console_log);
  /* Early: the init is in the cgroup2 side (if the host has one); it joins the v1 ones itself.
   * The CLI learns how many cgroup2 directories we made: they are the container's to remove. */
  if (cfg->early)
    {
      entered_cgroup = cfg->cgroup_fd < 0 || into_cgroup;
      snprintf (born, sizeof born, "%s:%d", entered_cgroup ? "born" : "made", s.unified_made);
    }
  else if (entered_cgroup)
    snprintf (born, sizeof born, "in-cgroup");
  cli_gone = sync_send (cfg->cli_sock, SYNC_PID, 0, pid, born, &err) < 0;
  /* Once the CLI has the pid (it goes on with the cgroup and GO), and after the control socket
   * exists (the init cannot report CREATED before it has this): the init waits for it at its
   * first sysfs mount. A failure is the init's to report, as its setup's. */
  if (!cli_gone && cfg->init.netns_from_supervisor && ns_make_net_for_init (cfg->start_sock, &err) < 0)
    sync_send_error (cfg->start_sock, &err);
  if (cli_gone || (cfg->early && sync_expect (cfg->cli_sock, SYNC_MODE, &s.scratch, "supervisor", &err) < 0))
    {
      /* The CLI is gone before it made the cgroup: what we made is ours to undo. */
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      if (cfg->early)
        cgroup_early_undo (cfg->early_path, s.unified_made);
      _exit (1);
    }
  if (cfg->early && s.scratch.data[0])
    {
      /* Early: the cgroup the CLI made meanwhile, for a forced delete's SYNC_QUERY. */
      const char *path = strchr (s.scratch.data, ':');
      cfg->init.cgroup_owned = strncmp (s.scratch.data, "owned:", 6) == 0;
      cfg->init.cgroup_path = path ? xstrdup (path + 1) : NULL;
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
  if (s.console)
    sup_console_close (s.console);
  clean_up_for_cli (&s);
  maybe_restart (&s);

  /* Let waiting clients read the exit before we go. _exit skips LeakSanitizer's check at exit:
   * in a sanitizer build the supervisor asks for it itself. */
#if defined(__SANITIZE_ADDRESS__)
  __lsan_do_leak_check ();
#endif
  _exit (0);

fail:
  sync_send_error (cfg->cli_sock, &err);
  if (cfg->early)
    cgroup_early_undo (cfg->early_path, s.unified_made);
  _exit (1);
}
