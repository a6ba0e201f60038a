/* Host memory: 128-byte aligned (one HVX vector). The freestanding build has no malloc, so it
 * serves allocations from a static arena. */
#include "halo_core.h"

#ifdef HALO_FREESTANDING

#ifndef HALO_HEAP_BYTES
#define HALO_HEAP_BYTES (32u << 20)
#endif

static _Alignas(128) uint8_t heap_bytes[HALO_HEAP_BYTES];
static uint32_t heap_runs[HALO_HEAP_BYTES / HALO_GRANULE];
static halo_arena_t heap;
static bool heap_ready;

void *halo_malloc(void *user_context, size_t size) {
    if (!heap_ready) {
        halo_arena_init(&heap, heap_bytes, heap_runs, HALO_HEAP_BYTES / HALO_GRANULE);
        heap_ready = true;
    }
    /* a zero-byte request still gets a unique pointer */
    void *p = halo_arena_alloc(&heap, size ? size : 1);
    if (!p)
        halo_error(user_context, halo_error_out_of_memory,
                   "halo_malloc: out of memory allocating %zu bytes (heap %zu bytes, %zu in use)",
                   size, (size_t)HALO_HEAP_BYTES, heap.in_use);
    return p;
}

void halo_free(void *user_context, void *ptr) {
    if (!ptr) return;
    if (!heap_ready || !halo_arena_owns(&heap, ptr)) {
        halo_error(user_context, halo_error_bad_free,
                   "halo_free: %p was not returned by halo_malloc", ptr);
        return;
    }
    halo_arena_free(&heap, ptr);
}

#else

#include <stdlib.h>

/* Every live allocation is in a hash set, so halo_free of a pointer halo_malloc did not return
 * (or returned and already freed) is an error, not heap corruption. */
typedef struct live_block {
    void *ptr;
    struct live_block *next;
} live_block_t;

#define LIVE_BUCKETS 1024
static live_block_t *live[LIVE_BUCKETS];
static halo_mutex_t live_lock = HALO_MUTEX_INITIALIZER;

static size_t bucket_of(const void *p) { return ((uintptr_t)p / HALO_GRANULE) % LIVE_BUCKETS; }

void *halo_malloc(void *user_context, size_t size) {
    /* aligned_alloc wants a multiple of the alignment; a zero-byte request still gets a unique
     * pointer */
    size_t rounded = halo_align_up(size ? size : 1, HALO_GRANULE);
    void *p = rounded >= size ? aligned_alloc(HALO_GRANULE, rounded) : NULL;
    live_block_t *b = p ? malloc(sizeof(live_block_t)) : NULL;
    if (!b) {
        free(p);
        halo_error(user_context, halo_error_out_of_memory,
                   "halo_malloc: out of memory allocating %zu bytes", size);
        return NULL;
    }
    b->ptr = p;
    halo_mutex_lock(&live_lock);
    b->next = live[bucket_of(p)];
    live[bucket_of(p)] = b;
    halo_mutex_unlock(&live_lock);
    return p;
}

void halo_free(void *user_context, void *ptr) {
    if (!ptr) return;
    halo_mutex_lock(&live_lock);
    live_block_t **at = &live[bucket_of(ptr)];
    while (*at && (*at)->ptr != ptr) at = &(*at)->next;
    live_block_t *b = *at;
    if (b) *at = b->next;
    halo_mutex_unlock(&live_lock);
    if (!b) {
        halo_error(user_context, halo_error_bad_free,
                   "halo_free: %p was not returned by halo_malloc, or was freed already", ptr);
        return;
    }
    free(b);
    free(ptr);
}

#endif
