/* SCMP_ACT_NOTIFY: the listener fd travels init -> supervisor (SCM_RIGHTS on the start socket) ->
 * the agent at linux.seccomp.listenerPath, with the container process state of config-linux.md:
 *   {"ociVersion": ..., "fds": ["seccompFd"], "pid": <host pid>, "metadata": ..., "state": {...}}
 * The supervisor does the connect because it lives on the host: the init has already pivoted into
 * the container's root when it loads the filter. */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "seccomp_filter.h"
#include "sync.h"
#include "util.h"

/* The agent gets this long to accept and read the state before the start fails. */
#define AGENT_TIMEOUT_MS 10000

static int
send_with_fd (int sock, const void *data, size_t len, int fd)
{
  return send_fds (sock, data, len, &fd, 1) < 0 ? -1 : 0;
}

static int
recv_fd (int sock, int *out)
{
  char byte;
  size_t n;
  ssize_t r = recv_fds (sock, &byte, 1, out, 1, &n);
  if (r < 0)
    return -1;
  if (r == 0 || n == 0)
    {
      errno = EPROTO;
      return -1;
    }
  return 0;
}

int
seccomp_notify_handoff (int sock, int notify_fd, struct carrel_error *err)
{
  cleanup_free struct sync_msg *msg = xmalloc (sizeof *msg);
  if (sync_send (sock, SYNC_SECCOMP_NOTIFY, 0, 0, NULL, err) < 0)
    return carrel_wrap (err, "linux.seccomp.listenerPath");
  if (send_with_fd (sock, "F", 1, notify_fd) < 0)
    return carrel_fail (err, errno, "linux.seccomp.listenerPath: pass the notification fd");
  /* Wait until the agent has it: the program must not run its first notified syscall before. */
  if (sync_expect (sock, SYNC_OK, msg, "linux.seccomp.listenerPath", err) < 0)
    return -1;
  return 0;
}

static char *
process_state_json (const struct carrel_seccomp *sc, const char *state_json, pid_t pid)
{
  json_t *state = state_json ? json_loads (state_json, 0, NULL) : NULL;
  json_t *o = json_object ();
  char *text;
  json_object_set_new (o, "ociVersion", json_string (CARREL_OCI_VERSION));
  json_object_set_new (o, "fds", json_pack ("[s]", "seccompFd"));
  json_object_set_new (o, "pid", json_integer (pid));
  if (sc->listener_metadata)
    json_object_set_new (o, "metadata", json_string (sc->listener_metadata));
  json_object_set_new (o, "state", state ? state : json_object ());
  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  return text;
}

static int
connect_agent (const char *path, struct carrel_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;
  if (strlen (path) >= sizeof addr.sun_path)
    return carrel_fail (err, ENAMETOOLONG, "linux.seccomp.listenerPath: %s", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return carrel_fail (err, errno, "linux.seccomp.listenerPath: socket");
  if (connect (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    {
      int e = errno;
      close (fd);
      return carrel_fail (err, e, "linux.seccomp.listenerPath: connect to %s", path);
    }
  return fd;
}

static int
forward (int init_sock, const struct carrel_spec *spec, const char *state_json, pid_t pid,
         struct carrel_error *err)
{
  const struct carrel_seccomp *sc = &spec->linux_.seccomp;
  cleanup_fd int notify_fd = -1;
  cleanup_fd int agent = -1;
  cleanup_free char *text = NULL;
  struct pollfd p;

  if (recv_fd (init_sock, &notify_fd) < 0)
    return carrel_fail (err, errno, "linux.seccomp.listenerPath: receive the notification fd");
  if (sc->listener_path == NULL)
    return carrel_fail (err, EINVAL, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
  agent = connect_agent (sc->listener_path, err);
  if (agent < 0)
    return -1;
  text = process_state_json (sc, state_json, pid);
  /* A stream socket: one write of the whole state with the fd attached. The agent may be slow to
   * read; a bounded wait for writability keeps the supervisor from hanging. */
  p = (struct pollfd){ .fd = agent, .events = POLLOUT };
  if (poll (&p, 1, AGENT_TIMEOUT_MS) <= 0)
    return carrel_fail (err, ETIMEDOUT, "linux.seccomp.listenerPath: %s does not read", sc->listener_path);
  if (send_with_fd (agent, text, strlen (text), notify_fd) < 0)
    return carrel_fail (err, errno, "linux.seccomp.listenerPath: send the state to %s", sc->listener_path);
  return 0;
}

void
seccomp_notify_forward (int init_sock, const struct carrel_spec *spec, const char *state_json, pid_t pid)
{
  struct carrel_error err = { 0 };
  if (forward (init_sock, spec, state_json, pid, &err) < 0)
    sync_send_error (init_sock, &err);
  else
    sync_send (init_sock, SYNC_OK, 0, 0, NULL, &err);
}
