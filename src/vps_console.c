/* `carrel vps console`: a viewer of the console the VPS's supervisor serves on
 * <root>/vps-<name>/console.sock (protocol: src/supervisor_console.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "supervisor_console.h"
#include "util.h"
#include "vps.h"

#define DETACH_KEY 0x1d /* Ctrl-] as virsh and lxc-console */

static int
console_connect (const char *root, const char *name, int *out, struct carrel_error *err)
{
  char cid[64];
  cleanup_free char *dir = xasprintf ("%s/%s", root, carrel_vps_container_id (name, cid, sizeof cid));
  cleanup_fd int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_fd int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (dfd < 0)
    return carrel_fail (err, errno == ENOENT ? ESRCH : errno, "vps console %s: the VPS is not running", name);
  if (fd < 0)
    return carrel_fail (err, errno, "socket");
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/" SUP_CONSOLE_SOCKET, dfd);
  if (connect (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    return carrel_fail (
        err, errno,
        "vps console %s: no console server (the VPS is stopped, or its supervisor was killed: "
        "the console comes back at the next start)",
        name);
  *out = take_fd (&fd);
  return 0;
}

/* A frame of the framed protocol (supervisor_console.h). */
static int
send_frame (int sock, char type, const void *data, size_t len)
{
  unsigned char hdr[SUP_CONSOLE_FRAME_HDR]
      = { (unsigned char)type, (unsigned char)(len >> 8), (unsigned char)len };
  if (write_all (sock, hdr, sizeof hdr) < 0 || (len > 0 && write_all (sock, data, len) < 0))
    return -1;
  return 0;
}

static int
send_winsize (int sock)
{
  struct winsize ws;
  unsigned char b[4];
  if (ioctl (0, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
    return 0;
  b[0] = ws.ws_row >> 8;
  b[1] = ws.ws_row;
  b[2] = ws.ws_col >> 8;
  b[3] = ws.ws_col;
  return send_frame (sock, SUP_CONSOLE_FRAME_WINSIZE, b, sizeof b);
}

/* The supervisor that serves the console speaks the framed protocol: start recorded it. */
static bool
server_is_framed (const char *name)
{
  struct vps_record r;
  struct carrel_error ignored;
  bool framed = false;
  if (vps_record_load (name, &r, &ignored) == 0)
    framed = r.console_protocol >= 2;
  vps_record_free (&r);
  return framed;
}

int
carrel_vps_console (const char *root, const char *name, bool replay, unsigned linger_ms,
                    struct carrel_error *err)
{
  cleanup_fd int sock = -1;
  cleanup_fd int sigfd = -1;
  struct termios saved, raw;
  bool tty = isatty (0) && tcgetattr (0, &saved) == 0;
  bool stdin_open = true;
  /* Framed with a terminal, to pass its size; raw otherwise (and to older supervisors). */
  bool framed = tty && server_is_framed (name);
  char hello = framed ? (replay ? SUP_CONSOLE_HELLO_FRAMED_REPLAY : SUP_CONSOLE_HELLO_FRAMED)
                      : (replay ? SUP_CONSOLE_HELLO_RAW_REPLAY : SUP_CONSOLE_HELLO_RAW);
  char buf[8192];
  sigset_t winch, saved_mask;
  int rc = 0;
  if (vps_name_validate (name, err) < 0 || console_connect (root, name, &sock, err) < 0)
    return -1;
  if (write_all (sock, &hello, 1) < 0)
    return carrel_fail (err, errno, "vps console %s", name);
  if (framed)
    {
      sigemptyset (&winch);
      sigaddset (&winch, SIGWINCH);
      sigprocmask (SIG_BLOCK, &winch, &saved_mask);
      sigfd = signalfd (-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
      if (send_winsize (sock) < 0)
        return carrel_fail (err, errno, "vps console %s: send the window size", name);
    }
  if (tty)
    {
      fprintf (stderr, "Connected to the console of %s (detach: Ctrl-])\r\n", name);
      raw = saved;
      cfmakeraw (&raw);
      tcsetattr (0, TCSANOW, &raw);
    }
  for (;;)
    {
      struct pollfd p[3] = { { .fd = sock, .events = POLLIN },
                             { .fd = stdin_open ? 0 : -1, .events = POLLIN },
                             { .fd = sigfd, .events = POLLIN } };
      /* Without a terminal: once our input ended, leave when the console has been quiet a while. */
      int r = poll (p, 3, stdin_open || tty ? -1 : (int)linger_ms);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      if (p[0].revents)
        {
          ssize_t n = read (sock, buf, sizeof buf);
          if (n <= 0)
            break; /* the VPS stopped, or the viewer was dropped */
          if (write_all (1, buf, n) < 0)
            break;
        }
      if (p[1].revents)
        {
          ssize_t n = read (0, buf, sizeof buf);
          char *key = n > 0 && tty ? memchr (buf, DETACH_KEY, n) : NULL;
          if (n <= 0)
            {
              stdin_open = false;
              if (tty)
                break;
              continue;
            }
          if (key)
            n = key - buf;
          if (n > 0
              && (framed ? send_frame (sock, SUP_CONSOLE_FRAME_INPUT, buf, n) : write_all (sock, buf, n)) < 0)
            {
              rc = carrel_fail (err, errno, "vps console %s: send input", name);
              break;
            }
          if (key)
            break;
        }
      if (p[2].revents)
        {
          struct signalfd_siginfo si;
          while (read (sigfd, &si, sizeof si) > 0)
            ;
          if (send_winsize (sock) < 0)
            break;
        }
    }
  if (tty)
    {
      tcsetattr (0, TCSANOW, &saved);
      fprintf (stderr, "\nDetached from %s\n", name);
    }
  if (framed)
    sigprocmask (SIG_SETMASK, &saved_mask, NULL);
  return rc;
}
