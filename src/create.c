/* create, start and run: the CLI side of bringing a container up. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "fault.h"
#include "network.h"
#include "runtime.h"
#include "seccomp_filter.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

/* Everything a create owns until it commits; on failure, undone in reverse. */
struct create_ctx
{
  const struct carrel_create_options *opts;
  struct carrel_spec *spec;
  char *config_text;
  size_t config_len;
  char *bundle;
  char *rootfs;
  int dirfd;
  int sup_sock;
  pid_t sup_pid;
  pid_t init_pid;
  struct cgroup *cgroup;
  struct seccomp_program seccomp_prog;
  bool network_done;

  int console_sock; /* the init's end of the console channel */
  int console_peer; /* run with a terminal and no --console-socket: our end */
  int master;       /* the pty master received on console_peer */

  int console_sup; /* CARREL_CONSOLE_SUPERVISOR: the supervisor's end */
  struct carrel_state st;

  /* run without a terminal: the init is told to start as soon as it reports created, instead of
   * through the supervisor's relay, and the created state is not written (run holds the state
   * lock from create to start: no one else can see or start a created container). */
  bool run;
  bool start_at_once;
  bool start_unasked;    /* init_config.start_unasked */
  bool pid_file_written; /* --pid-file: removed again if the create fails after */
  bool hooks_handshake;  /* init_config.hooks_handshake */

  /* linux.seccomp's JSON text (seccomp_parse_config), and the filter cache. */
  char *profile;
  int cache_fd;

  /* Early mode (see plan_early): the init is cloned while we make its cgroup. */
  bool early;
  char *early_path; /* the cgroup's path, for cgroup_create too */
};

static void
ctx_release (struct create_ctx *c)
{
  if (c->dirfd >= 0)
    close (c->dirfd);
  if (c->sup_sock >= 0)
    close (c->sup_sock);
  if (c->console_sock >= 0)
    close (c->console_sock);
  if (c->console_peer >= 0)
    close (c->console_peer);
  if (c->master >= 0)
    close (c->master);

  if (c->console_sup >= 0)
    close (c->console_sup);
  if (c->cache_fd >= 0)
    close (c->cache_fd);
  free (c->profile);
  free (c->early_path);
  cgroup_free (c->cgroup);
  seccomp_program_free (&c->seccomp_prog);
  carrel_spec_free (c->spec);

  free (c->config_text);
  free (c->bundle);
  free (c->rootfs);
  carrel_state_free (&c->st);
}

/* In the supervisor, a fork of the CLI, once the container runs: it keeps fds, pids and the
 * cgroup; the config, its text, the filter and the state record were the create's. */
static void
ctx_release_in_supervisor (void *arg)
{
  struct create_ctx *c = arg;
  seccomp_program_free (&c->seccomp_prog);
  carrel_spec_free (c->spec);
  c->spec = NULL;
  free (c->config_text);
  c->config_text = NULL;
  carrel_state_free (&c->st);
}

/* The supervisor's first word: its pid. Bounded: it says it at once, or fails and closes. */
static int
await_hello (struct create_ctx *c, struct sync_msg *msg, struct carrel_error *err)
{
  struct pollfd p = { .fd = c->sup_sock, .events = POLLIN };
  int r;
  while ((r = poll (&p, 1, 10000)) < 0 && errno == EINTR)
    ;
  if (r == 0)
    return carrel_fail (err, ETIMEDOUT, "start the supervisor: no answer");
  if (sync_expect (c->sup_sock, SYNC_HELLO, msg, "start the supervisor", err) < 0)
    return -1;
  c->sup_pid = msg->pid;
  return 0;
}

/* Undo a create that did not commit: the supervisor kills the init when its socket closes. */
static void
ctx_abort (struct create_ctx *c)
{
  struct carrel_error ignored;
  if (c->sup_sock >= 0 && c->sup_pid <= 0)
    {
      /* Spawned, not heard from yet: learn its pid, so that we can wait for it to go below. */
      struct sync_msg *msg = xmalloc (sizeof *msg);
      await_hello (c, msg, &ignored);
      free (msg);
    }
  if (c->init_pid > 0)
    kill (c->init_pid, SIGKILL);
  if (c->sup_sock >= 0)
    {
      close (c->sup_sock);
      c->sup_sock = -1;
    }
  if (c->sup_pid > 0)
    {
      /* Not our child (it was forked twice): wait through a pidfd, bounded. */
      cleanup_fd int pidfd = syscall (SYS_pidfd_open, c->sup_pid, 0);
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      if (pidfd >= 0)
        while (poll (&p, 1, 5000) < 0 && errno == EINTR)
          ;
    }
  if (c->network_done)
    network_teardown_at (c->opts->id, c->dirfd, &ignored);

  /* Early: a cgroup2 side the supervisor made and we never counted is the supervisor's to undo. */
  if (c->cgroup)
    cgroup_destroy (c->cgroup, &ignored);
  if (c->dirfd >= 0)
    state_dir_remove (c->opts->root, c->opts->id, &ignored);
  if (c->pid_file_written)
    unlink (c->opts->pid_file);
}

