/* The part of libmnl's API that carrel and libnftnl call, implemented here against libmnl's own
 * header (the compiler checks every signature), so that carrel links as one static binary:
 * Debian ships libmnl only as a shared object, and a dynamically linked carrel pays ld.so and
 * libc.so's mappings in every process of every container start (docs/performance.md, session 6:
 * about 0.6 ms of a `run`). The behaviour follows libmnl's documentation: 4-byte alignment,
 * errno on failure, MNL_CB_* results; tests/unit/test_mnl.c compares it with the shared libmnl
 * when that is installed. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct mnl_socket
{
  int fd;
  struct sockaddr_nl addr;
};

struct mnl_nlmsg_batch
{
  char *buf;
  size_t limit;
  size_t len;
  char *cur;
};

/* Messages */

size_t
mnl_nlmsg_size (size_t len)
{
  return len + MNL_NLMSG_HDRLEN;
}

struct nlmsghdr *
mnl_nlmsg_put_header (void *buf)
{
  struct nlmsghdr *nlh = buf;
  memset (buf, 0, MNL_NLMSG_HDRLEN);
  nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
  return nlh;
}

void *
mnl_nlmsg_put_extra_header (struct nlmsghdr *nlh, size_t size)
{
  char *at = (char *)nlh + nlh->nlmsg_len;
  size_t len = MNL_ALIGN (size);
  nlh->nlmsg_len += len;
  memset (at, 0, len);
  return at;
}

void *
mnl_nlmsg_get_payload (const struct nlmsghdr *nlh)
{
  return (char *)nlh + MNL_NLMSG_HDRLEN;
}

void *
mnl_nlmsg_get_payload_offset (const struct nlmsghdr *nlh, size_t offset)
{
  return (char *)nlh + MNL_NLMSG_HDRLEN + MNL_ALIGN (offset);
}

void *
mnl_nlmsg_get_payload_tail (const struct nlmsghdr *nlh)
{
  return (char *)nlh + MNL_ALIGN (nlh->nlmsg_len);
}

bool
mnl_nlmsg_ok (const struct nlmsghdr *nlh, int len)
{
  return len >= (int)sizeof (struct nlmsghdr) && nlh->nlmsg_len >= sizeof (struct nlmsghdr)
         && (int)nlh->nlmsg_len <= len;
}

struct nlmsghdr *
mnl_nlmsg_next (const struct nlmsghdr *nlh, int *len)
{
  *len -= MNL_ALIGN (nlh->nlmsg_len);
  return (struct nlmsghdr *)((char *)nlh + MNL_ALIGN (nlh->nlmsg_len));
}

/* A zero sequence number or port id on either side matches anything (kernel notifications). */
bool
mnl_nlmsg_seq_ok (const struct nlmsghdr *nlh, unsigned int seq)
{
  return nlh->nlmsg_seq && seq ? nlh->nlmsg_seq == seq : true;
}

bool
mnl_nlmsg_portid_ok (const struct nlmsghdr *nlh, unsigned int portid)
{
  return nlh->nlmsg_pid && portid ? nlh->nlmsg_pid == portid : true;
}

/* Batches: messages laid end to end in the caller's buffer, sent with one sendto. */

struct mnl_nlmsg_batch *
mnl_nlmsg_batch_start (void *buf, size_t limit)
{
  struct mnl_nlmsg_batch *b = malloc (sizeof *b);
  if (b == NULL)
    return NULL;
  *b = (struct mnl_nlmsg_batch){ .buf = buf, .limit = limit, .cur = buf };
  return b;
}

/* Takes in the message at the current position; false when it does not fit (the batch is full:
 * send it; carrel's batches are a handful of rules and never fill one). */
bool
mnl_nlmsg_batch_next (struct mnl_nlmsg_batch *b)
{
  const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->cur;
  if (b->len + nlh->nlmsg_len > b->limit)
    return false;
  b->len += nlh->nlmsg_len;
  b->cur = b->buf + b->len;
  return true;
}

void
mnl_nlmsg_batch_stop (struct mnl_nlmsg_batch *b)
{
  free (b);
}

