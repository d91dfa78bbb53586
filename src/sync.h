/* Messages between the CLI, the supervisor and the container init, over SOCK_SEQPACKET pairs.
 * Each message is one packet: a fixed header and up to SYNC_DATA_MAX bytes of text. */
#ifndef CARREL_SYNC_H
#define CARREL_SYNC_H

#include <stdint.h>
#include <sys/types.h>

#include "carrel/error.h"

#define SYNC_DATA_MAX 65536

enum sync_type
{
  SYNC_PID = 1,    /* supervisor -> CLI: pid = container init */
  SYNC_GO,         /* CLI -> init: id maps are written; data = state JSON for hooks */
  SYNC_HOOKS,      /* init -> CLI: run prestart + createRuntime now */
  SYNC_HOOKS_DONE, /* CLI -> init */
  SYNC_CREATED,    /* init -> CLI: waiting for start; CLI -> supervisor: create succeeded */
  SYNC_ERROR,      /* any direction: errno_value + data = message */
  SYNC_START,      /* -> init (via supervisor): run startContainer hooks and exec */
  SYNC_EXECUTING,  /* init -> supervisor: about to execve */
  SYNC_STARTED,    /* supervisor -> client */
  SYNC_EXITED,     /* supervisor -> client: pid = wait status */
  SYNC_WAIT,       /* client -> supervisor: tell me when the init exits */
  SYNC_OK,
  SYNC_HELLO, /* supervisor -> CLI: pid = the supervisor */
  SYNC_MODE,  /* CLI -> supervisor: pid = REAPER_* */
  SYNC_QUERY, /* client -> supervisor; reply SYNC_PID: pid = init, data = "owned:PATH" or "joined:PATH" */

  SYNC_CGROUP_FDS, /* CLI -> init after GO: the v1 tasks files to write "0" to, as SCM_RIGHTS */
  SYNC_NETNS,      /* supervisor -> init: the network namespace it made, as SCM_RIGHTS (lo is up) */

  SYNC_SECCOMP_NOTIFY = 64, /* init -> supervisor: the seccomp notify fd follows (seccomp_notify.c) */
};

enum
{
  REAPER_SUPERVISOR = 1, /* the supervisor is the init's parent */
  REAPER_MONITOR = 2,    /* the init is cloned with CLONE_PARENT: the engine's monitor reaps it */
};

/* SYNC_GO's pid: the init joins its v1 cgroups itself, through the tasks files that follow
 * (SYNC_CGROUP_FDS). */
#define SYNC_GO_JOIN_CGROUP 1

struct sync_msg
{
  uint32_t type;
  int32_t errno_value;
  int32_t pid;
  uint32_t len;
  char data[SYNC_DATA_MAX];
};

int sync_send (int fd, enum sync_type type, int errno_value, int pid, const char *data,
               struct carrel_error *err);
/* Send the error object (used inside the container and the supervisor). */
int sync_send_error (int fd, const struct carrel_error *failure);
/* Receive one message; EOF gives type 0. */
int sync_recv (int fd, struct sync_msg *msg, struct carrel_error *err);
/* A message of type with n open files (at most FDS_PASS_MAX, util.h) and no text. */
int sync_send_fds (int fd, enum sync_type type, const int *fds, size_t n, struct carrel_error *err);
/* Receive a message of type want with its files (close-on-exec) into fds[max]; *n says how many. */
int sync_recv_fds (int fd, enum sync_type want, int *fds, size_t max, size_t *n, struct carrel_error *err);
/* Receive and require `want`; SYNC_ERROR becomes err with its errno. */
int sync_expect (int fd, enum sync_type want, struct sync_msg *msg, const char *what,
                 struct carrel_error *err);

#endif