static int
validate_for_create (struct create_ctx *c, struct carrel_error *err)
{
  const struct carrel_spec *spec = c->spec;
  struct stat st;
  if (!spec->has_process)
    return carrel_fail (err, EINVAL, "config.json: process: required to create a container");
  if (spec->process.n_args == 0)
    return carrel_fail (err, EINVAL, "config.json: process.args: must not be empty");
  if (spec->root_path == NULL)
    return carrel_fail (err, EINVAL, "config.json: root.path: required");
  if (spec->linux_.has_intel_rdt)
    return carrel_fail (err, ENOTSUP, "config.json: linux.intelRdt: not supported by carrel");
  if (spec->linux_.has_memory_policy)
    return carrel_fail (err, ENOTSUP, "config.json: linux.memoryPolicy: not supported by carrel");
  if (spec->linux_.has_personality)
    return carrel_fail (err, ENOTSUP, "config.json: linux.personality: not supported by carrel");
  if (spec->process.terminal && c->opts->console_socket == NULL && !c->opts->foreground_run
      && c->opts->console_mode != CARREL_CONSOLE_SUPERVISOR)
    return carrel_fail (err, EINVAL, "config.json: process.terminal is true: --console-socket is required");
  c->rootfs = spec->root_path[0] == '/' ? xstrdup (spec->root_path)
                                        : xasprintf ("%s/%s", c->bundle, spec->root_path);
  if (stat (c->rootfs, &st) < 0)
    return carrel_fail (err, errno, "rootfs %s", c->rootfs);
  if (!S_ISDIR (st.st_mode))
    return carrel_fail (err, ENOTDIR, "rootfs %s", c->rootfs);
  return 0;
}

static int
load_bundle (struct create_ctx *c, struct carrel_error *err)
{
  char path[PATH_MAX];
  cleanup_free char *config = NULL;
  if (realpath (c->opts->bundle ? c->opts->bundle : ".", path) == NULL)
    return carrel_fail (err, errno, "bundle %s", c->opts->bundle ? c->opts->bundle : ".");
  c->bundle = xstrdup (path);
  config = xasprintf ("%s/config.json", c->bundle);
  if (read_file_at (AT_FDCWD, config, &c->config_text, &c->config_len, err) < 0)
    return -1;
  if (seccomp_parse_config (c->config_text, c->config_len, "config.json", c->opts->root, &c->cache_fd,
                            &c->spec, &c->seccomp_prog, &c->profile, err)
      < 0)
    return -1;
  return validate_for_create (c, err);
}

/* Socket activation: the process learns of its fds as systemd tells a service (runc sets
 * LISTEN_PID=1: the process is pid 1 of the container's pid namespace). */
static void
add_listen_env (struct carrel_process *p, int n)
{
  char *vars[2] = { xasprintf ("LISTEN_FDS=%d", n), xstrdup ("LISTEN_PID=1") };
  for (int v = 0; v < 2; v++)
    {
      size_t name_len = strchr (vars[v], '=') - vars[v] + 1;
      size_t i;
      for (i = 0; i < p->n_env && strncmp (p->env[i], vars[v], name_len) != 0; i++)
        ;
      if (i == p->n_env)
        {
          p->env = xrealloc (p->env, (p->n_env + 2) * sizeof (char *));
          p->n_env++;
          p->env[p->n_env] = NULL;
        }
      else
        free (p->env[i]);
      p->env[i] = vars[v];
    }
}

/* Root of a user namespace that is not the host's (rootless podman runs us so): cgroups may not be
 * delegated, so their failures are warnings, as for a user. */
