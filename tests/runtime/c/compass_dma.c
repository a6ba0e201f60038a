/* Compass DMA in C: copies, every rule's error code, event misuse sequences; and, from several
 * threads, async copies on different events with sync copies beside them. Built twice: under
 * ASan+UBSan and under TSan. */
#include "halo_runtime.h"
#include "halo_compass_dma.h"

#include <pthread.h>
#include <stdint.h>

#include "check.h"

#define G halo_compass_global
#define L halo_compass_lsram
#define S halo_compass_shared
#define U8 halo_compass_uint8
#define I16 halo_compass_int16
#define F32 halo_compass_float32

static void test_copies(void) {
    int16_t src[40], dst[30];
    for (int i = 0; i < 40; i++) src[i] = (int16_t)(i * 3 - 50);
    memset(dst, 0, sizeof dst);
    /* the seed's example: 4 rows of 5, source stride 8, destination stride 6 */
    CHECK_EQ_INT(halo_compass_dma_copy(dst, L, I16, src, G, I16, 5, 8, 4, 6), 0);
    for (int r = 0; r < 4; r++) {
        for (int c = 0; c < 6; c++) CHECK_EQ_INT(dst[6 * r + c], c < 5 ? src[8 * r + c] : 0);
    }
    /* width 0 and times 0 move nothing */
    CHECK_EQ_INT(halo_compass_dma_copy(dst, G, I16, src, G, I16, 0, 0, 3, 0), 0);
    CHECK_EQ_INT(halo_compass_dma_copy(dst, G, I16, src, G, I16, 7, 7, 0, 7), 0);
    CHECK_EQ_INT(dst[5], 0);
}

static void test_rules(void) {
    float a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK_EQ_INT(halo_compass_dma_copy(NULL, G, F32, b, G, F32, 4, 4, 1, 4), halo_compass_error_null_pointer);
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, F32, b, G, I16, 4, 4, 1, 4), halo_compass_error_dtype_mismatch);
    CHECK_EQ_STR(halo_last_error_message(),
                 "dma_copy: The data type mismatch: \"dst\": \"float32*\" vs. \"src\": \"int16*\".");
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, 0x0240, b, G, 0x0240, 4, 4, 1, 4), halo_compass_error_bad_dtype);
    CHECK_EQ_INT(halo_compass_dma_copy(a, 9, F32, b, G, F32, 4, 4, 1, 4), halo_compass_error_bad_scope);
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, F32, b, halo_compass_constant, F32, 4, 4, 1, 4), halo_compass_error_constant_scope);
    CHECK_EQ_INT(halo_compass_dma_copy(a, L, F32, b, S, F32, 4, 4, 1, 4), halo_compass_error_scope_pair);
    CHECK_EQ_STR(halo_last_error_message(),
                 "dma_copy: Does not support copy data from scope \"shared\" to scope \"lsram\".");
    CHECK_EQ_INT(halo_compass_dma_copy(a, L, F32, b, L, F32, 4, 4, 1, 4), halo_compass_error_scope_pair);
    CHECK_EQ_INT(halo_compass_dma_copy(a, S, F32, b, S, F32, 4, 4, 1, 4), halo_compass_error_scope_pair);
    CHECK_EQ_INT(halo_compass_dma_copy(a, S, F32, b, L, F32, 4, 4, 1, 4), halo_compass_error_scope_pair);
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, F32, b, G, F32, -1, 4, 1, 4), halo_compass_error_negative);
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, F32, b, G, F32, 4, 3, 1, 4), halo_compass_error_stride);
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, F32, b, G, F32, 4, 4, 1, 3), halo_compass_error_stride);
    /* sync limits (float32: lsram 8192 elements, shared 65536) */
    CHECK_EQ_INT(halo_compass_dma_copy(a, L, F32, b, G, F32, 8193, 8193, 0, 8193), halo_compass_error_limit);
    CHECK_EQ_INT(halo_compass_dma_copy(a, L, F32, b, G, F32, 4, 4, 1, 8193), halo_compass_error_limit);
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, F32, b, S, F32, 4, 65537, 1, 4), halo_compass_error_limit);
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, F32, b, S, F32, 4, 4, 16385, 4), halo_compass_error_limit);
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, F32, b, G, F32, 1 << 20, 1 << 20, 1 << 10, 1 << 20), halo_compass_error_limit);
    CHECK_EQ_INT(halo_compass_dma_copy(a, G, F32, b, G, F32, 1, INT64_MAX, 3, 1), halo_compass_error_limit);
    /* async limits (float32: width 16383, strides and size 4194303) */
    int ev;
    CHECK_EQ_INT(halo_compass_alloc_events(1, &ev), 0);
    CHECK_EQ_INT(halo_compass_async_dma_copy(a, G, F32, b, G, F32, 16384, 16384, 0, 16384, ev), halo_compass_error_limit);
    CHECK_EQ_INT(halo_compass_async_dma_copy(a, G, F32, b, G, F32, 4, 4194304, 1, 4, ev), halo_compass_error_limit);
    CHECK_EQ_INT(halo_compass_async_dma_copy(a, G, F32, b, G, F32, 4, 4, 1048576, 4, ev), halo_compass_error_limit);
    CHECK_EQ_INT(halo_compass_async_dma_copy(a, L, F32, b, L, F32, 4, 4, 1, 4, ev), halo_compass_error_scope_pair);
    CHECK_EQ_INT(halo_compass_free_events(&ev, 1), 0);
}

