/* carrel features: the runtime-spec features document. */
#include <stdio.h>
#include <stdlib.h>

#include "carrel/defaults.h"
#include "cli.h"

int
cmd_features (struct cli *cli, int argc, char **argv)
{
  char *text;
  (void)cli;
  if (argc > 1)
    return cli_usage_error (cli, "features", "unexpected argument \"%s\"", argv[1]);
  text = carrel_features_json ();
  printf ("%s\n", text);
  free (text);
  return 0;
}
