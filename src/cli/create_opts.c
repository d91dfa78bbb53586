/* Options shared by create and run, as runc spells them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "create_opts.h"

static int
parse_uint (const char *s, int *out)
{
  char *end;
  long v = strtol (s, &end, 10);
  if (*s == '\0' || *end || v < 0 || v > 1 << 20)
    return -1;
  *out = v;
  return 0;
}

int
create_opts_parse (struct cli *cli, const char *cmd, int argc, char **argv, struct carrel_create_options *o,
                   bool *detach, bool *keep)
{
  enum
  {
    OPT_PID_FILE = 256,
    OPT_CONSOLE,
    OPT_NO_PIVOT,
    OPT_NO_KEYRING,
    OPT_PRESERVE,
    OPT_KEEP,
    OPT_NO_SUBREAPER
  };
  static const struct option opts[] = { { "bundle", required_argument, NULL, 'b' },
                                        { "pid-file", required_argument, NULL, OPT_PID_FILE },
                                        { "console-socket", required_argument, NULL, OPT_CONSOLE },
                                        { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
                                        { "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
                                        { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
                                        { "detach", no_argument, NULL, 'd' },
                                        { "keep", no_argument, NULL, OPT_KEEP },
                                        { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
                                        { "help", no_argument, NULL, 'h' },
                                        { NULL, 0, NULL, 0 } };
  int c;
  const char *listen_fds = getenv ("LISTEN_FDS");
  while ((c = getopt_long (argc, argv, "+b:dh", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'b':
          o->bundle = optarg;
          break;
        case OPT_PID_FILE:
          o->pid_file = optarg;
          break;
        case OPT_CONSOLE:
          o->console_socket = optarg;
          break;
        case OPT_NO_PIVOT:
          o->no_pivot = true;
          break;
        case OPT_NO_KEYRING:
          o->no_new_keyring = true;
          break;
        case OPT_PRESERVE:
          if (parse_uint (optarg, &o->preserve_fds) < 0)
            return -cli_usage_error (cli, cmd, "--preserve-fds: expected a number, got \"%s\"", optarg);
          break;
        case 'd':
          if (!detach)
            return -cli_usage_error (cli, cmd, "unknown option --detach");
          *detach = true;
          break;
        case OPT_KEEP:
          if (!keep)
            return -cli_usage_error (cli, cmd, "unknown option --keep");
          *keep = true;
          break;
        case OPT_NO_SUBREAPER:
          break;
        case 'h':
          printf ("Usage: carrel %s [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--no-pivot]\n"
                  "       [--no-new-keyring] [--preserve-fds N]%s ID\n",
                  cmd, detach ? " [--detach] [--keep]" : "");
          return 1;
        default:
          return -cli_usage_error (cli, cmd, "unknown option \"%s\"", argv[optind - 1]);
        }
    }
  /* Socket activation, as sd_listen_fds(3) and runc read it: the fds are ours only when LISTEN_PID
   * names us. They come first (from fd 3), then the --preserve-fds ones. */
  if (listen_fds && *listen_fds)
    {
      int n, pid;
      const char *listen_pid = getenv ("LISTEN_PID");
      if (parse_uint (listen_fds, &n) == 0 && n > 0 && listen_pid && parse_uint (listen_pid, &pid) == 0
          && pid == getpid ())
        {
          o->listen_fds = n;
          o->preserve_fds += n;
        }
    }
  if (cli_take_id (cli, cmd, argc, argv, optind, &o->id) != 0)
    return -1;
  return 0;
}