size_t
mnl_nlmsg_batch_size (struct mnl_nlmsg_batch *b)
{
  return b->len;
}

void *
mnl_nlmsg_batch_head (struct mnl_nlmsg_batch *b)
{
  return b->buf;
}

void *
mnl_nlmsg_batch_current (struct mnl_nlmsg_batch *b)
{
  return b->cur;
}

bool
mnl_nlmsg_batch_is_empty (struct mnl_nlmsg_batch *b)
{
  return b->len == 0;
}

/* Attributes */

uint16_t
mnl_attr_get_type (const struct nlattr *attr)
{
  return attr->nla_type & NLA_TYPE_MASK;
}

uint16_t
mnl_attr_get_payload_len (const struct nlattr *attr)
{
  return attr->nla_len - MNL_ATTR_HDRLEN;
}

void *
mnl_attr_get_payload (const struct nlattr *attr)
{
  return (char *)attr + MNL_ATTR_HDRLEN;
}

/* Payloads are only 4-byte aligned: read them by copy. */
uint8_t
mnl_attr_get_u8 (const struct nlattr *attr)
{
  return *(const uint8_t *)mnl_attr_get_payload (attr);
}

uint16_t
mnl_attr_get_u16 (const struct nlattr *attr)
{
  uint16_t v;
  memcpy (&v, mnl_attr_get_payload (attr), sizeof v);
  return v;
}

uint32_t
mnl_attr_get_u32 (const struct nlattr *attr)
{
  uint32_t v;
  memcpy (&v, mnl_attr_get_payload (attr), sizeof v);
  return v;
}

uint64_t
mnl_attr_get_u64 (const struct nlattr *attr)
{
  uint64_t v;
  memcpy (&v, mnl_attr_get_payload (attr), sizeof v);
  return v;
}

const char *
mnl_attr_get_str (const struct nlattr *attr)
{
  return mnl_attr_get_payload (attr);
}

bool
mnl_attr_ok (const struct nlattr *attr, int len)
{
  return len >= (int)sizeof (struct nlattr) && attr->nla_len >= sizeof (struct nlattr)
         && (int)attr->nla_len <= len;
}

struct nlattr *
mnl_attr_next (const struct nlattr *attr)
{
  return (struct nlattr *)((char *)attr + MNL_ALIGN (attr->nla_len));
}

int
mnl_attr_type_valid (const struct nlattr *attr, uint16_t maxtype)
{
  if (mnl_attr_get_type (attr) > maxtype)
    {
      errno = EOPNOTSUPP;
      return -1;
    }
  return 1;
}

/* The payload sizes of the fixed-size types; 0: any size (checked by type below). */
static const size_t attr_type_len[MNL_TYPE_MAX] = {
  [MNL_TYPE_U8] = sizeof (uint8_t),     [MNL_TYPE_U16] = sizeof (uint16_t),
  [MNL_TYPE_U32] = sizeof (uint32_t),   [MNL_TYPE_U64] = sizeof (uint64_t),
  [MNL_TYPE_MSECS] = sizeof (uint64_t),
};

static int
attr_validate (const struct nlattr *attr, enum mnl_attr_data_type type, size_t want)
{
  uint16_t len = mnl_attr_get_payload_len (attr);
  const char *data = mnl_attr_get_payload (attr);
  int bad = 0;
  if (len < want)
    bad = ERANGE;
  else
    switch (type)
      {
      case MNL_TYPE_FLAG:
        if (len > 0)
          bad = ERANGE;
        break;
      case MNL_TYPE_NUL_STRING:
        if (len == 0)
          bad = ERANGE;
        else if (data[len - 1] != '\0')
          bad = EINVAL;
        break;
      case MNL_TYPE_STRING:
        if (len == 0)
          bad = ERANGE;
        break;
      case MNL_TYPE_NESTED:
        /* Empty is fine; otherwise at least one attribute header. */
        if (len > 0 && len < MNL_ATTR_HDRLEN)
          bad = ERANGE;
        break;
      default:
        break;
      }
  if (!bad && want && len > want)
    bad = ERANGE;
  if (bad)
    {
      errno = bad;
      return -1;
    }
  return 0;
}

