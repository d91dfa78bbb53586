/* Terminals: make the pty inside the container, pass its master out, relay it for `run`. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "terminal.h"
#include "util.h"

int
terminal_send_fd (int sock, int fd, const char *name, struct carrel_error *err)
{
  if (send_fds (sock, name, strlen (name), &fd, 1) < 0)
    return carrel_fail (err, errno, "send the terminal over the console socket");
  return 0;
}

int
terminal_recv_fd (int sock, int *fd, struct carrel_error *err)
{
  char name[4096];
  size_t n;
  if (recv_fds (sock, name, sizeof name, fd, 1, &n) < 0)
    return carrel_fail (err, errno, "receive the terminal");
  if (n == 0)
    return carrel_fail (err, EPROTO, "receive the terminal: no file descriptor");
  return 0;
}

int
terminal_connect (const char *path, int *fd, struct carrel_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_fd int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return carrel_fail (err, errno, "console socket");
  if (strlen (path) >= sizeof addr.sun_path)
    return carrel_fail (err, ENAMETOOLONG, "--console-socket %s", path);
  strcpy (addr.sun_path, path);
  if (connect (s, (struct sockaddr *)&addr, sizeof addr) < 0)
    return carrel_fail (err, errno, "connect to --console-socket %s", path);
  *fd = take_fd (&s);
  return 0;
}

int
terminal_setup_console (const struct init_config *cfg, struct carrel_error *err)
{
  const struct carrel_process *proc = &cfg->spec->process;
  cleanup_fd int master = -1;
  cleanup_fd int slave = -1;
  if (cfg->console_socket < 0)
    return carrel_fail (err, EINVAL, "process.terminal is true but there is no console socket");
  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return carrel_fail (err, errno, "open /dev/ptmx in the container");
  if (unlockpt (master) < 0)
    return carrel_fail (err, errno, "unlock the pty");
  slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return carrel_fail (err, errno, "open the pty's peer");
  if (proc->has_console_size)
    {
      struct winsize ws = { .ws_row = proc->console_height, .ws_col = proc->console_width };
      ioctl (master, TIOCSWINSZ, &ws);
    }
  if (terminal_send_fd (cfg->console_socket, master, "/dev/ptmx", err) < 0)
    return -1;
  close (cfg->console_socket);
  if (setsid () < 0)
    return carrel_fail (err, errno, "setsid");
  if (cfg->system_console)
    {
      /* As LXC does: the container's init finds its console at /dev/console and gives it to the
       * shell or getty it starts, which then can make it their controlling terminal. */
      char slave_path[64];
      int f;
      snprintf (slave_path, sizeof slave_path, "/proc/self/fd/%d", slave);
      f = open ("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (f >= 0)
        close (f);
      if (mount (slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
        return carrel_fail (err, errno, "bind the console pty on /dev/console");
    }
  else if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return carrel_fail (err, errno, "make the pty the controlling terminal");

  if (dup2 (slave, 0) < 0 || dup2 (slave, 1) < 0 || dup2 (slave, 2) < 0)
    return carrel_fail (err, errno, "attach stdio to the pty");
  return 0;
}

void
terminal_copy_winsize (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

int
terminal_relay (int master, int stop_fd, struct carrel_error *err)
{
  struct termios saved, raw;
  bool is_tty = isatty (0) && tcgetattr (0, &saved) == 0;
  sigset_t mask;
  cleanup_fd int sigfd = -1;
  char buf[8192];
  bool stdin_open = true;
  if (is_tty)
    {
      raw = saved;
      cfmakeraw (&raw);
      tcsetattr (0, TCSANOW, &raw);
      terminal_copy_winsize (0, master);
    }
  sigemptyset (&mask);
  sigaddset (&mask, SIGWINCH);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  sigfd = signalfd (-1, &mask, SFD_CLOEXEC);
  for (;;)
    {
      struct pollfd p[4] = { { .fd = master, .events = POLLIN },
                             { .fd = stdin_open ? 0 : -1, .events = POLLIN },
                             { .fd = sigfd, .events = POLLIN },
                             { .fd = stop_fd, .events = POLLIN } };
      if (poll (p, 4, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p[0].revents & POLLIN)
        {
          ssize_t n = read (master, buf, sizeof buf);
          if (n <= 0)
            break;
          write_all (1, buf, n);
        }
      else if (p[0].revents & (POLLHUP | POLLERR))
        break;
      if (p[1].revents)
        {
          ssize_t n = read (0, buf, sizeof buf);
          if (n <= 0)
            stdin_open = false;
          else
            write_all (master, buf, n);
        }
      if (p[2].revents)
        {
          struct signalfd_siginfo si;
          (void)!read (sigfd, &si, sizeof si);
          terminal_copy_winsize (0, master);
        }
      if (p[3].revents)
        break;
    }
  if (is_tty)
    tcsetattr (0, TCSANOW, &saved);
  (void)err;
  return 0;
}
