/* linux.seccomp compiled with libseccomp. Actions are table indexes (see tables.c). */
#include <errno.h>
#include <seccomp.h>
#include <string.h>

#include "seccomp_filter.h"
#include "util.h"

enum
{
  ACT_KILL,
  ACT_KILL_PROCESS,
  ACT_KILL_THREAD,
  ACT_TRAP,
  ACT_ERRNO,
  ACT_TRACE,
  ACT_ALLOW,
  ACT_LOG,
  ACT_NOTIFY
};

static uint32_t
to_libseccomp (int action, bool has_errno, uint32_t errno_ret)
{
  switch (action)
    {
    case ACT_KILL:
    case ACT_KILL_THREAD:
      return SCMP_ACT_KILL_THREAD;
    case ACT_KILL_PROCESS:
      return SCMP_ACT_KILL_PROCESS;
    case ACT_TRAP:
      return SCMP_ACT_TRAP;
    case ACT_ERRNO:
      return SCMP_ACT_ERRNO (has_errno ? errno_ret : EPERM);
    case ACT_TRACE:
      return SCMP_ACT_TRACE (has_errno ? errno_ret : EPERM);
    case ACT_LOG:
      return SCMP_ACT_LOG;
    case ACT_NOTIFY:
      return SCMP_ACT_NOTIFY;
    default:
      return SCMP_ACT_ALLOW;
    }
}

int
seccomp_apply (const struct carrel_seccomp *sc, const struct init_config *cfg, struct carrel_error *err)
{
  uint32_t def = to_libseccomp (sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret);
  scmp_filter_ctx ctx = seccomp_init (def);
  int r;
  (void) cfg;
  if (ctx == NULL)
    return carrel_fail (err, ENOMEM, "linux.seccomp: seccomp_init");
  for (size_t i = 0; i < sc->n_architectures; i++)
    {
      r = seccomp_arch_add (ctx, sc->architectures[i]);
      if (r < 0 && r != -EEXIST)
        {
          seccomp_release (ctx);
          return carrel_fail (err, -r, "linux.seccomp.architectures[%zu]", i);
        }
    }
  for (size_t i = 0; i < sc->n_flags; i++)
    {
      int f = sc->flags[i];
      enum scmp_filter_attr attr;
      if (f == 1)
        attr = SCMP_FLTATR_CTL_TSYNC;
      else if (f == 2)
        attr = SCMP_FLTATR_CTL_LOG;
      else if (f == 4)
        attr = SCMP_FLTATR_CTL_SSB;
      else
        {
          carrel_warn ("linux.seccomp.flags[%zu]: not supported by this libseccomp, ignored", i);
          continue;
        }
      r = seccomp_attr_set (ctx, attr, 1);
      if (r < 0 && r != -EOPNOTSUPP && r != -EINVAL)
        {
          seccomp_release (ctx);
          return carrel_fail (err, -r, "linux.seccomp.flags[%zu]", i);
        }
    }
  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      const struct carrel_seccomp_rule *rule = &sc->syscalls[i];
      uint32_t act = to_libseccomp (rule->action, rule->has_errno_ret, rule->errno_ret);
      struct scmp_arg_cmp cmp[6];
      size_t nargs = rule->n_args > 6 ? 6 : rule->n_args;
      if (act == def)
        continue;
      for (size_t a = 0; a < nargs; a++)
        cmp[a] = (struct scmp_arg_cmp){ .arg = rule->args[a].index,
                                        .op = rule->args[a].op,
                                        .datum_a = rule->args[a].value,
                                        .datum_b = rule->args[a].value_two };
      for (size_t n = 0; n < rule->n_names; n++)
        {
          int nr = seccomp_syscall_resolve_name (rule->names[n]);
          if (nr == __NR_SCMP_ERROR)
            continue; /* unknown on this arch: skipped, as the spec allows */
          r = seccomp_rule_add_array (ctx, act, nr, nargs, cmp);
          if (r < 0)
            {
              seccomp_release (ctx);
              return carrel_fail (err, -r, "linux.seccomp.syscalls[%zu]: add rule for %s", i, rule->names[n]);
            }
        }
    }
  r = seccomp_load (ctx);
  seccomp_release (ctx);
  if (r < 0)
    return carrel_fail (err, -r, "linux.seccomp: load the filter");
  return 0;
}