int
mnl_attr_validate (const struct nlattr *attr, enum mnl_attr_data_type type)
{
  if ((unsigned)type >= MNL_TYPE_MAX)
    {
      errno = EINVAL;
      return -1;
    }
  return attr_validate (attr, type, attr_type_len[type]);
}

/* Calls cb for each attribute in [attr, end) until it returns MNL_CB_STOP or MNL_CB_ERROR. */
static int
attr_walk (const struct nlattr *attr, const char *end, mnl_attr_cb_t cb, void *data)
{
  int r;
  for (; mnl_attr_ok (attr, (int)(end - (const char *)attr)); attr = mnl_attr_next (attr))
    if ((r = cb (attr, data)) <= MNL_CB_STOP)
      return r;
  return MNL_CB_OK;
}

int
mnl_attr_parse (const struct nlmsghdr *nlh, unsigned int offset, mnl_attr_cb_t cb, void *data)
{
  return attr_walk (mnl_nlmsg_get_payload_offset (nlh, offset), mnl_nlmsg_get_payload_tail (nlh), cb, data);
}

int
mnl_attr_parse_nested (const struct nlattr *nested, mnl_attr_cb_t cb, void *data)
{
  const char *start = mnl_attr_get_payload (nested);
  return attr_walk ((const struct nlattr *)start, start + mnl_attr_get_payload_len (nested), cb, data);
}

/* Appends an attribute at the message's tail; the caller's buffer must have room (the _check
 * variants, which libnftnl does not call, are left out). Padding is zeroed. */
void
mnl_attr_put (struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
  struct nlattr *attr = mnl_nlmsg_get_payload_tail (nlh);
  size_t total = MNL_ATTR_HDRLEN + len;
  attr->nla_type = type;
  attr->nla_len = total;
  memcpy (mnl_attr_get_payload (attr), data, len);
  memset ((char *)attr + total, 0, MNL_ALIGN (total) - total);
  nlh->nlmsg_len += MNL_ALIGN (total);
}

void
mnl_attr_put_u8 (struct nlmsghdr *nlh, uint16_t type, uint8_t data)
{
  mnl_attr_put (nlh, type, sizeof data, &data);
}

void
mnl_attr_put_u16 (struct nlmsghdr *nlh, uint16_t type, uint16_t data)
{
  mnl_attr_put (nlh, type, sizeof data, &data);
}

void
mnl_attr_put_u32 (struct nlmsghdr *nlh, uint16_t type, uint32_t data)
{
  mnl_attr_put (nlh, type, sizeof data, &data);
}

void
mnl_attr_put_u64 (struct nlmsghdr *nlh, uint16_t type, uint64_t data)
{
  mnl_attr_put (nlh, type, sizeof data, &data);
}

void
mnl_attr_put_str (struct nlmsghdr *nlh, uint16_t type, const char *data)
{
  mnl_attr_put (nlh, type, strlen (data), data);
}

void
mnl_attr_put_strz (struct nlmsghdr *nlh, uint16_t type, const char *data)
{
  mnl_attr_put (nlh, type, strlen (data) + 1, data);
}

struct nlattr *
mnl_attr_nest_start (struct nlmsghdr *nlh, uint16_t type)
{
  struct nlattr *start = mnl_nlmsg_get_payload_tail (nlh);
  start->nla_type = NLA_F_NESTED | type;
  nlh->nlmsg_len += MNL_ALIGN (sizeof (struct nlattr));
  return start;
}

void
mnl_attr_nest_end (struct nlmsghdr *nlh, struct nlattr *start)
{
  start->nla_len = (char *)mnl_nlmsg_get_payload_tail (nlh) - (char *)start;
}

/* Sockets */

struct mnl_socket *
mnl_socket_open2 (int bus, int flags)
{
  struct mnl_socket *nl = calloc (1, sizeof *nl);
  if (nl == NULL)
    return NULL;
  nl->fd = socket (AF_NETLINK, SOCK_RAW | flags, bus);
  if (nl->fd < 0)
    {
      int e = errno;
      free (nl);
      errno = e;
      return NULL;
    }
  return nl;
}

