/* A monotonic clock in nanoseconds. The freestanding build has no clock, so it returns a
 * counter that grows by one per call: trace spans keep their order and nonzero durations. */
#include "halo_core.h"

#ifdef HALO_FREESTANDING

static uint64_t ticks;

uint64_t halo_time_ns(void) { return ++ticks; }

#else

#include <time.h>

uint64_t halo_time_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
