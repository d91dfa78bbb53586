/* Placeholder until the v1/v2 backends land: no cgroup is made. */
#include <errno.h>
#include <stdlib.h>

#include "cgroup.h"
#include "util.h"

struct cgroup
{
  char *path;
};

int
cgroup_create (const struct carrel_spec *spec, const char *id, bool rootless, struct cgroup **out,
               struct carrel_error *err)
{
  (void) spec;
  (void) id;
  (void) rootless;
  (void) err;
  *out = NULL;
  return 0;
}
int
cgroup_enter (struct cgroup *cg, pid_t pid, struct carrel_error *err)
{
  (void) cg, (void) pid, (void) err;
  return 0;
}
int
cgroup_clone_fd (struct cgroup *cg)
{
  (void) cg;
  return -1;
}
const char *
cgroup_path (const struct cgroup *cg)
{
  return cg ? cg->path : NULL;
}
bool
cgroup_owned (const struct cgroup *cg)
{
  (void) cg;
  return false;
}
int
cgroup_destroy (struct cgroup *cg, struct carrel_error *err)
{
  (void) cg, (void) err;
  return 0;
}
void
cgroup_free (struct cgroup *cg)
{
  if (cg)
    free (cg->path);
  free (cg);
}
int
cgroup_remove_path (const char *path, bool owned, struct carrel_error *err)
{
  (void) path, (void) owned, (void) err;
  return 0;
}
int
cgroup_signal_all (const char *path, int sig, struct carrel_error *err)
{
  (void) path, (void) sig;
  return carrel_fail (err, ENOTSUP, "kill --all: cgroups are not available yet");
}
int
cgroup_freeze (const char *path, bool frozen, struct carrel_error *err)
{
  (void) path, (void) frozen;
  return carrel_fail (err, ENOTSUP, "freezer: cgroups are not available yet");
}
int
cgroup_is_frozen (const char *path, bool *frozen, struct carrel_error *err)
{
  (void) path, (void) err;
  *frozen = false;
  return 0;
}
int
cgroup_update (const char *path, const struct carrel_resources *res, struct carrel_error *err)
{
  (void) path, (void) res;
  return carrel_fail (err, ENOTSUP, "update: cgroups are not available yet");
}
int
cgroup_pids (const char *path, pid_t **pids, size_t *n, struct carrel_error *err)
{
  (void) path;
  *pids = NULL;
  *n = 0;
  return carrel_fail (err, ENOTSUP, "cgroups are not available yet");
}
int
cgroup_stats_json (const char *path, char **json, struct carrel_error *err)
{
  (void) path;
  *json = NULL;
  return carrel_fail (err, ENOTSUP, "cgroups are not available yet");
}
