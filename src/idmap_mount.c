/* Idmapped bind mounts: open_tree(OPEN_TREE_CLONE) of the source, mount_setattr(MOUNT_ATTR_IDMAP)
 * with a user namespace that carries the mapping, move_mount onto the destination. A file whose
 * on-disk owner is containerID then shows as hostID + (id - containerID): with the container's own
 * mappings, a host directory owned by root appears owned by the container's root, without chown.
 *
 * The mapping comes from the mount's uidMappings/gidMappings, else from linux.uidMappings and
 * gidMappings (the container's user namespace). "idmap" maps the top mount, "ridmap" the whole
 * tree of an rbind. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "idmap_mount.h"
#include "util.h"

/* One detached, id-mapped tree per mount index (-1: none). The init gets a copy of this array
 * and of the fds with the clone. */
static int *prepared;
static size_t n_prepared;

static void
mount_idmap_options (const struct carrel_mount *m, bool *idmap, bool *recursive, bool *bind, bool *rbind)
{
  *idmap = *recursive = *bind = *rbind = false;
  if (m->type && strcmp (m->type, "bind") == 0)
    *bind = true;
  for (size_t i = 0; i < m->n_options; i++)
    {
      const struct carrel_mount_opt *o = carrel_mount_opt_by_name (m->options[i]);
      if (o == NULL)
        continue;
      if (o->kind == CARREL_MOPT_IDMAP)
        {
          *idmap = true;
          *recursive = *recursive || o->recursive;
        }
      else if (o->kind == CARREL_MOPT_BIND)
        {
          *bind = true;
          *rbind = *rbind || o->recursive;
        }
    }
}

bool
idmap_mount_wanted (const struct carrel_mount *m)
{
  bool idmap, recursive, bind, rbind;
  mount_idmap_options (m, &idmap, &recursive, &bind, &rbind);
  return bind && (idmap || m->n_uid_mappings || m->n_gid_mappings);
}

/* A user namespace whose maps are uids/gids: a child sits in it while we write its maps and take
 * an fd on it. */
int
userns_with_maps (const struct carrel_id_mapping *uids, size_t n_uids, const struct carrel_id_mapping *gids,
                  size_t n_gids, int *out, struct carrel_error *err)
{
  cleanup_free char *umap = idmap_format (uids, n_uids);
  cleanup_free char *gmap = idmap_format (gids, n_gids);
  char path[64];
  int r = -1;
  pid_t pid = syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
  if (pid < 0)
    return carrel_fail (err, errno, "create a user namespace for the mapping");
  if (pid == 0)
    {
      for (;;)
        pause ();
    }
  snprintf (path, sizeof path, "/proc/%d/uid_map", pid);
  if (write_file_at (AT_FDCWD, path, umap, strlen (umap), err) < 0)
    {
      carrel_wrap (err, "uidMappings");
      goto out;
    }
  snprintf (path, sizeof path, "/proc/%d/gid_map", pid);
  if (write_file_at (AT_FDCWD, path, gmap, strlen (gmap), err) < 0)
    {
      carrel_wrap (err, "gidMappings");
      goto out;
    }
  snprintf (path, sizeof path, "/proc/%d/ns/user", pid);
  *out = open (path, O_RDONLY | O_CLOEXEC);
  if (*out < 0)
    carrel_fail (err, errno, "open %s", path);
  else
    r = 0;
out:
  kill (pid, SIGKILL);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return r;
}

static int
prepare_one (const struct carrel_spec *spec, const char *bundle, size_t idx, int *out,
             struct carrel_error *err)
{
  const struct carrel_mount *m = &spec->mounts[idx];
  const struct carrel_linux *l = &spec->linux_;
  const struct carrel_id_mapping *uids = m->uid_mappings, *gids = m->gid_mappings;
  size_t n_uids = m->n_uid_mappings, n_gids = m->n_gid_mappings;
  bool idmap, recursive, bind, rbind;
  cleanup_fd int userns = -1;
  cleanup_fd int tree = -1;
  cleanup_free char *source = NULL;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };

  mount_idmap_options (m, &idmap, &recursive, &bind, &rbind);
  if (n_uids == 0 && n_gids == 0)
    {
      uids = l->uid_mappings, n_uids = l->n_uid_mappings;
      gids = l->gid_mappings, n_gids = l->n_gid_mappings;
    }
  if (n_uids == 0 || n_gids == 0)
    return carrel_fail (
        err, EINVAL,
        "config.json: mounts[%zu]: an idmapped mount needs uidMappings and gidMappings (its own "
        "or linux.uidMappings and linux.gidMappings)",
        idx);
  if (geteuid () != 0)
    return carrel_fail (err, EPERM, "config.json: mounts[%zu]: idmapped mounts need root on the host", idx);
  source = m->source && m->source[0] != '/' ? xasprintf ("%s/%s", bundle, m->source)
                                            : xstrdup (m->source ? m->source : "");
  if (userns_with_maps (uids, n_uids, gids, n_gids, &userns, err) < 0)
    return carrel_wrap (err, "config.json: mounts[%zu]", idx);
  tree = open_tree (AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0));
  if (tree < 0)
    return carrel_fail (err, errno, "mounts[%zu]: clone %s for an idmapped mount", idx, source);
  attr.userns_fd = userns;
  if (mount_setattr (tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
    return carrel_fail (err, errno, "mounts[%zu]: idmap %s (does its filesystem support idmapped mounts?)",
                        idx, source);
  *out = take_fd (&tree);
  return 0;
}

int
idmap_mounts_prepare (const struct carrel_spec *spec, const char *bundle, struct carrel_error *err)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      if (!idmap_mount_wanted (&spec->mounts[i]))
        continue;
      if (prepared == NULL)
        {
          prepared = xcalloc (spec->n_mounts, sizeof (int));
          n_prepared = spec->n_mounts;
          for (size_t j = 0; j < n_prepared; j++)
            prepared[j] = -1;
        }
      if (prepare_one (spec, bundle, i, &prepared[i], err) < 0)
        {
          idmap_mounts_release ();
          return -1;
        }
    }
  return 0;
}

void
idmap_mounts_release (void)
{
  for (size_t i = 0; i < n_prepared; i++)
    if (prepared[i] >= 0)
      close (prepared[i]);
  free (prepared);
  prepared = NULL;
  n_prepared = 0;
}

int
idmap_mount_attach (const struct carrel_spec *spec, const struct carrel_mount *m, const char *target,
                    struct carrel_error *err)
{
  size_t idx = m - spec->mounts;
  int r;
  if (idx >= n_prepared || prepared[idx] < 0)
    return carrel_fail (err, EINVAL, "mounts[%zu]: no idmapped tree was prepared", idx);
  /* target is usually a /proc/self/fd/N magic link: follow it. */
  r = move_mount (prepared[idx], "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS);
  if (r < 0)
    return carrel_fail (err, errno, "mounts[%zu]: attach the idmapped mount on %s", idx, m->destination);
  close (prepared[idx]);
  prepared[idx] = -1;
  return 0;
}
