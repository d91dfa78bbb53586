/* Idmapped bind mounts (mount uidMappings/gidMappings, options idmap and ridmap). */
#ifndef CARREL_IDMAP_MOUNT_H
#define CARREL_IDMAP_MOUNT_H

#include <stdbool.h>

#include "carrel/spec.h"

/* A bind mount that asks for an id-mapped view of its source. */
bool idmap_mount_wanted (const struct carrel_mount *m);

/* In the supervisor, before it clones the init: setting MOUNT_ATTR_IDMAP on a host filesystem
 * needs CAP_SYS_ADMIN in the host's user namespace, which the init (maybe in a new user namespace)
 * has not. So each such mount's source is cloned here (open_tree) with its id mapping set; the
 * init inherits the detached trees and attaches them (idmap_mount_attach). */
int idmap_mounts_prepare (const struct carrel_spec *spec, const char *bundle, struct carrel_error *err);
/* The supervisor's copies, after the clone. */
void idmap_mounts_release (void);

/* In the init: move the prepared tree of spec->mounts[m] onto target (a path, e.g. /proc/self/fd/N). */
int idmap_mount_attach (const struct carrel_spec *spec, const struct carrel_mount *m, const char *target,
                        struct carrel_error *err);

/* idmap.c: "containerID hostID size\n" lines. */
char *idmap_format (const struct carrel_id_mapping *m, size_t n);
/* An fd of a new user namespace with these maps, for MOUNT_ATTR_IDMAP (no process stays in it). */
int userns_with_maps (const struct carrel_id_mapping *uids, size_t n_uids,
                      const struct carrel_id_mapping *gids, size_t n_gids, int *out,
                      struct carrel_error *err);

#endif
