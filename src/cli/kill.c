/* carrel kill [--all] ID [SIGNAL] */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "carrel/container.h"
#include "carrel/tables.h"
#include "cli.h"

int
cmd_kill (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[]
      = { { "all", no_argument, NULL, 'a' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool all = false;
  int sig = SIGTERM, c;
  const char *id;
  while ((c = getopt_long (argc, argv, "+ah", opts, NULL)) != -1)
    {
      if (c == 'a')
        all = true;
      else if (c == 'h')
        {
          printf ("Usage: carrel kill [--all] ID [SIGNAL]\n");
          return 0;
        }
      else
        return cli_usage_error (cli, "kill", "unknown option \"%s\"", argv[optind - 1]);
    }
  if (optind >= argc)
    return cli_usage_error (cli, "kill", "missing container id");
  id = argv[optind];
  if (optind + 1 < argc)
    {
      sig = carrel_signal_parse (argv[optind + 1]);
      if (sig <= 0)
        return cli_usage_error (cli, "kill", "unknown signal \"%s\"", argv[optind + 1]);
      if (optind + 2 < argc)
        return cli_usage_error (cli, "kill", "unexpected argument \"%s\"", argv[optind + 2]);
    }
  if (carrel_container_kill (cli->root, id, sig, all, &err) < 0)
    return cli_report (cli, &err);
  return 0;
}
