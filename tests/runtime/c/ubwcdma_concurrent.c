/* UBWCDMA engines under concurrency (built with ThreadSanitizer and with ASan+UBSan by
 * tests/runtime/test_ubwcdma_concurrency.py): reader threads on their own engines, two threads
 * sharing one engine, and a writer engine filling a second UBWC frame at the same time; every
 * tile is compared with the source, the written frame with a packed reference, and the global
 * statistics with the number of transfers. */
#include <pthread.h>
#include <stdint.h>

#include "check.h"
#include "halo_ubwcdma.h"

enum { W = 512, H = 256, TW = 64, TH = 16, READERS = 4, ROUNDS = 3 };

static uint8_t *src_frame, *dst_frame;
static halo_frame_layout_t layout;
static uint8_t y_plane[H][W];
static void *engines[READERS + 1];

static void init_buffer(halo_buffer_t *b, halo_dimension_t *d, int w, int h, int stride, int mx, int my) {
    d[0] = (halo_dimension_t){mx, w, 1, 0};
    d[1] = (halo_dimension_t){my, h, stride, 0};
    *b = (halo_buffer_t){0};
    b->type = (halo_type_t){halo_type_uint, 8, 1};
    b->dimensions = 2;
    b->dim = d;
}

typedef struct job_t {
    int strip;    /* rows [strip * H / READERS, ...) */
    void *engine;
    uint64_t transfers;
} job_t;

static void check_tile(const uint8_t *tile, int tx, int ty) {
    for (int y = 0; y < TH; y++)
        for (int x = 0; x < TW; x++) CHECK_EQ_INT(tile[y * TW + x], y_plane[ty + y][tx + x]);
}

/* Reads its strip tile by tile, ROUNDS times, with two transfers in flight (ping-pong): the
 * tile in one slot is checked while the other slot's transfer runs. */
static void *reader(void *arg) {
    job_t *job = arg;
    halo_buffer_t frame;
    halo_dimension_t fd[2];
    init_buffer(&frame, fd, W, H, W, 0, 0);
    CHECK_EQ_INT(halo_hexagon_dma_device_wrap_native(NULL, &frame, (uint64_t)(uintptr_t)src_frame), 0);
    CHECK_EQ_INT(halo_hexagon_dma_prepare_for_copy_to_host(NULL, &frame, job->engine, true,
                                                           halo_hexagon_fmt_NV12_Y), 0);
    uint8_t *block = halo_malloc(NULL, 2 * TW * TH + 256);
    uint8_t *tiles = block + (-(uintptr_t)block & 255); /* UBWC local tiles are 256-aligned */
    halo_buffer_t local[2];
    halo_dimension_t ld[2][2];
    halo_dma_transfer_t t[2] = {{0}};
    int at[2][2], busy[2] = {0, 0};
    int per_row = W / TW, count = per_row * (H / READERS / TH);
    for (int k = 0; k < ROUNDS * count; k++) {
        int s = k & 1, i = k % count;
        if (busy[s]) {
            CHECK_EQ_INT(halo_hexagon_dma_copy_wait(NULL, &t[s]), 0);
            check_tile(tiles + s * TW * TH, at[s][0], at[s][1]);
        }
        at[s][0] = (i % per_row) * TW;
        at[s][1] = job->strip * (H / READERS) + (i / per_row) * TH;
        init_buffer(&local[s], ld[s], TW, TH, TW, at[s][0], at[s][1]);
        local[s].host = tiles + s * TW * TH;
        CHECK_EQ_INT(halo_hexagon_dma_copy_start(NULL, &frame, &local[s], &t[s]), 0);
        busy[s] = 1;
        job->transfers++;
    }
    for (int s = 0; s < 2; s++)
        if (busy[s]) {
            CHECK_EQ_INT(halo_hexagon_dma_copy_wait(NULL, &t[s]), 0);
            check_tile(tiles + s * TW * TH, at[s][0], at[s][1]);
        }
    halo_free(NULL, block);
    CHECK_EQ_INT(halo_hexagon_dma_unprepare(NULL, &frame), 0);
    CHECK_EQ_INT(halo_hexagon_dma_device_detach_native(NULL, &frame), 0);
    return NULL;
}