struct mnl_socket *
mnl_socket_open (int bus)
{
  return mnl_socket_open2 (bus, 0);
}

/* Binds and learns the port id the kernel gave (MNL_SOCKET_AUTOPID). */
int
mnl_socket_bind (struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
  socklen_t len = sizeof nl->addr;
  nl->addr = (struct sockaddr_nl){ .nl_family = AF_NETLINK, .nl_groups = groups, .nl_pid = pid };
  if (bind (nl->fd, (struct sockaddr *)&nl->addr, sizeof nl->addr) < 0)
    return -1;
  if (getsockname (nl->fd, (struct sockaddr *)&nl->addr, &len) < 0)
    return -1;
  if (len != sizeof nl->addr || nl->addr.nl_family != AF_NETLINK)
    {
      errno = EINVAL;
      return -1;
    }
  return 0;
}

int
mnl_socket_close (struct mnl_socket *nl)
{
  int r = close (nl->fd);
  free (nl);
  return r;
}

int
mnl_socket_get_fd (const struct mnl_socket *nl)
{
  return nl->fd;
}

unsigned int
mnl_socket_get_portid (const struct mnl_socket *nl)
{
  return nl->addr.nl_pid;
}

ssize_t
mnl_socket_sendto (const struct mnl_socket *nl, const void *req, size_t siz)
{
  static const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  return sendto (nl->fd, req, siz, 0, (const struct sockaddr *)&kernel, sizeof kernel);
}

/* A reply larger than the buffer is an error (ENOSPC), not a silently cut message. */
ssize_t
mnl_socket_recvfrom (const struct mnl_socket *nl, void *buf, size_t siz)
{
  struct sockaddr_nl from;
  struct iovec iov = { .iov_base = buf, .iov_len = siz };
  struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t n = recvmsg (nl->fd, &msg, 0);
  if (n < 0)
    return n;
  if (msg.msg_flags & MSG_TRUNC)
    {
      errno = ENOSPC;
      return -1;
    }
  if (msg.msg_namelen != sizeof from)
    {
      errno = EINVAL;
      return -1;
    }
  return n;
}

/* Callbacks */

/* An NLMSG_ERROR with error 0 is the kernel's ACK: stop, successfully. */
static int
cb_error (const struct nlmsghdr *nlh, void *data)
{
  const struct nlmsgerr *e = mnl_nlmsg_get_payload (nlh);
  (void)data;
  if (nlh->nlmsg_len < mnl_nlmsg_size (sizeof *e))
    {
      errno = EBADMSG;
      return MNL_CB_ERROR;
    }
  /* Subsystems disagree on the sign. */
  errno = e->error < 0 ? -e->error : e->error;
  return e->error == 0 ? MNL_CB_STOP : MNL_CB_ERROR;
}

int
mnl_cb_run (const void *buf, size_t numbytes, unsigned int seq, unsigned int portid, mnl_cb_t cb_data,
            void *data)
{
  const struct nlmsghdr *nlh = buf;
  int len = numbytes, r = MNL_CB_OK;
  for (; mnl_nlmsg_ok (nlh, len); nlh = mnl_nlmsg_next (nlh, &len))
    {
      mnl_cb_t cb = NULL;
      if (!mnl_nlmsg_portid_ok (nlh, portid))
        {
          errno = ESRCH;
          return -1;
        }
      if (!mnl_nlmsg_seq_ok (nlh, seq))
        {
          errno = EPROTO;
          return -1;
        }
      if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
        {
          errno = EINTR;
          return -1;
        }
      if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
        cb = cb_data;
      else if (nlh->nlmsg_type == NLMSG_ERROR)
        cb = cb_error;
      else if (nlh->nlmsg_type == NLMSG_DONE)
        return MNL_CB_STOP;
      else if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_OVERRUN)
        r = MNL_CB_OK;
      if (cb && (r = cb (nlh, data)) <= MNL_CB_STOP)
        return r;
    }
  return r;
}
