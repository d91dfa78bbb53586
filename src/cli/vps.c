/* carrel vps create|start|stop|restart|console|exec|stats|destroy|ls: VPSes over the library
 * (include/carrel/vps.h). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carrel/container.h"
#include "carrel/vps.h"
#include "cli.h"

static int
vps_usage (FILE *f)
{
  fprintf (f, "Usage: carrel vps COMMAND [options] NAME\n\n"
              "  create NAME --template busybox|debian [--memory SIZE] [--cpus N] [--pids N]\n"
              "         [--io-weight N] [--disk SIZE] [--network NET[,ip=ADDR]] [--hostname H]\n"
              "         [--ssh-key FILE] [--restart no|on-failure|always] [--autostart]\n"
              "  start NAME... | start --all    boot (--all: the VPSes marked --autostart)\n"
              "  stop [--timeout SECS] NAME...  the template's shutdown signal, SIGKILL after SECS\n"
              "  restart [--timeout SECS] NAME\n"
              "  console [--no-replay] [--linger SECS] NAME   attach (detach: Ctrl-])\n"
              "  exec NAME [--] COMMAND [ARG...]\n"
              "  stats [--format table|json] NAME\n"
              "  destroy [--force] NAME         asks for 'y' on stdin unless --force\n"
              "  ls [-q] [--format table|json]\n\nSee carrel-vps(1).\n");
  return f == stdout ? 0 : 1;
}

static const char *
human (unsigned long long v, char *buf, size_t len)
{
  static const char units[] = "KMGT";
  int u = -1;
  if (v == 0)
    return "-";
  while (v >= 1024 && v % 1024 == 0 && u < 3)
    {
      v /= 1024;
      u++;
    }
  if (u < 0)
    snprintf (buf, len, "%llu", v);
  else
    snprintf (buf, len, "%llu%c", v, units[u]);
  return buf;
}

static int
vps_create (struct cli *cli, int argc, char **argv)
{
  enum
  {
    O_TEMPLATE = 256,
    O_MEMORY,
    O_CPUS,
    O_PIDS,
    O_IOW,
    O_DISK,
    O_NETWORK,
    O_HOSTNAME,
    O_SSH,
    O_RESTART,
    O_AUTOSTART
  };
  static const struct option opts[] = {
    { "template", required_argument, NULL, O_TEMPLATE }, { "memory", required_argument, NULL, O_MEMORY },
    { "cpus", required_argument, NULL, O_CPUS },         { "pids", required_argument, NULL, O_PIDS },
    { "io-weight", required_argument, NULL, O_IOW },     { "disk", required_argument, NULL, O_DISK },
    { "network", required_argument, NULL, O_NETWORK },   { "hostname", required_argument, NULL, O_HOSTNAME },
    { "ssh-key", required_argument, NULL, O_SSH },       { "restart", required_argument, NULL, O_RESTART },
    { "autostart", no_argument, NULL, O_AUTOSTART },     { NULL, 0, NULL, 0 }
  };
  struct carrel_vps_config cfg = { .template_name = NULL };
  struct carrel_error err = { 0 };
  char *end;
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case O_TEMPLATE:
        cfg.template_name = optarg;
        break;
      case O_MEMORY:
        if (carrel_parse_size (optarg, &cfg.memory) < 0 || cfg.memory < (4 << 20))
          return cli_usage_error (cli, "vps create", "--memory \"%s\": a size of at least 4M (e.g. 512M)",
                                  optarg);
        break;
      case O_DISK:
        if (carrel_parse_size (optarg, &cfg.disk) < 0)
          return cli_usage_error (cli, "vps create", "--disk \"%s\": a size (e.g. 1G)", optarg);
        break;
      case O_CPUS:
        cfg.cpus = strtod (optarg, &end);
        if (*end || cfg.cpus < 0.01 || cfg.cpus > 1024)
          return cli_usage_error (cli, "vps create", "--cpus \"%s\": a number of CPUs (e.g. 0.5, 2)", optarg);
        break;
      case O_PIDS:
        cfg.pids = strtoll (optarg, &end, 10);
        if (*end || cfg.pids < 8)
          return cli_usage_error (cli, "vps create", "--pids \"%s\": a number of at least 8", optarg);
        break;
      case O_IOW:
        cfg.io_weight = strtoul (optarg, &end, 10);
        if (*end || cfg.io_weight < 10 || cfg.io_weight > 1000)
          return cli_usage_error (cli, "vps create", "--io-weight \"%s\": 10 to 1000", optarg);
        break;
      case O_NETWORK:
        cfg.network = optarg;
        break;
      case O_HOSTNAME:
        cfg.hostname = optarg;
        break;
      case O_SSH:
        cfg.ssh_key = optarg;
        break;
      case O_RESTART:
        if (carrel_restart_policy_parse (optarg, &cfg.restart) < 0)
          return cli_usage_error (cli, "vps create", "--restart \"%s\": no, on-failure or always", optarg);
        break;
      case O_AUTOSTART:
        cfg.autostart = true;
        break;
      default:
        return cli_usage_error (cli, "vps create", "unknown option \"%s\"", argv[optind - 1]);
      }
  if (cli_take_id (cli, "vps create", argc, argv, optind, &cfg.name) != 0)
    return 1;
  if (cfg.template_name == NULL)
    return cli_usage_error (cli, "vps create", "--template is required (busybox or debian)");
  if (carrel_vps_create (cli->root, &cfg, &err) < 0)
    return cli_report (cli, &err);
  return 0;
}

/* carrel_vps_start, and a word when it adopted a VPS whose supervisor was gone. */
static int
start_one (struct cli *cli, const char *name, bool restarted, unsigned delay, bool quiet_busy)
{
  struct carrel_error err = { 0 };
  int r = carrel_vps_start (cli->root, name, restarted, delay, &err);
  if (r < 0)
    return quiet_busy && err.errno_value == EBUSY ? 0 : cli_report (cli, &err);
  if (r == 1)
    printf ("%s: running without its supervisor: a watcher now carries out its restart policy (the "
            "console comes back at its next start: vps restart %s)\n",
            name, name);
  return 0;
}

