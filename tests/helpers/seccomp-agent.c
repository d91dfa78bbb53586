/* A small seccomp user-notification agent, for the tests and as an example.
 *
 *   seccomp-agent SOCKET STATE-FILE [ERRNO]
 *
 * Listens on the unix socket SOCKET (linux.seccomp.listenerPath), takes one connection from the
 * runtime: the container process state (JSON, written to STATE-FILE) with the notify fd attached
 * (SCM_RIGHTS). Then answers every notification: mkdir and mkdirat "succeed" without creating
 * anything (or fail with ERRNO when given); any other notified syscall runs as if unfiltered
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). It exits when no process uses the filter any more. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void __attribute__ ((noreturn)) die (const char *what)
{
  fprintf (stderr, "seccomp-agent: %s: %s\n", what, strerror (errno));
  exit (1);
}

/* One message: the state JSON with the fd attached. */
static int
receive_state (int conn, char *buf, size_t len)
{
  union
  {
    char b[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = buf, .iov_len = len - 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b };
  struct cmsghdr *cm;
  int fd = -1;
  ssize_t n = recvmsg (conn, &mh, MSG_CMSG_CLOEXEC);
  if (n <= 0)
    die ("receive the state");
  buf[n] = '\0';
  cm = CMSG_FIRSTHDR (&mh);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS)
    {
      errno = EPROTO;
      die ("no fd with the state");
    }
  memcpy (&fd, CMSG_DATA (cm), sizeof fd);
  return fd;
}

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char state[65536];
  int lsock, conn, nfd, errno_ret = 0;
  FILE *f;

  if (argc < 3)
    {
      fprintf (stderr, "usage: seccomp-agent SOCKET STATE-FILE [ERRNO]\n");
      return 2;
    }
  if (argc > 3)
    errno_ret = atoi (argv[3]);
  snprintf (addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  lsock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lsock < 0 || bind (lsock, (struct sockaddr *)&addr, sizeof addr) < 0 || listen (lsock, 1) < 0)
    die ("listen");
  /* SECCOMP_AGENT_MULTI: serve every connection (the init's, then each exec's) in a child. */
  if (getenv ("SECCOMP_AGENT_MULTI"))
    {
      signal (SIGCHLD, SIG_IGN);
      for (;;)
        {
          conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC);
          if (conn < 0)
            die ("accept");
          if (fork () == 0)
            break;
          close (conn);
        }
    }
  else if ((conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC)) < 0)
    die ("accept");
  nfd = receive_state (conn, state, sizeof state);
  close (conn);
  close (lsock);
  f = fopen (argv[2], "w");
  if (f == NULL || fprintf (f, "%s\n", state) < 0 || fclose (f) != 0)
    die ("write the state file");

  for (;;)
    {
      struct seccomp_notif req;
      struct seccomp_notif_resp resp;
      struct pollfd p = { .fd = nfd, .events = POLLIN };
      if (poll (&p, 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die ("poll");
        }
      if (p.revents & (POLLHUP | POLLERR) && !(p.revents & POLLIN))
        return 0; /* the container is gone */
      memset (&req, 0, sizeof req);
      if (ioctl (nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        {
          if (errno == EINTR || errno == ENOENT)
            continue;
          die ("receive a notification");
        }
      memset (&resp, 0, sizeof resp);
      resp.id = req.id;
      if (req.data.nr == SYS_mkdir || req.data.nr == SYS_mkdirat)
        {
          resp.val = errno_ret ? -1 : 0;
          resp.error = errno_ret ? -errno_ret : 0;
        }
      else
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      /* ENOENT: the process went away (or the syscall was interrupted) meanwhile. */
      if (ioctl (nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
        die ("answer a notification");
    }
}
