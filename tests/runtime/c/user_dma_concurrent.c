/* User DMA engines under ThreadSanitizer: engines driven from several threads at once, dmlink
 * onto a running chain, dmpoll / dmstart / dmpause / dmresume while a chain runs. */
#include "halo_runtime.h"
#include "halo_user_dma.h"

#include <pthread.h>
#include <stdint.h>

#include "check.h"

enum { THREADS = 4, ROUNDS = 40, ROWS = 64, ROW = 256, BIG = 16 << 20, LONG_CHAIN = 8 };

static uint32_t map(void *p, size_t n) {
    uint32_t va = 0;
    CHECK_EQ_INT(halo_udma_map(p, n, &va), 0);
    return va;
}

/* Each thread owns an engine and copies ROWS x ROW bytes as 4 chained type-1 descriptors. */
static void *engine_user(void *arg) {
    int e = (int)(intptr_t)arg;
    uint8_t *src = halo_malloc(NULL, ROWS * ROW), *dst = halo_malloc(NULL, ROWS * ROW * 2);
    uint32_t *descs = halo_malloc(NULL, 4 * 32);
    uint32_t src_va = map(src, ROWS * ROW), dst_va = map(dst, ROWS * ROW * 2);
    uint32_t desc_va = map(descs, 4 * 32);
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < ROWS * ROW; i++) src[i] = (uint8_t)(i + round + e);
        for (int d = 0; d < 4; d++) {
            halo_udma_fields_t f = {.desctype = 1, .order = 1, .roiwidth = ROW,
                                    .roiheight = ROWS / 4, .srcstride = ROW,
                                    .dststride = 2 * ROW};
            f.next = d < 3 ? desc_va + 32u * (uint32_t)(d + 1) : 0;
            f.src = src_va + (uint32_t)(d * (ROWS / 4) * ROW);
            f.dst = dst_va + (uint32_t)(d * (ROWS / 4) * 2 * ROW);
            CHECK_EQ_INT(halo_udma_pack(&f, descs + 8 * d, 8), 0);
        }
        CHECK_EQ_INT(halo_udma_dmstart(e, desc_va), 0);
        uint32_t dm0;
        if (round % 2) {
            do CHECK_EQ_INT(halo_udma_dmpoll(e, &dm0), 0);
            while ((dm0 & 3) == halo_udma_status_run);
        } else {
            CHECK_EQ_INT(halo_udma_dmwait(e, &dm0), 0);
        }
        CHECK_EQ_INT(dm0, 0);
        for (int d = 0; d < 4; d++) CHECK_EQ_INT(descs[8 * d + 1] >> 31, 1);
        for (int r = 0; r < ROWS; r++) CHECK(memcmp(dst + 2 * ROW * r, src + ROW * r, ROW) == 0);
    }
    CHECK_EQ_INT(halo_udma_unmap(src), 0);
    CHECK_EQ_INT(halo_udma_unmap(dst), 0);
    CHECK_EQ_INT(halo_udma_unmap(descs), 0);
    halo_free(NULL, src);
    halo_free(NULL, dst);
    halo_free(NULL, descs);
    return NULL;
}

static uint8_t *big_src, *big_dst;
static uint32_t big_src_va, big_dst_va, *chain, chain_va;

/* LONG_CHAIN type-0 descriptors, each copying BIG bytes (about 128 MiB in all). */
static void build_long_chain(void) {
    for (int d = 0; d < LONG_CHAIN; d++) {
        halo_udma_fields_t f = {.length = BIG - 1, .src = big_src_va, .dst = big_dst_va};
        f.next = d + 1 < LONG_CHAIN ? chain_va + 16u * (uint32_t)(d + 1) : 0;
        CHECK_EQ_INT(halo_udma_pack(&f, chain + 4 * d, 4), 0);
    }
}

static int chain_index(uint32_t va) { return (int)((va - chain_va) / 16); }

