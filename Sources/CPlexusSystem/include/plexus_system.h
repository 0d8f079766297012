/* Internal helpers (hidden, not exported) over GNU libc functions that Swift's Glibc module hides (they need
 * _GNU_SOURCE). Not part of the public ABI. */
#ifndef PLEXUS_SYSTEM_H
#define PLEXUS_SYSTEM_H

/** Path of the shared object or program that contains `address`, or NULL. Static storage owned by libc. */
__attribute__((visibility("hidden"))) const char *plx_system_image_path(const void *address);

/** Number of CPUs this process may run on (its affinity mask), at least 1. */
__attribute__((visibility("hidden"))) int plx_system_cpu_count(void);

#endif
