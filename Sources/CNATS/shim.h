#ifndef CNATS_SHIM_H
#define CNATS_SHIM_H

/* nats.c, the official NATS C client (Debian: libnats-dev >= 3.4): core NATS and JetStream. */
#include <nats/nats.h>

#endif