static bool
in_user_namespace (void)
{
  char buf[128] = "";
  cleanup_fd int fd = open ("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
  unsigned long a = 0, b = 0, n = 0;
  if (fd < 0 || read (fd, buf, sizeof buf - 1) <= 0 || sscanf (buf, "%lu %lu %lu", &a, &b, &n) != 3)
    return false;
  return !(a == 0 && b == 0 && n == 4294967295UL);
}

static void
init_state (struct create_ctx *c)
{
  char when[64];
  struct carrel_state *st = &c->st;
  st->id = xstrdup (c->opts->id);
  st->bundle = xstrdup (c->bundle);
  now_rfc3339 (when, sizeof when);
  st->created = xstrdup (when);
  /* The uid, not the name: a name lookup would load NSS modules on the start path; list resolves it. */
  st->owner = xasprintf ("%u", geteuid ());
  st->annotations_json = spec_annotations_json (c->spec);
  st->status = CARREL_STATUS_CREATING;
}

/* The reaper for a supervisor the CLI has heard from (see reaper_for): its parent, from /proc. */
static int
choose_reaper (pid_t supervisor, bool foreground)
{
  char path[64];
  cleanup_file FILE *f = NULL;
  char line[256];
  int chosen = reaper_chosen (foreground);
  if (chosen)
    return chosen;
  snprintf (path, sizeof path, "/proc/%d/status", supervisor);
  f = fopen (path, "re");
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, "PPid:", 5) == 0)
      return reaper_for_parent (atoi (line + 5));
  return REAPER_SUPERVISOR;
}

/* --preserve-fds: fds 3..3+N-1 are the caller's for the container; carrel's own must not sit there
 * (they would shadow the caller's or be passed on). Best effort: on failure the fd stays. */
static void
move_above (int *fd, int min)
{
  int nfd;
  if (*fd < 0 || *fd >= min || (nfd = fcntl (*fd, F_DUPFD_CLOEXEC, min)) < 0)
    return;
  close (*fd);
  *fd = nfd;
}

