/* carrel: config.json's linux object (resources and seccomp have their own files). */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "spec/parse.h"
#include "util.h"

static int
parse_namespaces (struct pctx *c, const json_t *lx, struct carrel_linux *l)
{
  int rc;
  json_t *v = fld_array (c, lx, "namespaces", false, &rc);
  if (v == NULL)
    return rc;
  size_t m = path_key (c, "namespaces");
  l->namespaces = alloc_array (json_array_size (v), sizeof (struct carrel_namespace));
  l->n_namespaces = json_array_size (v);
  unsigned seen = 0; /* bit i: carrel_ns_kinds[i] */
  size_t i;
  json_t *e;
  json_array_foreach (v, i, e)
  {
    size_t mi = path_index (c, i);
    struct carrel_namespace *ns = &l->namespaces[i];
    const char *type = NULL;
    rc = val_object (c, e);
    if (rc == 0)
      rc = fld_string (c, e, "type", true, &type);
    if (rc == 0)
      {
        const struct carrel_ns_kind *kind = carrel_ns_kind_by_name (type);
        unsigned bit = kind ? 1u << (kind - carrel_ns_kinds) : 0;
        if (kind == NULL)
          rc = pfail_key (c, "type", "unknown namespace \"%s\"", type);
        else if (seen & bit)
          rc = pfail_key (c, "type", "duplicate namespace \"%s\"", type);
        else
          {
            seen |= bit;
            ns->clone_flag = kind->clone_flag;
            ns->type = xstrdup (type);
            rc = fld_strdup (c, e, "path", false, &ns->path);
          }
      }
    if (rc == 0 && ns->path && ns->path[0] != '/')
      rc = pfail_key (c, "path", "must be an absolute path, got \"%s\"", ns->path);
    path_pop (c, mi);
    if (rc < 0)
      break;
  }
  path_pop (c, m);
  return rc;
}

