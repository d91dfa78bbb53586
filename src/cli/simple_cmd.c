#include <getopt.h>
#include <stdio.h>

#include "simple_cmd.h"

int
simple_cmd_parse (struct cli *cli, const char *cmd, int argc, char **argv, const char **id)
{
  static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  int c;
  while ((c = getopt_long (argc, argv, "+h", opts, NULL)) != -1)
    {
      if (c == 'h')
        {
          printf ("Usage: carrel %s ID\n", cmd);
          return 1;
        }
      return -cli_usage_error (cli, cmd, "unknown option \"%s\"", argv[optind - 1]);
    }
  if (cli_take_id (cli, cmd, argc, argv, optind, id) != 0)
    return -1;
  return 0;
}
