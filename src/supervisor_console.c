/* The supervisor's console server: see supervisor_console.h. Nothing here blocks: the master and
 * the viewers are non-blocking, and the supervisor's single poll loop drives it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "supervisor_console.h"
#include "terminal.h"
#include "util.h"

struct viewer
{
  int fd;
  bool greeted; /* sent its hello byte */
  bool framed;
  /* Framed: the header being read, then the payload bytes still to come. */
  unsigned char hdr[SUP_CONSOLE_FRAME_HDR];
  unsigned hdr_len, left;
  unsigned char ws[4]; /* a window-size payload being read */
  unsigned ws_len;
};

struct sup_console
{
  int chan;   /* from the init, until the master arrived */
  int master; /* -1 until then */
  bool master_hup;
  int listen_fd;
  int state_dirfd;
  struct viewer viewers[SUP_CONSOLE_VIEWERS];
  char *ring; /* SUP_CONSOLE_RING bytes, allocated with the master */
  size_t ring_head, ring_len;
  const char *log_path;
  int log_fd;
  off_t log_size;
};

static int
console_listen (int dirfd)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/" SUP_CONSOLE_SOCKET, dirfd);
  unlinkat (dirfd, SUP_CONSOLE_SOCKET, 0);
  if (bind (fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen (fd, 8) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

struct sup_console *
sup_console_open (int chan_fd, int state_dirfd, const char *log_path)
{
  struct sup_console *c;
  int lfd = console_listen (state_dirfd);
  if (lfd < 0)
    {
      close (chan_fd);
      return NULL;
    }
  c = xcalloc (1, sizeof *c);
  c->chan = chan_fd;
  c->master = -1;
  c->listen_fd = lfd;
  c->state_dirfd = state_dirfd;
  c->log_path = log_path;
  c->log_fd = -1;
  for (int i = 0; i < SUP_CONSOLE_VIEWERS; i++)
    c->viewers[i].fd = -1;
  return c;
}

static void
viewer_close (struct viewer *v)
{
  close (v->fd);
  *v = (struct viewer){ .fd = -1 };
}

/* All or nothing: a viewer that cannot take the output now is dropped, not fed a torn stream. */
static void
viewer_send (struct viewer *v, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = send (v->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          viewer_close (v);
          return;
        }
      buf += n;
      len -= n;
    }
}

static void
ring_append (struct sup_console *c, const char *buf, size_t len)
{
  if (len >= SUP_CONSOLE_RING)
    {
      buf += len - SUP_CONSOLE_RING;
      len = SUP_CONSOLE_RING;
    }
  for (size_t done = 0; done < len;)
    {
      size_t tail = (c->ring_head + c->ring_len) % SUP_CONSOLE_RING;
      size_t chunk = SUP_CONSOLE_RING - tail;
      if (chunk > len - done)
        chunk = len - done;
      memcpy (c->ring + tail, buf + done, chunk);
      done += chunk;
      c->ring_len += chunk;
      if (c->ring_len > SUP_CONSOLE_RING)
        {
          c->ring_head = (c->ring_head + c->ring_len - SUP_CONSOLE_RING) % SUP_CONSOLE_RING;
          c->ring_len = SUP_CONSOLE_RING;
        }
    }
}

static void
ring_replay (struct sup_console *c, struct viewer *v)
{
  size_t first = SUP_CONSOLE_RING - c->ring_head;
  if (c->ring == NULL || c->ring_len == 0)
    return;
  if (first > c->ring_len)
    first = c->ring_len;
  viewer_send (v, c->ring + c->ring_head, first);
  if (v->fd >= 0 && c->ring_len > first)
    viewer_send (v, c->ring, c->ring_len - first);
}

/* Append to the log; past SUP_CONSOLE_LOG_MAX it becomes log.1 and a new log starts. */
static void
log_append (struct sup_console *c, const char *buf, size_t len)
{
  struct stat st;
  if (c->log_path == NULL)
    return;
  if (c->log_fd >= 0 && c->log_size + (off_t)len > SUP_CONSOLE_LOG_MAX)
    {
      cleanup_free char *old = xasprintf ("%s.1", c->log_path);
      rename (c->log_path, old);
      close (c->log_fd);
      c->log_fd = -1;
    }
  if (c->log_fd < 0)
    {
      c->log_fd = open (c->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
      if (c->log_fd < 0)
        return;
      c->log_size = fstat (c->log_fd, &st) == 0 ? st.st_size : 0;
    }
  if (write_all (c->log_fd, buf, len) > 0)
    c->log_size += len;
}

static void
got_output (struct sup_console *c, const char *buf, size_t len)
{
  ring_append (c, buf, len);
  log_append (c, buf, len);
  for (int i = 0; i < SUP_CONSOLE_VIEWERS; i++)
    if (c->viewers[i].fd >= 0 && c->viewers[i].greeted)
      viewer_send (&c->viewers[i], buf, len);
}

/* Read what the master has; false when it is closed (every slave fd is gone). */
static bool
drain_master (struct sup_console *c)
{
  char buf[4096];
  for (;;)
    {
      ssize_t n = read (c->master, buf, sizeof buf);
      if (n > 0)
        {
          got_output (c, buf, n);
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      return n < 0 && errno == EAGAIN;
    }
}

static void
receive_master (struct sup_console *c)
{
  struct carrel_error ignored;
  int fd = -1;
  if (terminal_recv_fd (c->chan, &fd, &ignored) == 0)
    {
      c->master = fd;
      fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
      c->ring = xmalloc (SUP_CONSOLE_RING);
    }
  close (c->chan);
  c->chan = -1;
}

static void
accept_viewer (struct sup_console *c)
{
  int fd = accept4 (c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0)
    return;
  for (int i = 0; i < SUP_CONSOLE_VIEWERS; i++)
    if (c->viewers[i].fd < 0)
      {
        c->viewers[i] = (struct viewer){ .fd = fd };
        return;
      }
  close (fd); /* full: the client sees EOF at once */
}

/* The console's input buffer is full: drop keystrokes rather than stall every viewer. */
static void
console_input (struct sup_console *c, const char *buf, size_t len)
{
  if (len > 0 && c->master >= 0)
    (void)!write (c->master, buf, len);
}

/* The last viewer to send its size sets the pty's; the kernel signals the foreground job. */
static void
console_winsize (struct sup_console *c, const unsigned char ws[4])
{
  struct winsize w
      = { .ws_row = (unsigned short)(ws[0] << 8 | ws[1]), .ws_col = (unsigned short)(ws[2] << 8 | ws[3]) };
  if (c->master >= 0 && w.ws_row > 0 && w.ws_col > 0)
    ioctl (c->master, TIOCSWINSZ, &w);
}

/* Framed input: frames may arrive split anywhere, so the state lives in the viewer. */
static void
framed_input (struct sup_console *c, struct viewer *v, const char *p, size_t n)
{
  while (n > 0)
    {
      size_t chunk;
      if (v->hdr_len < SUP_CONSOLE_FRAME_HDR)
        {
          v->hdr[v->hdr_len++] = (unsigned char)*p++;
          n--;
          if (v->hdr_len == SUP_CONSOLE_FRAME_HDR)
            {
              v->left = (unsigned)v->hdr[1] << 8 | v->hdr[2];
              v->ws_len = 0;
              if (v->left == 0)
                v->hdr_len = 0;
            }
          continue;
        }
      chunk = n < v->left ? n : v->left;
      if (v->hdr[0] == SUP_CONSOLE_FRAME_INPUT)
        console_input (c, p, chunk);
      else if (v->hdr[0] == SUP_CONSOLE_FRAME_WINSIZE)
        for (size_t i = 0; i < chunk && v->ws_len < sizeof v->ws; i++)
          v->ws[v->ws_len++] = (unsigned char)p[i];
      p += chunk;
      n -= chunk;
      v->left -= chunk;
      if (v->left == 0)
        {
          if (v->hdr[0] == SUP_CONSOLE_FRAME_WINSIZE && v->ws_len == sizeof v->ws)
            console_winsize (c, v->ws);
          v->hdr_len = 0;
        }
    }
}

static void
viewer_input (struct sup_console *c, struct viewer *v)
{
  char buf[4096];
  char *p = buf;
  ssize_t n = recv (v->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      viewer_close (v);
      return;
    }
  if (!v->greeted)
    {
      v->greeted = true;
      v->framed = buf[0] == SUP_CONSOLE_HELLO_FRAMED_REPLAY || buf[0] == SUP_CONSOLE_HELLO_FRAMED;
      if (buf[0] == SUP_CONSOLE_HELLO_RAW_REPLAY || buf[0] == SUP_CONSOLE_HELLO_FRAMED_REPLAY)
        ring_replay (c, v);
      p++;
      n--;
      if (v->fd < 0)
        return;
    }
  if (v->framed)
    framed_input (c, v, p, n);
  else
    console_input (c, p, n);
}

int
sup_console_fill (struct sup_console *c, struct pollfd *pfd)
{
  pfd[0] = (struct pollfd){ .fd = c->chan, .events = POLLIN };
  pfd[1] = (struct pollfd){ .fd = c->master_hup ? -1 : c->master, .events = POLLIN };
  pfd[2] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
  for (int i = 0; i < SUP_CONSOLE_VIEWERS; i++)
    pfd[3 + i] = (struct pollfd){ .fd = c->viewers[i].fd, .events = POLLIN };
  return SUP_CONSOLE_NFDS;
}

void
sup_console_handle (struct sup_console *c, const struct pollfd *pfd)
{
  if (c->chan >= 0 && pfd[0].fd == c->chan && pfd[0].revents)
    receive_master (c);
  if (c->master >= 0 && pfd[1].fd == c->master && pfd[1].revents)
    {
      /* Every slave closed (POLLHUP, EIO): stop polling, or the loop would spin. */
      if (!drain_master (c) || ((pfd[1].revents & POLLHUP) && !(pfd[1].revents & POLLIN)))
        c->master_hup = true;
    }
  if (pfd[2].revents & POLLIN)
    accept_viewer (c);
  for (int i = 0; i < SUP_CONSOLE_VIEWERS; i++)
    if (c->viewers[i].fd >= 0 && pfd[3 + i].fd == c->viewers[i].fd && pfd[3 + i].revents)
      viewer_input (c, &c->viewers[i]);
}

void
sup_console_close (struct sup_console *c)
{
  if (c->master >= 0)
    {
      drain_master (c);
      close (c->master);
    }
  if (c->chan >= 0)
    close (c->chan);
  for (int i = 0; i < SUP_CONSOLE_VIEWERS; i++)
    if (c->viewers[i].fd >= 0)
      viewer_close (&c->viewers[i]);
  close (c->listen_fd);
  unlinkat (c->state_dirfd, SUP_CONSOLE_SOCKET, 0);
  if (c->log_fd >= 0)
    close (c->log_fd);
  free (c->ring);
  free (c);
}
