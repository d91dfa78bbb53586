/* carrel spec [--rootless] [--bundle DIR]: write a default config.json. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carrel/defaults.h"
#include "cli.h"

int
cmd_spec (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { { "rootless", no_argument, NULL, 'r' },
                                        { "bundle", required_argument, NULL, 'b' },
                                        { "help", no_argument, NULL, 'h' },
                                        { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool rootless = false;
  const char *bundle = ".";
  char path[4096];
  char *text;
  int c, fd;
  while ((c = getopt_long (argc, argv, "+b:h", opts, NULL)) != -1)
    {
      if (c == 'r')
        rootless = true;
      else if (c == 'b')
        bundle = optarg;
      else if (c == 'h')
        {
          printf ("Usage: carrel spec [--rootless] [--bundle DIR]\n");
          return 0;
        }
      else
        return cli_usage_error (cli, "spec", "unknown option \"%s\"", argv[optind - 1]);
    }
  if (optind < argc)
    return cli_usage_error (cli, "spec", "unexpected argument \"%s\"", argv[optind]);
  snprintf (path, sizeof path, "%s/config.json", bundle);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      carrel_fail (&err, errno, "spec: create %s", path);
      return cli_report (cli, &err);
    }
  text = carrel_default_config (rootless, getuid (), getgid ());
  if (write (fd, text, strlen (text)) < 0 || write (fd, "\n", 1) < 0)
    {
      carrel_fail (&err, errno, "spec: write %s", path);
      close (fd);
      free (text);
      return cli_report (cli, &err);
    }
  close (fd);
  free (text);
  return 0;
}
