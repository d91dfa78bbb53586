/* The supervisor's console server (CARREL_CONSOLE_SUPERVISOR): the supervisor keeps the pty
 * master, reads it all the time into a ring buffer and a size-capped log, and serves it on
 * <state dir>/console.sock to several viewers at once.
 *
 * Protocol on console.sock (SOCK_STREAM): the viewer's first byte says whether it wants the ring
 * buffer replayed first and how the rest of what it sends is read:
 *   'R' / 'N'  replay / no replay; raw: every further byte is console input (the first protocol,
 *              still served for older viewers);
 *   'F' / 'f'  replay / no replay; framed: frames of a type byte, a 16-bit big-endian length and
 *              that many bytes: SUP_CONSOLE_FRAME_INPUT (console input) or SUP_CONSOLE_FRAME_WINSIZE
 *              (rows and columns, 16-bit big-endian each, set on the pty: the console's foreground
 *              job gets SIGWINCH). Unknown frame types are skipped.
 * Every byte the console prints comes to every viewer as is. A viewer too slow to take the output
 * is disconnected. Supervisors older than the framed protocol take 'F' as 'N' and frames as
 * keystrokes: a viewer uses it only when it knows the server has it (vps.json console_protocol). */
#ifndef CARREL_SUPERVISOR_CONSOLE_H
#define CARREL_SUPERVISOR_CONSOLE_H

#include <poll.h>

#define SUP_CONSOLE_VIEWERS 8
#define SUP_CONSOLE_RING (64 * 1024)
#define SUP_CONSOLE_LOG_MAX (1024 * 1024) /* then console.log moves to console.log.1 */
#define SUP_CONSOLE_SOCKET "console.sock"
#define SUP_CONSOLE_PROTOCOL 2 /* 1: raw only; 2: raw and framed */
#define SUP_CONSOLE_HELLO_RAW_REPLAY 'R'
#define SUP_CONSOLE_HELLO_RAW 'N'
#define SUP_CONSOLE_HELLO_FRAMED_REPLAY 'F'
#define SUP_CONSOLE_HELLO_FRAMED 'f'
#define SUP_CONSOLE_FRAME_INPUT 'd'
#define SUP_CONSOLE_FRAME_WINSIZE 'w'
#define SUP_CONSOLE_FRAME_HDR 3
#define SUP_CONSOLE_FRAME_MAX 0xffff
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
