/* First-fit allocator over a fixed arena of 128-byte granules (local memory, and the heap of
 * the freestanding build). runs[g] is nonzero only at the first granule of a run: its length in
 * granules, with ARENA_FREE set when the run is free. A search steps from run to run, joining
 * free neighbours as it meets them, so an allocation costs one step per run before the one it
 * takes, not one per granule (a 64 KB line buffer took about 3,000 Hexagon packets). The runs
 * a search visits first are the granule scan's: the same first fit, at the same address. */
#include "halo_core.h"

#define ARENA_FREE 0x80000000u

static size_t run_length(uint32_t r) { return r & ~ARENA_FREE; }

void halo_arena_init(halo_arena_t *a, uint8_t *base, uint32_t *runs, size_t granules) {
    a->base = base;
    a->runs = runs;
    a->granules = granules;
    a->in_use = 0;
    a->high_water = 0;
    for (size_t g = 0; g < granules; g++) runs[g] = 0;
    if (granules) runs[0] = ARENA_FREE | (uint32_t)granules;
}

/* The free run at g joined with the free runs after it; its length. */
static size_t join_free(halo_arena_t *a, size_t g) {
    size_t len = run_length(a->runs[g]);
    while (g + len < a->granules && (a->runs[g + len] & ARENA_FREE)) {
        size_t next = run_length(a->runs[g + len]);
        a->runs[g + len] = 0;
        len += next;
    }
    a->runs[g] = ARENA_FREE | (uint32_t)len;
    return len;
}

void *halo_arena_alloc(halo_arena_t *a, size_t bytes) {
    size_t need = halo_align_up(bytes, HALO_GRANULE) / HALO_GRANULE;
    if (need == 0 || need > a->granules) return NULL;
    for (size_t g = 0; g < a->granules;) {
        if (!(a->runs[g] & ARENA_FREE)) {
            g += a->runs[g];
            continue;
        }
        size_t len = join_free(a, g);
        if (len >= need) {
            a->runs[g] = (uint32_t)need;
            if (len > need) a->runs[g + need] = ARENA_FREE | (uint32_t)(len - need);
            a->in_use += need * HALO_GRANULE;
            if (a->in_use > a->high_water) a->high_water = a->in_use;
            return a->base + g * HALO_GRANULE;
        }
        g += len;
    }
    return NULL;
}

bool halo_arena_owns(const halo_arena_t *a, const void *p) {
    const uint8_t *q = p;
    if (!a->base || q < a->base || q >= a->base + a->granules * HALO_GRANULE) return false;
    size_t off = (size_t)(q - a->base);
    if (off % HALO_GRANULE) return false;
    uint32_t r = a->runs[off / HALO_GRANULE];
    return r != 0 && !(r & ARENA_FREE);
}

void halo_arena_free(halo_arena_t *a, void *p) {
    size_t g = (size_t)((uint8_t *)p - a->base) / HALO_GRANULE;
    a->in_use -= (size_t)a->runs[g] * HALO_GRANULE;
    a->runs[g] |= ARENA_FREE;
}

size_t halo_arena_largest_free(const halo_arena_t *a) {
    size_t best = 0, g = 0;
    while (g < a->granules) {
        size_t len = run_length(a->runs[g]);
        if (a->runs[g] & ARENA_FREE) {
            size_t start = g;
            while (g < a->granules && (a->runs[g] & ARENA_FREE)) g += run_length(a->runs[g]);
            if (g - start > best) best = g - start;
            continue;
        }
        g += len;
    }
    return best * HALO_GRANULE;
}
