/* Cgroups behind one interface, with a v2 and a v1 backend chosen at run time (hybrid hosts
 * use v1 for the controllers). The path of a container's cgroup is relative to the hierarchy
 * roots ("/carrel/c1") and is what the state file records. */
#ifndef CARREL_CGROUP_H
#define CARREL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "carrel/error.h"
#include "carrel/spec.h"

struct cgroup;

/* Resolve linux.cgroupsPath (or the default "/carrel/<id>"), create what does not exist (an
 * existing cgroup is joined and remembered as not ours), apply linux.resources. On failure
 * nothing that was created is left. rootless: failures for lack of delegation become one
 * warning and *out is NULL. path: where, already resolved (cgroup_path_of_config), or NULL:
 * from the config. */
int cgroup_create (const struct carrel_spec *spec, const char *id, const char *path, bool rootless,
                   struct cgroup **out, struct carrel_error *err);
/* Put pid in every hierarchy of the cgroup. */
int cgroup_enter (struct cgroup *cg, pid_t pid, struct carrel_error *err);
/* Early mode: the init joins its cgroup itself (v1: "0" to each tasks file); the supervisor makes
 * a hybrid host's cgroup2 side right before its clone3. See cgroup.c. */
int cgroup_early_plan (const char *path, int *unified_fd, int *unified_made, struct carrel_error *err);
void cgroup_early_undo (const char *path, int unified_made);
/* Early mode, in the CLI once the cgroup exists: the v1 tasks files the init writes "0" to, opened
 * here (write-only, close-on-exec) so that the init's join skips their path lookups. */
int cgroup_open_tasks (const char *path, int *fds, size_t max, size_t *n, struct carrel_error *err);
/* Early mode applies: v1 hierarchies to join. */
bool cgroup_early_wanted (void);
/* What cgroup_early_plan made belongs to the cgroup: removed with it. */
void cgroup_count_made (struct cgroup *cg, int made);
/* How the supervisor starts the init in the cgroup at path without a cgroup.procs write: the v1
 * tasks files it moves itself into before the clone (enter) and back to after it (leave), both NULL
 * when that fast path does not apply; and a cgroup2 directory fd for clone3's CLONE_INTO_CGROUP,
 * or -1 (see cgroup.c). leave may be NULL: exec's process moves itself in and stays. */
int cgroup_self_move_plan (const char *path, char ***enter, char ***leave, int *clone_fd,
                           struct carrel_error *err);
/* The path to record in the state ("/carrel/c1"), and whether carrel created it. */
const char *cgroup_path (const struct cgroup *cg);
bool cgroup_owned (const struct cgroup *cg);
/* Remove a cgroup carrel created (failed create): kill what is inside, rmdir. */
int cgroup_destroy (struct cgroup *cg, struct carrel_error *err);
void cgroup_free (struct cgroup *cg);

/* Operations on a recorded path, for delete, kill --all, pause, resume, update, ps, events. */
/* The cgroup a config puts container `id` in, for a delete that has no state to read it from;
 * *carrels: the default path, which carrel makes (a given one may be the user's). */
int cgroup_path_of_config (const struct carrel_spec *spec, const char *id, char **path, bool *carrels,
                           struct carrel_error *err);
int cgroup_remove_path (const char *path, bool owned, struct carrel_error *err);
/* Put pid in every hierarchy of a recorded cgroup (exec). */
int cgroup_enter_path (const char *path, pid_t pid, struct carrel_error *err);
int cgroup_signal_all (const char *path, int sig, struct carrel_error *err);
int cgroup_freeze (const char *path, bool frozen, struct carrel_error *err);
int cgroup_is_frozen (const char *path, bool *frozen, struct carrel_error *err);
int cgroup_update (const char *path, const struct carrel_resources *res, struct carrel_error *err);
int cgroup_pids (const char *path, pid_t **pids, size_t *n, struct carrel_error *err);
/* The stats object of `events --stats` (runc's shape: memory, cpu, pids, blkio, hugetlb), as JSON. */
int cgroup_stats_json (const char *path, char **json, struct carrel_error *err);

/* Also apply device rules: the update's, carrel's default allows and the config's linux.devices. */
int cgroup_update_devices (const char *path, const struct carrel_resources *res,
                           const struct carrel_device *devs, size_t n_devs, struct carrel_error *err);
/* For `events`: an fd readable when an OOM may have happened, and the OOM kill count so far. */
int cgroup_oom_fd (const char *path, int *fd, struct carrel_error *err);
long long cgroup_oom_count (const char *path);
bool cgroup_exists (const char *path);
/* 1 or 2: the version that drives the controllers on this host (0: no cgroups). */
int cgroup_version (void);

/* Library entry points of pause, resume, update and events (src/cgroup_ops.c). */
int carrel_container_pause (const char *root, const char *id, struct carrel_error *err);
int carrel_container_resume (const char *root, const char *id, struct carrel_error *err);
int carrel_container_update (const char *root, const char *id, const struct carrel_resources *res,
                             struct carrel_error *err);
/* One stats event: {"type":"stats","id":ID,"data":{...}}. */
int carrel_container_stats (const char *root, const char *id, char **json, struct carrel_error *err);
/* Stream events (stats every interval_ms, OOM kills as they happen) as JSON lines to emit, until
 * the container stops or emit returns < 0. */
typedef int (*carrel_event_fn) (const char *json_line, void *arg);
int carrel_container_events (const char *root, const char *id, int interval_ms, carrel_event_fn emit,
                             void *arg, struct carrel_error *err);

#endif
