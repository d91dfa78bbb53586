/* carrel start ID */
#include "carrel/container.h"
#include "cli.h"
#include "simple_cmd.h"

int
cmd_start (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  const char *id;
  int r = simple_cmd_parse (cli, "start", argc, argv, &id);
  if (r != 0)
    return r > 0 ? 0 : 1;
  if (carrel_container_start (cli->root, id, &err) < 0)
    return cli_report (cli, &err);
  return 0;
}
