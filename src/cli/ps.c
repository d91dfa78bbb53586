/* carrel ps [--format table|json] ID [PS ARGS...]: the container's processes. json: an array of host
 * pids; table: the lines of `ps` (default `ps -ef`) whose PID is the container's, as runc does. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "carrel/container.h"
#include "cli.h"

static bool
has_pid (const pid_t *pids, size_t n, pid_t p)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == p)
      return true;
  return false;
}

/* Run ps with args and print its header and the lines of pids. */
static int
print_table (struct cli *cli, char **ps_args, int n_args, const pid_t *pids, size_t n)
{
  struct carrel_error err = { 0 };
  char cmd[8192] = "ps";
  size_t len = 2;
  char *line = NULL;
  size_t cap = 0;
  int pid_col = -1;
  FILE *f;
  if (n_args == 0)
    len += snprintf (cmd + len, sizeof cmd - len, " -ef");
  for (int i = 0; i < n_args && len < sizeof cmd; i++)
    {
      /* Quoted for sh: each argument as one word. */
      len += snprintf (cmd + len, sizeof cmd - len, " '");
      for (const char *p = ps_args[i]; *p && len + 5 < sizeof cmd; p++)
        len += *p == '\'' ? snprintf (cmd + len, sizeof cmd - len, "'\\''")
                          : snprintf (cmd + len, sizeof cmd - len, "%c", *p);
      len += snprintf (cmd + len, sizeof cmd - len, "'");
    }
  f = popen (cmd, "re");
  if (f == NULL)
    {
      carrel_fail (&err, errno, "ps: run %s", cmd);
      return cli_report (cli, &err);
    }
  while (getline (&line, &cap, f) > 0)
    {
      char *save = NULL, *copy = strdup (line), *tok;
      int col = 0;
      if (pid_col < 0)
        {
          for (tok = strtok_r (copy, " \t\n", &save); tok; tok = strtok_r (NULL, " \t\n", &save), col++)
            if (strcmp (tok, "PID") == 0)
              pid_col = col;
          free (copy);
          if (pid_col < 0)
            {
              pclose (f);
              free (line);
              carrel_fail (&err, 0, "ps: no PID column in the output of \"%s\"", cmd);
              return cli_report (cli, &err);
            }
          fputs (line, stdout);
          continue;
        }
      for (tok = strtok_r (copy, " \t\n", &save); tok && col < pid_col; tok = strtok_r (NULL, " \t\n", &save))
        col++;
      if (tok && has_pid (pids, n, (pid_t)strtol (tok, NULL, 10)))
        fputs (line, stdout);
      free (copy);
    }
  free (line);
  if (pclose (f) != 0)
    {
      carrel_fail (&err, 0, "ps: \"%s\" failed", cmd);
      return cli_report (cli, &err);
    }
  return 0;
}

int
cmd_ps (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                        { "help", no_argument, NULL, 'h' },
                                        { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool json = false;
  const char *id;
  pid_t *pids;
  size_t n;
  int c, r;
  while ((c = getopt_long (argc, argv, "+f:h", opts, NULL)) != -1)
    {
      if (c == 'f')
        {
          if (strcmp (optarg, "json") == 0)
            json = true;
          else if (strcmp (optarg, "table") == 0)
            json = false;
          else
            return cli_usage_error (cli, "ps", "--format: expected table or json, got \"%s\"", optarg);
        }
      else if (c == 'h')
        {
          printf ("Usage: carrel ps [--format table|json] ID [PS OPTIONS...]\n");
          return 0;
        }
      else
        return cli_usage_error (cli, "ps", "unknown option \"%s\"", argv[optind - 1]);
    }
  if (optind >= argc)
    return cli_usage_error (cli, "ps", "missing container id");
  id = argv[optind];
  if (json && optind + 1 < argc)
    return cli_usage_error (cli, "ps", "ps options cannot be combined with --format json");
  if (carrel_container_pids (cli->root, id, &pids, &n, &err) < 0)
    return cli_report (cli, &err);
  if (json)
    {
      printf ("[");
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", pids[i]);
      printf ("]\n");
      r = 0;
    }
  else
    r = print_table (cli, argv + optind + 1, argc - optind - 1, pids, n);
  free (pids);
  return r;
}
