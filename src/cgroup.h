/* Cgroups behind one interface, with a v2 and a v1 backend chosen at run time (hybrid hosts
 * use v1 for the controllers). The path of a container's cgroup is relative to the hierarchy
 * roots ("/carrel/c1") and is what the state file records. */
#ifndef CARREL_CGROUP_H
#define CARREL_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "carrel/error.h"
#include "carrel/spec.h"

struct cgroup;

/* Resolve linux.cgroupsPath (or the default "/carrel/<id>"), create what does not exist (an
 * existing cgroup is joined and remembered as not ours), apply linux.resources. On failure
 * nothing that was created is left. rootless: failures for lack of delegation become one
 * warning and *out is NULL. */
int cgroup_create (const struct carrel_spec *spec, const char *id, bool rootless, struct cgroup **out,
                   struct carrel_error *err);
/* Put pid in every hierarchy of the cgroup. */
int cgroup_enter (struct cgroup *cg, pid_t pid, struct carrel_error *err);
/* A v2 directory fd for clone3's CLONE_INTO_CGROUP, or -1. */
int cgroup_clone_fd (struct cgroup *cg);
/* The path to record in the state ("/carrel/c1"), and whether carrel created it. */
const char *cgroup_path (const struct cgroup *cg);
bool cgroup_owned (const struct cgroup *cg);
/* Remove a cgroup carrel created (failed create): kill what is inside, rmdir. */
int cgroup_destroy (struct cgroup *cg, struct carrel_error *err);
void cgroup_free (struct cgroup *cg);

/* Operations on a recorded path, for delete, kill --all, pause, resume, update, ps, events. */
int cgroup_remove_path (const char *path, bool owned, struct carrel_error *err);
int cgroup_signal_all (const char *path, int sig, struct carrel_error *err);
int cgroup_freeze (const char *path, bool frozen, struct carrel_error *err);
int cgroup_is_frozen (const char *path, bool *frozen, struct carrel_error *err);
int cgroup_update (const char *path, const struct carrel_resources *res, struct carrel_error *err);
int cgroup_pids (const char *path, pid_t **pids, size_t *n, struct carrel_error *err);
/* The stats object of `events --stats` (runc's shape: memory, cpu, pids, blkio, hugetlb), as JSON. */
int cgroup_stats_json (const char *path, char **json, struct carrel_error *err);

#endif
