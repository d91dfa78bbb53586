/* The thin command line over the library: each command parses, calls, reports. */
#ifndef CARREL_CLI_H
#define CARREL_CLI_H

#include <stdbool.h>

#include "carrel/error.h"

struct cli
{
  const char *root;
  const char *log_path;
  bool log_json;
  bool debug;
  bool systemd_cgroup;
  const char *rootless;
  const char *argv0;
};

struct cli_command
{
  const char *name;
  int (*run) (struct cli *cli, int argc, char **argv);
  const char *summary;
};

/* Print "carrel: <message>" once (and to --log), return the exit code 1. */
int cli_report (struct cli *cli, const struct carrel_error *err);
/* A usage error: "carrel <cmd>: <message>" and exit code 2? runc uses 1; so do we. */
int cli_usage_error (struct cli *cli, const char *cmd, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* The one positional container id; error if missing or extra. */
int cli_take_id (struct cli *cli, const char *cmd, int argc, char **argv, int optind_, const char **id);
void cli_log (struct cli *cli, const char *level, const char *msg);

#define CLI_COMMANDS(X)                                                                                      \
  X (create, "create a container from a bundle")                                                             \
  X (start, "run the process of a created container")                                                        \
  X (state, "print the state of a container")                                                                \
  X (kill, "send a signal to a container's init")                                                            \
  X (delete, "delete a stopped container")                                                                   \
  X (run, "create and start a container")                                                                    \
  X (list, "list containers")                                                                                \
  X (exec, "run a new process in a running container")                                                       \
  X (ps, "list the processes of a container")                                                                \
  X (pause, "freeze all processes of a container")                                                           \
  X (resume, "thaw a paused container")                                                                      \
  X (update, "change the resource limits of a container")                                                    \
  X (events, "print container events and statistics")                                                        \
  X (network, "manage built-in bridge networks")                                                             \
  X (vps, "manage VPSes: long-lived system containers")                                                      \
  X (spec, "write a default config.json")                                                                    \
  X (features, "print the features this runtime supports")

#define DECLARE_CMD(name, summary) int cmd_##name (struct cli *cli, int argc, char **argv);
CLI_COMMANDS (DECLARE_CMD)
#undef DECLARE_CMD

#endif
