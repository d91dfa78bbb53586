/* carrel delete [--force] ID */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "carrel/container.h"
#include "cli.h"

int
cmd_delete (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[]
      = { { "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool force = false;
  const char *id;
  int c;
  while ((c = getopt_long (argc, argv, "+fh", opts, NULL)) != -1)
    {
      if (c == 'f')
        force = true;
      else if (c == 'h')
        {
          printf ("Usage: carrel delete [--force] ID\n");
          return 0;
        }
      else
        return cli_usage_error (cli, "delete", "unknown option \"%s\"", argv[optind - 1]);
    }
  if (cli_take_id (cli, "delete", argc, argv, optind, &id) != 0)
    return 1;
  if (carrel_container_delete (cli->root, id, force, &err) < 0)
    {
      /* runc compatibility: deleting what does not exist with --force is not an error. */
      if (force && err.errno_value == ENOENT)
        return 0;
      return cli_report (cli, &err);
    }
  return 0;
}
