/* carrel update [--resources FILE|-] [--memory N] [--cpu-shares N] ... ID: change the limits of a
 * container, as `runc update` does. Flags override the values of --resources. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "util.h"

enum
{
  OPT_MEMORY = 256,
  OPT_MEMORY_SWAP,
  OPT_MEMORY_RESERVATION,
  OPT_CPU_SHARES,
  OPT_CPU_QUOTA,
  OPT_CPU_PERIOD,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_BLKIO_WEIGHT,
};

static const struct option opts[] = {
  { "resources", required_argument, NULL, 'r' },
  { "memory", required_argument, NULL, OPT_MEMORY },
  { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
  { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
  { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
  { "cpu-share", required_argument, NULL, OPT_CPU_SHARES }, /* runc's spelling */
  { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
  { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
  { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
  { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
  { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
  { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
  { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
  { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* An integer, or with --memory* a size with a k/m/g/t suffix ("512m"); -1 is unlimited. */
static int
parse_num (const char *s, bool size, int64_t *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (end == s || errno)
    return -1;
  if (size && *end)
    {
      static const char units[] = "bkmgt";
      const char *u = strchr (units, tolower ((unsigned char)*end));
      if (u == NULL || *u == '\0' || v < 0)
        return -1;
      for (long i = u - units; i > 0; i--)
        {
          if (v > INT64_MAX / 1024)
            return -1;
          v *= 1024;
        }
      end++;
      if (tolower ((unsigned char)*end) == 'b' && u != units)
        end++;
    }
  if (*end)
    return -1;
  *out = v;
  return 0;
}

static int
load_resources (struct cli *cli, const char *file, struct carrel_resources **out, struct carrel_error *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (strcmp (file, "-") == 0)
    {
      size_t cap = 4096;
      text = xmalloc (cap);
      for (;;)
        {
          ssize_t n = read (0, text + len, cap - len - 1);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return carrel_fail (err, errno, "update: read resources from stdin");
          if (n == 0)
            break;
          len += n;
          if (len + 1 >= cap)
            text = xrealloc (text, cap *= 2);
        }
      text[len] = '\0';
    }
  else if (read_file_at (AT_FDCWD, file, &text, &len, err) < 0)
    return carrel_wrap (err, "update: --resources");
  (void)cli;
  return carrel_resources_parse (text, len, strcmp (file, "-") == 0 ? "resources (stdin)" : file, out, err);
}

int
cmd_update (struct cli *cli, int argc, char **argv)
{
  struct carrel_error err = { 0 };
  struct carrel_resources *res = NULL;
  const char *id, *file = NULL;
  /* Flags are applied after the file; keep them in order. */
  struct
  {
    int opt;
    const char *val;
  } flags[32];
  size_t n_flags = 0;
  int c, rc = 1;
  while ((c = getopt_long (argc, argv, "+r:h", opts, NULL)) != -1)
    {
      if (c == 'r')
        file = optarg;
      else if (c == 'h')
        {
          printf (
              "Usage: carrel update [--resources FILE|-] [--memory N] [--memory-swap N] "
              "[--memory-reservation N]\n"
              "         [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpu-rt-period N] "
              "[--cpu-rt-runtime N]\n"
              "         [--cpuset-cpus LIST] [--cpuset-mems LIST] [--pids-limit N] [--blkio-weight N] ID\n");
          return 0;
        }
      else if (c >= OPT_MEMORY && c <= OPT_BLKIO_WEIGHT && n_flags < ARRAY_SIZE (flags))
        flags[n_flags++] = (typeof (flags[0])){ c, optarg };
      else
        return cli_usage_error (cli, "update", "unknown option \"%s\"", argv[optind - 1]);
    }
  if (cli_take_id (cli, "update", argc, argv, optind, &id) != 0)
    return 1;
  if (file == NULL && n_flags == 0)
    return cli_usage_error (cli, "update", "nothing to update: give --resources FILE or a limit flag");
  if (file)
    {
      if (load_resources (cli, file, &res, &err) < 0)
        return cli_report (cli, &err);
    }
  else
    res = xcalloc (1, sizeof *res);
  for (size_t i = 0; i < n_flags; i++)
    {
      int64_t v = 0;
      int o = flags[i].opt;
      const char *name = "";
      for (const struct option *p = opts; p->name; p++)
        if (p->val == o)
          {
            name = p->name;
            break;
          }
      if (o != OPT_CPUSET_CPUS && o != OPT_CPUSET_MEMS
          && parse_num (flags[i].val, o <= OPT_MEMORY_RESERVATION, &v) < 0)
        {
          rc = cli_usage_error (cli, "update", "--%s: invalid value \"%s\"", name, flags[i].val);
          goto out;
        }
      if ((o == OPT_CPU_SHARES || o == OPT_CPU_PERIOD || o == OPT_CPU_RT_PERIOD || o == OPT_BLKIO_WEIGHT)
          && v < 0)
        {
          rc = cli_usage_error (cli, "update", "--%s: must not be negative", name);
          goto out;
        }
      switch (o)
        {
        case OPT_MEMORY:
          res->has_memory = res->memory.has_limit = true;
          res->memory.limit = v;
          break;
        case OPT_MEMORY_SWAP:
          res->has_memory = res->memory.has_swap = true;
          res->memory.swap = v;
          break;
        case OPT_MEMORY_RESERVATION:
          res->has_memory = res->memory.has_reservation = true;
          res->memory.reservation = v;
          break;
        case OPT_CPU_SHARES:
          res->has_cpu = res->cpu.has_shares = true;
          res->cpu.shares = (uint64_t)v;
          break;
        case OPT_CPU_QUOTA:
          res->has_cpu = res->cpu.has_quota = true;
          res->cpu.quota = v;
          break;
        case OPT_CPU_PERIOD:
          res->has_cpu = res->cpu.has_period = true;
          res->cpu.period = (uint64_t)v;
          break;
        case OPT_CPU_RT_PERIOD:
          res->has_cpu = res->cpu.has_realtime_period = true;
          res->cpu.realtime_period = (uint64_t)v;
          break;
        case OPT_CPU_RT_RUNTIME:
          res->has_cpu = res->cpu.has_realtime_runtime = true;
          res->cpu.realtime_runtime = v;
          break;
        case OPT_CPUSET_CPUS:
          res->has_cpu = true;
          free (res->cpu.cpus);
          res->cpu.cpus = xstrdup (flags[i].val);
          break;
        case OPT_CPUSET_MEMS:
          res->has_cpu = true;
          free (res->cpu.mems);
          res->cpu.mems = xstrdup (flags[i].val);
          break;
        case OPT_PIDS_LIMIT:
          res->has_pids = true;
          res->pids_limit = v;
          break;
        case OPT_BLKIO_WEIGHT:
          if (v < 10 || v > 1000)
            {
              rc = cli_usage_error (cli, "update", "--blkio-weight: must be between 10 and 1000");
              goto out;
            }
          res->has_blkio = res->blkio.has_weight = true;
          res->blkio.weight = (uint16_t)v;
          break;
        }
    }
  if (carrel_container_update (cli->root, id, res, &err) < 0)
    rc = cli_report (cli, &err);
  else
    rc = 0;
out:
  carrel_resources_free (res);
  return rc;
}
