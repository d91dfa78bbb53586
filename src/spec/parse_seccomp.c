/* carrel: linux.seccomp. Names are checked against the tables; syscall names are left to the seccomp
 * code (the kernel and libseccomp decide which exist). */
#include <stdlib.h>
#include <string.h>

#include "spec/parse.h"
#include "util.h"

/* Syscall arguments are numbered 0..5. */
#define SECCOMP_MAX_ARG_INDEX 5

static int
parse_arg (struct pctx *c, const json_t *v, struct carrel_seccomp_arg *a)
{
  if (val_object (c, v) < 0)
    return -1;
  uint64_t index;
  if (fld_u64 (c, v, "index", true, SECCOMP_MAX_ARG_INDEX, &index, NULL) < 0
      || fld_u64 (c, v, "value", true, UINT64_MAX, &a->value, NULL) < 0
      || fld_u64 (c, v, "valueTwo", false, UINT64_MAX, &a->value_two, NULL) < 0
      || fld_enum (c, v, "op", true, carrel_seccomp_ops, carrel_n_seccomp_ops, "seccomp operator", &a->op,
                   NULL, NULL)
             < 0)
    return -1;
  a->index = (uint32_t)index;
  return 0;
}

static int
parse_rule (struct pctx *c, const json_t *v, struct carrel_seccomp_rule *r)
{
  if (val_object (c, v) < 0)
    return -1;
  int rc;
  if (fld_array (c, v, "names", true, &rc) == NULL)
    return -1;
  if (fld_strv (c, v, "names", &r->names, &r->n_names) < 0)
    return -1;
  if (r->n_names == 0)
    return pfail_key (c, "names", "must not be empty");
  if (fld_enum (c, v, "action", true, carrel_seccomp_actions, carrel_n_seccomp_actions, "seccomp action",
                &r->action, NULL, NULL)
          < 0
      || fld_u32 (c, v, "errnoRet", false, &r->errno_ret, &r->has_errno_ret) < 0
      || PARSE_ARRAY (c, v, "args", &r->args, &r->n_args, parse_arg) < 0)
    return -1;
  return 0;
}

static int
parse_arch (struct pctx *c, const json_t *v, uint32_t *token)
{
  const char *name;
  if (val_string (c, v, &name) < 0)
    return -1;
  for (size_t i = 0; i < carrel_n_seccomp_archs; i++)
    if (strcmp (carrel_seccomp_archs[i].name, name) == 0)
      {
        *token = carrel_seccomp_archs[i].token;
        return 0;
      }
  return pfail (c, "unknown seccomp architecture \"%s\"", name);
}

static int
parse_flag (struct pctx *c, const json_t *v, int *flag)
{
  return val_enum (c, v, carrel_seccomp_flags, carrel_n_seccomp_flags, "seccomp flag", flag, NULL);
}

int
parse_seccomp (struct pctx *c, const json_t *v, struct carrel_seccomp *s)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_enum (c, v, "defaultAction", true, carrel_seccomp_actions, carrel_n_seccomp_actions,
                "seccomp action", &s->default_action, NULL, NULL)
          < 0
      || fld_u32 (c, v, "defaultErrnoRet", false, &s->default_errno_ret, &s->has_default_errno_ret) < 0
      || PARSE_ARRAY (c, v, "architectures", &s->architectures, &s->n_architectures, parse_arch) < 0
      || PARSE_ARRAY (c, v, "flags", &s->flags, &s->n_flags, parse_flag) < 0
      || fld_strdup (c, v, "listenerPath", false, &s->listener_path) < 0
      || fld_strdup (c, v, "listenerMetadata", false, &s->listener_metadata) < 0
      || PARSE_ARRAY (c, v, "syscalls", &s->syscalls, &s->n_syscalls, parse_rule) < 0)
    return -1;
  return 0;
}

void
seccomp_clear (struct carrel_seccomp *s)
{
  free (s->architectures);
  free (s->flags);
  free (s->listener_path);
  free (s->listener_metadata);
  for (size_t i = 0; i < s->n_syscalls; i++)
    {
      free_strv_n (s->syscalls[i].names, s->syscalls[i].n_names);
      free (s->syscalls[i].args);
    }
  free (s->syscalls);
  memset (s, 0, sizeof *s);
}