static int
vps_start (struct cli *cli, int argc, char **argv)
{
  enum
  {
    O_ALL = 256,
    O_RESTARTED,
    O_DELAY
  };
  static const struct option opts[] = { { "all", no_argument, NULL, O_ALL },
                                        { "restarted", no_argument, NULL, O_RESTARTED },
                                        { "delay-ms", required_argument, NULL, O_DELAY },
                                        { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool all = false, restarted = false;
  unsigned delay = 0;
  int c, rc = 0;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case O_ALL:
        all = true;
        break;
      case O_RESTARTED:
        restarted = true;
        break;
      case O_DELAY:
        delay = strtoul (optarg, NULL, 10);
        break;
      default:
        return cli_usage_error (cli, "vps start", "unknown option \"%s\"", argv[optind - 1]);
      }
  if (all)
    {
      char **names = NULL;
      size_t n;
      if (optind < argc)
        return cli_usage_error (cli, "vps start", "--all takes no names");
      if (carrel_vps_autostart_names (&names, &n, &err) < 0)
        return cli_report (cli, &err);
      for (size_t i = 0; i < n; i++)
        {
          if (start_one (cli, names[i], false, 0, true) != 0)
            rc = 1;
          free (names[i]);
        }
      free (names);
      return rc;
    }
  if (optind >= argc)
    return cli_usage_error (cli, "vps start", "missing VPS name");
  for (int i = optind; i < argc; i++)
    if (start_one (cli, argv[i], restarted, delay, false) != 0)
      rc = 1;
  return rc;
}

static int
vps_stop_or_restart (struct cli *cli, int argc, char **argv, bool restart)
{
  static const struct option opts[] = { { "timeout", required_argument, NULL, 't' },
                                        { "time", required_argument, NULL, 't' },
                                        { NULL, 0, NULL, 0 } };
  const char *cmd = restart ? "vps restart" : "vps stop";
  struct carrel_error err = { 0 };
  unsigned timeout_ms = 0;
  char *end;
  int c, rc = 0;
  while ((c = getopt_long (argc, argv, "t:", opts, NULL)) != -1)
    {
      double secs;
      if (c != 't')
        return cli_usage_error (cli, cmd, "unknown option \"%s\"", argv[optind - 1]);
      secs = strtod (optarg, &end);
      if (*end || secs < 0 || secs > 3600)
        return cli_usage_error (cli, cmd, "--timeout \"%s\": seconds", optarg);
      timeout_ms = secs * 1000 > 0 ? secs * 1000 : 1;
    }
  if (optind >= argc)
    return cli_usage_error (cli, cmd, "missing VPS name");
  for (int i = optind; i < argc; i++)
    {
      if (carrel_vps_stop (cli->root, argv[i], timeout_ms, &err) < 0)
        rc = cli_report (cli, &err);
      else if (restart && carrel_vps_start (cli->root, argv[i], false, 0, &err) < 0)
        rc = cli_report (cli, &err);
    }
  return rc;
}

static int
vps_console (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { { "no-replay", no_argument, NULL, 'n' },
                                        { "linger", required_argument, NULL, 'l' },
                                        { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool replay = true;
  double linger = 1;
  const char *name;
  char *end;
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    if (c == 'n')
      replay = false;
    else if (c == 'l')
      {
        linger = strtod (optarg, &end);
        if (*end || linger < 0 || linger > 3600)
          return cli_usage_error (cli, "vps console", "--linger \"%s\": seconds", optarg);
      }
    else
      return cli_usage_error (cli, "vps console", "unknown option \"%s\"", argv[optind - 1]);
  if (cli_take_id (cli, "vps console", argc, argv, optind, &name) != 0)
    return 1;
  if (carrel_vps_console (cli->root, name, replay, (unsigned)(linger * 1000), &err) < 0)
    return cli_report (cli, &err);
  return 0;
}

static int
vps_exec (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  struct carrel_exec_options o = { .root = cli->root };
  char cid[64];
  int first = 2, status = 0;
  if (argc < 3)
    return cli_usage_error (cli, "vps exec", "expected NAME [--] COMMAND [ARG...]");
  if (argc > 3 && strcmp (argv[2], "--") == 0)
    first = 3;
  if (first >= argc)
    return cli_usage_error (cli, "vps exec", "missing COMMAND");
  o.id = carrel_vps_container_id (argv[1], cid, sizeof cid);
  o.args = argv + first;
  o.n_args = argc - first;
  o.tty = isatty (0) && isatty (1);
  o.cwd = "/root";
  if (carrel_container_exec (&o, &status, &err) < 0)
    return cli_report (cli, &err);
  return status;
}

static int
format_opt (struct cli *cli, const char *cmd, const char *v, bool *json)
{
  if (strcmp (v, "json") == 0)
    *json = true;
  else if (strcmp (v, "table") != 0)
    return cli_usage_error (cli, cmd, "--format \"%s\": table or json", v);
  return 0;
}

static int
vps_stats (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool json = false;
  char *text = NULL;
  const char *name;
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    if (c != 'f' || format_opt (cli, "vps stats", optarg, &json) != 0)
      return c == 'f' ? 1 : cli_usage_error (cli, "vps stats", "unknown option \"%s\"", argv[optind - 1]);
  if (cli_take_id (cli, "vps stats", argc, argv, optind, &name) != 0)
    return 1;
  if (carrel_vps_stats_json (cli->root, name, &text, &err) < 0)
    return cli_report (cli, &err);
  if (json)
    printf ("%s\n", text);
  else
    {
      json_t *o = json_loads (text, 0, NULL);
      char a[32], b[32];
#define I(k) ((unsigned long long)json_integer_value (json_object_get (o, k)))
      printf ("%-10s %12s %19s %6s %12s %12s %12s %12s\n", "NAME", "CPU", "MEMORY", "PIDS", "IO-READ",
              "IO-WRITE", "NET-RX", "NET-TX");
      printf ("%-10s %11.2fs %9s / %-7s %6llu %12llu %12llu %12llu %12llu\n", name, I ("cpu_ns") / 1e9,
              human (I ("memory_bytes") & ~1023ULL, a, sizeof a), human (I ("memory_limit"), b, sizeof b),
              I ("pids"), I ("io_read_bytes"), I ("io_write_bytes"), I ("net_rx_bytes"), I ("net_tx_bytes"));
#undef I
      json_decref (o);
    }
  free (text);
  return 0;
}

static int
vps_destroy (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  bool force = false;
  const char *name;
  int c;
  while ((c = getopt_long (argc, argv, "f", opts, NULL)) != -1)
    if (c == 'f')
      force = true;
    else
      return cli_usage_error (cli, "vps destroy", "unknown option \"%s\"", argv[optind - 1]);
  if (cli_take_id (cli, "vps destroy", argc, argv, optind, &name) != 0)
    return 1;
  if (!force)
    {
      char answer[16] = "";
      fprintf (stderr, "Destroy VPS %s and its disk? [y/N] ", name);
      fflush (stderr);
      if (fgets (answer, sizeof answer, stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y'))
        {
          fprintf (stderr, "not destroyed\n");
          return 1;
        }
    }
  if (carrel_vps_destroy (cli->root, name, &err) < 0)
    return cli_report (cli, &err);
  return 0;
}

static int
vps_ls (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                        { "quiet", no_argument, NULL, 'q' },
                                        { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  struct carrel_vps_info *v = NULL;
  bool json = false, quiet = false;
  size_t n;
  int c;
  while ((c = getopt_long (argc, argv, "q", opts, NULL)) != -1)
    if (c == 'q')
      quiet = true;
    else if (c != 'f' || format_opt (cli, "vps ls", optarg, &json) != 0)
      return c == 'f' ? 1 : cli_usage_error (cli, "vps ls", "unknown option \"%s\"", argv[optind - 1]);
  if (optind < argc)
    return cli_usage_error (cli, "vps ls", "unexpected argument \"%s\"", argv[optind]);
  if (carrel_vps_list (cli->root, &v, &n, &err) < 0)
    return cli_report (cli, &err);
  if (json)
    {
      json_t *a = json_array ();
      char *text;
      for (size_t i = 0; i < n; i++)
        {
          json_t *o = json_pack ("{s:s, s:s, s:s, s:i, s:I, s:f, s:I, s:i, s:I, s:I, s:s, s:b}", "name",
                                 v[i].name, "template", v[i].template_name, "status", v[i].status, "pid",
                                 (int)v[i].pid, "memory", (json_int_t)v[i].memory, "cpus", v[i].cpus, "pids",
                                 (json_int_t)v[i].pids, "io_weight", (int)v[i].io_weight, "disk",
                                 (json_int_t)v[i].disk, "id_base", (json_int_t)v[i].id_base, "restart",
                                 carrel_restart_policy_name (v[i].restart), "autostart", v[i].autostart);
          json_object_set_new (o, "address", v[i].address ? json_string (v[i].address) : json_null ());
          json_array_append_new (a, o);
        }
      text = json_dumps (a, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
      printf ("%s\n", text);
      free (text);
      json_decref (a);
    }
  else
    {
      if (!quiet)
        printf ("%-16s %-8s %-8s %-15s %-7s %-5s %-6s %-6s %-11s %-10s %s\n", "NAME", "TEMPLATE", "STATUS",
                "ADDRESS", "MEMORY", "CPUS", "PIDS", "DISK", "IDS", "RESTART", "AUTOSTART");
      for (size_t i = 0; i < n; i++)
        {
          char m[32], d[32], ids[32];
          if (quiet)
            {
              printf ("%s\n", v[i].name);
              continue;
            }
          snprintf (ids, sizeof ids, "%lu", v[i].id_base);
          printf ("%-16s %-8s %-8s %-15s %-7s %-5g %-6lld %-6s %-11s %-10s %s\n", v[i].name,
                  v[i].template_name, v[i].status, v[i].address ? v[i].address : "-",
                  human (v[i].memory, m, sizeof m), v[i].cpus, (long long)v[i].pids,
                  human (v[i].disk, d, sizeof d), ids, carrel_restart_policy_name (v[i].restart),
                  v[i].autostart ? "yes" : "no");
        }
    }
  carrel_vps_list_free (v, n);
  return 0;
}

int
cmd_vps (struct cli *cli, int argc, char **argv)
{
  const char *sub = argc > 1 ? argv[1] : NULL;
  if (sub == NULL)
    return vps_usage (stderr);
  if (strcmp (sub, "--help") == 0 || strcmp (sub, "-h") == 0 || strcmp (sub, "help") == 0)
    return vps_usage (stdout);
  if (strcmp (sub, "exec") == 0)
    return vps_exec (cli, argc - 1, argv + 1);
  optind = 0;
  if (strcmp (sub, "create") == 0)
    return vps_create (cli, argc - 1, argv + 1);
  if (strcmp (sub, "start") == 0)
    return vps_start (cli, argc - 1, argv + 1);
  if (strcmp (sub, "stop") == 0)
    return vps_stop_or_restart (cli, argc - 1, argv + 1, false);
  if (strcmp (sub, "restart") == 0)
    return vps_stop_or_restart (cli, argc - 1, argv + 1, true);
  if (strcmp (sub, "console") == 0)
    return vps_console (cli, argc - 1, argv + 1);
  if (strcmp (sub, "stats") == 0)
    return vps_stats (cli, argc - 1, argv + 1);
  if (strcmp (sub, "destroy") == 0)
    return vps_destroy (cli, argc - 1, argv + 1);
  if (strcmp (sub, "ls") == 0 || strcmp (sub, "list") == 0)
    return vps_ls (cli, argc - 1, argv + 1);
  return cli_usage_error (cli, "vps", "unknown command \"%s\"", sub);
}
