/* carrel update: not implemented yet. */
#include "cli.h"

int
cmd_update (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  (void) argc;
  (void) argv;
  carrel_fail (&err, 0, "update: not implemented yet");
  return cli_report (cli, &err);
}
