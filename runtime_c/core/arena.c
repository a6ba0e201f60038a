/* First-fit allocator over a fixed arena of 128-byte granules (local memory, and the heap of
 * the freestanding build). */
#include "halo_core.h"

void halo_arena_init(halo_arena_t *a, uint8_t *base, uint32_t *runs, size_t granules) {
    a->base = base;
    a->runs = runs;
    a->granules = granules;
    a->in_use = 0;
    a->high_water = 0;
    for (size_t g = 0; g < granules; g++) runs[g] = 0;
}

void *halo_arena_alloc(halo_arena_t *a, size_t bytes) {
    size_t need = halo_align_up(bytes, HALO_GRANULE) / HALO_GRANULE;
    if (need == 0 || need > a->granules) return NULL;
    size_t g = 0;
    while (g < a->granules) {
        if (a->runs[g]) {
            g += a->runs[g];
            continue;
        }
        size_t start = g;
        while (g < a->granules && !a->runs[g] && g - start < need) g++;
        if (g - start == need) {
            a->runs[start] = (uint32_t)need;
            a->in_use += need * HALO_GRANULE;
            if (a->in_use > a->high_water) a->high_water = a->in_use;
            return a->base + start * HALO_GRANULE;
        }
    }
    return NULL;
}

bool halo_arena_owns(const halo_arena_t *a, const void *p) {
    const uint8_t *q = p;
    if (!a->base || q < a->base || q >= a->base + a->granules * HALO_GRANULE) return false;
    size_t off = (size_t)(q - a->base);
    return off % HALO_GRANULE == 0 && a->runs[off / HALO_GRANULE] != 0;
}

void halo_arena_free(halo_arena_t *a, void *p) {
    size_t g = (size_t)((uint8_t *)p - a->base) / HALO_GRANULE;
    a->in_use -= (size_t)a->runs[g] * HALO_GRANULE;
    a->runs[g] = 0;
}

size_t halo_arena_largest_free(const halo_arena_t *a) {
    size_t best = 0, g = 0;
    while (g < a->granules) {
        if (a->runs[g]) {
            g += a->runs[g];
            continue;
        }
        size_t start = g;
        while (g < a->granules && !a->runs[g]) g++;
        if (g - start > best) best = g - start;
    }
    return best * HALO_GRANULE;
}
