/* halo runtime: internal helpers shared by every runtime source (core and the DMA modules).
 * Not part of the cffi surface (only the headers directly in runtime_c/ are), so it may use
 * inline functions.
 * Include it first: it selects the POSIX feature level before any libc header is seen. */
#ifndef HALO_CORE_H
#define HALO_CORE_H

#if !defined(HALO_FREESTANDING) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime, pthreads under -std=c11 */
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../halo_runtime.h"

/* ---- libc subset ------------------------------------------------------------------------
 * The freestanding build has no libc; core/libc.c defines these four there (clang also emits
 * calls to them for struct copies and zeroing). */
#ifdef HALO_FREESTANDING
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#else
#include <string.h>
#endif

/* vsnprintf for the conversions halo_error documents (plus flags '0' '-' and a width);
 * returns the length the full output would have, like vsnprintf. */
int halo_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* ---- error propagation between threads ---------------------------------------------------
 * Messages are per thread, so a task that fails on a worker must have its message carried back
 * to the thread that started it: compare halo_error_serial() around the task, and on a change
 * copy halo_last_error_message() (at most HALO_ERROR_MESSAGE_BYTES) and re-raise it there. */
#define HALO_ERROR_MESSAGE_BYTES 1024
uint32_t halo_error_serial(void); /* errors recorded on this thread so far (wraps) */
void halo_copy_error_message(char *dst); /* dst holds HALO_ERROR_MESSAGE_BYTES */

static inline size_t halo_align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* ---- locks ------------------------------------------------------------------------------
 * Freestanding builds have one thread, so a lock is a no-op there. */
#ifdef HALO_FREESTANDING
typedef struct halo_mutex_t {
    int unused;
} halo_mutex_t;
#define HALO_MUTEX_INITIALIZER {0}
static inline void halo_mutex_lock(halo_mutex_t *m) { (void)m; }
static inline void halo_mutex_unlock(halo_mutex_t *m) { (void)m; }
#else
#include <pthread.h>
typedef pthread_mutex_t halo_mutex_t;
#define HALO_MUTEX_INITIALIZER PTHREAD_MUTEX_INITIALIZER
static inline void halo_mutex_lock(halo_mutex_t *m) { pthread_mutex_lock(m); }
static inline void halo_mutex_unlock(halo_mutex_t *m) { pthread_mutex_unlock(m); }
#endif

/* ---- first-fit arena over 128-byte granules ----------------------------------------------
 * Bookkeeping lives outside the arena (one word per granule: at the first granule of each
 * allocated or free run its length, 0 elsewhere; arena.c) so the arena's bytes are exactly its capacity and
 * in_use is exactly the sum of align(bytes, 128). Not thread-safe: callers lock. */
#define HALO_GRANULE 128u
typedef struct halo_arena_t {
    uint8_t *base;
    uint32_t *runs;
    size_t granules;
    size_t in_use;
    size_t high_water;
} halo_arena_t;
void halo_arena_init(halo_arena_t *a, uint8_t *base, uint32_t *runs, size_t granules);
void *halo_arena_alloc(halo_arena_t *a, size_t bytes); /* NULL when no free run fits */
bool halo_arena_owns(const halo_arena_t *a, const void *p); /* p starts a live allocation */
void halo_arena_free(halo_arena_t *a, void *p);             /* p must satisfy halo_arena_owns */
size_t halo_arena_largest_free(const halo_arena_t *a);

#endif /* HALO_CORE_H */
