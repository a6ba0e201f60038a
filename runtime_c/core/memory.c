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

void *halo_malloc(void *user_context, size_t size) {
    /* aligned_alloc wants a multiple of the alignment; a zero-byte request still gets a unique
     * pointer */
    size_t rounded = halo_align_up(size ? size : 1, HALO_GRANULE);
    void *p = rounded >= size ? aligned_alloc(HALO_GRANULE, rounded) : NULL;
    if (!p)
        halo_error(user_context, halo_error_out_of_memory,
                   "halo_malloc: out of memory allocating %zu bytes", size);
    return p;
}

void halo_free(void *user_context, void *ptr) {
    (void)user_context;
    free(ptr);
}

#endif
