/* A monotonic clock in nanoseconds. The freestanding build has no clock, so it returns a
 * counter that grows by one per call: trace spans keep their order and nonzero durations; it
 * cannot wait either, so the bandwidth models' waits are the host's only. */
#include "halo_core.h"

#ifdef HALO_FREESTANDING

static uint64_t ticks;

uint64_t halo_time_ns(void) { return ++ticks; }

uint64_t halo_time_after(uint64_t start_ns, uint64_t busy_ns) {
    (void)start_ns;
    (void)busy_ns;
    return halo_time_ns();
}

#else

#include <time.h>

uint64_t halo_time_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t halo_time_after(uint64_t start_ns, uint64_t busy_ns) {
    uint64_t now = halo_time_ns();
    while (now - start_ns < busy_ns) {
        uint64_t left = busy_ns - (now - start_ns);
        struct timespec ts = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
        nanosleep(&ts, NULL);
        now = halo_time_ns();
    }
    return now;
}

#endif
