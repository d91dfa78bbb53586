/* The supervisor's console server (CARREL_CONSOLE_SUPERVISOR): the supervisor keeps the pty
 * master, reads it all the time into a ring buffer and a size-capped log, and serves it on
 * <state dir>/console.sock to several viewers at once.
 *
 * Protocol on console.sock (SOCK_STREAM): the viewer sends one byte, 'R' to get the ring buffer
 * replayed first or 'N' not to; then every byte it sends goes to the console's input and every
 * byte the console prints comes to it. A viewer too slow to take the output is disconnected. */
#ifndef CARREL_SUPERVISOR_CONSOLE_H
#define CARREL_SUPERVISOR_CONSOLE_H

#include <poll.h>

#define SUP_CONSOLE_VIEWERS 8
#define SUP_CONSOLE_RING (64 * 1024)
#define SUP_CONSOLE_LOG_MAX (1024 * 1024) /* then console.log moves to console.log.1 */
#define SUP_CONSOLE_SOCKET "console.sock"
/* pollfds the server uses: its channel to the init, the master, the listener, the viewers. */
#define SUP_CONSOLE_NFDS (3 + SUP_CONSOLE_VIEWERS)

struct sup_console;

/* chan_fd: where the init sends the master (taken over). log_path may be NULL. NULL when the
 * socket cannot be made (the container then runs without a console server). */
struct sup_console *sup_console_open (int chan_fd, int state_dirfd, const char *log_path);
/* Fill pfd[0..SUP_CONSOLE_NFDS-1] (unused entries have fd -1); returns SUP_CONSOLE_NFDS. */
int sup_console_fill (struct sup_console *c, struct pollfd *pfd);
void sup_console_handle (struct sup_console *c, const struct pollfd *pfd);
/* The init is gone: copy what the master still holds to the log, close everything. */
void sup_console_close (struct sup_console *c);

#endif
