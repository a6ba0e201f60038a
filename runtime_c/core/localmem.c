/* Local memory (locked L2 cache and VTCM): a first-fit arena of exactly the device capacity per
 * kind, so accounting is exact (align(bytes, 128) per allocation) and a pointer not handed out
 * by the allocator is recognised on free. Backing storage comes from halo_malloc on first use
 * and is rebuilt when the capacity changes (allowed only while nothing is allocated). */
#include "halo_core.h"

#define KB 1024u
#define NUM_KINDS 2

/* The arena starts on a 4 KiB boundary, like real TCM, so tiles whose sizes are multiples of
 * 256 bytes land 256-byte aligned, as UBWC transfers require. */
#define ARENA_ALIGN 4096u

typedef struct kind_state_t {
    size_t capacity;
    bool ready; /* arena built for `capacity` */
    halo_arena_t arena;
    uint8_t *storage; /* what halo_malloc returned; the arena base is aligned inside it */
} kind_state_t;

static halo_mutex_t lock = HALO_MUTEX_INITIALIZER;
static halo_device_t device = halo_device_sm8150;
static kind_state_t kinds[NUM_KINDS] = {{384 * KB, false, {0}, NULL}, {384 * KB, false, {0}, NULL}};

static const char *kind_name(halo_localmem_kind_t kind) {
    return kind == halo_localmem_vtcm ? "VTCM" : "locked cache";
}

static bool valid_kind(halo_localmem_kind_t kind) {
    return kind == halo_localmem_locked_cache || kind == halo_localmem_vtcm;
}

static size_t device_capacity(halo_device_t d) {
    return d == halo_device_sm8150 ? 384 * KB : 768 * KB;
}

static const char *device_name(halo_device_t d) {
    return d == halo_device_sm8150 ? "SM8150" : d == halo_device_sm8250 ? "SM8250" : "SM8350";
}

/* Drops the arena's storage so the next allocation rebuilds it; requires in_use == 0.
 * The high-water mark survives: only halo_localmem_reset_high_water resets it. */
static void drop_arena(kind_state_t *k) {
    if (k->ready) {
        halo_free(NULL, k->storage);
        halo_free(NULL, k->arena.runs);
    }
    k->ready = false;
    k->storage = NULL;
    k->arena = (halo_arena_t){.high_water = k->arena.high_water};
}

static int build_arena(void *user_context, kind_state_t *k) {
    size_t granules = k->capacity / HALO_GRANULE;
    uint8_t *storage = halo_malloc(user_context, k->capacity + ARENA_ALIGN);
    uint32_t *runs = halo_malloc(user_context, granules * sizeof(uint32_t));
    if (!storage || !runs) {
        halo_free(NULL, storage);
        halo_free(NULL, runs);
        return halo_error(user_context, halo_error_out_of_memory,
                          "halo_localmem_alloc: cannot reserve %zu bytes of host memory to "
                          "simulate local memory", k->capacity);
    }
    uint8_t *base = storage + (ARENA_ALIGN - (uintptr_t)storage % ARENA_ALIGN) % ARENA_ALIGN;
    k->storage = storage;
    size_t high_water = k->arena.high_water;
    halo_arena_init(&k->arena, base, runs, granules);
    k->arena.high_water = high_water;
    k->ready = true;
    return 0;
}

static bool anything_allocated(void) {
    for (int i = 0; i < NUM_KINDS; i++)
        if (kinds[i].arena.in_use) return true;
    return false;
}

int halo_localmem_set_device(halo_device_t d) {
    if (d != halo_device_sm8150 && d != halo_device_sm8250 && d != halo_device_sm8350)
        return halo_error(NULL, halo_error_bad_argument,
                          "halo_localmem_set_device: unknown device %d", (int)d);
    halo_mutex_lock(&lock);
    if (anything_allocated()) {
        size_t lc = kinds[0].arena.in_use, vt = kinds[1].arena.in_use;
        halo_mutex_unlock(&lock);
        return halo_error(NULL, halo_error_bad_state,
                          "halo_localmem_set_device(%s): local memory still allocated (%zu bytes "
                          "locked cache, %zu bytes VTCM)",
                          device_name(d), lc, vt);
    }
    device = d;
    for (int i = 0; i < NUM_KINDS; i++) {
        drop_arena(&kinds[i]);
        kinds[i].capacity = device_capacity(d);
    }
    halo_mutex_unlock(&lock);
    return 0;
}

halo_device_t halo_localmem_get_device(void) {
    halo_mutex_lock(&lock);
    halo_device_t d = device;
    halo_mutex_unlock(&lock);
    return d;
}

