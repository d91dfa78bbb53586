/* One-packet messages between carrel's processes. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "sync.h"
#include "util.h"

int
sync_send (int fd, enum sync_type type, int errno_value, int pid, const char *data, struct carrel_error *err)
{
  struct
  {
    uint32_t type;
    int32_t errno_value;
    int32_t pid;
    uint32_t len;
  } hdr = { type, errno_value, pid, 0 };
  size_t len = data ? strlen (data) : 0;
  struct iovec iov[2];
  struct msghdr mh = { 0 };
  if (len > SYNC_DATA_MAX)
    len = SYNC_DATA_MAX;
  hdr.len = len;
  iov[0].iov_base = &hdr;
  iov[0].iov_len = sizeof hdr;
  iov[1].iov_base = (void *)data;
  iov[1].iov_len = len;
  mh.msg_iov = iov;
  mh.msg_iovlen = len ? 2 : 1;
  while (sendmsg (fd, &mh, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return carrel_fail (err, errno, "send to carrel process");
  return 0;
}

int
sync_send_error (int fd, const struct carrel_error *failure)
{
  struct carrel_error ignored;
  return sync_send (fd, SYNC_ERROR, failure->errno_value, 0, failure->msg, &ignored);
}

int
sync_recv (int fd, struct sync_msg *msg, struct carrel_error *err)
{
  ssize_t n;
  do
    n = recv (fd, msg, sizeof *msg - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      if (errno == ECONNRESET)
        n = 0;
      else
        return carrel_fail (err, errno, "receive from carrel process");
    }
  if (n == 0)
    {
      memset (msg, 0, offsetof (struct sync_msg, data));
      msg->data[0] = '\0';
      return 0;
    }
  if ((size_t)n < offsetof (struct sync_msg, data))
    return carrel_fail (err, EPROTO, "short message from carrel process");
  if (msg->len > (size_t)n - offsetof (struct sync_msg, data))
    msg->len = n - offsetof (struct sync_msg, data);
  msg->data[msg->len] = '\0';
  return 0;
}

int
sync_expect (int fd, enum sync_type want, struct sync_msg *msg, const char *what, struct carrel_error *err)
{
  if (sync_recv (fd, msg, err) < 0)
    return carrel_wrap (err, "%s", what);
  if (msg->type == want)
    return 0;
  if (msg->type == SYNC_ERROR)
    return carrel_fail (err, msg->errno_value, "%s", msg->data);
  if (msg->type == 0)
    return carrel_fail (err, 0, "%s: the container process exited unexpectedly", what);
  return carrel_fail (err, EPROTO, "%s: unexpected message %u", what, msg->type);
}

int
sync_send_fds (int fd, enum sync_type type, const int *fds, size_t n, struct carrel_error *err)
{
  struct
  {
    uint32_t type;
    int32_t errno_value;
    int32_t pid;
    uint32_t len;
  } hdr = { type, 0, (int32_t)n, 0 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * SYNC_FDS_MAX)];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = &hdr, .iov_len = sizeof hdr };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf };
  struct cmsghdr *cm;
  if (n == 0 || n > SYNC_FDS_MAX)
    return carrel_fail (err, EINVAL, "send %zu files to carrel process", n);
  memset (&u, 0, sizeof u);
  mh.msg_controllen = CMSG_SPACE (sizeof (int) * n);
  cm = CMSG_FIRSTHDR (&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int) * n);
  memcpy (CMSG_DATA (cm), fds, sizeof (int) * n);
  while (sendmsg (fd, &mh, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return carrel_fail (err, errno, "send to carrel process");
  return 0;
}

int
sync_recv_fds (int fd, enum sync_type want, int *fds, size_t max, size_t *n, struct carrel_error *err)
{
  struct
  {
    uint32_t type;
    int32_t errno_value;
    int32_t pid;
    uint32_t len;
  } hdr = { 0 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * SYNC_FDS_MAX)];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = &hdr, .iov_len = sizeof hdr };
  struct msghdr mh
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *cm;
  ssize_t r;
  *n = 0;
  do
    r = recvmsg (fd, &mh, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return carrel_fail (err, errno, "receive from carrel process");
  cm = CMSG_FIRSTHDR (&mh);
  if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
    {
      size_t got = (cm->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      int *in = (int *)CMSG_DATA (cm);
      for (size_t i = 0; i < got; i++)
        {
          int one;
          memcpy (&one, in + i, sizeof one);
          if (*n < max)
            fds[(*n)++] = one;
          else
            close (one);
        }
    }
  if ((size_t)r < sizeof hdr || hdr.type != (uint32_t)want || (mh.msg_flags & MSG_CTRUNC))
    {
      for (size_t i = 0; i < *n; i++)
        close (fds[i]);
      *n = 0;
      if (r == 0)
        return carrel_fail (err, 0, "the runtime went away");
      return carrel_fail (err, EPROTO, "expected %zu files, got message %u", max, r > 0 ? hdr.type : 0);
    }
  return 0;
}