static int
parse_device (struct pctx *c, const json_t *v, struct carrel_device *d)
{
  if (val_object (c, v) < 0)
    return -1;
  const char *type;
  if (fld_string (c, v, "type", true, &type) < 0)
    return -1;
  if (strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
    return pfail_key (c, "type", "unknown device type \"%s\" (expected c, b, u or p)", type);
  d->type = type[0];
  if (fld_strdup (c, v, "path", true, &d->path) < 0)
    return -1;
  if (d->path[0] != '/')
    return pfail_key (c, "path", "must be an absolute path, got \"%s\"", d->path);
  bool needs_numbers = d->type != 'p';
  bool has_major = false, has_minor = false;
  if (fld_i64 (c, v, "major", false, INT64_MIN, INT64_MAX, &d->major, &has_major) < 0
      || fld_i64 (c, v, "minor", false, INT64_MIN, INT64_MAX, &d->minor, &has_minor) < 0)
    return -1;
  if (needs_numbers && !has_major)
    return pfail_key (c, "major", "required for device type \"%c\"", d->type);
  if (needs_numbers && !has_minor)
    return pfail_key (c, "minor", "required for device type \"%c\"", d->type);
  if (fld_u32 (c, v, "fileMode", false, &d->file_mode, &d->has_file_mode) < 0
      || fld_u32 (c, v, "uid", false, &d->uid, &d->has_uid) < 0
      || fld_u32 (c, v, "gid", false, &d->gid, &d->has_gid) < 0)
    return -1;
  return 0;
}

static int
parse_net_devices (struct pctx *c, const json_t *v, struct carrel_linux *l)
{
  if (val_object (c, v) < 0)
    return -1;
  l->net_devices = alloc_array (json_object_size (v), sizeof (struct carrel_net_device));
  l->n_net_devices = json_object_size (v);
  size_t i = 0;
  const char *host;
  json_t *e;
  json_object_foreach ((json_t *)v, host, e)
  {
    struct carrel_net_device *d = &l->net_devices[i++];
    d->host_name = xstrdup (host);
    size_t m = path_key (c, host);
    int rc = val_object (c, e);
    if (rc == 0)
      rc = fld_strdup (c, e, "name", false, &d->name);
    path_pop (c, m);
    if (rc < 0)
      return -1;
  }
  return 0;
}

#define NSEC_PER_SEC 1000000000u

static int
parse_time_offset (struct pctx *c, const json_t *v, struct carrel_time_offset *t)
{
  if (val_object (c, v) < 0)
    return -1;
  uint64_t ns = 0;
  if (fld_i64 (c, v, "secs", false, INT64_MIN, INT64_MAX, &t->secs, NULL) < 0
      || fld_u64 (c, v, "nanosecs", false, NSEC_PER_SEC - 1, &ns, NULL) < 0)
    return -1;
  t->nanosecs = (uint32_t)ns;
  t->present = true;
  return 0;
}

static int
parse_time_offsets (struct pctx *c, const json_t *v, struct carrel_linux *l)
{
  if (val_object (c, v) < 0)
    return -1;
  if (SUB (c, v, "monotonic", parse_time_offset, &l->time_monotonic) < 0
      || SUB (c, v, "boottime", parse_time_offset, &l->time_boottime) < 0)
    return -1;
  return 0;
}

static int
parse_rootfs_propagation (struct pctx *c, const json_t *lx, struct carrel_linux *l)
{
  const char *s = NULL;
  if (fld_string (c, lx, "rootfsPropagation", false, &s) < 0)
    return -1;
  if (s == NULL)
    return 0;
  /* The propagation options of the mount table ("private", and runc's "rprivate" too); always
   * recursive, as the whole rootfs tree gets it. */
  const struct carrel_mount_opt *opt = carrel_mount_opt_by_name (s);
  if (opt == NULL || opt->kind != CARREL_MOPT_PROPAGATION)
    return pfail_key (c, "rootfsPropagation", "unknown rootfs propagation \"%s\"", s);
  l->rootfs_propagation = xstrdup (s);
  l->rootfs_propagation_flags = opt->value | MS_REC;
  return 0;
}

/* Unsupported by carrel but parsed for shape: the runtime refuses them. */
static int
parse_personality (struct pctx *c, const json_t *v, struct carrel_linux *l)
{
  if (val_object (c, v) < 0)
    return -1;
  l->has_personality = true;
  int domain;
  char **flags = NULL;
  size_t n_flags = 0;
  if (fld_enum (c, v, "domain", false, carrel_personality_domains, carrel_n_personality_domains,
                "personality domain", &domain, &l->personality_domain, NULL)
      < 0)
    return -1;
  int rc = fld_strv (c, v, "flags", &flags, &n_flags);
  free_strv_n (flags, n_flags);
  return rc;
}

int
parse_linux (struct pctx *c, const json_t *v, struct carrel_linux *l)
{
  if (val_object (c, v) < 0)
    return -1;
  if (parse_namespaces (c, v, l) < 0
      || fld_id_mappings (c, v, "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0
      || fld_id_mappings (c, v, "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0
      || SUB (c, v, "timeOffsets", parse_time_offsets, l) < 0
      || PARSE_ARRAY (c, v, "devices", &l->devices, &l->n_devices, parse_device) < 0
      || SUB (c, v, "netDevices", parse_net_devices, l) < 0
      || fld_strdup (c, v, "cgroupsPath", false, &l->cgroups_path) < 0
      || parse_rootfs_propagation (c, v, l) < 0)
    return -1;
  if (field (v, "resources"))
    {
      l->has_resources = true;
      if (SUB (c, v, "resources", parse_resources, &l->resources) < 0)
        return -1;
    }
  if (field (v, "seccomp"))
    {
      l->has_seccomp = true;
      if (SUB (c, v, "seccomp", parse_seccomp, &l->seccomp) < 0)
        return -1;
    }
  if (fld_kv (c, v, "sysctl", &l->sysctl, &l->n_sysctl) < 0
      || fld_strv (c, v, "maskedPaths", &l->masked_paths, &l->n_masked_paths) < 0
      || fld_strv (c, v, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths) < 0
      || fld_strdup (c, v, "mountLabel", false, &l->mount_label) < 0)
    return -1;

  int rc;
  if (fld_object (c, v, "intelRdt", false, &rc))
    l->has_intel_rdt = true;
  if (rc < 0)
    return -1;
  if (fld_object (c, v, "memoryPolicy", false, &rc))
    l->has_memory_policy = true;
  if (rc < 0)
    return -1;
  return SUB (c, v, "personality", parse_personality, l);
}

void
linux_clear (struct carrel_linux *l)
{
  for (size_t i = 0; i < l->n_namespaces; i++)
    {
      free (l->namespaces[i].type);
      free (l->namespaces[i].path);
    }
  free (l->namespaces);
  free (l->uid_mappings);
  free (l->gid_mappings);
  for (size_t i = 0; i < l->n_devices; i++)
    free (l->devices[i].path);
  free (l->devices);
  for (size_t i = 0; i < l->n_net_devices; i++)
    {
      free (l->net_devices[i].host_name);
      free (l->net_devices[i].name);
    }
  free (l->net_devices);
  free (l->cgroups_path);
  free (l->rootfs_propagation);
  resources_clear (&l->resources);
  seccomp_clear (&l->seccomp);
  free_kv (l->sysctl, l->n_sysctl);
  free_strv_n (l->masked_paths, l->n_masked_paths);
  free_strv_n (l->readonly_paths, l->n_readonly_paths);
  free (l->mount_label);
  free (l->personality_domain);
  memset (l, 0, sizeof *l);
}
