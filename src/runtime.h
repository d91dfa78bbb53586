/* Internal interfaces between the parts of the runtime: the create path, the supervisor and the
 * container init. */
#ifndef CARREL_RUNTIME_H
#define CARREL_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include "carrel/container.h"
#include "carrel/error.h"
#include "carrel/spec.h"

/* What the container init needs; it lives in the memory the init got from its parent by clone. */
/* A seccomp filter as the kernel takes it. */
struct seccomp_program
{
  void *filter;       /* struct sock_filter[] */
  size_t len;         /* bytes */
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
};

struct init_config
{

  const struct carrel_spec *spec;
  const char *id;
  const char *rootfs; /* absolute */
  const char *bundle; /* absolute */
  int cli_sock;       /* to the CLI that creates the container */
  int start_sock;     /* to the supervisor: start, and the error of a failed exec */
  int new_ns_flags;   /* CLONE_NEW* created by the clone */
  /* The new network namespace is made by the supervisor after the clone, while we set up (it is
   * the most expensive namespace to make); it comes on start_sock (SYNC_NETNS) with lo up. */
  bool netns_from_supervisor;
  bool no_pivot;
  bool no_new_keyring;     /* keep the caller's session keyring instead of joining _ses.<id> */
  const char *cgroup_path; /* relative to the hierarchy roots, NULL without a cgroup */
  bool cgroup_owned;       /* carrel made it (a forced delete may remove it) */
  /* The init's /proc/self/cgroup, read before it made its cgroup namespace (paths from the host's
   * roots, for the cgroup mount's bind fallback); NULL: read it when mounting. */
  char *own_cgroups;
  /* linux.seccomp compiled by the CLI before the fork (seccomp.c); NULL: compile at load. */
  const struct seccomp_program *seccomp_prog;

  int preserve_fds;

  int console_socket; /* -1 when none */
  /* A system container's console (supervisor console mode): the pty becomes /dev/console and
   * no one's controlling terminal, so the container's own init can hand it out (getty, sh). */
  bool system_console;
  /* run: SYNC_START comes from the CLI right after SYNC_CREATED, not relayed by the supervisor. */
  bool start_at_once;
  /* ... and does not come at all: nothing waits on it (no startContainer hook, and no pid file,
   * which the CLI writes between SYNC_CREATED and SYNC_START). */
  bool start_unasked;
  /* SYNC_HOOKS / SYNC_HOOKS_DONE are exchanged only for prestart, createRuntime or
   * createContainer hooks: without any, the round trip buys nothing. */
  bool hooks_handshake;
};

__attribute__ ((noreturn)) void container_init (struct init_config *cfg);

struct supervisor_config
{
  struct init_config init;
  int state_dirfd;
  int cli_sock;      /* the supervisor's end towards the CLI */
  int init_cli_sock; /* the init's end towards the CLI (closed in the supervisor after clone) */
  int init_start_sock;
  int start_sock;      /* the supervisor's end towards the init */
  int clone_flags;     /* CLONE_NEW* for the init's clone (no CLONE_NEWTIME: see namespaces.c) */
  int cgroup_fd;       /* v2 cgroup directory for clone3's CLONE_INTO_CGROUP, or -1 */
  char **cgroup_enter; /* v1 tasks files to move into before the clone, NULL: none (cgroup.c) */
  char **cgroup_leave; /* and to move back to after it */
  /* Early mode: clone the init at once, before the CLI has made the cgroup; the init joins it
   * (GO, SYNC_CGROUP_FDS) and the reaper is decided here (middle_pid: the fork between). */
  bool early;
  const char *early_path; /* early: the cgroup's path; the supervisor makes the cgroup2 side */
  bool foreground;
  /* A foreground run that deletes the container: once the init has gone and the waiting CLI has
   * heard, empty and remove the cgroup while the CLI removes the state (lifecycle.c). */
  bool remove_cgroup_at_exit;
  pid_t middle_pid;

  int console_fd; /* CARREL_CONSOLE_SUPERVISOR: the init sends the pty master here, else -1 */
  const char *console_log;
  enum carrel_restart_policy restart_policy;
  char *const *restart_argv;
  /* Frees what only the create needed (the parsed config, its text, the compiled filter); the
   * supervisor calls it once the container runs and it is idle. */
  void (*release) (void *arg);
  void *release_arg;
};

__attribute__ ((noreturn)) void supervisor_main (struct supervisor_config *cfg);
/* supervisor.c: the reaper (REAPER_*) by choice (a foreground run, CARREL_REAPER), or 0: then by
 * who adopted the supervisor. */
int reaper_chosen (bool foreground);
int reaper_for_parent (pid_t supervisor_parent);