static void test_running_engine(void) {
    uint32_t dm0, dm4, dm5;
    /* dmpoll while a long chain runs reports RUN and a descriptor of the chain. */
    build_long_chain();
    CHECK_EQ_INT(halo_udma_dmstart(0, chain_va), 0);
    CHECK_EQ_INT(halo_udma_dmpoll(0, &dm0), 0);
    CHECK_EQ_INT(dm0 & 3, halo_udma_status_run);
    CHECK(chain_index(dm0 & ~3u) >= 0 && chain_index(dm0 & ~3u) < LONG_CHAIN);
    /* dmstart on the running engine: command error, the engine stops in ERROR. */
    CHECK_EQ_INT(halo_udma_dmstart(0, chain_va), halo_udma_error_command);
    CHECK(strstr(halo_last_error_message(), "dmstart while the engine is running"));
    CHECK_EQ_INT(halo_udma_dmwait(0, &dm0), halo_udma_error_command);
    CHECK_EQ_INT(dm0 & 3, halo_udma_status_error);
    CHECK_EQ_INT(halo_udma_syndrome(0, &dm4, &dm5), 0);
    CHECK_EQ_INT(dm4, 1u);
    CHECK_EQ_INT(dm5, chain_va);
    CHECK_EQ_INT(chain[4 * (LONG_CHAIN - 1) + 1] >> 31, 0); /* the chain did not finish */
    CHECK_EQ_INT(halo_udma_dmpause(0, &dm0), 0);

    /* dmpause stops at a descriptor boundary; dmresume goes on from there. */
    build_long_chain();
    CHECK_EQ_INT(halo_udma_dmstart(1, chain_va), 0);
    CHECK_EQ_INT(halo_udma_dmpause(1, &dm0), 0);
    CHECK_EQ_INT(dm0 & 3, halo_udma_status_run);
    int next = chain_index(dm0 & ~0xFu);
    CHECK(next >= 0 && next < LONG_CHAIN); /* 0: paused before the first fetch */
    for (int d = 0; d < LONG_CHAIN; d++) CHECK_EQ_INT(chain[4 * d + 1] >> 31, d < next);
    uint32_t idle;
    CHECK_EQ_INT(halo_udma_dmpoll(1, &idle), 0);
    CHECK_EQ_INT(idle, 0);
    CHECK_EQ_INT(halo_udma_dmresume(1, dm0), 0);
    CHECK_EQ_INT(halo_udma_dmwait(1, &dm0), 0);
    for (int d = 0; d < LONG_CHAIN; d++) CHECK_EQ_INT(chain[4 * d + 1], 0x80000000u);

    /* dmlink onto the running chain's tail: the new descriptor runs after it. */
    build_long_chain();
    uint32_t *extra = halo_malloc(NULL, 16);
    uint32_t extra_va = map(extra, 16);
    memset(big_dst + BIG - 1, 0, 1);
    halo_udma_fields_t x = {.length = 1, .src = big_src_va + 5, .dst = big_dst_va + BIG - 1};
    CHECK_EQ_INT(halo_udma_pack(&x, extra, 4), 0);
    CHECK_EQ_INT(halo_udma_dmstart(2, chain_va), 0);
    CHECK_EQ_INT(halo_udma_dmlink(2, chain_va + 16u * (LONG_CHAIN - 1), extra_va), 0);
    CHECK_EQ_INT(halo_udma_dmwait(2, &dm0), 0);
    CHECK_EQ_INT(chain[4 * (LONG_CHAIN - 1)], extra_va);
    CHECK_EQ_INT(extra[1], 0x80000000u);
    CHECK_EQ_INT(big_dst[BIG - 1], big_src[5]);
    CHECK_EQ_INT(halo_udma_unmap(extra), 0);
    halo_free(NULL, extra);
}

int main(void) {
    big_src = halo_malloc(NULL, BIG);
    big_dst = halo_malloc(NULL, BIG);
    chain = halo_malloc(NULL, 16 * LONG_CHAIN);
    CHECK(big_src && big_dst && chain);
    for (int i = 0; i < BIG; i++) big_src[i] = (uint8_t)(i * 13);
    big_src_va = map(big_src, BIG);
    big_dst_va = map(big_dst, BIG);
    chain_va = map(chain, 16 * LONG_CHAIN);

    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) {
        CHECK_EQ_INT(pthread_create(&threads[t], NULL, engine_user, (void *)(intptr_t)(t + 4)), 0);
    }
    test_running_engine();
    for (int t = 0; t < THREADS; t++) CHECK_EQ_INT(pthread_join(threads[t], NULL), 0);
    CHECK(memcmp(big_dst, big_src, BIG - 1) == 0);
    CHECK_EQ_INT(halo_udma_reset(), 0);
    halo_free(NULL, big_src);
    halo_free(NULL, big_dst);
    halo_free(NULL, chain);
    puts("user_dma_concurrent: ok");
    return 0;
}
