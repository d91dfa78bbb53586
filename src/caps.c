/* The five capability sets of process.capabilities, applied with libcap across the uid change. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "runtime.h"
#include "util.h"

static int
last_cap (void)
{
  static int cached = -1;
  if (cached < 0)
    {
      char buf[16] = "";
      cleanup_fd int fd = open ("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
      if (fd >= 0 && read (fd, buf, sizeof buf - 1) > 0)
        cached = atoi (buf);
      else
        cached = CAP_LAST_CAP;
    }
  return cached;
}

static bool
in_list (const int *caps, size_t n, int cap)
{
  for (size_t i = 0; i < n; i++)
    if (caps[i] == cap)
      return true;
  return false;
}

static void
warn_unknown (const int *caps, size_t n, const char *set)
{
  for (size_t i = 0; i < n; i++)
    if (caps[i] > last_cap ())
      carrel_warn ("process.capabilities.%s: %s is not known to this kernel, skipped", set,
                   carrel_cap_name (caps[i]));
}

int
caps_drop_bounding (const struct carrel_process *proc, struct carrel_error *err)
{
  const struct carrel_capabilities *c = &proc->capabilities;
  if (!proc->has_capabilities)
    return 0;
  warn_unknown (c->bounding, c->n_bounding, "bounding");
  for (int cap = 0; cap <= last_cap (); cap++)
    if (!in_list (c->bounding, c->n_bounding, cap) && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0
        && errno != EINVAL)
      return carrel_fail (err, errno, "drop %s from the bounding set", carrel_cap_name (cap));
  return 0;
}

static int
set_flag (cap_t caps, cap_flag_t flag, const int *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      cap_value_t v = list[i];
      if (list[i] > last_cap ())
        continue;
      if (cap_set_flag (caps, flag, 1, &v, CAP_SET) < 0)
        return -1;
    }
  return 0;
}

int
caps_apply (const struct carrel_process *proc, struct carrel_error *err)
{
  const struct carrel_capabilities *c = &proc->capabilities;
  cap_t caps;
  if (!proc->has_capabilities)
    return 0;
  warn_unknown (c->effective, c->n_effective, "effective");
  warn_unknown (c->permitted, c->n_permitted, "permitted");
  warn_unknown (c->inheritable, c->n_inheritable, "inheritable");
  warn_unknown (c->ambient, c->n_ambient, "ambient");
  caps = cap_init ();
  if (caps == NULL)
    return carrel_fail (err, errno, "cap_init");
  if (set_flag (caps, CAP_EFFECTIVE, c->effective, c->n_effective) < 0
      || set_flag (caps, CAP_PERMITTED, c->permitted, c->n_permitted) < 0
      || set_flag (caps, CAP_INHERITABLE, c->inheritable, c->n_inheritable) < 0)
    {
      cap_free (caps);
      return carrel_fail (err, errno, "build capability sets");
    }
  if (cap_set_proc (caps) < 0)
    {
      int e = errno;
      cap_free (caps);
      return carrel_fail (err, e, "set process capabilities");
    }
  cap_free (caps);
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    return carrel_fail (err, errno, "clear the ambient capability set");
  for (size_t i = 0; i < c->n_ambient; i++)
    {
      int cap = c->ambient[i];
      if (cap > last_cap ())
        continue;
      /* The kernel only raises an ambient cap that is both permitted and inheritable. It matters
       * for a non-root user (ambient caps are how it keeps them across execve); for root the file
       * capabilities of execve give the bounding set anyway, so stay quiet there (runc's default
       * config lists ambient caps without inheritable ones). */
      if (!in_list (c->permitted, c->n_permitted, cap) || !in_list (c->inheritable, c->n_inheritable, cap))
        {
          if (proc->user.uid != 0)
            carrel_warn ("process.capabilities.ambient: %s is not in both the permitted and the inheritable "
                         "set, skipped",
                         carrel_cap_name (cap));
          continue;
        }
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        return carrel_fail (err, errno, "process.capabilities.ambient: raise %s", carrel_cap_name (cap));
    }
  return 0;
}
