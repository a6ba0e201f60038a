/* A driver for tests/runtime/test_fuzz_ubwcdma.py: reads UBWCDMA host-API call sequences from
 * stdin, one call a line, and runs them against the runtime (built with ASan+UBSan). Every call
 * must succeed or return a negative code with a message; every read that completes must hold
 * the bytes of its region of the frame (a shadow copy follows completed writes). A line "Z"
 * ends a sequence: everything still pending is waited for and released, no engine may remain
 * in use, and "ok N" is printed (N: the transfers that completed). Any other outcome prints "FAIL ..." and exits 1.
 *
 * Calls (numbers are slots, chosen freely by the fuzzer, so misuse is part of the input):
 *   A e                allocate engine e          D e             deallocate engine e
 *   W f s              wrap frame f (s 0: unsized; sized with s 1: its bytes, 2: one too few, 3: one)
 *   T f                detach frame f
 *   P f e dir fmt      prepare frame f on engine e (dir 0 read, 1 write; fmt any code)
 *   U f                unprepare frame f          V mode          power vote
 *   S k f x y w h      start transfer k on frame f for the region (x, y, w, h)
 *   X k                wait for transfer k */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "halo_ubwcdma.h"

enum { ENGINES = 3, FRAMES = 3, TRANSFERS = 4, FW = 128, FH = 32 };

typedef struct {
    halo_buffer_t buf;
    halo_dimension_t dim[2];
    uint8_t *mem;            /* the frame in "DDR" */
    uint8_t shadow[FH][FW];  /* what it must hold */
    int direction;           /* the last successful prepare's, or -1 */
} frame_t;

typedef struct {
    halo_dma_transfer_t t;
    halo_buffer_t local;
    halo_dimension_t dim[2];
    uint8_t *block, *tile;
    int pending, frame, x, y, w, h, direction;
} transfer_t;

static void *engines[ENGINES];
static frame_t frames[FRAMES];
static transfer_t transfers[TRANSFERS];
static long line_no;
static long completed; /* transfers that completed in this sequence */

static void fail(const char *what) {
    printf("FAIL line %ld: %s\n", line_no, what);
    fflush(stdout);
    exit(1);
}

/* A call's result: 0, or a negative code with a message (then cleared). */
static int called(int rc) {
    if (rc > 0) fail("a positive return code");
    if (rc < 0 && !*halo_last_error_message()) fail("an error without a message");
    halo_clear_error();
    return rc;
}

static void frame_init(int f) {
    frame_t *fr = &frames[f];
    fr->mem = halo_malloc(NULL, FW * FH);
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) fr->mem[y * FW + x] = fr->shadow[y][x] = (uint8_t)(x * 7 + y * 13 + f);
    fr->direction = -1;
}

static void frame_buffer(int f) {
    frame_t *fr = &frames[f];
    uint64_t device = fr->buf.device;
    const struct halo_device_interface_t *di = fr->buf.device_interface;
    fr->dim[0] = (halo_dimension_t){0, FW, 1, 0};
    fr->dim[1] = (halo_dimension_t){0, FH, FW, 0};
    fr->buf = (halo_buffer_t){0};
    fr->buf.type = (halo_type_t){halo_type_uint, 8, 1};
    fr->buf.dimensions = 2;
    fr->buf.dim = fr->dim;
    fr->buf.device = device;
    fr->buf.device_interface = di;
}

static int in_frame(const transfer_t *t) {
    return t->w > 0 && t->h > 0 && t->x >= 0 && t->y >= 0 && t->x + t->w <= FW && t->y + t->h <= FH;
}

static void finish(int k, int rc) {
    transfer_t *t = &transfers[k];
    frame_t *fr = &frames[t->frame];
    t->pending = 0;
    completed += rc == 0;
    if (rc == 0 && t->direction == halo_dma_read) {
        for (int y = 0; y < t->h; y++)
            for (int x = 0; x < t->w; x++)
                if (t->tile[y * t->w + x] != fr->shadow[t->y + y][t->x + x]) fail("a read tile differs from the frame");
    }
    if (t->direction == halo_dma_write) {
        if (rc == 0) {
            for (int y = 0; y < t->h; y++) memcpy(&fr->shadow[t->y + y][t->x], &t->tile[y * t->w], (size_t)t->w);
        } else {
            memcpy(fr->shadow, fr->mem, sizeof fr->shadow);  /* a failed write: what is there is there */
        }
    }
}

static void start(int k, int f, int x, int y, int w, int h) {
    transfer_t *t = &transfers[k];
    if (t->pending) return;  /* a record in flight belongs to the runtime */
    *t = (transfer_t){.block = t->block, .tile = t->tile};
    t->frame = f, t->x = x, t->y = y, t->w = w, t->h = h;
    t->direction = frames[f].direction;
    if (w > 0 && h > 0 && w * h <= FW * FH)
        for (int i = 0; i < w * h; i++)
            t->tile[i] = t->direction == halo_dma_write ? (uint8_t)(i * 31 + k + line_no) : 0xA5;
    t->dim[0] = (halo_dimension_t){x, w, 1, 0};
    t->dim[1] = (halo_dimension_t){y, h, w, 0};
    t->local.type = (halo_type_t){halo_type_uint, 8, 1};
    t->local.dimensions = 2;
    t->local.dim = t->dim;
    t->local.host = t->tile;
    int rc = called(halo_hexagon_dma_copy_start(NULL, &frames[f].buf, &t->local, &t->t));
    if (rc == 0) {
        if (!in_frame(t) || w * h > FW * FH) fail("a transfer outside the frame was started");
        t->pending = 1;
    }
}