int halo_localmem_set_capacity(halo_localmem_kind_t kind, size_t bytes) {
    if (!valid_kind(kind))
        return halo_error(NULL, halo_error_bad_argument,
                          "halo_localmem_set_capacity: unknown kind %d", (int)kind);
    if (bytes % HALO_GRANULE)
        return halo_error(NULL, halo_error_bad_argument,
                          "halo_localmem_set_capacity: %zu bytes is not a multiple of 128", bytes);
    halo_mutex_lock(&lock);
    kind_state_t *k = &kinds[kind];
    if (k->arena.in_use) {
        size_t used = k->arena.in_use;
        halo_mutex_unlock(&lock);
        return halo_error(NULL, halo_error_bad_state,
                          "halo_localmem_set_capacity: %s still has %zu bytes allocated",
                          kind_name(kind), used);
    }
    drop_arena(k);
    k->capacity = bytes;
    halo_mutex_unlock(&lock);
    return 0;
}

size_t halo_localmem_capacity(halo_localmem_kind_t kind) {
    if (!valid_kind(kind)) return 0;
    halo_mutex_lock(&lock);
    size_t c = kinds[kind].capacity;
    halo_mutex_unlock(&lock);
    return c;
}

void *halo_localmem_alloc(void *user_context, halo_localmem_kind_t kind, size_t bytes) {
    if (!valid_kind(kind)) {
        halo_error(user_context, halo_error_bad_argument, "halo_localmem_alloc: unknown kind %d",
                   (int)kind);
        return NULL;
    }
    if (bytes == 0) {
        halo_error(user_context, halo_error_bad_argument,
                   "halo_localmem_alloc: zero-byte %s allocation", kind_name(kind));
        return NULL;
    }
    halo_mutex_lock(&lock);
    kind_state_t *k = &kinds[kind];
    size_t aligned = halo_align_up(bytes, HALO_GRANULE);
    size_t in_use = k->arena.in_use, capacity = k->capacity;
    void *p = NULL;
    if (aligned < bytes || aligned > capacity - in_use) {
        halo_error(user_context, halo_error_localmem_exhausted,
                   "halo_localmem_alloc: %s exhausted: requested %zu bytes (%zu aligned to 128), "
                   "%zu of %zu bytes in use on %s",
                   kind_name(kind), bytes, aligned, in_use, capacity, device_name(device));
    } else if (k->ready || build_arena(user_context, k) == 0) {
        p = halo_arena_alloc(&k->arena, bytes);
        if (!p)
            halo_error(user_context, halo_error_localmem_exhausted,
                       "halo_localmem_alloc: %s fragmented: requested %zu bytes (%zu aligned to "
                       "128), %zu of %zu bytes in use, largest free block %zu bytes on %s",
                       kind_name(kind), bytes, aligned, in_use, capacity,
                       halo_arena_largest_free(&k->arena), device_name(device));
    }
    halo_mutex_unlock(&lock);
    return p;
}

int halo_localmem_free(void *user_context, halo_localmem_kind_t kind, void *ptr) {
    if (!valid_kind(kind))
        return halo_error(user_context, halo_error_bad_argument,
                          "halo_localmem_free: unknown kind %d", (int)kind);
    if (!ptr) return 0;
    halo_mutex_lock(&lock);
    kind_state_t *k = &kinds[kind];
    bool owned = halo_arena_owns(&k->arena, ptr);
    if (owned) halo_arena_free(&k->arena, ptr);
    halo_mutex_unlock(&lock);
    if (!owned)
        return halo_error(user_context, halo_error_bad_free,
                          "halo_localmem_free: %p is not a live %s allocation", ptr,
                          kind_name(kind));
    return 0;
}

size_t halo_localmem_in_use(halo_localmem_kind_t kind) {
    if (!valid_kind(kind)) return 0;
    halo_mutex_lock(&lock);
    size_t n = kinds[kind].arena.in_use;
    halo_mutex_unlock(&lock);
    return n;
}

size_t halo_localmem_high_water(halo_localmem_kind_t kind) {
    if (!valid_kind(kind)) return 0;
    halo_mutex_lock(&lock);
    size_t n = kinds[kind].arena.high_water;
    halo_mutex_unlock(&lock);
    return n;
}

void halo_localmem_reset_high_water(halo_localmem_kind_t kind) {
    if (!valid_kind(kind)) return;
    halo_mutex_lock(&lock);
    kinds[kind].arena.high_water = kinds[kind].arena.in_use;
    halo_mutex_unlock(&lock);
}
