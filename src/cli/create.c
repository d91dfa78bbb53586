/* carrel create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] [--preserve-fds N] ID */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "carrel/container.h"
#include "cli.h"
#include "create_opts.h"

int
cmd_create (struct cli *cli, int argc, char **argv)
{
  struct carrel_create_options o = { .root = cli->root };
  struct carrel_error err = { 0 };
  int r = create_opts_parse (cli, "create", argc, argv, &o, NULL, NULL);
  if (r != 0)
    return r > 0 ? 0 : 1;
  if (carrel_container_create (&o, &err) < 0)
    return cli_report (cli, &err);
  return 0;
}
