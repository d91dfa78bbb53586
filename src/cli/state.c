/* carrel state ID: the OCI state JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "carrel/container.h"
#include "cli.h"
#include "simple_cmd.h"

int
cmd_state (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  struct carrel_state st;
  const char *id;
  char *json;
  int r = simple_cmd_parse (cli, "state", argc, argv, &id);
  if (r != 0)
    return r > 0 ? 0 : 1;
  if (carrel_container_state (cli->root, id, &st, &err) < 0)
    return cli_report (cli, &err);
  json = carrel_state_to_json (&st, true);
  printf ("%s\n", json);
  free (json);
  carrel_state_free (&st);
  return 0;
}
