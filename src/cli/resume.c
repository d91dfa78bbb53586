/* carrel resume ID: thaw a paused container. */
#include "cgroup.h"
#include "simple_cmd.h"

int
cmd_resume (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  const char *id;
  int r = simple_cmd_parse (cli, "resume", argc, argv, &id);
  if (r != 0)
    return r > 0 ? 0 : 1;
  if (carrel_container_resume (cli->root, id, &err) < 0)
    return cli_report (cli, &err);
  return 0;
}