static int
spawn (struct create_ctx *c, int flags, bool unprivileged, struct carrel_error *err)
{
  int cli_init[2], cli_sup[2], sup_init[2];
  struct supervisor_config sc = { 0 };
  pid_t pid;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cli_init) < 0)
    return carrel_fail (err, errno, "socketpair");
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cli_sup) < 0)
    {
      close (cli_init[0]);
      close (cli_init[1]);
      return carrel_fail (err, errno, "socketpair");
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sup_init) < 0)
    {
      close (cli_init[0]);
      close (cli_init[1]);
      close (cli_sup[0]);
      close (cli_sup[1]);
      return carrel_fail (err, errno, "socketpair");
    }
  for (int i = 0; i < 2; i++)
    {
      move_above (&cli_init[i], 3 + c->opts->preserve_fds);
      move_above (&cli_sup[i], 3 + c->opts->preserve_fds);
      move_above (&sup_init[i], 3 + c->opts->preserve_fds);
    }
  move_above (&c->console_sock, 3 + c->opts->preserve_fds);
  move_above (&c->console_sup, 3 + c->opts->preserve_fds);
  sc.init = (struct init_config){ .spec = c->spec,
                                  .id = c->opts->id,
                                  .rootfs = c->rootfs,
                                  .bundle = c->bundle,
                                  .cli_sock = cli_init[1],
                                  .start_sock = sup_init[1],
                                  .new_ns_flags = flags,
                                  .no_pivot = c->opts->no_pivot,
                                  .no_new_keyring = c->opts->no_new_keyring,
                                  .preserve_fds = c->opts->preserve_fds,
                                  .console_socket = c->console_sock,
                                  .system_console = c->opts->console_mode == CARREL_CONSOLE_SUPERVISOR,
                                  .start_at_once = c->start_at_once,
                                  .start_unasked = c->start_unasked,
                                  .hooks_handshake = c->hooks_handshake,

                                  .seccomp_prog = c->seccomp_prog.filter ? &c->seccomp_prog : NULL };

  /* The supervisor gets its own open file description: the create's lock must not outlive us. */
  sc.state_dirfd = openat (c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (sc.state_dirfd < 0)
    {
      int e = errno;
      close (cli_init[0]);
      close (cli_init[1]);
      close (cli_sup[0]);
      close (cli_sup[1]);
      close (sup_init[0]);
      close (sup_init[1]);
      return carrel_fail (err, e, "open the state directory");
    }
  move_above (&sc.state_dirfd, 3 + c->opts->preserve_fds);
  sc.cli_sock = cli_sup[1];
  sc.init_cli_sock = cli_init[1];
  sc.init_start_sock = sup_init[1];
  sc.start_sock = sup_init[0];
  /* The time namespace is made by the supervisor (see namespaces.c); the cgroup namespace by the
   * init once it is in its cgroup, so that the namespace's root is the container's cgroup. */
  sc.clone_flags = flags & ~(CLONE_NEWTIME | CLONE_NEWCGROUP);
  /* A new network namespace the CLI does not configure (carrel's own network does, through the
   * init's pid, before GO) is made by the supervisor while the init starts (namespaces.c). Not in
   * a new user namespace (the network namespace must be that namespace's), and only from the
   * host's user namespace: in another one (rootless Podman runs us in its own) the supervisor
   * could not step back into the host's network namespace, which that one does not own. */
  if ((flags & CLONE_NEWNET) && !(flags & CLONE_NEWUSER) && !unprivileged && !network_wanted (c->spec))
    {
      sc.init.netns_from_supervisor = true;
      sc.clone_flags &= ~CLONE_NEWNET;
    }

  /* The cgroup does not exist yet: it is made while the supervisor starts, which learns it with
   * SYNC_MODE. */
  sc.cgroup_fd = -1;
  if (c->early)
    {
      sc.early = true;
      sc.early_path = c->early_path;
      sc.foreground = c->opts->foreground_run;
    }

  sc.remove_cgroup_at_exit = c->run && c->opts->foreground_run && !c->opts->keep;
  sc.console_fd = c->console_sup;
  sc.console_log = c->opts->console_log;
  sc.restart_policy = c->opts->restart_policy;
  sc.restart_argv = c->opts->restart_argv;
  sc.release = ctx_release_in_supervisor;
  sc.release_arg = c;
  /* Fork twice so the supervisor is orphaned at once and adopted by the nearest subreaper (an
   * engine's monitor such as conmon or the containerd shim) or by init. The middle process is a
   * vfork: it borrows our memory for the moment it takes to fork and exit, so our page tables are
   * copied once, not twice. _Fork skips the atfork handlers, which would run in our memory. (The
   * sanitizers' runtime wants its own fork.) */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  pid = fork ();
#else
  pid = vfork ();
#endif
  if (pid < 0)
    {
      int e = errno;
      close (cli_init[0]);
      close (cli_init[1]);
      close (cli_sup[0]);
      close (cli_sup[1]);
      close (sup_init[0]);
      close (sup_init[1]);
      return carrel_fail (err, e, "fork the supervisor");
    }
  if (pid == 0)
    {
      close (cli_init[0]);
      close (cli_sup[0]);
      close (c->dirfd);
      if (c->console_peer >= 0)
        close (c->console_peer);
      sc.middle_pid = getpid ();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
      if (fork () == 0)
#else
      if (_Fork () == 0)
#endif
        supervisor_main (&sc);
      _exit (0);
    }
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  close (sc.state_dirfd);
  close (cli_init[1]);

  close (cli_sup[1]);
  close (sup_init[0]);
  close (sup_init[1]);
  if (c->console_sock >= 0)
    {
      close (c->console_sock);
      c->console_sock = -1;
    }
  if (c->console_sup >= 0)
    {
      close (c->console_sup);
      c->console_sup = -1;
    }
  c->sup_sock = cli_sup[0];
  return cli_init[0];
}

/* The init works on its own before GO (init.c): if it failed meanwhile, what went wrong in the
 * CLI afterwards (a send to a closed socket, say) is a consequence. Its own error, when it sent
 * one, is the one to report. */
static void
prefer_init_error (int init_sock, struct carrel_error *err)
{
  struct pollfd p = { .fd = init_sock, .events = POLLIN };
  struct sync_msg *msg;
  struct carrel_error ignored;
  if (poll (&p, 1, 0) <= 0)
    return;
  msg = xmalloc (sizeof *msg);
  if (sync_recv (init_sock, msg, &ignored) == 0 && msg->type == SYNC_ERROR)
    {
      carrel_error_clear (err);
      carrel_fail (err, msg->errno_value, "%s", msg->data);
    }
  free (msg);
}

/* Early mode: clone the init at once and let it join the cgroup we make meanwhile, instead of
 * cloning it into a finished cgroup. The clone (namespaces: ~0.7 ms) and the cgroup (v1: ten
 * hierarchies, ~0.6 ms) then overlap. It needs the init to write its own v1 tasks files, so a
 * root caller and no new user namespace (whose unmapped init could not); on a pure v2 host
 * clone3 already starts the init in its cgroup, and the old order stays. */
