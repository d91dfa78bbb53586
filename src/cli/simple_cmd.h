/* Commands that take only an id (and --help). */
#ifndef CARREL_CLI_SIMPLE_CMD_H
#define CARREL_CLI_SIMPLE_CMD_H

#include "cli.h"

/* 0: *id set; < 0: error reported; > 0: --help printed. */
int simple_cmd_parse (struct cli *cli, const char *cmd, int argc, char **argv, const char **id);

#endif
