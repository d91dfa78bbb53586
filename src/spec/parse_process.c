/* carrel: config.json's process (and exec's process.json). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "spec/parse.h"
#include "util.h"

static int
parse_user (struct pctx *c, const json_t *v, struct carrel_user *u)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_u32 (c, v, "uid", false, &u->uid, NULL) < 0 || fld_u32 (c, v, "gid", false, &u->gid, NULL) < 0
      || fld_u32 (c, v, "umask", false, &u->umask, &u->has_umask) < 0
      || fld_strdup (c, v, "username", false, &u->username) < 0)
    return -1;

  int rc;
  json_t *gids = fld_array (c, v, "additionalGids", false, &rc);
  if (gids == NULL)
    return rc;
  size_t m = path_key (c, "additionalGids");
  u->additional_gids = alloc_array (json_array_size (gids), sizeof (uint32_t));
  u->n_additional_gids = json_array_size (gids);
  size_t i;
  json_t *e;
  json_array_foreach (gids, i, e)
  {
    size_t mi = path_index (c, i);
    uint64_t x;
    rc = val_u64 (c, e, UINT32_MAX, &x);
    path_pop (c, mi);
    if (rc < 0)
      break;
    u->additional_gids[i] = (uint32_t)x;
  }
  path_pop (c, m);
  return rc;
}

static int
parse_cap_set (struct pctx *c, const json_t *caps, const char *key, int **out, size_t *n)
{
  int rc;
  json_t *v = fld_array (c, caps, key, false, &rc);
  if (v == NULL)
    return rc;
  size_t m = path_key (c, key);
  *out = alloc_array (json_array_size (v), sizeof (int));
  *n = json_array_size (v);
  size_t i;
  json_t *e;
  json_array_foreach (v, i, e)
  {
    size_t mi = path_index (c, i);
    rc = val_enum (c, e, carrel_caps, carrel_n_caps, "capability", &(*out)[i], NULL);
    path_pop (c, mi);
    if (rc < 0)
      break;
  }
  path_pop (c, m);
  return rc;
}

static int
parse_capabilities (struct pctx *c, const json_t *v, struct carrel_capabilities *caps)
{
  if (val_object (c, v) < 0)
    return -1;
  if (parse_cap_set (c, v, "bounding", &caps->bounding, &caps->n_bounding) < 0
      || parse_cap_set (c, v, "effective", &caps->effective, &caps->n_effective) < 0
      || parse_cap_set (c, v, "inheritable", &caps->inheritable, &caps->n_inheritable) < 0
      || parse_cap_set (c, v, "permitted", &caps->permitted, &caps->n_permitted) < 0
      || parse_cap_set (c, v, "ambient", &caps->ambient, &caps->n_ambient) < 0)
    return -1;
  return 0;
}

static int
parse_rlimit (struct pctx *c, const json_t *v, struct carrel_rlimit *r, uint64_t *seen)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_enum (c, v, "type", true, carrel_rlimits, carrel_n_rlimits, "rlimit", &r->resource, &r->type, NULL)
      < 0)
    return -1;
  if (r->resource >= 0 && r->resource < 64)
    {
      if (*seen & (1ULL << r->resource))
        return pfail_key (c, "type", "duplicate rlimit \"%s\"", r->type);
      *seen |= 1ULL << r->resource;
    }
  if (fld_u64 (c, v, "soft", true, UINT64_MAX, &r->soft, NULL) < 0
      || fld_u64 (c, v, "hard", true, UINT64_MAX, &r->hard, NULL) < 0)
    return -1;
  if (r->soft > r->hard)
    return pfail_key (c, "soft", "soft limit %" PRIu64 " is above hard limit %" PRIu64, r->soft, r->hard);
  return 0;
}

static int
parse_rlimits (struct pctx *c, const json_t *proc, struct carrel_process *p)
{
  int rc;
  json_t *v = fld_array (c, proc, "rlimits", false, &rc);
  if (v == NULL)
    return rc;
  size_t m = path_key (c, "rlimits");
  p->rlimits = alloc_array (json_array_size (v), sizeof (struct carrel_rlimit));
  p->n_rlimits = json_array_size (v);
  uint64_t seen = 0;
  size_t i;
  json_t *e;
  json_array_foreach (v, i, e)
  {
    size_t mi = path_index (c, i);
    rc = parse_rlimit (c, e, &p->rlimits[i], &seen);
    path_pop (c, mi);
    if (rc < 0)
      break;
  }
  path_pop (c, m);
  return rc;
}

static int
parse_scheduler (struct pctx *c, const json_t *v, struct carrel_scheduler *s)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_enum (c, v, "policy", true, carrel_sched_policies, carrel_n_sched_policies, "scheduler policy",
                &s->policy_value, &s->policy, NULL)
          < 0
      || fld_i32 (c, v, "nice", false, &s->nice, &s->has_nice) < 0
      || fld_i32 (c, v, "priority", false, &s->priority, &s->has_priority) < 0
      || fld_u64 (c, v, "runtime", false, UINT64_MAX, &s->runtime, NULL) < 0
      || fld_u64 (c, v, "deadline", false, UINT64_MAX, &s->deadline, NULL) < 0
      || fld_u64 (c, v, "period", false, UINT64_MAX, &s->period, NULL) < 0)
    return -1;

  int rc;
  json_t *flags = fld_array (c, v, "flags", false, &rc);
  if (flags == NULL)
    return rc;
  size_t m = path_key (c, "flags");
  s->flags = alloc_array (json_array_size (flags), sizeof (char *));
  s->n_flags = json_array_size (flags);
  size_t i;
  json_t *e;
  json_array_foreach (flags, i, e)
  {
    size_t mi = path_index (c, i);
    int value;
    rc = val_enum (c, e, carrel_sched_flags, carrel_n_sched_flags, "scheduler flag", &value, &s->flags[i]);
    path_pop (c, mi);
    if (rc < 0)
      break;
    s->flags_value |= (uint64_t)value;
  }
  path_pop (c, m);
  return rc;
}

static int
parse_io_priority (struct pctx *c, const json_t *v, struct carrel_io_priority *io)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_enum (c, v, "class", true, carrel_ioprio_classes, carrel_n_ioprio_classes, "I/O priority class",
                &io->class_value, &io->class_name, NULL)
          < 0
      || fld_i32 (c, v, "priority", false, &io->priority, NULL) < 0)
    return -1;
  if (io->priority < 0 || io->priority > 7)
    return pfail_key (c, "priority", "%d out of range (0..7)", (int)io->priority);
  return 0;
}

static bool
is_cpu_list (const char *s)
{
  return strspn (s, "0123456789, -") == strlen (s);
}

static int
parse_cpu_affinity (struct pctx *c, const json_t *v, struct carrel_process *p)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_strdup (c, v, "initial", false, &p->exec_cpu_affinity_initial) < 0
      || fld_strdup (c, v, "final", false, &p->exec_cpu_affinity_final) < 0)
    return -1;
  if (p->exec_cpu_affinity_initial && !is_cpu_list (p->exec_cpu_affinity_initial))
    return pfail_key (c, "initial", "invalid CPU list \"%s\"", p->exec_cpu_affinity_initial);
  if (p->exec_cpu_affinity_final && !is_cpu_list (p->exec_cpu_affinity_final))
    return pfail_key (c, "final", "invalid CPU list \"%s\"", p->exec_cpu_affinity_final);
  return 0;
}

int
parse_process (struct pctx *c, const json_t *v, struct carrel_process *p)
{
  if (val_object (c, v) < 0)
    return -1;
  if (fld_bool (c, v, "terminal", &p->terminal, NULL) < 0 || fld_strdup (c, v, "cwd", true, &p->cwd) < 0)
    return -1;
  if (p->cwd[0] != '/')
    return pfail_key (c, "cwd", "must be an absolute path, got \"%s\"", p->cwd);
  if (fld_strv (c, v, "args", &p->args, &p->n_args) < 0 || fld_strv (c, v, "env", &p->env, &p->n_env) < 0
      || fld_strdup (c, v, "commandLine", false, &p->command_line) < 0
      || fld_strdup (c, v, "apparmorProfile", false, &p->apparmor_profile) < 0
      || fld_strdup (c, v, "selinuxLabel", false, &p->selinux_label) < 0
      || fld_bool (c, v, "noNewPrivileges", &p->no_new_privileges, NULL) < 0)
    return -1;

  int rc;
  json_t *cs = fld_object (c, v, "consoleSize", false, &rc);
  if (rc < 0)
    return -1;
  if (cs)
    {
      size_t m = path_key (c, "consoleSize");
      uint64_t h = 0, w = 0;
      rc = fld_u64 (c, cs, "height", true, UINT16_MAX, &h, NULL);
      if (rc == 0)
        rc = fld_u64 (c, cs, "width", true, UINT16_MAX, &w, NULL);
      path_pop (c, m);
      if (rc < 0)
        return -1;
      p->has_console_size = true;
      p->console_height = (uint32_t)h;
      p->console_width = (uint32_t)w;
    }

  int64_t oom;
  if (fld_i64 (c, v, "oomScoreAdj", false, -1000, 1000, &oom, &p->has_oom_score_adj) < 0)
    return -1;
  if (p->has_oom_score_adj)
    p->oom_score_adj = (int)oom;

  if (field (v, "user") && SUB (c, v, "user", parse_user, &p->user) < 0)
    return -1;
  if (field (v, "capabilities"))
    {
      p->has_capabilities = true;
      if (SUB (c, v, "capabilities", parse_capabilities, &p->capabilities) < 0)
        return -1;
    }
  if (parse_rlimits (c, v, p) < 0)
    return -1;
  if (field (v, "scheduler"))
    {
      p->has_scheduler = true;
      if (SUB (c, v, "scheduler", parse_scheduler, &p->scheduler) < 0)
        return -1;
    }
  if (field (v, "ioPriority"))
    {
      p->has_io_priority = true;
      if (SUB (c, v, "ioPriority", parse_io_priority, &p->io_priority) < 0)
        return -1;
    }
  if (field (v, "execCPUAffinity") && SUB (c, v, "execCPUAffinity", parse_cpu_affinity, p) < 0)
    return -1;
  return 0;
}

void
process_clear (struct carrel_process *p)
{
  free (p->cwd);
  free_strv_n (p->env, p->n_env);
  free_strv_n (p->args, p->n_args);
  free (p->command_line);
  for (size_t i = 0; i < p->n_rlimits; i++)
    free (p->rlimits[i].type);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->capabilities.bounding);
  free (p->capabilities.effective);
  free (p->capabilities.inheritable);
  free (p->capabilities.permitted);
  free (p->capabilities.ambient);
  free (p->scheduler.policy);
  free_strv_n (p->scheduler.flags, p->scheduler.n_flags);
  free (p->selinux_label);
  free (p->io_priority.class_name);
  free (p->exec_cpu_affinity_initial);
  free (p->exec_cpu_affinity_final);
  free (p->user.additional_gids);
  free (p->user.username);
  memset (p, 0, sizeof *p);
}

int
carrel_process_parse (const char *text, size_t len, const char *origin, struct carrel_process **out,
                      struct carrel_error *err)
{
  struct pctx c;
  pctx_init (&c, origin ? origin : "process.json", err);
  json_arena_begin ();
  json_t *root = parse_document (&c, text, len);
  if (root == NULL)
    {
      json_arena_end ();
      return -1;
    }
  struct carrel_process *p = xcalloc (1, sizeof *p);
  int rc = parse_process (&c, root, p);
  json_decref (root);
  json_arena_end ();
  if (rc < 0)
    {
      carrel_process_free (p);
      return -1;
    }
  *out = p;
  return 0;
}

void
carrel_process_free (struct carrel_process *process)
{
  if (process == NULL)
    return;
  process_clear (process);
  free (process);
}
