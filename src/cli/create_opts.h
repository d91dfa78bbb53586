/* Options shared by create and run. */
#ifndef CARREL_CLI_CREATE_OPTS_H
#define CARREL_CLI_CREATE_OPTS_H

#include <stdbool.h>

#include "carrel/container.h"
#include "cli.h"

/* 0: parsed; < 0: error reported; > 0: --help printed. run passes
 * detach/keep pointers; create passes NULL. */
int create_opts_parse (struct cli *cli, const char *cmd, int argc, char **argv,
                       struct carrel_create_options *o, bool *detach, bool *keep);

#endif
