/* carrel: config.json's mounts. Options are kept as written: the mount code splits them into flags
 * (carrel_mount_opts) and filesystem data. */
#include <stdlib.h>

#include "spec/parse.h"
#include "util.h"

static int
parse_mount (struct pctx *c, const json_t *v, struct carrel_mount *m)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_strdup (c, v, "destination", true, &m->destination) < 0)
    return -1;
  if (m->destination[0] != '/')
    return pfail_key (c, "destination", "must be an absolute path, got \"%s\"", m->destination);
  if (fld_strdup (c, v, "type", false, &m->type) < 0 || fld_strdup (c, v, "source", false, &m->source) < 0
      || fld_strv (c, v, "options", &m->options, &m->n_options) < 0
      || fld_id_mappings (c, v, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) < 0
      || fld_id_mappings (c, v, "gidMappings", &m->gid_mappings, &m->n_gid_mappings) < 0)
    return -1;
  return 0;
}

int
parse_mounts (struct pctx *c, const json_t *root, struct carrel_spec *spec)
{
  int rc;
  json_t *v = fld_array (c, root, "mounts", false, &rc);
  if (v == NULL)
    return rc;
  size_t m = path_key (c, "mounts");
  spec->mounts = alloc_array (json_array_size (v), sizeof (struct carrel_mount));
  spec->n_mounts = json_array_size (v);
  size_t i;
  json_t *e;
  json_array_foreach (v, i, e)
  {
    size_t mi = path_index (c, i);
    rc = parse_mount (c, e, &spec->mounts[i]);
    path_pop (c, mi);
    if (rc < 0)
      break;
  }
  path_pop (c, m);
  return rc;
}

void
mounts_free (struct carrel_mount *mounts, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      struct carrel_mount *m = &mounts[i];
      free (m->destination);
      free (m->type);
      free (m->source);
      free_strv_n (m->options, m->n_options);
      free (m->uid_mappings);
      free (m->gid_mappings);
    }
  free (mounts);
}