static void test_events(void) {
    int ev[5], one;
    uint8_t s[16] = {1, 2, 3, 4, 5, 6, 7, 8}, d[16] = {0};
    CHECK_EQ_INT(halo_compass_event_limit(), 4);
    CHECK_EQ_INT(halo_compass_alloc_events(0, ev), halo_compass_error_event_count);
    CHECK_EQ_INT(halo_compass_alloc_events(1, NULL), halo_compass_error_null_pointer);
    CHECK_EQ_INT(halo_compass_alloc_events(5, ev), halo_compass_error_events_exhausted);
    CHECK_EQ_STR(halo_last_error_message(), "alloc_events: Only remain 4 events, but allocate 5.");
    CHECK_EQ_INT(halo_compass_alloc_events(3, ev), 0);
    CHECK(ev[0] == 0 && ev[1] == 1 && ev[2] == 2);
    CHECK_EQ_INT(halo_compass_alloc_events(2, ev + 3), halo_compass_error_events_exhausted);
    CHECK_EQ_INT(halo_compass_events_in_use(), 3);
    CHECK_EQ_INT(halo_compass_set_event_limit(8), halo_compass_error_event_limit);
    /* unallocated, out of range, released */
    CHECK_EQ_INT(halo_compass_async_dma_copy(d, G, U8, s, G, U8, 8, 8, 1, 8, 3), halo_compass_error_event_not_allocated);
    CHECK_EQ_INT(halo_compass_async_dma_copy(d, G, U8, s, G, U8, 8, 8, 1, 8, 4), halo_compass_error_event_not_allocated);
    CHECK_EQ_INT(halo_compass_async_dma_copy(d, G, U8, s, G, U8, 8, 8, 1, 8, -1), halo_compass_error_event_not_allocated);
    CHECK_EQ_INT(halo_compass_async_dma_copy(d, G, U8, s, G, U8, 8, 8, 1, 8, ev[1]), 0);
    CHECK_EQ_INT(halo_compass_free_events(&ev[1], 1), 0); /* waits, then releases */
    CHECK(memcmp(d, s, 8) == 0);
    CHECK_EQ_INT(halo_compass_async_dma_copy(d, G, U8, s, G, U8, 8, 8, 1, 8, ev[1]), halo_compass_error_event_released);
    CHECK_EQ_INT(halo_compass_wait_events(&ev[1], 1), halo_compass_error_event_released);
    CHECK_EQ_INT(halo_compass_free_events(&ev[1], 1), halo_compass_error_event_released);
    CHECK_EQ_INT(halo_compass_wait_events(ev, 0), halo_compass_error_event_count);
    CHECK_EQ_INT(halo_compass_wait_events(NULL, 1), halo_compass_error_event_count);
    int twice[2] = {ev[0], ev[0]};
    CHECK_EQ_INT(halo_compass_wait_events(twice, 2), 0);
    CHECK_EQ_INT(halo_compass_free_events(twice, 2), halo_compass_error_event_repeated);
    CHECK_EQ_INT(halo_compass_events_in_use(), 2); /* a failed free releases nothing */
    /* a released event is free again: alloc takes the lowest free index */
    CHECK_EQ_INT(halo_compass_alloc_events(1, &one), 0);
    CHECK_EQ_INT(one, 1);
    int all[3] = {ev[0], one, ev[2]};
    CHECK_EQ_INT(halo_compass_free_events(all, 3), 0);
    CHECK_EQ_INT(halo_compass_set_event_limit(0), halo_compass_error_event_limit);
    CHECK_EQ_INT(halo_compass_set_event_limit(33), halo_compass_error_event_limit);
    CHECK_EQ_INT(halo_compass_set_event_limit(6), 0);
    CHECK_EQ_INT(halo_compass_alloc_events(5, ev), 0);
    CHECK_EQ_INT(ev[4], 4);
    CHECK_EQ_INT(halo_compass_reset(), 0);
    CHECK_EQ_INT(halo_compass_event_limit(), 4);
    CHECK_EQ_INT(halo_compass_events_in_use(), 0);
}