static int
plan_early (struct create_ctx *c, int flags, bool unprivileged, struct carrel_error *err)
{
  bool carrels;
  if (unprivileged || (flags & CLONE_NEWUSER) || getenv ("CARREL_NO_EARLY") || cgroup_version () != 1)
    return 0;
  if (cgroup_path_of_config (c->spec, c->opts->id, &c->early_path, &carrels, err) < 0)
    {
      carrel_error_clear (err); /* cgroup_create tells, if it is wrong */
      return 0;
    }
  c->early = cgroup_early_wanted ();
  return 0;
}

/* GO to the init. An early join: the init writes "0" to its v1 tasks files (see cgroup.c), which
 * are opened here and follow GO, so that their path lookups stay off the init's way. */
static int
send_go (struct create_ctx *c, int init_sock, bool join_cgroup, const char *state_json,
         struct carrel_error *err)
{
  int tasks[FDS_PASS_MAX];
  size_t n_tasks = 0;
  int r;
  if (join_cgroup && cgroup_open_tasks (c->early_path, tasks, FDS_PASS_MAX, &n_tasks, err) < 0)
    return carrel_wrap (err, "join the container's cgroup");
  r = sync_send (init_sock, SYNC_GO, 0, n_tasks > 0 ? SYNC_GO_JOIN_CGROUP : 0, state_json, err);
  if (r == 0 && n_tasks > 0)
    r = sync_send_fds (init_sock, SYNC_CGROUP_FDS, tasks, n_tasks, err);
  for (size_t i = 0; i < n_tasks; i++)
    close (tasks[i]);
  return r;
}

