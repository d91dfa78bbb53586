/* One-packet messages between carrel's processes. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "sync.h"
#include "util.h"

/* What precedes a message's text (struct sync_msg's first fields). */
struct sync_header
{
  uint32_t type;
  int32_t errno_value;
  int32_t pid;
  uint32_t len;
};

int
sync_send (int fd, enum sync_type type, int errno_value, int pid, const char *data, struct carrel_error *err)
{
  struct sync_header hdr = { type, errno_value, pid, 0 };
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
  struct sync_header hdr = { type, 0, (int32_t)n, 0 };
  if (n == 0 || n > FDS_PASS_MAX)
    return carrel_fail (err, EINVAL, "send %zu files to carrel process", n);
  if (send_fds (fd, &hdr, sizeof hdr, fds, n) < 0)
    return carrel_fail (err, errno, "send to carrel process");
  return 0;
}

int
sync_recv_fds (int fd, enum sync_type want, int *fds, size_t max, size_t *n, struct carrel_error *err)
{
  /* Instead of the files an error may come, with its text (sync_send_error: err->msg). */
  struct
  {
    struct sync_header hdr;
    char text[CARREL_ERROR_MSG_MAX];
  } msg;
  ssize_t r = recv_fds (fd, &msg, sizeof msg - 1, fds, max, n);
  if (r < 0)
    return carrel_fail (err, errno, "receive from carrel process");
  if ((size_t)r < sizeof msg.hdr || msg.hdr.type != (uint32_t)want)
    {
      for (size_t i = 0; i < *n; i++)
        close (fds[i]);
      *n = 0;
      if (r == 0)
        return carrel_fail (err, 0, "the runtime went away");
      if (msg.hdr.type == SYNC_ERROR && (size_t)r >= sizeof msg.hdr)
        {
          size_t len = (size_t)r - sizeof msg.hdr;
          msg.text[len < msg.hdr.len ? len : msg.hdr.len] = '\0';
          return carrel_fail (err, msg.hdr.errno_value, "%s", msg.text);
        }
      return carrel_fail (err, EPROTO, "expected files, got message %u", msg.hdr.type);
    }
  return 0;
}
