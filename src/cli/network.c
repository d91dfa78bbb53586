/* carrel network create|ls|rm|prune: built-in bridge networks. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrel/network.h"
#include "cli.h"

static const char usage_text[]
    = "Usage: carrel network create NAME --subnet CIDR [--gateway ADDR] [--ipv6 CIDR] [--bridge IFNAME]\n"
      "                             [--nat] [--mtu N]\n"
      "       carrel network ls [-q] [--format table|json]\n"
      "       carrel network rm NAME...\n"
      "       carrel network prune\n"
      "Containers join with the annotation run.carrel.network=NAME[,ip=ADDR] and publish ports with\n"
      "run.carrel.publish=HOSTPORT:CTRPORT[/tcp|udp],... See carrel-network(1).\n";

static int
net_create (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[]
      = { { "subnet", required_argument, NULL, 's' }, { "gateway", required_argument, NULL, 'g' },
          { "ipv6", required_argument, NULL, '6' },   { "bridge", required_argument, NULL, 'b' },
          { "nat", no_argument, NULL, 'n' },          { "mtu", required_argument, NULL, 'm' },
          { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 } };
  struct carrel_network_config cfg = { 0 };
  struct carrel_error err = { 0 };
  int c;
  char *end;
  while ((c = getopt_long (argc, argv, "h", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 's':
          cfg.subnet = optarg;
          break;
        case 'g':
          cfg.gateway = optarg;
          break;
        case '6':
          cfg.subnet6 = optarg;
          break;
        case 'b':
          cfg.bridge = optarg;
          break;
        case 'n':
          cfg.nat = true;
          break;
        case 'm':
          {
            unsigned long v = strtoul (optarg, &end, 10);
            if (*optarg == '\0' || *end || v == 0 || v > 65535)
              return cli_usage_error (cli, "network create", "--mtu: expected a number, got \"%s\"", optarg);
            cfg.mtu = (unsigned int)v;
            break;
          }
        case 'h':
          fputs (usage_text, stdout);
          return 0;
        default:
          return cli_usage_error (cli, "network create", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
  if (optind >= argc)
    return cli_usage_error (cli, "network create", "missing network name");
  if (optind + 1 < argc)
    return cli_usage_error (cli, "network create", "unexpected argument \"%s\"", argv[optind + 1]);
  cfg.name = argv[optind];
  if (cfg.subnet == NULL)
    return cli_usage_error (cli, "network create", "--subnet is required");
  if (carrel_network_create (&cfg, &err) < 0)
    return cli_report (cli, &err);
  return 0;
}

static int
net_ls (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
                                        { "format", required_argument, NULL, 'f' },
                                        { "help", no_argument, NULL, 'h' },
                                        { NULL, 0, NULL, 0 } };
  struct carrel_error err = { 0 };
  struct carrel_network_info *v;
  bool quiet = false, json = false;
  size_t n;
  int c;
  while ((c = getopt_long (argc, argv, "+qf:h", opts, NULL)) != -1)
    {
      if (c == 'q')
        quiet = true;
      else if (c == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "table") == 0))
        json = strcmp (optarg, "json") == 0;
      else if (c == 'f')
        return cli_usage_error (cli, "network ls", "--format: expected table or json, got \"%s\"", optarg);
      else if (c == 'h')
        {
          fputs (usage_text, stdout);
          return 0;
        }
      else
        return cli_usage_error (cli, "network ls", "unknown option \"%s\"", argv[optind - 1]);
    }
  if (optind < argc)
    return cli_usage_error (cli, "network ls", "unexpected argument \"%s\"", argv[optind]);
  if (carrel_network_list (&v, &n, &err) < 0)
    return cli_report (cli, &err);
  if (json)
    {
      json_t *arr = json_array ();
      char *text;
      for (size_t i = 0; i < n; i++)
        {
          json_t *o = json_pack ("{s:s, s:s, s:s, s:s, s:b, s:i, s:I}", "name", v[i].name, "bridge",
                                 v[i].bridge, "subnet", v[i].subnet, "gateway", v[i].gateway, "nat", v[i].nat,
                                 "mtu", (int)v[i].mtu, "containers", (json_int_t)v[i].n_containers);
          if (v[i].subnet6)
            {
              json_object_set_new (o, "subnet6", json_string (v[i].subnet6));
              json_object_set_new (o, "gateway6", json_string (v[i].gateway6));
            }
          json_array_append_new (arr, o);
        }
      text = json_dumps (arr, JSON_COMPACT);
      printf ("%s\n", text);
      free (text);
      json_decref (arr);
    }
  else
    {
      if (!quiet)
        printf ("%-20s %-15s %-18s %-15s %-20s %-4s %-6s %s\n", "NAME", "BRIDGE", "SUBNET", "GATEWAY", "IPV6",
                "NAT", "MTU", "CONTAINERS");
      for (size_t i = 0; i < n; i++)
        {
          if (quiet)
            printf ("%s\n", v[i].name);
          else
            printf ("%-20s %-15s %-18s %-15s %-20s %-4s %-6u %zu\n", v[i].name, v[i].bridge, v[i].subnet,
                    v[i].gateway, v[i].subnet6 ? v[i].subnet6 : "-", v[i].nat ? "yes" : "no", v[i].mtu,
                    v[i].n_containers);
        }
    }
  carrel_network_list_free (v, n);
  return 0;
}

static int
net_rm (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  int rc = 0;
  if (argc >= 2 && (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0))
    {
      fputs (usage_text, stdout);
      return 0;
    }
  if (argc < 2)
    return cli_usage_error (cli, "network rm", "missing network name");
  for (int i = 1; i < argc; i++)
    if (carrel_network_remove (argv[i], &err) < 0)
      rc = cli_report (cli, &err);
  return rc;
}

static int
net_prune (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  size_t n;
  if (argc >= 2 && (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0))
    {
      fputs (usage_text, stdout);
      return 0;
    }
  if (argc > 1)
    return cli_usage_error (cli, "network prune", "unexpected argument \"%s\"", argv[1]);
  if (carrel_network_prune (&n, &err) < 0)
    return cli_report (cli, &err);
  printf ("reclaimed %zu address%s\n", n, n == 1 ? "" : "es");
  return 0;
}

static const struct
{
  const char *name;
  const char *alias;
  int (*run) (struct cli *cli, int argc, char **argv);
} subcommands[] = {
  { "create", NULL, net_create },
  { "ls", "list", net_ls },
  { "rm", "remove", net_rm },
  { "prune", NULL, net_prune },
};

int
cmd_network (struct cli *cli, int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0)
    {
      fputs (usage_text, argc < 2 ? stderr : stdout);
      return argc < 2 ? 1 : 0;
    }
  for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    if (strcmp (argv[1], subcommands[i].name) == 0
        || (subcommands[i].alias && strcmp (argv[1], subcommands[i].alias) == 0))
      {
        optind = 0; /* reset getopt for the subcommand */
        return subcommands[i].run (cli, argc - 1, argv + 1);
      }
  return cli_usage_error (cli, "network", "unknown subcommand \"%s\" (create, ls, rm, prune)", argv[1]);
}
