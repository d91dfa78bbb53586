/* process.terminal: the pty is made inside the container; its master goes out over the console
 * socket with SCM_RIGHTS, as runc and crun do (conmon and containerd expect that). */
#ifndef CARREL_TERMINAL_H
#define CARREL_TERMINAL_H

#include "carrel/error.h"
#include "runtime.h"

int terminal_setup_console (const struct init_config *cfg, struct carrel_error *err);
int terminal_send_fd (int sock, int fd, const char *name, struct carrel_error *err);
int terminal_recv_fd (int sock, int *fd, struct carrel_error *err);
/* Connect to a --console-socket path. */
int terminal_connect (const char *path, int *fd, struct carrel_error *err);
/* Relay between the caller's terminal (stdin/stdout) and master until the master closes or
 * stop_fd becomes readable; raw mode and window size follow the caller's terminal. */
int terminal_relay (int master, int stop_fd, struct carrel_error *err);
/* The window size of terminal from onto terminal to (no-op when from is not a terminal). */
void terminal_copy_winsize (int from, int to);

#endif
