/* Built-in networking: a container asks for a network with the annotation
 * run.carrel.network = NAME[,ip=ADDR]; carrel makes a veth pair to the network's bridge. */
#ifndef CARREL_NETWORK_H
#define CARREL_NETWORK_H

#include <stdbool.h>
#include <sys/types.h>

#include "carrel/error.h"
#include "carrel/spec.h"

#define CARREL_NETWORK_ANNOTATION "run.carrel.network"

/* Whether the config asks for a network (the annotation is set). */
bool network_wanted (const struct carrel_spec *spec);
/* Called for every new network namespace: bring up lo and, when asked, attach it to its network.
 * Records what it made under the state dir so teardown can undo it. */
int network_setup (const char *id, const struct carrel_spec *spec, pid_t init_pid, int state_dirfd,
                   struct carrel_error *err);
/* Undo network_setup: veth gone, address released. Safe to call when nothing was set up. */
int network_teardown (const char *id, const struct carrel_spec *spec, struct carrel_error *err);
/* The same given the container's state dir, where setup recorded what it made (network.json).
 * network_teardown finds that dir among the caller's open fds (create and delete hold it). */
int network_teardown_at (const char *id, int state_dirfd, struct carrel_error *err);

#endif