/* Writes the whole Y plane into dst_frame, one tile per transfer, on its own engine. */
static void *writer(void *arg) {
    job_t *job = arg;
    halo_buffer_t frame;
    halo_dimension_t fd[2];
    init_buffer(&frame, fd, W, H, W, 0, 0);
    CHECK_EQ_INT(halo_hexagon_dma_device_wrap_native(NULL, &frame, (uint64_t)(uintptr_t)dst_frame), 0);
    CHECK_EQ_INT(halo_hexagon_dma_prepare_for_copy_to_device(NULL, &frame, job->engine, true,
                                                             halo_hexagon_fmt_NV12_Y), 0);
    uint8_t *block = halo_malloc(NULL, TW * TH + 256);
    uint8_t *tile = block + (-(uintptr_t)block & 255);
    halo_buffer_t local;
    halo_dimension_t ld[2];
    halo_dma_transfer_t t = {0};
    for (int ty = 0; ty < H; ty += TH)
        for (int tx = 0; tx < W; tx += TW) {
            for (int y = 0; y < TH; y++)
                for (int x = 0; x < TW; x++) tile[y * TW + x] = y_plane[ty + y][tx + x];
            init_buffer(&local, ld, TW, TH, TW, tx, ty);
            local.host = tile;
            CHECK_EQ_INT(halo_hexagon_dma_copy_start(NULL, &frame, &local, &t), 0);
            CHECK_EQ_INT(halo_hexagon_dma_copy_wait(NULL, &t), 0);
            job->transfers++;
        }
    halo_free(NULL, block);
    CHECK_EQ_INT(halo_hexagon_dma_unprepare(NULL, &frame), 0);
    CHECK_EQ_INT(halo_hexagon_dma_device_detach_native(NULL, &frame), 0);
    return NULL;
}

int main(void) {
    static uint8_t uv_plane[H / 2][W];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) y_plane[y][x] = (uint8_t)((x * 3 + y * 5) / 4 + ((x ^ y) & 3));
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W; x++) uv_plane[y][x] = (uint8_t)(128 + (x & 1) * 10 + y / 8);
    CHECK_EQ_INT(halo_frame_layout(halo_hexagon_fmt_NV12, true, W, H, 0, 0, &layout), 0);
    uint8_t *src_block = halo_malloc(NULL, (size_t)layout.size + 4096);
    uint8_t *dst_block = halo_malloc(NULL, (size_t)layout.size + 4096);
    src_frame = src_block + (-(uintptr_t)src_block & 4095); /* UBWC planes are 4096-aligned */
    dst_frame = dst_block + (-(uintptr_t)dst_block & 4095);
    CHECK_EQ_INT(halo_frame_pack(&layout, y_plane, W, uv_plane, W, src_frame), 0);
    CHECK_EQ_INT(halo_frame_pack(&layout, y_plane, W, uv_plane, W, dst_frame), 0);
    for (int64_t i = layout.y_meta_offset; i < layout.uv_meta_offset; i++) dst_frame[i] = 0;

    halo_hexagon_dma_reset_stats();
    for (int i = 0; i <= READERS; i++) CHECK_EQ_INT(halo_hexagon_dma_allocate_engine(NULL, &engines[i]), 0);
    CHECK_EQ_INT(halo_hexagon_dma_power_mode_voting(NULL, halo_hexagon_power_turbo), 0);
    /* readers 0 and 1 share engine 0; readers 2 and 3 have engines 2 and 3; the writer has 4 */
    job_t jobs[READERS + 1] = {{0, engines[0], 0}, {1, engines[0], 0}, {2, engines[2], 0},
                               {3, engines[3], 0}, {0, engines[READERS], 0}};
    pthread_t threads[READERS + 1];
    for (int i = 0; i < READERS; i++) CHECK_EQ_INT(pthread_create(&threads[i], NULL, reader, &jobs[i]), 0);
    CHECK_EQ_INT(pthread_create(&threads[READERS], NULL, writer, &jobs[READERS]), 0);
    uint64_t total = 0;
    for (int i = 0; i <= READERS; i++) {
        CHECK_EQ_INT(pthread_join(threads[i], NULL), 0);
        total += jobs[i].transfers;
    }
    halo_dma_stats_t g, e0;
    CHECK_EQ_INT(halo_hexagon_dma_get_stats(NULL, &g), 0);
    CHECK_EQ_INT(halo_hexagon_dma_get_stats(engines[0], &e0), 0);
    CHECK_EQ_INT(g.transfers, total);
    CHECK_EQ_INT(e0.transfers, jobs[0].transfers + jobs[1].transfers);
    CHECK(g.ddr_bytes < g.uncompressed_bytes);
    for (int i = 0; i <= READERS; i++) CHECK_EQ_INT(halo_hexagon_dma_deallocate_engine(NULL, engines[i]), 0);
    CHECK_EQ_INT(halo_hexagon_dma_power_mode(), halo_hexagon_power_default);
    /* the written Y plane (meta + tiles) is byte-identical to the packed source */
    for (int64_t i = 0; i < layout.uv_meta_offset; i++) CHECK_EQ_INT(dst_frame[i], src_frame[i]);
    halo_free(NULL, src_block);
    halo_free(NULL, dst_block);
    printf("ok %llu transfers\n", (unsigned long long)total);
    return 0;
}