enum { N = 1 << 20, THREADS = 3, ROUNDS = 20 };

/* One thread per event: queues ROUNDS copies on its event without waiting; the copies run in
 * order, so the last one's data wins. Sync copies run beside them. */
static void *event_user(void *arg) {
    int ev = (int)(intptr_t)arg;
    uint8_t *src = halo_malloc(NULL, (size_t)ROUNDS * N), *dst = halo_malloc(NULL, N);
    uint8_t *sync_src = halo_malloc(NULL, 4096), *sync_dst = halo_malloc(NULL, 4096);
    for (int r = 0; r < ROUNDS; r++) memset(src + (size_t)r * N, r + 16 * ev, N);
    for (int i = 0; i < 4096; i++) sync_src[i] = (uint8_t)(i ^ ev);
    for (int r = 0; r < ROUNDS; r++) {
        CHECK_EQ_INT(halo_compass_async_dma_copy(dst, G, U8, src + (size_t)r * N, G, U8, N / 32,
                                                 N / 32, 32, N / 32, ev), 0);
        CHECK_EQ_INT(halo_compass_dma_copy(sync_dst, L, U8, sync_src, G, U8, 64, 64, 64, 64), 0);
        CHECK(memcmp(sync_dst, sync_src, 4096) == 0);
    }
    CHECK_EQ_INT(halo_compass_wait_events(&ev, 1), 0);
    for (int i = 0; i < N; i += 4099) CHECK_EQ_INT(dst[i], ROUNDS - 1 + 16 * ev);
    halo_free(NULL, src);
    halo_free(NULL, dst);
    halo_free(NULL, sync_src);
    halo_free(NULL, sync_dst);
    return NULL;
}

static void test_concurrent(void) {
    int ev[THREADS];
    CHECK_EQ_INT(halo_compass_alloc_events(THREADS, ev), 0);
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) {
        CHECK_EQ_INT(pthread_create(&threads[t], NULL, event_user, (void *)(intptr_t)ev[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) CHECK_EQ_INT(pthread_join(threads[t], NULL), 0);
    CHECK_EQ_INT(halo_compass_free_events(ev, THREADS), 0);
    CHECK_EQ_INT(halo_compass_reset(), 0);
}

int main(void) {
    test_copies();
    test_rules();
    test_events();
    test_concurrent();
    puts("compass_dma: ok");
    return 0;
}
