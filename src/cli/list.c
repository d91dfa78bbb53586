/* carrel list [-q] [--format table|json] */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrel/container.h"
#include "cli.h"

int
cmd_list (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
                                        { "format", required_argument, NULL, 'f' },
                                        { "help", no_argument, NULL, 'h' },
                                        { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool quiet = false, json = false;
  char **ids;
  size_t n;
  int c;
  json_t *arr = NULL;
  while ((c = getopt_long (argc, argv, "+qf:h", opts, NULL)) != -1)
    {
      if (c == 'q')
        quiet = true;
      else if (c == 'f')
        {
          if (strcmp (optarg, "json") == 0)
            json = true;
          else if (strcmp (optarg, "table") != 0)
            return cli_usage_error (cli, "list", "--format: expected table or json, got \"%s\"", optarg);
        }
      else if (c == 'h')
        {
          printf ("Usage: carrel list [-q] [--format table|json]\n");
          return 0;
        }
      else
        return cli_usage_error (cli, "list", "unknown option \"%s\"", argv[optind - 1]);
    }
  if (optind < argc)
    return cli_usage_error (cli, "list", "unexpected argument \"%s\"", argv[optind]);
  if (carrel_container_list (cli->root, &ids, &n, &err) < 0)
    return cli_report (cli, &err);
  if (json)
    arr = json_array ();
  else if (!quiet)
    printf ("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  for (size_t i = 0; i < n; i++)
    {
      struct carrel_state st;
      struct carrel_error e2 = { 0 };
      if (quiet)
        {
          printf ("%s\n", ids[i]);
          continue;
        }
      if (carrel_container_state (cli->root, ids[i], &st, &e2) < 0)
        {
          /* Deleted meanwhile: gone. Unreadable: shown, so that it can be found and deleted. */
          if (e2.errno_value == ENOENT)
            continue;
          if (json)
            json_array_append_new (
                arr, json_pack ("{s:s, s:i, s:s}", "id", ids[i], "pid", 0, "status", "unknown"));
          else
            printf ("%-20s %-8d %-10s %-40s %-32s %s\n", ids[i], 0, "unknown", "", "", "");
          continue;
        }

      if (json)
        {
          json_t *o = json_pack ("{s:s, s:i, s:s, s:s, s:s, s:s}", "id", st.id, "pid",
                                 st.status == CARREL_STATUS_STOPPED ? 0 : (int)st.pid, "status",
                                 carrel_status_name (st.status), "bundle", st.bundle ? st.bundle : "",
                                 "created", st.created ? st.created : "", "owner", st.owner ? st.owner : "");
          json_t *ann = json_loads (st.annotations_json ? st.annotations_json : "{}", 0, NULL);
          json_object_set_new (o, "annotations", ann ? ann : json_object ());
          json_array_append_new (arr, o);
        }
      else
        printf ("%-20s %-8d %-10s %-40s %-32s %s\n", st.id, st.status == CARREL_STATUS_STOPPED ? 0 : st.pid,
                carrel_status_name (st.status), st.bundle ? st.bundle : "", st.created ? st.created : "",
                st.owner ? st.owner : "");
      carrel_state_free (&st);
    }
  if (json)
    {
      char *text = json_dumps (arr, JSON_COMPACT);
      printf ("%s\n", text);
      free (text);
      json_decref (arr);
    }
  for (size_t i = 0; i < n; i++)
    free (ids[i]);
  free (ids);
  return 0;
}