static int
create_container (struct create_ctx *c, struct carrel_error *err)
{
  const struct carrel_create_options *opts = c->opts;
  struct sync_msg *msg = NULL;
  cleanup_fd int init_sock = -1;
  cleanup_free char *state_json = NULL;
  bool in_cgroup, join_cgroup = false;
  bool unprivileged;
  int flags;
  int r = -1;

  if (carrel_id_validate (opts->id, err) < 0)
    return -1;
  if (load_bundle (c, err) < 0)
    return -1;
  if (opts->listen_fds > 0)
    add_listen_env (&c->spec->process, opts->listen_fds);
  /* With a terminal, run sets the window size before the process may run. */
  c->start_at_once = c->run && !c->spec->process.terminal && !getenv ("CARREL_NO_START_AT_ONCE");
  c->start_unasked
      = c->start_at_once && c->spec->n_hooks[CARREL_HOOK_START_CONTAINER] == 0 && !opts->pid_file;
  c->hooks_handshake = c->spec->n_hooks[CARREL_HOOK_PRESTART] || c->spec->n_hooks[CARREL_HOOK_CREATE_RUNTIME]
                       || c->spec->n_hooks[CARREL_HOOK_CREATE_CONTAINER];
  if (ns_clone_flags (c->spec, &flags, err) < 0)
    return -1;
  if (c->spec->linux_.has_seccomp && c->seccomp_prog.filter == NULL)
    {
      if (mkdir_p (opts->root, 0711, err) < 0)
        return carrel_wrap (err, "config.json");
      if (c->cache_fd < 0)
        c->cache_fd = seccomp_cache_open (opts->root);
      if (seccomp_prepare (&c->spec->linux_.seccomp, c->profile, c->profile ? strlen (c->profile) : 0,
                           c->cache_fd, &c->seccomp_prog, err)
          < 0)
        return carrel_wrap (err, "config.json");
    }
  if (c->cache_fd >= 0)
    {
      close (c->cache_fd);
      c->cache_fd = -1;
    }
  if (opts->console_socket && terminal_connect (opts->console_socket, &c->console_sock, err) < 0)

    return -1;
  if (!opts->console_socket && c->spec->process.terminal && opts->console_mode == CARREL_CONSOLE_SUPERVISOR)
    {
      int sp[2];
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
        return carrel_fail (err, errno, "socketpair for the console");
      c->console_sup = sp[0];
      c->console_sock = sp[1];
    }
  else if (!opts->console_socket && c->spec->process.terminal)
    {
      int sp[2];
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
        return carrel_fail (err, errno, "socketpair for the terminal");
      c->console_peer = sp[0];
      c->console_sock = sp[1];
    }
  /* The id first: everything named after it comes after. */
  if (state_dir_create (opts->root, opts->id, &c->dirfd, err) < 0)
    return -1;
  init_state (c);

  /* The supervisor starts up (two forks and the clone) while we write the state and make the
   * cgroup. The layout is read first, so that neither reads it again. */
  cgroup_version ();
  unprivileged = geteuid () != 0 || in_user_namespace ();
  if (plan_early (c, flags, unprivileged, err) < 0)
    goto out;
  init_sock = spawn (c, flags, unprivileged, err);
  if (init_sock < 0)
    goto out;
  if (write_file_atomic (c->dirfd, CONFIG_COPY, c->config_text, c->config_len, 0600, err) < 0
      || state_write (c->dirfd, &c->st, err) < 0)
    goto out;
  if (fault_point ("create.after-state-dir", err) < 0)
    goto out;
  /* Early: where the init will join (resolved once, by plan_early). */
  if (cgroup_create (c->spec, opts->id, c->early ? c->early_path : NULL, unprivileged, &c->cgroup, err) < 0)
    goto out;
  if (c->cgroup)
    {
      c->st.cgroup_path = xstrdup (cgroup_path (c->cgroup));
      c->st.cgroup_owned = cgroup_owned (c->cgroup);
      if (state_write (c->dirfd, &c->st, err) < 0)
        goto out;
    }
  if (fault_point ("create.after-cgroup", err) < 0)
    goto out;
  msg = xmalloc (sizeof *msg);
  if (await_hello (c, msg, err) < 0)
    goto out;
  {
    cleanup_free char *where
        = c->cgroup ? xasprintf ("%s:%s", c->st.cgroup_owned ? "owned" : "joined", c->st.cgroup_path) : NULL;
    /* Early: the supervisor chose the reaper itself and cloned the init; it learns the cgroup now. */
    if (!c->early
        && sync_send (c->sup_sock, SYNC_MODE, 0, choose_reaper (c->sup_pid, opts->foreground_run), where, err)
               < 0)
      goto out;
    if (sync_expect (c->sup_sock, SYNC_PID, msg, "start the supervisor", err) < 0)
      goto out;
    if (c->early && sync_send (c->sup_sock, SYNC_MODE, 0, 0, where, err) < 0)
      goto out;
  }
  c->init_pid = msg->pid;
  in_cgroup = strcmp (msg->data, "in-cgroup") == 0;
  if (c->early && c->cgroup)
    {
      /* Early: "born:N" or "made:N", N the cgroup2 directories the supervisor made (they are the
       * container's); born in the cgroup2 side (or there is none): the init steps into the v1 ones. */
      const char *made = strchr (msg->data, ':');
      cgroup_count_made (c->cgroup, made ? atoi (made + 1) : 0);
      c->st.cgroup_owned = cgroup_owned (c->cgroup);
      if (strncmp (msg->data, "born:", 5) == 0)
        in_cgroup = join_cgroup = true;
    }
  c->st.pid = msg->pid;

  c->st.supervisor_pid = c->sup_pid;
  if (fault_point ("create.after-spawn", err) < 0)
    goto out;
  if ((flags & CLONE_NEWUSER) && idmap_write (c->init_pid, c->spec, err) < 0)
    goto out;
  if (fault_point ("create.after-idmap", err) < 0)
    goto out;
  if (c->cgroup && !in_cgroup && cgroup_enter (c->cgroup, c->init_pid, err) < 0)

    goto out;
  if ((flags & CLONE_NEWNET) && network_wanted (c->spec))
    {
      c->network_done = true;

      if (network_setup (opts->id, c->spec, c->init_pid, c->dirfd, err) < 0)
        goto out;
    }

  if (fault_point ("create.after-network", err) < 0)
    goto out;
  state_json = hook_state_json (opts->id, "creating", c->init_pid, c->bundle, c->spec);
  if (send_go (c, init_sock, join_cgroup, state_json, err) < 0)
    goto out;
  /* While the init builds its root. */
  c->st.pid_start = proc_start_time (c->init_pid);
  c->st.supervisor_start = proc_start_time (c->sup_pid);
  if (c->hooks_handshake)
    {
      if (sync_expect (init_sock, SYNC_HOOKS, msg, "set up the container", err) < 0)
        goto out;
      if (hooks_run (c->spec, CARREL_HOOK_PRESTART, state_json, err) < 0
          || hooks_run (c->spec, CARREL_HOOK_CREATE_RUNTIME, state_json, err) < 0)
        goto out;
    }
  if (fault_point ("create.after-hooks", err) < 0)
    goto out;
  if (c->hooks_handshake && sync_send (init_sock, SYNC_HOOKS_DONE, 0, 0, state_json, err) < 0)
    goto out;
  if (sync_expect (init_sock, SYNC_CREATED, msg, "set up the container", err) < 0)
    goto out;

  /* Before run's start: the pid file exists when the program runs. */
  if (opts->pid_file)
    {
      if (write_pid_file (opts->pid_file, c->init_pid, err) < 0)
        goto out;
      c->pid_file_written = true;
    }
  if (c->start_at_once && !c->start_unasked)
    {
      cleanup_free char *start_state = hook_state_json (opts->id, "created", c->init_pid, c->bundle, c->spec);
      if (sync_send (init_sock, SYNC_START, 0, 0, start_state, err) < 0)
        goto out;
    }
  c->st.status = CARREL_STATUS_CREATED;

  if (!c->start_at_once && state_write (c->dirfd, &c->st, err) < 0)
    goto out;
  if (fault_point ("create.after-created", err) < 0)
    goto out;
  if (sync_send (c->sup_sock, SYNC_CREATED, 0, 0, NULL, err) < 0)
    goto out;
  r = 0;
out:
  free (msg);
  if (r < 0)
    {
      if (init_sock >= 0)
        prefer_init_error (init_sock, err);
      ctx_abort (c);
      return carrel_wrap (err, "create %s", opts->id);
    }
  return 0;
}

