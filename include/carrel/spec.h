/* carrel: config.json of OCI runtime-spec v1.3.0 (Linux), as typed C structs.
 *
 * Conventions: JSON camelCase becomes snake_case; an array is a pointer plus `n_<name>`; an optional
 * scalar has a `has_<name>` flag; strings are NULL when absent; a string map is a struct
 * carrel_kv array. Everything is owned by the struct and freed by carrel_spec_free(). */
#ifndef CARREL_SPEC_H
#define CARREL_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "carrel/error.h"
#include "carrel/tables.h"

struct carrel_kv
{
  char *key;
  char *value;
};

struct carrel_id_mapping
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct carrel_mount
{
  char *destination;
  char *type;
  char *source;
  char **options;
  size_t n_options;
  struct carrel_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct carrel_id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

struct carrel_rlimit
{
  int resource; /* RLIMIT_*, from the table */
  char *type;   /* as written */
  uint64_t soft;
  uint64_t hard;
};

struct carrel_capabilities
{
  /* Capability numbers (from the table); names the kernel lacks are kept and skipped at apply time. */
  int *bounding;
  size_t n_bounding;
  int *effective;
  size_t n_effective;
  int *inheritable;
  size_t n_inheritable;
  int *permitted;
  size_t n_permitted;
  int *ambient;
  size_t n_ambient;
};

struct carrel_user
{
  uint32_t uid;
  uint32_t gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username;
};

struct carrel_scheduler
{
  char *policy; /* SCHED_OTHER ... */
  int policy_value;
  bool has_nice;
  int32_t nice;
  bool has_priority;
  int32_t priority;
  char **flags;
  size_t n_flags;
  uint64_t flags_value; /* SCHED_FLAG_* ORed */
  uint64_t runtime;
  uint64_t deadline;
  uint64_t period;
};

struct carrel_io_priority
{
  char *class_name; /* IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE */
  int class_value;
  int32_t priority;
};

struct carrel_process
{
  bool terminal;
  bool has_console_size;
  uint32_t console_height;
  uint32_t console_width;
  char *cwd;
  char **env;
  size_t n_env;
  char **args;
  size_t n_args;
  char *command_line;
  struct carrel_rlimit *rlimits;
  size_t n_rlimits;
  char *apparmor_profile;
  bool has_capabilities;
  struct carrel_capabilities capabilities;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  bool has_scheduler;
  struct carrel_scheduler scheduler;
  char *selinux_label;
  bool has_io_priority;
  struct carrel_io_priority io_priority;
  char *exec_cpu_affinity_initial;
  char *exec_cpu_affinity_final;
  struct carrel_user user;
};

struct carrel_hook
{
  char *path;
  char **args;
  size_t n_args;
  char **env;
  size_t n_env;
  bool has_timeout;
  int timeout; /* seconds, > 0 */
};

struct carrel_namespace
{
  int clone_flag; /* CLONE_NEW* from the table */
  char *type;
  char *path; /* NULL: create a new one */
};

struct carrel_device
{
  char type; /* 'c', 'b', 'u', 'p' */
  char *path;
  int64_t major;
  int64_t minor;
  bool has_file_mode;
  uint32_t file_mode;
  bool has_uid;
  uint32_t uid;
  bool has_gid;
  uint32_t gid;
};

struct carrel_device_cgroup
{
  bool allow;
  char type; /* 'a', 'c', 'b'; 'a' when absent */
  bool has_major;
  int64_t major; /* -1 (wildcard) when absent */
  bool has_minor;
  int64_t minor;
  char *access; /* "rwm" subset; NULL means all */
};

struct carrel_memory
{
  bool has_limit;
  int64_t limit;
  bool has_reservation;
  int64_t reservation;
  bool has_swap;
  int64_t swap;
  bool has_kernel;
  int64_t kernel;
  bool has_kernel_tcp;
  int64_t kernel_tcp;
  bool has_swappiness;
  uint64_t swappiness;
  bool has_disable_oom_killer;
  bool disable_oom_killer;
  bool has_use_hierarchy;
  bool use_hierarchy;
  bool check_before_update;
};

struct carrel_cpu
{
  bool has_shares;
  uint64_t shares;
  bool has_quota;
  int64_t quota;
  bool has_burst;
  uint64_t burst;
  bool has_period;
  uint64_t period;
  bool has_realtime_runtime;
  int64_t realtime_runtime;
  bool has_realtime_period;
  uint64_t realtime_period;
  char *cpus;
  char *mems;
  bool has_idle;
  int64_t idle;
};

struct carrel_blkio_weight_device
{
  int64_t major;
  int64_t minor;
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
};

struct carrel_blkio_throttle
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct carrel_blkio
{
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
  struct carrel_blkio_weight_device *weight_device;
  size_t n_weight_device;
  struct carrel_blkio_throttle *throttle_read_bps;
  size_t n_throttle_read_bps;
  struct carrel_blkio_throttle *throttle_write_bps;
  size_t n_throttle_write_bps;
  struct carrel_blkio_throttle *throttle_read_iops;
  size_t n_throttle_read_iops;
  struct carrel_blkio_throttle *throttle_write_iops;
  size_t n_throttle_write_iops;
};

struct carrel_hugepage_limit
{
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct carrel_net_priority
{
  char *name;
  uint32_t priority;
};

struct carrel_rdma
{
  char *device;
  bool has_hca_handles;
  uint32_t hca_handles;
  bool has_hca_objects;
  uint32_t hca_objects;
};

struct carrel_resources
{
  struct carrel_device_cgroup *devices;
  size_t n_devices;
  bool has_memory;
  struct carrel_memory memory;
  bool has_cpu;
  struct carrel_cpu cpu;
  bool has_pids;
  int64_t pids_limit;
  bool has_blkio;
  struct carrel_blkio blkio;
  struct carrel_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  bool has_network;
  bool has_class_id;
  uint32_t class_id;
  struct carrel_net_priority *net_priorities;
  size_t n_net_priorities;
  struct carrel_rdma *rdma;
  size_t n_rdma;
  struct carrel_kv *unified;
  size_t n_unified;
};

struct carrel_seccomp_arg
{
  uint32_t index;
  uint64_t value;
  uint64_t value_two;
  int op; /* from carrel_seccomp_ops */
};

struct carrel_seccomp_rule
{
  char **names;
  size_t n_names;
  int action; /* from carrel_seccomp_actions */
  bool has_errno_ret;
  uint32_t errno_ret;
  struct carrel_seccomp_arg *args;
  size_t n_args;
};

struct carrel_seccomp
{
  int default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  uint32_t *architectures; /* libseccomp arch tokens */
  size_t n_architectures;
  int *flags; /* SECCOMP_FILTER_FLAG_* values */
  size_t n_flags;
  char *listener_path;
  char *listener_metadata;
  struct carrel_seccomp_rule *syscalls;
  size_t n_syscalls;
};

struct carrel_time_offset
{
  bool present;
  int64_t secs;
  uint32_t nanosecs;
};

struct carrel_net_device
{
  char *host_name; /* the key */
  char *name;      /* name inside the container; NULL keeps host_name */
};

struct carrel_linux
{
  struct carrel_namespace *namespaces;
  size_t n_namespaces;
  struct carrel_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct carrel_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct carrel_time_offset time_monotonic;
  struct carrel_time_offset time_boottime;
  struct carrel_device *devices;
  size_t n_devices;
  struct carrel_net_device *net_devices;
  size_t n_net_devices;
  char *cgroups_path;
  char *rootfs_propagation;               /* private, shared, slave, unbindable */
  unsigned long rootfs_propagation_flags; /* MS_PRIVATE ... | MS_REC, 0 when absent */
  bool has_resources;
  struct carrel_resources resources;
  bool has_seccomp;
  struct carrel_seccomp seccomp;
  struct carrel_kv *sysctl;
  size_t n_sysctl;
  char **masked_paths;
  size_t n_masked_paths;
  char **readonly_paths;
  size_t n_readonly_paths;
  char *mount_label;
  bool has_intel_rdt;
  bool has_memory_policy;
  bool has_personality;
  char *personality_domain; /* LINUX, LINUX32 */
};

struct carrel_spec
{
  char *oci_version;
  char *root_path;
  bool root_readonly;
  struct carrel_mount *mounts;
  size_t n_mounts;
  bool has_process;
  struct carrel_process process;
  char *hostname;
  char *domainname;
  struct carrel_hook *hooks[CARREL_N_HOOK_KINDS];
  size_t n_hooks[CARREL_N_HOOK_KINDS];
  struct carrel_kv *annotations;
  size_t n_annotations;
  bool has_linux;
  struct carrel_linux linux_;
};

/* Parse config.json text. `origin` names the file in messages ("config.json"). Every error message
 * is "<origin>: <json path>: <reason>", e.g. `config.json: process.rlimits[1].type: unknown rlimit
 * "RLIMIT_FOO"`. On failure *out is untouched. */
int carrel_spec_parse (const char *text, size_t len, const char *origin, struct carrel_spec **out,
                       struct carrel_error *err);
int carrel_spec_load (const char *path, struct carrel_spec **out, struct carrel_error *err);
void carrel_spec_free (struct carrel_spec *spec);

/* A process.json for exec: same shape as config.json's process. */
int carrel_process_parse (const char *text, size_t len, const char *origin, struct carrel_process **out,
                          struct carrel_error *err);
void carrel_process_free (struct carrel_process *process);

/* linux.resources alone, as `update --resources FILE` reads it. */
int carrel_resources_parse (const char *text, size_t len, const char *origin, struct carrel_resources **out,
                            struct carrel_error *err);
void carrel_resources_free (struct carrel_resources *resources);

/* Lookup helpers used by the runtime. */
const char *carrel_spec_annotation (const struct carrel_spec *spec, const char *key);
const struct carrel_namespace *carrel_spec_namespace (const struct carrel_spec *spec, int clone_flag);

#endif
