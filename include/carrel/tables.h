/* carrel: one table per vocabulary. The parser, the runtime and `features` all read these. */
#ifndef CARREL_TABLES_H
#define CARREL_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CARREL_OCI_VERSION "1.3.0"
#define CARREL_OCI_VERSION_MIN "1.0.0"

struct carrel_ns_kind
{
  const char *name;      /* OCI name: "pid", "network", ... */
  int clone_flag;        /* CLONE_NEWPID, ... */
  const char *proc_name; /* entry under /proc/<pid>/ns/ */
};
extern const struct carrel_ns_kind carrel_ns_kinds[];
extern const size_t carrel_n_ns_kinds;
const struct carrel_ns_kind *carrel_ns_kind_by_name (const char *name);

struct carrel_name_value
{
  const char *name;
  int value;
};

/* Capabilities: "CAP_CHOWN" ... "CAP_CHECKPOINT_RESTORE". */
extern const struct carrel_name_value carrel_caps[];
extern const size_t carrel_n_caps;
int carrel_cap_by_name (const char *name); /* -1 if unknown */
const char *carrel_cap_name (int cap);

/* Signals: accepts "KILL", "SIGKILL", "9", "RTMIN+3", "SIGRTMAX-1". Returns -1 if unknown. */
extern const struct carrel_name_value carrel_signals[];
extern const size_t carrel_n_signals;
int carrel_signal_parse (const char *text);

/* Rlimits: "RLIMIT_NOFILE" ... */
extern const struct carrel_name_value carrel_rlimits[];
extern const size_t carrel_n_rlimits;
int carrel_rlimit_by_name (const char *name);

enum carrel_mount_opt_kind
{
  CARREL_MOPT_FLAG,        /* sets a mount(2) flag */
  CARREL_MOPT_CLEAR,       /* clears a mount(2) flag */
  CARREL_MOPT_PROPAGATION, /* MS_PRIVATE, MS_SHARED ... (maybe with MS_REC) */
  CARREL_MOPT_BIND,        /* bind / rbind */
  CARREL_MOPT_ATTR,        /* mount_setattr attribute (rro, rnosuid, ...) */
  CARREL_MOPT_ATTR_CLEAR,  /* mount_setattr attribute clear (rrw, rsuid, ...) */
  CARREL_MOPT_IDMAP,       /* idmap / ridmap */
  CARREL_MOPT_CARREL,      /* a carrel extension: tmpcopyup, copy-symlink */
};

struct carrel_mount_opt
{
  const char *name;
  enum carrel_mount_opt_kind kind;
  unsigned long value; /* MS_* or MOUNT_ATTR_* */
  bool recursive;
};
/* `value` of the CARREL_MOPT_CARREL options. */
enum
{
  CARREL_MOPT_TMPCOPYUP = 1,
  CARREL_MOPT_COPY_SYMLINK = 2,
};
extern const struct carrel_mount_opt carrel_mount_opts[];
extern const size_t carrel_n_mount_opts;
/* NULL for options that are not flags: those go to the filesystem as data ("size=64k"). */
const struct carrel_mount_opt *carrel_mount_opt_by_name (const char *name);

/* Seccomp vocabularies (values are libseccomp's). */
extern const struct carrel_name_value carrel_seccomp_actions[]; /* SCMP_ACT_ERRNO ... value = kind */
extern const size_t carrel_n_seccomp_actions;
extern const struct carrel_name_value carrel_seccomp_ops[]; /* SCMP_CMP_EQ ... */
extern const size_t carrel_n_seccomp_ops;
struct carrel_seccomp_arch
{
  const char *name; /* SCMP_ARCH_X86_64 */
  uint32_t token;   /* libseccomp's SCMP_ARCH_* value */
};
extern const struct carrel_seccomp_arch carrel_seccomp_archs[];
extern const size_t carrel_n_seccomp_archs;
extern const struct carrel_name_value carrel_seccomp_flags[]; /* SECCOMP_FILTER_FLAG_LOG ... */
extern const size_t carrel_n_seccomp_flags;
int carrel_name_lookup (const struct carrel_name_value *table, size_t n, const char *name); /* -1 */

/* process.scheduler.policy (SCHED_*), process.scheduler.flags (SCHED_FLAG_*), process.ioPriority.class
 * (IOPRIO_CLASS_*), linux.personality.domain (PER_*): values are the kernel's. */
extern const struct carrel_name_value carrel_sched_policies[];
extern const size_t carrel_n_sched_policies;
extern const struct carrel_name_value carrel_sched_flags[];
extern const size_t carrel_n_sched_flags;
extern const struct carrel_name_value carrel_ioprio_classes[];
extern const size_t carrel_n_ioprio_classes;
extern const struct carrel_name_value carrel_personality_domains[];
extern const size_t carrel_n_personality_domains;

/* Hooks, in the order runtime.md runs them. */
enum carrel_hook_kind
{
  CARREL_HOOK_PRESTART,
  CARREL_HOOK_CREATE_RUNTIME,
  CARREL_HOOK_CREATE_CONTAINER,
  CARREL_HOOK_START_CONTAINER,
  CARREL_HOOK_POSTSTART,
  CARREL_HOOK_POSTSTOP,
  CARREL_N_HOOK_KINDS
};
extern const char *const carrel_hook_names[CARREL_N_HOOK_KINDS];

/* Filesystem types carrel mounts itself (reported by features as well). */
extern const char *const carrel_known_fstypes[];

#endif