static void
ctx_init (struct create_ctx *c, const struct carrel_create_options *opts)
{
  memset (c, 0, sizeof *c);
  c->opts = opts;
  c->dirfd = c->sup_sock = c->console_sock = c->console_peer = c->console_sup = c->master = -1;
  c->cache_fd = -1;
}

int
carrel_container_create (const struct carrel_create_options *opts, struct carrel_error *err)
{
  struct create_ctx c;
  int r;
  ctx_init (&c, opts);
  r = create_container (&c, err);
  ctx_release (&c);
  return r;
}

/* Ask the supervisor to start the init and mark the container running. */
static int
start_via (int sock, int dirfd, struct carrel_state *st, const struct carrel_spec *spec,
           struct carrel_error *err)
{
  struct sync_msg *msg = xmalloc (sizeof *msg);
  cleanup_free char *start_state = hook_state_json (st->id, "created", st->pid, st->bundle, spec);
  cleanup_free char *post_state = NULL;
  int r = -1;
  if (fault_point ("start.before-relay", err) < 0)
    goto out;
  if (sync_send (sock, SYNC_START, 0, 0, start_state, err) < 0)
    goto out;
  if (sync_expect (sock, SYNC_STARTED, msg, "start", err) < 0)
    goto out;
  if (fault_point ("start.after-started", err) < 0)
    goto out;
  st->status = CARREL_STATUS_RUNNING;
  if (state_write (dirfd, st, err) < 0)
    goto out;
  post_state = hook_state_json (st->id, "running", st->pid, st->bundle, spec);
  /* runtime.md: a failing poststart hook is a warning; the container keeps running. */
  if (hooks_run (spec, CARREL_HOOK_POSTSTART, post_state, err) < 0)
    {
      char buf[CARREL_ERROR_MSG_MAX + 128];
      carrel_warn ("%s", carrel_error_string (err, buf, sizeof buf));
      carrel_error_clear (err);
    }
  r = 0;
out:
  free (msg);
  return r;
}