/* namespaces.c */
int ns_clone_flags (const struct carrel_spec *spec, int *flags, struct carrel_error *err);
/* In the supervisor, before the clone: join pid/time namespaces given by path, make a new time
 * namespace with its offsets. Both only affect children. */
int ns_prepare_for_children (const struct carrel_spec *spec, struct carrel_error *err);
/* In the init: join namespaces given by path (user first). */
int ns_join_paths (const struct carrel_spec *spec, struct carrel_error *err);
int ns_set_names (const struct carrel_spec *spec, struct carrel_error *err);
int ns_loopback_up (struct carrel_error *err);
/* The supervisor's side of init_config.netns_from_supervisor: make it, lo up, send it on sock. */
int ns_make_net_for_init (int sock, struct carrel_error *err);
/* The init's side: take it and enter it. */
int ns_enter_net_from_supervisor (int sock, struct carrel_error *err);

/* idmap.c: write uid_map/gid_map of pid (as root, or through newuidmap/newgidmap). */
int idmap_write (pid_t pid, const struct carrel_spec *spec, struct carrel_error *err);

/* rootfs.c / mounts.c / devices.c, in the init's mount namespace. */
int rootfs_prepare (const struct init_config *cfg, struct carrel_error *err);
size_t mounts_before_cgroup (const struct carrel_spec *spec);
/* The index of the first sysfs mount before `to`, or to. */
size_t mounts_first_sysfs (const struct carrel_spec *spec, size_t to);
/* The path mount(2) is given for what `fd` is open on: "." after fchdir to it when it is a
 * directory (no lookup), else "/proc/self/fd/N" (a walk through procfs that makes the fd's entry:
 * 3-4 µs, for some 30 mounts a container). Moves the cwd: use the path before anything else
 * does, and put the cwd back when done. */
#define FD_PATH_MAX 32
const char *fd_path (int fd, bool dir, char buf[FD_PATH_MAX]);
/* Whether a mount of this type is in the config. */
bool mounts_have_type (const struct carrel_spec *spec, const char *type);
int mounts_apply (const struct init_config *cfg, int rootfd, size_t from, size_t to,
                  struct carrel_error *err);
int devices_setup (const struct init_config *cfg, int rootfd, struct carrel_error *err);
int rootfs_pivot (const struct init_config *cfg, struct carrel_error *err);
int rootfs_finish (const struct init_config *cfg, struct carrel_error *err);
/* Open path inside rootfd (symlinks and .. stay inside), creating missing directories and, when
 * leaf_is_file, an empty file as the leaf. Returns an O_PATH fd. */
int root_open (int rootfd, const char *path, bool create, bool leaf_is_file, int *out,
               struct carrel_error *err);
int bind_remount (const char *target, unsigned long flags, struct carrel_error *err);
int parse_mount_options (char *const *opts, size_t n, unsigned long *flags, unsigned long *propagation,
                         bool *bind, bool *recursive, char **data);

/* hooks.c: run hooks of kind in order, with state JSON on stdin. */
int hooks_run (const struct carrel_spec *spec, enum carrel_hook_kind kind, const char *state_json,
               struct carrel_error *err);

/* caps.c / process.c: the last steps before execve. */
int caps_apply (const struct carrel_process *proc, struct carrel_error *err);
int caps_drop_bounding (const struct carrel_process *proc, struct carrel_error *err);
__attribute__ ((noreturn)) void process_exec (const struct init_config *cfg,
                                              const struct carrel_process *proc, int report_fd);
int process_prepare (const struct carrel_process *proc, bool has_user_ns, struct carrel_error *err);
/* At create, as runc does: the program must exist in the container (resolved through its PATH). */
int process_check_program (const struct carrel_process *proc, struct carrel_error *err);

/* The config's annotations as a JSON object text. */
char *spec_annotations_json (const struct carrel_spec *spec);
/* The state JSON given to hooks. */

char *hook_state_json (const char *id, const char *status, pid_t pid, const char *bundle,
                       const struct carrel_spec *spec);

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* create.c: talk to a running container's supervisor; read the config saved at create. */
int ctl_connect (int dirfd, int *out, struct carrel_error *err);
int load_state_spec (int dirfd, struct carrel_spec **spec, struct carrel_error *err);
/* carrel_container_delete for a caller that has the container at hand (run, after the exit):
 * the poststop hooks come from its config and the state from its memory, not from the files.
 * cleaner_sock: the supervisor's socket; it removes the cgroup as it leaves
 * (supervisor_config.remove_cgroup_at_exit) and says so there. */
struct delete_known
{
  const struct carrel_spec *spec;
  const struct carrel_state *state; /* the container has stopped */
  int cleaner_sock;
};
int container_delete_known (const char *root, const char *id, bool force, const struct delete_known *known,
                            struct carrel_error *err);

#endif
