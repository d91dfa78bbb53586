/* Namespaces: which to create, which to join, and the time namespace's offsets. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int
ns_clone_flags (const struct carrel_spec *spec, int *flags, struct carrel_error *err)
{
  int f = 0;
  for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
    {
      const struct carrel_namespace *ns = &spec->linux_.namespaces[i];
      if (ns->path == NULL)
        f |= ns->clone_flag;
    }
  if ((spec->linux_.time_monotonic.present || spec->linux_.time_boottime.present) && !(f & CLONE_NEWTIME))
    return carrel_fail (err, EINVAL, "config.json: linux.timeOffsets: requires a new time namespace");
  if (spec->hostname && spec->hostname[0] && !(f & CLONE_NEWUTS) && !carrel_spec_namespace (spec, CLONE_NEWUTS))
    return carrel_fail (err, EINVAL, "config.json: hostname: requires a uts namespace");
  *flags = f;
  return 0;
}

static int
join_one (const struct carrel_namespace *ns, struct carrel_error *err)
{
  cleanup_fd int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return carrel_fail (err, errno, "open %s namespace %s", ns->type, ns->path);
  if (setns (fd, ns->clone_flag) < 0)
    return carrel_fail (err, errno, "join %s namespace %s", ns->type, ns->path);
  return 0;
}

static int
write_time_offsets (const struct carrel_spec *spec, struct carrel_error *err)
{
  char buf[256];
  int len = 0;
  const struct carrel_time_offset *mono = &spec->linux_.time_monotonic;
  const struct carrel_time_offset *boot = &spec->linux_.time_boottime;
  if (mono->present)
    len += snprintf (buf + len, sizeof buf - len, "monotonic %lld %u\n", (long long) mono->secs, mono->nanosecs);
  if (boot->present)
    len += snprintf (buf + len, sizeof buf - len, "boottime %lld %u\n", (long long) boot->secs, boot->nanosecs);
  if (len == 0)
    return 0;
  /* One line per write: the kernel takes one clock per write(2). */
  for (char *line = buf, *nl; (nl = strchr (line, '\n')); line = nl + 1)
    if (write_file_at (AT_FDCWD, "/proc/self/timens_offsets", line, nl - line + 1, err) < 0)
      return carrel_wrap (err, "linux.timeOffsets");
  return 0;
}

int
ns_prepare_for_children (const struct carrel_spec *spec, struct carrel_error *err)
{
  const struct carrel_namespace *pid = carrel_spec_namespace (spec, CLONE_NEWPID);
  const struct carrel_namespace *time = carrel_spec_namespace (spec, CLONE_NEWTIME);
  if (pid && pid->path && join_one (pid, err) < 0)
    return -1;
  if (time && time->path && join_one (time, err) < 0)
    return -1;
  if (time && time->path == NULL)
    {
      if (unshare (CLONE_NEWTIME) < 0)
        return carrel_fail (err, errno, "create time namespace");
      if (write_time_offsets (spec, err) < 0)
        return -1;
    }
  return 0;
}

int
ns_join_paths (const struct carrel_spec *spec, struct carrel_error *err)
{
  const struct carrel_namespace *user = carrel_spec_namespace (spec, CLONE_NEWUSER);
  /* The user namespace first: joining it gives the capabilities to join the ones it owns. */
  if (user && user->path && join_one (user, err) < 0)
    return -1;
  for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
    {
      const struct carrel_namespace *ns = &spec->linux_.namespaces[i];
      if (ns->path == NULL || ns->clone_flag == CLONE_NEWUSER || ns->clone_flag == CLONE_NEWPID
          || ns->clone_flag == CLONE_NEWTIME)
        continue;
      if (join_one (ns, err) < 0)
        return -1;
    }
  return 0;
}

int
ns_set_names (const struct carrel_spec *spec, struct carrel_error *err)
{
  if (spec->hostname && spec->hostname[0] && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    return carrel_fail (err, errno, "set hostname \"%s\"", spec->hostname);
  if (spec->domainname && spec->domainname[0] && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return carrel_fail (err, errno, "set domainname \"%s\"", spec->domainname);
  return 0;
}
