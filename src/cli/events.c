/* carrel events: not implemented yet. */
#include "cli.h"

int
cmd_events (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  (void) argc;
  (void) argv;
  carrel_fail (&err, 0, "events: not implemented yet");
  return cli_report (cli, &err);
}
