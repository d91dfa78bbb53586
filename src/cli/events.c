/* carrel events [--stats] [--interval DURATION] ID */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"

/* "5s", "500ms", "1m", or plain seconds. */
static int
parse_duration_ms (const char *s, int *ms)
{
  char *end;
  double v = strtod (s, &end);
  double scale = 1000;
  if (end == s || v < 0)
    return -1;
  if (strcmp (end, "ms") == 0)
    scale = 1;
  else if (strcmp (end, "s") == 0 || *end == '\0')
    scale = 1000;
  else if (strcmp (end, "m") == 0)
    scale = 60000;
  else
    return -1;
  v *= scale;
  if (v < 1 || v > 86400000)
    return -1;
  *ms = (int)v;
  return 0;
}

static int
print_line (const char *line, void *arg)
{
  (void)arg;
  if (printf ("%s\n", line) < 0 || fflush (stdout) != 0)
    return -1; /* the reader went away */
  return 0;
}

int
cmd_events (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { { "stats", no_argument, NULL, 's' },
                                        { "interval", required_argument, NULL, 'i' },
                                        { "help", no_argument, NULL, 'h' },
                                        { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool stats = false;
  int interval = 5000, c;
  const char *id;
  while ((c = getopt_long (argc, argv, "+si:h", opts, NULL)) != -1)
    {
      if (c == 's')
        stats = true;
      else if (c == 'i')
        {
          if (parse_duration_ms (optarg, &interval) < 0)
            return cli_usage_error (cli, "events", "invalid --interval \"%s\" (e.g. 5s, 500ms)", optarg);
        }
      else if (c == 'h')
        {
          printf ("Usage: carrel events [--stats] [--interval DURATION] ID\n");
          return 0;
        }
      else
        return cli_usage_error (cli, "events", "unknown option \"%s\"", argv[optind - 1]);
    }
  if (cli_take_id (cli, "events", argc, argv, optind, &id) != 0)
    return 1;
  if (stats)
    {
      char *json = NULL;
      if (carrel_container_stats (cli->root, id, &json, &err) < 0)
        return cli_report (cli, &err);
      print_line (json, NULL);
      free (json);
      return 0;
    }
  if (carrel_container_events (cli->root, id, interval, print_line, NULL, &err) < 0)
    return cli_report (cli, &err);
  return 0;
}
