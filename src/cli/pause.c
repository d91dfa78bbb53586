/* carrel pause ID: freeze every process of the container. */
#include "cgroup.h"
#include "simple_cmd.h"

int
cmd_pause (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  const char *id;
  int r = simple_cmd_parse (cli, "pause", argc, argv, &id);
  if (r != 0)
    return r > 0 ? 0 : 1;
  if (carrel_container_pause (cli->root, id, &err) < 0)
    return cli_report (cli, &err);
  return 0;
}
