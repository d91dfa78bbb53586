/* Inside the cgroup code: the host's layout, the per-backend table of operations, and the pure
 * conversions between the OCI values and the files of each version (unit-tested). */
#ifndef CARREL_CGROUP_INTERNAL_H
#define CARREL_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "carrel/error.h"
#include "carrel/spec.h"

#define CG_MAX_HIERARCHIES 16
#define CG_DEFAULT_PARENT "/carrel"
#define CG_FREEZE_WAIT_MS 5000

enum cg_mode
{
  CG_MODE_V1, /* v1 controllers, maybe a cgroup2 mount beside them (hybrid) */
  CG_MODE_V2, /* pure unified */
};

struct cg_hierarchy
{
  char *mount;       /* "/sys/fs/cgroup/memory" */
  char *controllers; /* "memory", "cpu,cpuacct", "name=systemd" */
};

struct cg_layout
{
  enum cg_mode mode;
  char *unified; /* cgroup2 mount point, NULL if none (on hybrid: "/sys/fs/cgroup/unified") */
  struct cg_hierarchy v1[CG_MAX_HIERARCHIES];
  size_t n_v1;
};

/* Detected once per process. */
int cg_layout_get (const struct cg_layout **out, struct carrel_error *err);
/* The mount point of v1 controller `name` ("memory"), NULL when not mounted. */
const char *cg_v1_mount (const struct cg_layout *l, const char *name);

/* One rule as the backends apply it (the config's rules plus carrel's default allows). */
struct cg_dev_rule
{
  bool allow;
  char type;            /* 'a', 'c', 'b' */
  int64_t major, minor; /* -1: any */
  unsigned access;      /* CG_DEV_* bits */
};
#define CG_DEV_MKNOD 1u
#define CG_DEV_READ 2u
#define CG_DEV_WRITE 4u
#define CG_DEV_ALL 7u

/* The table each backend fills. `path` is relative to the hierarchy roots ("/carrel/c1"). */
struct cg_ops
{
  const char *name;
  /* mkdir what is missing; *created counts the trailing components made (the most over the
   * hierarchies; 0: the leaf existed and is joined). Set also on failure. */
  int (*create) (const struct cg_layout *l, const char *path, int *created, struct carrel_error *err);
  /* Undo create: rmdir the leaf, then up to `parents` created ancestors. */
  int (*remove) (const struct cg_layout *l, const char *path, int parents, struct carrel_error *err);
  int (*apply) (const struct cg_layout *l, const char *path, const struct carrel_resources *r, bool update,
                struct carrel_error *err);
  int (*devices) (const struct cg_layout *l, const char *path, const struct cg_dev_rule *rules, size_t n,
                  struct carrel_error *err);
  int (*enter) (const struct cg_layout *l, const char *path, pid_t pid, struct carrel_error *err);
  int (*freeze) (const struct cg_layout *l, const char *path, bool frozen, struct carrel_error *err);
  int (*is_frozen) (const struct cg_layout *l, const char *path, bool *frozen, struct carrel_error *err);
  /* SIGKILL may use cgroup.kill; other signals go to every pid. */
  int (*kill) (const struct cg_layout *l, const char *path, int sig, struct carrel_error *err);
  /* The directory whose cgroup.procs lists the container's processes. */
  char *(*procs_dir) (const struct cg_layout *l, const char *path);
  /* Fill the "data" of a stats event (a jansson object, passed as void * to keep jansson out). */
  int (*stats) (const struct cg_layout *l, const char *path, void *data, struct carrel_error *err);
  /* An fd that becomes readable when an OOM may have happened (read it to rearm). */
  int (*oom_fd) (const struct cg_layout *l, const char *path, int *fd, struct carrel_error *err);
  /* OOM kills so far (-1: unknown); the fd says when to look. */
  long long (*oom_count) (const struct cg_layout *l, const char *path);
};

extern const struct cg_ops cg_v1_ops;
extern const struct cg_ops cg_v2_ops;

