/* Namespaces: which to create, which to join, and the time namespace's offsets. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"
#include "ns_stage.h"
#include "runtime.h"
#include "sync.h"
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
  if (spec->hostname && spec->hostname[0] && !(f & CLONE_NEWUTS)
      && !carrel_spec_namespace (spec, CLONE_NEWUTS))
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
    len += snprintf (buf + len, sizeof buf - len, "monotonic %lld %u\n", (long long)mono->secs,
                     mono->nanosecs);
  if (boot->present)
    len += snprintf (buf + len, sizeof buf - len, "boottime %lld %u\n", (long long)boot->secs,
                     boot->nanosecs);
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

/* Set in the stage before it clones the init: the init has its namespaces already. */
static bool joined_by_stage;

int
ns_join_paths (const struct carrel_spec *spec, struct carrel_error *err)
{
  if (joined_by_stage)
    return 0;
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
  if (spec->domainname && spec->domainname[0]
      && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return carrel_fail (err, errno, "set domainname \"%s\"", spec->domainname);
  return 0;
}

/* Joined by the stage: every namespace given by path but user (none with a new user namespace),
 * pid and time (the supervisor joins those for its children). */
static bool
stage_joins (const struct carrel_namespace *ns)
{
  return ns->path && ns->clone_flag != CLONE_NEWUSER && ns->clone_flag != CLONE_NEWPID
         && ns->clone_flag != CLONE_NEWTIME;
}

int
ns_stage_begin (const struct carrel_spec *spec, int clone_flags, struct ns_stage *st,
                struct carrel_error *err)
{
  memset (st, 0, sizeof *st);
  st->pipe[0] = st->pipe[1] = -1;
  if (!(clone_flags & CLONE_NEWUSER))
    return 0;
  for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
    if (stage_joins (&spec->linux_.namespaces[i]))
      st->active = true;
  if (!st->active)
    return 0;
  st->flags = clone_flags;
  if (pipe2 (st->pipe, O_CLOEXEC) < 0)
    return carrel_fail (err, errno, "pipe for the namespace stage");
  return 0;
}

struct stage_report
{
  pid_t pid;
  struct carrel_error err;
};

void
ns_stage_child (const struct carrel_spec *spec, struct ns_stage *st)
{
  struct stage_report rep = { 0 };
  pid_t pid;
  if (!st->active)
    return;
  close (st->pipe[0]);
  for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
    if (stage_joins (&spec->linux_.namespaces[i]) && join_one (&spec->linux_.namespaces[i], &rep.err) < 0)
      goto fail;
  if (unshare (CLONE_NEWUSER) < 0)
    {
      carrel_fail (&rep.err, errno, "create the user namespace");
      goto fail;
    }
  /* Capabilities in the new user namespace come with it: no need to wait for the maps here. */
  if ((st->flags & ~CLONE_NEWUSER) && unshare (st->flags & ~CLONE_NEWUSER) < 0)
    {
      carrel_fail (&rep.err, errno, "create the container's namespaces (unshare)");
      goto fail;
    }
  joined_by_stage = true;
  pid = syscall (SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0);
  if (pid == 0)
    {
      close (st->pipe[1]);
      return; /* the init */
    }
  if (pid < 0)
    {
      carrel_fail (&rep.err, errno, "clone the container's init");
      goto fail;
    }
  rep.pid = pid;
fail:
  write_all (st->pipe[1], &rep, sizeof rep);
  _exit (rep.pid > 0 ? 0 : 1);
}

pid_t
ns_stage_finish (struct ns_stage *st, pid_t stage, bool reap, struct carrel_error *err)
{
  struct stage_report rep = { 0 };
  ssize_t n;
  close (st->pipe[1]);
  n = read_all (st->pipe[0], &rep, sizeof rep);
  close (st->pipe[0]);
  if (reap)
    while (waitpid (stage, NULL, 0) < 0 && errno == EINTR)
      ;
  if (n != (ssize_t)sizeof rep)
    return carrel_fail (err, EPROTO, "the namespace stage died");
  if (rep.pid <= 0)
    {
      *err = rep.err;
      return -1;
    }
  return rep.pid;
}

/* A new network namespace gets its loopback up, from inside: no netlink socket and no setns
 * dance in the runtime (which an unprivileged caller could not undo). */
int
ns_loopback_up (struct carrel_error *err)
{
  struct ifreq ifr = { 0 };
  cleanup_fd int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return carrel_fail (err, errno, "bring up lo: socket");
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return carrel_fail (err, errno, "bring up lo: get flags");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    return carrel_fail (err, errno, "bring up lo");
  return 0;
}

/* A network namespace costs the kernel about 0.4 ms to set up (its per-namespace tables and
 * sysctls), more than the other namespaces of a clone together. Made by the supervisor after the
 * clone, it is built while the init mounts its root (on the other CPU when one is free) instead of
 * before the init exists. The supervisor steps into it only for the unshare and lo, and back. */
int
ns_make_net_for_init (int sock, struct carrel_error *err)
{
  cleanup_fd int host = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  cleanup_fd int made = -1;
  int r;
  if (host < 0)
    return carrel_fail (err, errno, "open /proc/self/ns/net");
  if (fault_point ("supervisor.make-netns", err) < 0)
    return -1;
  if (unshare (CLONE_NEWNET) < 0)
    return carrel_fail (err, errno, "create the network namespace");
  made = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  r = made < 0 ? carrel_fail (err, errno, "open the new network namespace") : ns_loopback_up (err);
  if (setns (host, CLONE_NEWNET) < 0)
    {
      /* A supervisor left in the container's namespace would keep it alive after the container:
       * never continue (the init dies with us, PR_SET_PDEATHSIG). The CLI asks for this only from
       * the host's user namespace, where coming back is allowed. */
      fprintf (stderr, "carrel: cannot return to the host network namespace: %s\n", strerror (errno));
      abort ();
    }
  if (r < 0)
    return -1;
  return sync_send_fds (sock, SYNC_NETNS, &made, 1, err);
}

int
ns_enter_net_from_supervisor (int sock, struct carrel_error *err)
{
  int fd;
  size_t n;
  if (sync_recv_fds (sock, SYNC_NETNS, &fd, 1, &n, err) < 0)
    return carrel_wrap (err, "network namespace");
  if (setns (fd, CLONE_NEWNET) < 0)
    {
      int e = errno;
      close (fd);
      return carrel_fail (err, e, "enter the network namespace");
    }
  close (fd);
  return 0;
}
