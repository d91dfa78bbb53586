/* carrel run [create options] [--detach] [--keep] ID: create + start; in the foreground, wait and
 * exit with the process's status. */
#include "carrel/container.h"
#include "cli.h"
#include "create_opts.h"

int
cmd_run (struct cli *cli, int argc, char **argv)
{
  struct carrel_create_options o = { .root = cli->root };
  struct carrel_error err = { 0 };
  bool detach = false, keep = false;
  int status = 0;
  int r = create_opts_parse (cli, "run", argc, argv, &o, &detach, &keep);
  if (r != 0)
    return r > 0 ? 0 : 1;
  o.keep = keep;
  if (carrel_container_run (&o, detach, &status, &err) < 0)
    return cli_report (cli, &err);
  return status;
}
