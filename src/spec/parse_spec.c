/* carrel: config.json, top level: ociVersion, root, mounts, process, hostname, hooks, annotations,
 * linux. Other platforms' objects (windows, solaris, vm, zos, freebsd) are ignored. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/parse.h"
#include "util.h"

static int
parse_hook (struct pctx *c, const json_t *v, struct carrel_hook *h)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_strdup (c, v, "path", true, &h->path) < 0)
    return -1;
  if (h->path[0] != '/')
    return pfail_key (c, "path", "must be an absolute path, got \"%s\"", h->path);
  int64_t timeout;
  if (fld_strv (c, v, "args", &h->args, &h->n_args) < 0 || fld_strv (c, v, "env", &h->env, &h->n_env) < 0
      || fld_i64 (c, v, "timeout", false, INT64_MIN, INT64_MAX, &timeout, &h->has_timeout) < 0)
    return -1;
  if (h->has_timeout && timeout <= 0)
    return pfail_key (c, "timeout", "must be greater than zero, got %lld", (long long)timeout);
  if (h->has_timeout && timeout > INT_MAX)
    return pfail_key (c, "timeout", "%lld out of range (max %d)", (long long)timeout, INT_MAX);
  h->timeout = (int)timeout;
  return 0;
}

static int
parse_hooks (struct pctx *c, const json_t *v, struct carrel_spec *spec)
{
  if (val_object (c, v) < 0)
    return -1;
  for (int k = 0; k < CARREL_N_HOOK_KINDS; k++)
    if (PARSE_ARRAY (c, v, carrel_hook_names[k], &spec->hooks[k], &spec->n_hooks[k], parse_hook) < 0)
      return -1;
  return 0;
}

static int
parse_root (struct pctx *c, const json_t *v, struct carrel_spec *spec)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_strdup (c, v, "path", true, &spec->root_path) < 0
      || fld_bool (c, v, "readonly", &spec->root_readonly, NULL) < 0)
    return -1;
  return 0;
}

static int
parse_spec (struct pctx *c, const json_t *v, struct carrel_spec *spec)
{
  if (fld_strdup (c, v, "ociVersion", true, &spec->oci_version) < 0)
    return -1;
  if (field (v, "root") == NULL)
    return pfail_key (c, "root", "required");
  if (SUB (c, v, "root", parse_root, spec) < 0 || parse_mounts (c, v, spec) < 0)
    return -1;
  if (field (v, "process"))
    {
      spec->has_process = true;
      if (SUB (c, v, "process", parse_process, &spec->process) < 0)
        return -1;
    }
  if (fld_strdup (c, v, "hostname", false, &spec->hostname) < 0
      || fld_strdup (c, v, "domainname", false, &spec->domainname) < 0
      || SUB (c, v, "hooks", parse_hooks, spec) < 0
      || fld_kv (c, v, "annotations", &spec->annotations, &spec->n_annotations) < 0)
    return -1;
  if (field (v, "linux"))
    {
      spec->has_linux = true;
      if (SUB (c, v, "linux", parse_linux, &spec->linux_) < 0)
        return -1;
    }
  return 0;
}

int
carrel_spec_parse (const char *text, size_t len, const char *origin, struct carrel_spec **out,
                   struct carrel_error *err)
{
  struct pctx c;
  pctx_init (&c, origin ? origin : "config.json", err);
  json_arena_begin ();
  json_t *root = parse_document (&c, text, len);
  if (root == NULL)
    {
      json_arena_end ();
      return -1;
    }
  struct carrel_spec *spec = xcalloc (1, sizeof *spec);
  int rc = parse_spec (&c, root, spec);
  json_decref (root);
  json_arena_end ();
  if (rc < 0)
    {
      carrel_spec_free (spec);
      return -1;
    }
  *out = spec;
  return 0;
}

int
carrel_spec_load (const char *path, struct carrel_spec **out, struct carrel_error *err)
{
  cleanup_fd int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return carrel_fail (err, errno, "open %s", path);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return carrel_fail (err, errno, "stat %s", path);
  size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, len = 0;
  cleanup_free char *buf = xmalloc (cap);
  for (;;)
    {
      if (len == cap)
        buf = xrealloc (buf, cap *= 2);
      ssize_t n = read (fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return carrel_fail (err, errno, "read %s", path);
      if (n == 0)
        break;
      len += (size_t)n;
    }
  return carrel_spec_parse (buf, len, path, out, err);
}

void
carrel_spec_free (struct carrel_spec *spec)
{
  if (spec == NULL)
    return;
  free (spec->oci_version);
  free (spec->root_path);
  mounts_free (spec->mounts, spec->n_mounts);
  process_clear (&spec->process);
  free (spec->hostname);
  free (spec->domainname);
  for (int k = 0; k < CARREL_N_HOOK_KINDS; k++)
    {
      for (size_t i = 0; i < spec->n_hooks[k]; i++)
        {
          struct carrel_hook *h = &spec->hooks[k][i];
          free (h->path);
          free_strv_n (h->args, h->n_args);
          free_strv_n (h->env, h->n_env);
        }
      free (spec->hooks[k]);
    }
  free_kv (spec->annotations, spec->n_annotations);
  linux_clear (&spec->linux_);
  free (spec);
}

const char *
carrel_spec_annotation (const struct carrel_spec *spec, const char *key)
{
  for (size_t i = 0; i < spec->n_annotations; i++)
    if (strcmp (spec->annotations[i].key, key) == 0)
      return spec->annotations[i].value;
  return NULL;
}

const struct carrel_namespace *
carrel_spec_namespace (const struct carrel_spec *spec, int clone_flag)
{
  for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
    if (spec->linux_.namespaces[i].clone_flag == clone_flag)
      return &spec->linux_.namespaces[i];
  return NULL;
}
