/* User DMA addresses: descriptors hold 32-bit VAs. The freestanding (Hexagon) build uses
 * pointers as they are; the host build, whose pointers are 64-bit, keeps a small software
 * MMU: a table of mapped host ranges, each given a 32-bit VA range. */
#include "udma_internal.h"

#ifdef HALO_FREESTANDING

int halo_udma_map(void *host, size_t bytes, uint32_t *va) {
    (void)bytes;
    if (!host || !va) return halo_error(NULL, halo_udma_error_map, "halo_udma_map: NULL argument");
    *va = (uint32_t)(uintptr_t)host;
    return 0;
}

int halo_udma_unmap(void *host) {
    (void)host;
    return 0;
}

int halo_udma_va_of(const void *host, uint32_t *va) {
    if (!host || !va) return halo_error(NULL, halo_udma_error_map, "halo_udma_va_of: NULL argument");
    *va = (uint32_t)(uintptr_t)host;
    return 0;
}

uint8_t *udma_translate(uint32_t va, uint64_t bytes) {
    (void)bytes;
    return (uint8_t *)(uintptr_t)va;
}

void udma_map_clear(void) {}

#else

enum {
    map_capacity = 1024,
    page = 4096,
    /* VA 0 .. 64 KiB stays unmapped so that small integers are never valid addresses, and a
     * guard page separates ranges so an overrun is an address error, not another buffer. */
    va_first = 0x10000,
};
#define VA_END 0x100000000ull

typedef struct mapping_t {
    uint8_t *host;
    uint64_t bytes;
    uint64_t va; /* first byte; va % page == host % page */
    int refs;    /* mappings of exactly this range share it (pipelines map whole buffers) */
} mapping_t;

static halo_mutex_t map_lock = HALO_MUTEX_INITIALIZER;
static mapping_t maps[map_capacity]; /* sorted by va */
static int nmaps;

/* The VA page span a mapping occupies, guard page included. */
static uint64_t span_start(const mapping_t *m) { return m->va / page * page; }
static uint64_t span_end(const mapping_t *m) {
    return halo_align_up((size_t)(m->va + m->bytes), page) + page;
}

int halo_udma_map(void *host, size_t bytes, uint32_t *va) {
    if (!host || !va) return halo_error(NULL, halo_udma_error_map, "halo_udma_map: NULL argument");
    if (bytes == 0) return halo_error(NULL, halo_udma_error_map, "halo_udma_map: empty range");
    uint8_t *h = (uint8_t *)host;
    uint64_t offset = (uintptr_t)h % page;
    uint64_t need = halo_align_up((size_t)(offset + bytes), page) + page;
    halo_mutex_lock(&map_lock);
    int err = 0;
    for (int i = 0; i < nmaps; i++) {
        if (maps[i].host == h && maps[i].bytes == bytes) {
            maps[i].refs++;
            *va = (uint32_t)maps[i].va;
            halo_mutex_unlock(&map_lock);
            return 0;
        }
    }
    for (int i = 0; i < nmaps && !err; i++) {
        if (h < maps[i].host + maps[i].bytes && maps[i].host < h + bytes) {
            err = halo_error(NULL, halo_udma_error_map,
                             "halo_udma_map: %p (+%zu bytes) overlaps the mapping of %p (+%zu bytes)",
                             host, bytes, (void *)maps[i].host, (size_t)maps[i].bytes);
        }
    }
    if (!err && nmaps == map_capacity) {
        err = halo_error(NULL, halo_udma_error_map, "halo_udma_map: all %d mappings are in use",
                         (int)map_capacity);
    }
    /* First fit in VA order. */
    int slot = nmaps;
    uint64_t base = va_first;
    if (!err) {
        for (int i = 0; i < nmaps; i++) {
            if (span_start(&maps[i]) >= base + need) {
                slot = i;
                break;
            }
            base = span_end(&maps[i]);
        }
        if (base + need > VA_END) {
            err = halo_error(NULL, halo_udma_error_map,
                             "halo_udma_map: no free 32-bit VA range of %zu bytes", (size_t)need);
        }
    }
    if (!err) {
        for (int i = nmaps; i > slot; i--) maps[i] = maps[i - 1];
        maps[slot].host = h;
        maps[slot].bytes = bytes;
        maps[slot].va = base + offset;
        maps[slot].refs = 1;
        nmaps++;
        *va = (uint32_t)(base + offset);
    }
    halo_mutex_unlock(&map_lock);
    return err;
}

int halo_udma_unmap(void *host) {
    halo_mutex_lock(&map_lock);
    int found = -1;
    for (int i = 0; i < nmaps; i++) {
        if (maps[i].host == host) found = i;
    }
    if (found >= 0 && --maps[found].refs == 0) {
        for (int i = found; i + 1 < nmaps; i++) maps[i] = maps[i + 1];
        nmaps--;
    }
    halo_mutex_unlock(&map_lock);
    if (found < 0) {
        return halo_error(NULL, halo_udma_error_map, "halo_udma_unmap: %p was not mapped", host);
    }
    return 0;
}

int halo_udma_va_of(const void *host, uint32_t *va) {
    if (!host || !va) return halo_error(NULL, halo_udma_error_map, "halo_udma_va_of: NULL argument");
    const uint8_t *h = (const uint8_t *)host;
    int found = -1;
    halo_mutex_lock(&map_lock);
    for (int i = 0; i < nmaps; i++) {
        if (h >= maps[i].host && h < maps[i].host + maps[i].bytes) {
            found = i;
            *va = (uint32_t)(maps[i].va + (uint64_t)(h - maps[i].host));
        }
    }
    halo_mutex_unlock(&map_lock);
    if (found < 0) {
        return halo_error(NULL, halo_udma_error_map,
                          "halo_udma_va_of: %p is not in a mapped range (call halo_udma_map)", host);
    }
    return 0;
}

uint8_t *udma_translate(uint32_t va, uint64_t bytes) {
    uint8_t *out = NULL;
    uint64_t last = (uint64_t)va + (bytes ? bytes : 1);
    halo_mutex_lock(&map_lock);
    for (int i = 0; i < nmaps; i++) {
        if (va >= maps[i].va && last <= maps[i].va + maps[i].bytes) {
            out = maps[i].host + (va - maps[i].va);
        }
    }
    halo_mutex_unlock(&map_lock);
    return out;
}

void udma_map_clear(void) {
    halo_mutex_lock(&map_lock);
    nmaps = 0;
    halo_mutex_unlock(&map_lock);
}

#endif