int
ctl_connect (int dirfd, int *out, struct carrel_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_fd int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return carrel_fail (err, errno, "socket");
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/" CTL_SOCKET, dirfd);
  if (connect (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    return carrel_fail (err, errno, "connect to the container's supervisor");
  *out = take_fd (&fd);
  return 0;
}

int
load_state_spec (int dirfd, struct carrel_spec **spec, struct carrel_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (dirfd, CONFIG_COPY, &text, &len, err) < 0)
    return carrel_wrap (err, "read the container's config");
  return carrel_spec_parse (text, len, "config.json", spec, err);
}

int
carrel_container_start (const char *root, const char *id, struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  cleanup_fd int sock = -1;
  struct carrel_state st;
  struct carrel_spec *spec = NULL;
  int r = -1;
  if (state_dir_open (root, id, LOCK_EX, &dirfd, err) < 0)
    return -1;
  if (state_read (dirfd, id, &st, err) < 0)
    return -1;
  if (st.status != CARREL_STATUS_CREATED)
    {
      carrel_fail (err, EINVAL, "start %s: the container is %s, not created", id,
                   carrel_status_name (st.status));
      goto out;
    }
  if (load_state_spec (dirfd, &spec, err) < 0 || ctl_connect (dirfd, &sock, err) < 0)
    {
      carrel_wrap (err, "start %s", id);
      goto out;
    }
  if (start_via (sock, dirfd, &st, spec, err) < 0)
    {
      carrel_wrap (err, "start %s", id);
      goto out;
    }
  r = 0;
out:
  carrel_spec_free (spec);
  carrel_state_free (&st);
  return r;
}

/* Signals that reach `run` go to the container, as with runc. */
static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static int
wait_exit (struct create_ctx *c, int *wait_status, struct carrel_error *err)
{
  struct sync_msg *msg = xmalloc (sizeof *msg);
  sigset_t mask;
  cleanup_fd int sigfd = -1;
  int r = -1;
  sigemptyset (&mask);
  for (size_t i = 0; i < ARRAY_SIZE (forwarded_signals); i++)
    sigaddset (&mask, forwarded_signals[i]);
  sigfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  /* The supervisor tells every connected client of the exit: no request needed. */

  if (c->master >= 0)
    terminal_relay (c->master, c->sup_sock, err);

  for (;;)
    {
      struct pollfd p[2] = { { .fd = c->sup_sock, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          carrel_fail (err, errno, "poll");
          goto out;
        }
      if (p[1].revents)
        {
          struct signalfd_siginfo si;
          while (read (sigfd, &si, sizeof si) == sizeof si)
            kill (c->init_pid, si.ssi_signo);
        }
      if (p[0].revents)
        {
          if (sync_expect (c->sup_sock, SYNC_EXITED, msg, "wait for the container", err) < 0)
            goto out;
          *wait_status = msg->pid;
          r = 0;
          goto out;
        }
    }
out:
  free (msg);
  return r;
}

int
carrel_container_run (const struct carrel_create_options *opts, bool detach, int *exit_status,
                      struct carrel_error *err)
{
  struct create_ctx c;
  struct carrel_create_options o = *opts;
  sigset_t mask, old;
  int r = -1;
  int status = 0;

  o.foreground_run = !detach;
  ctx_init (&c, &o);
  c.run = true;
  /* Block the forwarded signals before the container exists, so none is lost; the supervisor
   * and the init reset their masks. */
  sigemptyset (&mask);
  for (size_t i = 0; i < ARRAY_SIZE (forwarded_signals); i++)
    sigaddset (&mask, forwarded_signals[i]);
  if (!detach)
    sigprocmask (SIG_BLOCK, &mask, &old);
  if (create_container (&c, err) < 0)
    goto out;
  if (!detach && c.console_peer >= 0)
    {
      /* Take the terminal and give it our window size before the process runs, or its first
       * look at the size (stty, a shell's prompt) races the relay. */
      if (terminal_recv_fd (c.console_peer, &c.master, err) < 0)
        {
          struct carrel_error ignored;
          close (c.dirfd);
          c.dirfd = -1;
          carrel_container_delete (o.root, o.id, true, &ignored);
          goto out;
        }
      terminal_copy_winsize (0, c.master);
    }
  if (start_via (c.sup_sock, c.dirfd, &c.st, c.spec, err) < 0)

    {
      struct carrel_error ignored;
      carrel_wrap (err, "start %s", o.id);
      close (c.dirfd);
      c.dirfd = -1;
      carrel_container_delete (o.root, o.id, true, &ignored);
      goto out;
    }
  if (detach)
    {
      r = 0;
      goto out;
    }
  if (wait_exit (&c, &status, err) < 0)
    goto out;
  *exit_status = WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);
  r = 0;
  if (!o.keep)
    {
      close (c.dirfd);
      c.dirfd = -1;
      struct delete_known known = { .spec = c.spec, .state = &c.st, .cleaner_sock = c.sup_sock };
      c.st.status = CARREL_STATUS_STOPPED;
      r = container_delete_known (o.root, o.id, false, &known, err);
    }
out:
  ctx_release (&c);
  if (!detach)
    sigprocmask (SIG_SETMASK, &old, NULL);
  return r;
}