/* Shared file helpers: "<dir>/<file>". Messages name the file and the value. */
int cg_write (const char *dir, const char *file, const char *value, struct carrel_error *err);
int cg_writef (const char *dir, const char *file, struct carrel_error *err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* Read a small file, trailing newline stripped. NULL on failure (errno set). */
char *cg_read (const char *dir, const char *file);
bool cg_file_exists (const char *dir, const char *file);
/* Read a "key value" line of a flat-keyed file (memory.stat, cpu.stat, memory.events); -1 if absent. */
long long cg_read_key (const char *dir, const char *file, const char *key);
long long cg_read_ll (const char *dir, const char *file);
/* rmdir with retries (a dying cgroup stays busy a moment after its last process is gone). */
int cg_rmdir (const char *dir, struct carrel_error *err);
/* mkdir each component of `path` below hierarchy `mount`; *made: how many trailing components
 * were made here (0: the leaf existed). `each`, if given, runs on every component once it exists
 * (its parent is the previous one); made_parent: the component is above the leaf and was made by
 * this call (carrel's own). Set *made also on failure. */
typedef int (*cg_mkdir_step) (const char *parent, const char *dir, bool made_parent,
                              struct carrel_error *err);
int cg_mkdir_path (const char *mount, const char *path, int *made, cg_mkdir_step each,
                   struct carrel_error *err);
/* cg_rmdir of `path` below `mount`, then of up to `parents` of its ancestors while they are empty. */
int cg_rmdir_path (const char *mount, const char *path, int parents, struct carrel_error *err);
/* The pids in dir/cgroup.procs. */
int cg_read_pids (const char *dir, pid_t **pids, size_t *n, struct carrel_error *err);
/* Signal every process listed in dir/cgroup.procs, repeated until none is left for SIGKILL. */
int cg_signal_procs (const char *dir, int sig, struct carrel_error *err);

/* cgroup_bpf.c: compile the rules (last match wins) to a BPF_PROG_TYPE_CGROUP_DEVICE program and
 * attach it to the v2 directory, replacing the programs attached before. */
struct cg_bpf_insn
{
  uint8_t code;
  uint8_t regs; /* dst in the low nibble, src in the high one */
  int16_t off;
  int32_t imm;
};
int cg_bpf_compile (const struct cg_dev_rule *rules, size_t n, struct cg_bpf_insn **prog, size_t *len);
int cg_bpf_attach (const char *dir, const struct cg_dev_rule *rules, size_t n, struct carrel_error *err);

/* Conversions (cgroup_convert.c). */
/* cpu.shares [2, 262144] -> cpu.weight [1, 10000], as runc 1.1 and crun 1.8: 1024 -> 39. 0 stays 0. */
uint64_t cg_shares_to_weight (uint64_t shares);
uint64_t cg_weight_to_shares (uint64_t weight);
/* blkio.weight [10, 1000] -> io.weight [1, 10000]. 0 stays 0. */
uint64_t cg_blkio_to_io_weight (uint64_t weight);
/* "quota period" for cpu.max: quota < 0 (or unset) is "max"; period 0 means 100000. */
void cg_cpu_max_string (bool has_quota, int64_t quota, uint64_t period, char *buf, size_t len);
/* The OCI swap (memory+swap) to memory.swap.max: -1 max, 0 unset. Error for swap < limit. */
int cg_swap_v2 (int64_t swap, int64_t limit, int64_t *out, struct carrel_error *err);
/* A byte count or -1 as a v2 value: "max" for < 0. */
void cg_limit_string (int64_t v, char *buf, size_t len);
/* "c 1:3 rwm" (v1 devices.allow syntax). */
void cg_dev_rule_string (const struct cg_dev_rule *r, char *buf, size_t len);
unsigned cg_dev_access_bits (const char *access);
/* The config's rules, carrel's default allows (null, zero, full, random, urandom, tty, console,
 * ptmx, pts, and mknod of any device) and an allow for every linux.devices entry. */
int cg_dev_rules_build (const struct carrel_resources *r, const struct carrel_device *devs, size_t n_devs,
                        struct cg_dev_rule **out, size_t *n);

#endif
