/* carrel: the container lifecycle, as the CLI and tests use it. */
#ifndef CARREL_CONTAINER_H
#define CARREL_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "carrel/error.h"

enum carrel_status
{
  CARREL_STATUS_CREATING,
  CARREL_STATUS_CREATED,
  CARREL_STATUS_RUNNING,
  CARREL_STATUS_STOPPED,
  CARREL_STATUS_PAUSED,
};
const char *carrel_status_name (enum carrel_status s);

struct carrel_state
{
  char *id;
  char *bundle;
  enum carrel_status status;
  pid_t pid;                    /* container init, host view; 0 when there is none */
  unsigned long long pid_start; /* its start time (/proc/<pid>/stat field 22) against pid reuse */
  pid_t supervisor_pid;
  unsigned long long supervisor_start;
  char *created; /* RFC 3339 */
  char *owner;
  char *annotations_json; /* the config's annotations object, "{}" when none */
  char *cgroup_path;      /* may be NULL */
  bool cgroup_owned;      /* carrel created it (and removes it at delete) */
  bool has_exit;
  int exit_code;
  int exit_signal;
  char *finished;
  bool supervisor_alive;
};
void carrel_state_free (struct carrel_state *st);
void carrel_state_copy (struct carrel_state *to, const struct carrel_state *from);

/* Who holds a terminal's pty master: the --console-socket (or `run`), or the supervisor, which
 * serves it on <state dir>/console.sock with a ring buffer and a log (src/supervisor_console.c). */
enum carrel_console_mode
{
  CARREL_CONSOLE_SOCKET,
  CARREL_CONSOLE_SUPERVISOR,
};

/* What the supervisor does when the init ends (a halt or poweroff from inside, SIGINT, is clean). */
enum carrel_restart_policy
{
  CARREL_RESTART_NO,
  CARREL_RESTART_ON_FAILURE,
  CARREL_RESTART_ALWAYS,
};

struct carrel_create_options
{
  const char *root; /* state root, e.g. /run/carrel */
  const char *id;
  const char *bundle;   /* NULL: the current directory */
  const char *pid_file; /* NULL: none */
  const char *console_socket;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;    /* extra fds after 0-2 passed into the container */
  int listen_fds;      /* socket activation: the first preserve_fds are LISTEN_FDS; the process
                            * gets LISTEN_FDS=n and LISTEN_PID=1 */
  bool foreground_run; /* `run` without --detach: stdio stays with the caller */
  bool keep;           /* `run --keep`: do not delete after exit */
  enum carrel_console_mode console_mode;
  const char *console_log; /* CARREL_CONSOLE_SUPERVISOR: also append the output here (size-capped) */
  enum carrel_restart_policy restart_policy;
  char *const *restart_argv; /* run in a new session when the policy asks for a restart */
};

int carrel_container_create (const struct carrel_create_options *opts, struct carrel_error *err);
int carrel_container_start (const char *root, const char *id, struct carrel_error *err);
/* create + start; in the foreground waits and stores the process's exit status in *exit_status
 * (the code, or 128 + signal). */
int carrel_container_run (const struct carrel_create_options *opts, bool detach, int *exit_status,
                          struct carrel_error *err);
int carrel_container_kill (const char *root, const char *id, int sig, bool all, struct carrel_error *err);
int carrel_container_delete (const char *root, const char *id, bool force, struct carrel_error *err);
int carrel_container_state (const char *root, const char *id, struct carrel_state *out,
                            struct carrel_error *err);
/* The state JSON as `state` prints it (OCI state schema plus carrel's own fields). */
char *carrel_state_to_json (const struct carrel_state *st, bool pretty);
/* Ids in root, sorted. */
int carrel_container_list (const char *root, char ***ids, size_t *n, struct carrel_error *err);
int carrel_id_validate (const char *id, struct carrel_error *err);
/* exec: a new process in a running container. The process is process_file (a process.json) or the
 * container's own process with args and the other fields below applied. */
struct carrel_exec_options
{
  const char *root;
  const char *id;
  const char *process_file; /* NULL: build from the container's config and the fields below */
  char *const *args;        /* with n_args > 0: replaces process.args */
  size_t n_args;
  bool tty; /* process.terminal */
  const char *console_socket;
  const char *pid_file;
  bool detach; /* return once the program runs; its parent becomes our subreaper */
  const char *cwd;
  char *const *env; /* NAME=VALUE, replacing or adding */
  size_t n_env;
  bool has_user;
  unsigned int uid, gid;
  bool has_gid;
  const unsigned int *additional_gids;
  size_t n_additional_gids;
  const int *caps; /* added to the bounding, effective and permitted sets */
  size_t n_caps;
  bool no_new_privs;
  int preserve_fds;
};
/* In the foreground, waits and stores the process's status in *exit_status (the code, or 128 +
 * signal); detached, stores 0. */
int carrel_container_exec (const struct carrel_exec_options *opts, int *exit_status,
                           struct carrel_error *err);
/* Host pids of the container's processes (its cgroup, else its pid namespace), sorted. */
int carrel_container_pids (const char *root, const char *id, pid_t **pids, size_t *n,
                           struct carrel_error *err);

/* Where networks and VPSes persist: $CARREL_DATA_DIR or /var/lib/carrel. */
const char *carrel_data_dir (void);

#endif
