/* carrel: entry point, global options, dispatch. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <libmnl/libmnl.h>

#include "carrel/tables.h"
#include "cli.h"

static struct cli *current_cli;

#define COMMAND_ENTRY(n, s) { #n, cmd_##n, s },
static const struct cli_command commands[] = { CLI_COMMANDS (COMMAND_ENTRY) };
#undef COMMAND_ENTRY

void
cli_log (struct cli *cli, const char *level, const char *msg)
{
  FILE *f;
  char when[64];
  struct timespec ts;
  struct tm tm;
  if (cli == NULL || cli->log_path == NULL)
    return;
  f = fopen (cli->log_path, "ae");
  if (f == NULL)
    return;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  if (cli->log_json)
    {
      json_t *o = json_pack ("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", "");
      char t[96];
      char *line;
      snprintf (t, sizeof t, "%s.%09ldZ", when, ts.tv_nsec);
      json_object_set_new (o, "time", json_string (t));
      line = json_dumps (o, JSON_COMPACT);
      fprintf (f, "%s\n", line);
      free (line);
      json_decref (o);
    }
  else
    fprintf (f, "%s.%09ldZ %s: %s\n", when, ts.tv_nsec, level, msg);
  fclose (f);
}

int
cli_report (struct cli *cli, const struct carrel_error *err)
{
  char buf[CARREL_ERROR_MSG_MAX + 256];
  carrel_error_string (err, buf, sizeof buf);
  fprintf (stderr, "carrel: %s\n", buf);
  cli_log (cli, "error", buf);
  return 1;
}

int
cli_usage_error (struct cli *cli, const char *cmd, const char *fmt, ...)
{
  struct carrel_error err = { 0 };
  char msg[CARREL_ERROR_MSG_MAX];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  carrel_fail (&err, 0, "%s: %s (see 'carrel %s --help')", cmd, msg, cmd);
  return cli_report (cli, &err);
}

int
cli_take_id (struct cli *cli, const char *cmd, int argc, char **argv, int optind_, const char **id)
{
  if (optind_ >= argc)
    return cli_usage_error (cli, cmd, "missing container id");
  if (optind_ + 1 < argc)
    return cli_usage_error (cli, cmd, "unexpected argument \"%s\"", argv[optind_ + 1]);
  *id = argv[optind_];
  return 0;
}

static void
warn_to_log (const char *msg)
{
  fprintf (stderr, "carrel: warning: %s\n", msg);
  cli_log (current_cli, "warning", msg);
}

static void
usage (FILE *f)
{
  fprintf (f, "Usage: carrel [global options] COMMAND [options] [ID]\n\n"
              "An OCI container runtime.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf (f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (f, "\nGlobal options:\n"
              "  --root DIR              state directory (default /run/carrel)\n"
              "  --log FILE              also write errors and warnings to FILE\n"
              "  --log-format text|json  format of --log (default text)\n"
              "  --debug                 print debug messages\n"
              "  --data-dir DIR          networks and VPSes (default /var/lib/carrel, or $CARREL_DATA_DIR)\n"
              "  --systemd-cgroup        refused by create/run: carrel has no systemd cgroup driver\n"
              "  --rootless auto|true|false\n"
              "  -v, --version           print the version\n"
              "  -h, --help              this help\n\nSee carrel(1) and carrel-COMMAND(1).\n");
}

static void
version (void)
{
  printf ("carrel version %s\nspec: %s\nlibseccomp: %u.%u.%u\njansson: %s\n", CARREL_VERSION,
          CARREL_OCI_VERSION, seccomp_version ()->major, seccomp_version ()->minor, seccomp_version ()->micro,
          jansson_version_str ());
}

/* Root of a user namespace other than the initial one (rootless podman runs us so). */
static bool
in_user_namespace (void)
{
  char buf[128] = "";
  FILE *f = fopen ("/proc/self/uid_map", "re");
  unsigned long a = 0, b = 0, n = 0;
  if (f == NULL)
    return false;
  if (fgets (buf, sizeof buf, f) == NULL || sscanf (buf, "%lu %lu %lu", &a, &b, &n) != 3)
    n = 4294967295UL;
  fclose (f);
  return !(a == 0 && b == 0 && n == 4294967295UL);
}

static const char *
default_root (void)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  const char *user = getenv ("USER");
  /* As runc: $XDG_RUNTIME_DIR for a user, also as root of a user namespace unless USER=root. */
  if (geteuid () == 0 && (!xdg || !*xdg || !in_user_namespace () || (user && strcmp (user, "root") == 0)))
    return "/run/carrel";
  if (xdg && *xdg)
    {
      static char buf[4096];
      snprintf (buf, sizeof buf, "%s/carrel", xdg);
      return buf;
    }
  return "/run/carrel";
}

