/* carrel exec [options] ID [--] ARGS... | carrel exec --process FILE [options] ID */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrel/container.h"
#include "carrel/tables.h"
#include "cli.h"

static int
parse_id (const char *s, unsigned int *out)
{
  char *end;
  unsigned long v;
  if (*s < '0' || *s > '9')
    return -1;
  v = strtoul (s, &end, 10);
  if (*end || v > 0xfffffffeUL)
    return -1;
  *out = v;
  return 0;
}

static void
usage (void)
{
  printf ("Usage: carrel exec [options] ID [--] COMMAND [ARG...]\n"
          "       carrel exec [options] --process FILE ID\n\n"
          "  -p, --process FILE        the process (process.json, as config.json's process)\n"
          "  -t, --tty                 allocate a terminal\n"
          "      --console-socket PATH send the terminal's master to this AF_UNIX socket\n"
          "  -d, --detach              return once the process runs\n"
          "      --pid-file FILE       write the process's pid to FILE\n"
          "      --cwd DIR             working directory in the container\n"
          "  -e, --env NAME=VALUE      set an environment variable (repeatable)\n"
          "  -u, --user UID[:GID]      run as this user\n"
          "  -g, --additional-gids GID add a supplementary group (repeatable)\n"
          "  -c, --cap CAP             add a capability (repeatable)\n"
          "      --no-new-privs        set no_new_privs\n"
          "      --preserve-fds N      pass fds 3..3+N-1 to the process\n");
}

int
cmd_exec (struct cli *cli, int argc, char **argv)
{
  enum
  {
    OPT_CONSOLE = 256,
    OPT_PID_FILE,
    OPT_CWD,
    OPT_NO_NEW_PRIVS,
    OPT_PRESERVE,
    OPT_APPARMOR,
    OPT_LABEL,
    OPT_IGNORE_PAUSED
  };
  static const struct option opts[] = { { "process", required_argument, NULL, 'p' },
                                        { "tty", no_argument, NULL, 't' },
                                        { "console-socket", required_argument, NULL, OPT_CONSOLE },
                                        { "detach", no_argument, NULL, 'd' },
                                        { "pid-file", required_argument, NULL, OPT_PID_FILE },
                                        { "cwd", required_argument, NULL, OPT_CWD },
                                        { "env", required_argument, NULL, 'e' },
                                        { "user", required_argument, NULL, 'u' },
                                        { "additional-gids", required_argument, NULL, 'g' },
                                        { "cap", required_argument, NULL, 'c' },
                                        { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
                                        { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
                                        { "apparmor", required_argument, NULL, OPT_APPARMOR },
                                        { "process-label", required_argument, NULL, OPT_LABEL },
                                        { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
                                        { "help", no_argument, NULL, 'h' },
                                        { NULL, 0, NULL, 0 } };
  struct carrel_exec_options o = { .root = cli->root };
  struct carrel_error err = { 0 };
  char **env = calloc (argc, sizeof (char *));
  unsigned int *gids = calloc (argc, sizeof (unsigned int));
  int *caps = calloc (argc, sizeof (int));
  bool shaped = false; /* an option that builds the process, which --process already gives */
  int c, status = 0, r = 1;
  while ((c = getopt_long (argc, argv, "+p:tde:u:g:c:h", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'p':
          o.process_file = optarg;
          break;
        case 't':
          o.tty = true;
          break;
        case OPT_CONSOLE:
          o.console_socket = optarg;
          break;
        case 'd':
          o.detach = true;
          break;
        case OPT_PID_FILE:
          o.pid_file = optarg;
          break;
        case OPT_CWD:
          o.cwd = optarg;
          shaped = true;
          break;
        case 'e':
          env[o.n_env++] = optarg;
          shaped = true;
          break;
        case 'u':
          {
            char *colon = strchr (optarg, ':');
            if (colon)
              *colon = '\0';
            if (parse_id (optarg, &o.uid) < 0 || (colon && parse_id (colon + 1, &o.gid) < 0))
              {
                r = cli_usage_error (cli, "exec", "--user: expected UID[:GID] (numbers)");
                goto out;
              }
            o.has_user = true;
            o.has_gid = colon != NULL;
            shaped = true;
            break;
          }
        case 'g':
          if (parse_id (optarg, &gids[o.n_additional_gids]) < 0)
            {
              r = cli_usage_error (cli, "exec", "--additional-gids: expected a number, got \"%s\"", optarg);
              goto out;
            }
          o.n_additional_gids++;
          shaped = true;
          break;
        case 'c':
          {
            char name[64];
            int cap;
            snprintf (name, sizeof name, "%s%s", strncasecmp (optarg, "CAP_", 4) ? "CAP_" : "", optarg);
            for (char *p = name; *p; p++)
              *p = *p >= 'a' && *p <= 'z' ? *p - 32 : *p;
            cap = carrel_cap_by_name (name);
            if (cap < 0)
              {
                r = cli_usage_error (cli, "exec", "--cap: unknown capability \"%s\"", optarg);
                goto out;
              }
            caps[o.n_caps++] = cap;
            shaped = true;
            break;
          }
        case OPT_NO_NEW_PRIVS:
          o.no_new_privs = true;
          break;
        case OPT_PRESERVE:
          {
            char *end;
            long n = strtol (optarg, &end, 10);
            if (*optarg == '\0' || *end || n < 0 || n > 1 << 20)
              {
                r = cli_usage_error (cli, "exec", "--preserve-fds: expected a number, got \"%s\"", optarg);
                goto out;
              }
            o.preserve_fds = n;
            break;
          }
        case OPT_APPARMOR:
          err.errno_value = 0;
          carrel_fail (&err, 0, "exec --apparmor: AppArmor is not supported by carrel");
          r = cli_report (cli, &err);
          goto out;
        case OPT_LABEL:
          carrel_fail (&err, 0, "exec --process-label: SELinux labels are not supported by carrel");
          r = cli_report (cli, &err);
          goto out;
        case OPT_IGNORE_PAUSED:
          carrel_fail (&err, 0, "exec --ignore-paused: not supported by carrel: resume the container first");
          r = cli_report (cli, &err);
          goto out;
        case 'h':
          usage ();
          r = 0;
          goto out;
        default:
          r = cli_usage_error (cli, "exec", "unknown option \"%s\"", argv[optind - 1]);
          goto out;
        }
    }
  if (optind >= argc)
    {
      r = cli_usage_error (cli, "exec", "missing container id");
      goto out;
    }
  o.id = argv[optind++];
  if (optind < argc && strcmp (argv[optind], "--") == 0)
    optind++;
  o.args = argv + optind;
  o.n_args = argc - optind;
  if (o.process_file && (o.n_args || shaped))
    {
      r = cli_usage_error (cli, "exec",
                           "--process FILE gives the whole process: no command, --cwd, --env, "
                           "--user, --additional-gids or --cap with it");
      goto out;
    }
  if (!o.process_file && o.n_args == 0)
    {
      r = cli_usage_error (cli, "exec", "missing command (or --process FILE)");
      goto out;
    }
  o.env = env;
  o.additional_gids = gids;
  o.caps = caps;
  if (carrel_container_exec (&o, &status, &err) < 0)
    r = cli_report (cli, &err);
  else
    r = status;
out:
  free (env);
  free (gids);
  free (caps);
  return r;
}
