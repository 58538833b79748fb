#ifndef CSYSTEMDJOURNAL_SHIM_H
#define CSYSTEMDJOURNAL_SHIM_H

#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>

#endif
