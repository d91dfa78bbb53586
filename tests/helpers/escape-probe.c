/* What an attacker inside a container tries, one probe a subcommand. Static, so that it runs in
 * the busybox rootfs. Every probe prints lines of "what=result" (result: ok or an errno name).
 *
 *   escape-probe fds               the open fds (besides the probe's own) and the cwd
 *   escape-probe exe PID           /proc/PID/exe: its target, and opening it for writing
 *   escape-probe exe-scan SECONDS  watch every /proc/N/exe for the runtime binary (CVE-2019-5736)
 *   escape-probe syscalls          the syscalls a default profile must refuse
 *   escape-probe ptrace PID        PTRACE_ATTACH to PID */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *
result (long r)
{
  return r < 0 ? strerrorname_np (errno) : "ok";
}

static int
probe_fds (void)
{
  char cwd[4096];
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;
  if (d == NULL)
    return perror ("opendir /proc/self/fd"), 1;
  printf ("fds=");
  while ((e = readdir (d)))
    {
      char link[4096] = "";
      char path[300];
      if (e->d_name[0] == '.' || atoi (e->d_name) == dirfd (d))
        continue;
      snprintf (path, sizeof path, "/proc/self/fd/%s", e->d_name);
      if (readlink (path, link, sizeof link - 1) < 0)
        strcpy (link, "?");
      printf ("%s:%s ", e->d_name, link);
    }
  printf ("\n");
  closedir (d);
  /* A cwd outside the root reads as "(unreachable)/..." or fails. */
  printf ("cwd=%s\n", getcwd (cwd, sizeof cwd) ? cwd : strerrorname_np (errno));
  return 0;
}

static int
probe_exe (const char *pid)
{
  char path[64], link[4096] = "";
  int fd;
  snprintf (path, sizeof path, "/proc/%s/exe", pid);
  if (readlink (path, link, sizeof link - 1) < 0)
    snprintf (link, sizeof link, "%s", strerrorname_np (errno));
  printf ("exe=%s\n", link);
  fd = open (path, O_WRONLY | O_APPEND | O_CLOEXEC);
  printf ("exe-write=%s\n", result (fd));
  return 0;
}

/* Any process whose exe is the runtime (a file named carrel*) while the container runs. */
static int
probe_exe_scan (int seconds)
{
  time_t end = time (NULL) + seconds;
  long seen = 0, exposed = 0;
  while (time (NULL) < end)
    {
      DIR *d = opendir ("/proc");
      struct dirent *e;
      while (d && (e = readdir (d)))
        {
          char path[300], link[4096] = "";
          int fd;
          if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi (e->d_name) == getpid ())
            continue;
          snprintf (path, sizeof path, "/proc/%s/exe", e->d_name);
          /* What CVE-2019-5736 needs: an fd on the binary, kept until the runtime exits. */
          fd = open (path, O_PATH | O_CLOEXEC);
          if (fd < 0)
            continue;
          seen++;
          if (readlink (path, link, sizeof link - 1) > 0 && strstr (strrchr (link, '/') ?: link, "carrel"))
            {
              exposed++;
              printf ("exposed=%s:%s\n", e->d_name, link);
            }
          close (fd);
        }
      if (d)
        closedir (d);
    }
  printf ("scanned=%ld exposed=%ld\n", seen, exposed);
  return 0;
}

static int
probe_syscalls (void)
{
  long r;
  r = syscall (SYS_init_module, NULL, 0, "");
  printf ("init_module=%s\n", result (r));
  r = syscall (SYS_finit_module, 0, "", 0);
  printf ("finit_module=%s\n", result (r));
  r = syscall (SYS_delete_module, "loop", 0);
  printf ("delete_module=%s\n", result (r));
  r = mount ("none", "/mnt", "tmpfs", 0, NULL);
  printf ("mount=%s\n", result (r));
  r = umount2 ("/proc", MNT_DETACH);
  printf ("umount2=%s\n", result (r));
  r = syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
  printf ("keyctl=%s\n", result (r));
  r = syscall (SYS_add_key, "user", "carrel", "x", 1, KEY_SPEC_SESSION_KEYRING);
  printf ("add_key=%s\n", result (r));
  r = syscall (SYS_request_key, "user", "carrel", NULL, 0);
  printf ("request_key=%s\n", result (r));
  r = unshare (CLONE_NEWUSER);
  printf ("unshare_user=%s\n", result (r));
  r = unshare (CLONE_NEWNS);
  printf ("unshare_mnt=%s\n", result (r));
  r = syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
  if (r == 0)
    _exit (0);
  if (r > 0)
    waitpid (r, NULL, 0);
  printf ("clone_newuser=%s\n", result (r));
  r = syscall (SYS_bpf, 0, NULL, 0);
  printf ("bpf=%s\n", result (r));
  r = syscall (SYS_perf_event_open, NULL, 0, -1, -1, 0);
  printf ("perf_event_open=%s\n", result (r));
  r = syscall (SYS_open_by_handle_at, AT_FDCWD, NULL, 0);
  printf ("open_by_handle_at=%s\n", result (r));
  r = syscall (SYS_kexec_load, 0, 0, NULL, 0);
  printf ("kexec_load=%s\n", result (r));
  r = syscall (SYS_pivot_root, ".", ".");
  printf ("pivot_root=%s\n", result (r));
  return 0;
}

static int
probe_ptrace (const char *pid)
{
  long r = ptrace (PTRACE_ATTACH, atoi (pid), NULL, NULL);
  printf ("ptrace=%s\n", result (r));
  return 0;
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && strcmp (argv[1], "fds") == 0)
    return probe_fds ();
  if (argc >= 3 && strcmp (argv[1], "exe") == 0)
    return probe_exe (argv[2]);
  if (argc >= 3 && strcmp (argv[1], "exe-scan") == 0)
    return probe_exe_scan (atoi (argv[2]));
  if (argc >= 2 && strcmp (argv[1], "syscalls") == 0)
    return probe_syscalls ();
  if (argc >= 3 && strcmp (argv[1], "ptrace") == 0)
    return probe_ptrace (argv[2]);
  fprintf (stderr, "usage: escape-probe fds | exe PID | exe-scan SECONDS | syscalls | ptrace PID\n");
  return 2;
}