static void end_sequence(void) {
    for (int k = 0; k < TRANSFERS; k++)
        if (transfers[k].pending) finish(k, called(halo_hexagon_dma_copy_wait(NULL, &transfers[k].t)));
    for (int f = 0; f < FRAMES; f++) {
        if (frames[f].buf.device) {
            called(halo_hexagon_dma_device_detach_native(NULL, &frames[f].buf));
            if (frames[f].buf.device) fail("a frame with nothing in flight did not detach");
        }
        if (memcmp(frames[f].shadow, frames[f].mem, sizeof frames[f].shadow)) fail("a frame differs from its writes");
        frames[f].direction = -1;
    }
    for (int e = 0; e < ENGINES; e++) {
        if (engines[e]) called(halo_hexagon_dma_deallocate_engine(NULL, engines[e]));
        engines[e] = NULL;
    }
    if (halo_hexagon_dma_engines_in_use() != 0) fail("engines still in use after every deallocation");
    printf("ok %ld\n", completed);
    fflush(stdout);
    completed = 0;
}

int main(void) {
    for (int f = 0; f < FRAMES; f++) {
        frame_init(f);
        frame_buffer(f);
    }
    for (int k = 0; k < TRANSFERS; k++) {
        transfers[k].block = halo_malloc(NULL, FW * FH + 256);
        transfers[k].tile = transfers[k].block + (-(uintptr_t)transfers[k].block & 255);
    }
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        line_no++;
        char op;
        int a = 0, b = 0, c = 0, d = 0, e = 0, g = 0;
        if (sscanf(line, " %c %d %d %d %d %d %d", &op, &a, &b, &c, &d, &e, &g) < 1) continue;
        int ea = ((a % ENGINES) + ENGINES) % ENGINES, fa = ((a % FRAMES) + FRAMES) % FRAMES;
        int eb = ((b % ENGINES) + ENGINES) % ENGINES, fb = ((b % FRAMES) + FRAMES) % FRAMES;
        int ka = ((a % TRANSFERS) + TRANSFERS) % TRANSFERS;
        switch (op) {
        case 'A': {
            void *h = NULL;
            if (called(halo_hexagon_dma_allocate_engine(NULL, &h)) == 0) {
                if (engines[ea]) called(halo_hexagon_dma_deallocate_engine(NULL, engines[ea]));
                engines[ea] = h;
            }
            break;
        }
        case 'D':
            /* the slot keeps the pointer: a second deallocation is misuse the runtime must refuse */
            called(halo_hexagon_dma_deallocate_engine(NULL, engines[ea]));
            break;
        case 'W':
            if (b == 0) {
                called(halo_hexagon_dma_device_wrap_native(NULL, &frames[fa].buf, (uint64_t)(uintptr_t)frames[fa].mem));
            } else {  /* sized: the frame's bytes, one too few, or one */
                uint64_t bytes = b == 1 ? FW * FH : b == 2 ? FW * FH - 1 : 1;
                called(halo_hexagon_dma_device_wrap_native_sized(NULL, &frames[fa].buf,
                                                                 (uint64_t)(uintptr_t)frames[fa].mem, bytes));
            }
            break;
        case 'T':
            called(halo_hexagon_dma_device_detach_native(NULL, &frames[fa].buf));
            break;
        case 'P': {
            int rc = c ? halo_hexagon_dma_prepare_for_copy_to_device(NULL, &frames[fa].buf, engines[eb], false,
                                                                     (halo_hexagon_image_fmt_t)d)
                       : halo_hexagon_dma_prepare_for_copy_to_host(NULL, &frames[fa].buf, engines[eb], false,
                                                                   (halo_hexagon_image_fmt_t)d);
            if (called(rc) == 0) frames[fa].direction = c ? halo_dma_write : halo_dma_read;
            break;
        }
        case 'U':
            called(halo_hexagon_dma_unprepare(NULL, &frames[fa].buf));
            break;
        case 'V':
            called(halo_hexagon_dma_power_mode_voting(NULL, (halo_hexagon_power_mode_t)a));
            break;
        case 'S':
            start(ka, fb, c, d, e, g);
            break;
        case 'X':
            if (transfers[ka].pending) finish(ka, called(halo_hexagon_dma_copy_wait(NULL, &transfers[ka].t)));
            break;
        case 'Z':
            end_sequence();
            break;
        default:
            fail("an unknown call");
        }
    }
    for (int f = 0; f < FRAMES; f++) halo_free(NULL, frames[f].mem);
    for (int k = 0; k < TRANSFERS; k++) halo_free(NULL, transfers[k].block);
    return 0;
}