/* jansson seeds its hash tables from /dev/urandom on first use (an open and a read per command);
 * the kernel already handed every process 16 random bytes (AT_RANDOM). */
static void
seed_json (void)
{
  const unsigned char *random = (const unsigned char *)getauxval (AT_RANDOM);
  size_t seed = 0;
  if (random)
    memcpy (&seed, random, sizeof seed);
  json_object_seed (seed ? seed : 1);
}

int
main (int argc, char **argv)
{
  struct cli cli = { .root = NULL, .argv0 = argv[0] };
  seed_json ();
  enum
  {
    OPT_ROOT = 256,
    OPT_LOG,
    OPT_LOG_FORMAT,
    OPT_DEBUG,
    OPT_SYSTEMD,
    OPT_ROOTLESS,
    OPT_CRIU,
    OPT_DATA_DIR
  };
  static const struct option opts[] = { { "root", required_argument, NULL, OPT_ROOT },
                                        { "log", required_argument, NULL, OPT_LOG },
                                        { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
                                        { "debug", no_argument, NULL, OPT_DEBUG },
                                        { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
                                        { "rootless", required_argument, NULL, OPT_ROOTLESS },
                                        { "criu", required_argument, NULL, OPT_CRIU },
                                        { "data-dir", required_argument, NULL, OPT_DATA_DIR },
                                        { "version", no_argument, NULL, 'v' },
                                        { "help", no_argument, NULL, 'h' },
                                        { NULL, 0, NULL, 0 } };
  int c;
  current_cli = &cli;
  opterr = 0; /* we report bad options ourselves, in one line */

  carrel_set_warn_handler (warn_to_log);
  /* '+': stop at the command name; its options are its own. */
  while ((c = getopt_long (argc, argv, "+vh", opts, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_ROOT:
          cli.root = optarg;
          break;
        case OPT_LOG:
          cli.log_path = optarg;
          break;
        case OPT_LOG_FORMAT:
          if (strcmp (optarg, "json") == 0)
            cli.log_json = true;
          else if (strcmp (optarg, "text") != 0)
            return cli_usage_error (&cli, "carrel", "--log-format: expected text or json, got \"%s\"",
                                    optarg);
          break;
        case OPT_DEBUG:
          cli.debug = true;
          carrel_debug_enabled = 1;
          break;
        case OPT_SYSTEMD:
          cli.systemd_cgroup = true;
          break;
        case OPT_ROOTLESS:
          if (strcmp (optarg, "auto") && strcmp (optarg, "true") && strcmp (optarg, "false"))
            return cli_usage_error (&cli, "carrel", "--rootless: expected auto, true or false, got \"%s\"",
                                    optarg);
          cli.rootless = optarg;
          break;
        case OPT_CRIU:
          break;
        case OPT_DATA_DIR:
          /* The library reads it from the environment, as it does when the user sets it. */
          setenv ("CARREL_DATA_DIR", optarg, 1);
          break;
        case 'v':
          version ();
          return 0;
        case 'h':
          usage (stdout);
          return 0;
        default:
          usage (stderr);
          return 1;
        }
    }
  if (cli.root == NULL)
    cli.root = default_root ();
  if (optind >= argc)
    {
      usage (stderr);
      return 1;
    }
  if (cli.systemd_cgroup && (strcmp (argv[optind], "create") == 0 || strcmp (argv[optind], "run") == 0))
    {
      /* No systemd cgroup driver: say why, instead of making cgroups systemd does not know of. */
      struct carrel_error err = { 0 };
      if (access ("/run/systemd/system", F_OK) < 0)
        carrel_fail (&err, 0,
                     "--systemd-cgroup: no systemd manager on this host (/run/systemd/system is missing)");
      else
        carrel_fail (&err, 0,
                     "--systemd-cgroup: carrel has no systemd cgroup driver; leave the option out "
                     "(cgroupfs)");
      return cli_report (&cli, &err);
    }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (argv[optind], commands[i].name) == 0)
      {
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        optind = 0; /* reset getopt for the command */
        return commands[i].run (&cli, sub_argc, sub_argv);
      }
  {
    struct carrel_error err = { 0 };
    carrel_fail (&err, 0, "unknown command \"%s\" (see 'carrel --help')", argv[optind]);
    return cli_report (&cli, &err);
  }
}
