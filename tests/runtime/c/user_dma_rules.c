/* User DMA, single-threaded checks under ASan+UBSan: exact descriptor words, copies, chains,
 * write-back, every validation rule with its syndrome / DM4 / DM5, and misuse sequences. */
#include "halo_runtime.h"
#include "halo_user_dma.h"

#include <stdint.h>

#include "check.h"

enum { DATA = 1 << 20, ARENA = 4096 };
static uint8_t *src, *dst, *arena;
static uint32_t src_va, dst_va, arena_va;

static uint32_t map(void *p, size_t n) {
    uint32_t va = 0;
    CHECK_EQ_INT(halo_udma_map(p, n, &va), 0);
    return va;
}

/* Descriptor i of the arena (32-byte slots) as words, and its VA. */
static uint32_t *slot(int i) { return (uint32_t *)(arena + 32 * i); }
static uint32_t slot_va(int i) { return arena_va + 32u * (uint32_t)i; }

static void put(int i, const halo_udma_fields_t *f) {
    CHECK_EQ_INT(halo_udma_pack(f, slot(i), f->desctype == 1 ? 8 : 4), 0);
}

static void test_layout(void) {
    halo_udma_fields_t f = {0};
    f.next = 0x12345670;
    f.length = 0xABCDEF;
    f.srccomp = 1;
    f.dstbypass = 1;
    f.order = 1;
    f.src = 0xDEADBEEF;
    f.dst = 0x00C0FFEE;
    uint32_t w[8] = {0};
    CHECK_EQ_INT(halo_udma_pack(&f, w, 4), 0);
    CHECK_EQ_INT(w[0], 0x12345670u);
    CHECK_EQ_INT(w[1], 0x58ABCDEFu);
    CHECK_EQ_INT(w[2], 0xDEADBEEFu);
    CHECK_EQ_INT(w[3], 0x00C0FFEEu);
    CHECK_EQ_INT(w[4], 0u); /* type 0 leaves words 4..7 alone */

    halo_udma_fields_t g = {0};
    g.desctype = 1;
    g.done = 1;
    g.src_upper = 0x12;
    g.dst_upper = 0x34;
    g.wr_alloc = 1;
    g.rd_alloc = 5;
    g.transform = 3;
    g.roiwidth = 0x140;
    g.roiheight = 0xF0;
    g.srcstride = 0x200;
    g.dststride = 0x180;
    g.srcwidthoffset = 0x11;
    g.dstwidthoffset = 0x22;
    CHECK_EQ_INT(halo_udma_pack(&g, w, 8), 0);
    const uint32_t expect[8] = {0, 0x81000000u, 0, 0, 0x3B341200u, 0x00F00140u, 0x01800200u,
                                0x00220011u};
    for (int i = 0; i < 8; i++) CHECK_EQ_INT(w[i], expect[i]);
    halo_udma_fields_t back;
    CHECK_EQ_INT(halo_udma_unpack(w, 8, &back), 0);
    CHECK(memcmp(&back, &g, sizeof g) == 0);

    g.roiwidth = 0x10000;
    CHECK_EQ_INT(halo_udma_pack(&g, w, 8), halo_udma_error_field_range);
    CHECK(strstr(halo_last_error_message(), "roiwidth = 65536 does not fit in 16 bits"));
    CHECK_EQ_INT(w[5], 0x00F00140u); /* untouched */
    CHECK_EQ_INT(halo_udma_pack(&g, w, 5), halo_error_bad_argument);
    CHECK_EQ_INT(halo_udma_unpack(w, 3, &back), halo_error_bad_argument);
}

static void test_chain(void) {
    for (int i = 0; i < DATA; i++) src[i] = (uint8_t)(i * 7 + 3);
    memset(dst, 0, DATA);
    /* type 0 (slot 0) -> type 1 (slot 1) -> type 1 with stride field 0 = 65536 (slot 2) */
    halo_udma_fields_t a = {.next = slot_va(1), .length = 1000, .src = src_va, .dst = dst_va};
    halo_udma_fields_t b = {.next = slot_va(2), .desctype = 1, .order = 1, .src = src_va + 5000,
                            .dst = dst_va + 2000, .roiwidth = 30, .roiheight = 10,
                            .srcstride = 100, .dststride = 40};
    halo_udma_fields_t c = {.desctype = 1, .src = src_va + 8, .dst = dst_va + 200000,
                            .roiwidth = 16, .roiheight = 3, .srcstride = 0, .dststride = 0};
    put(0, &a);
    put(1, &b);
    put(2, &c);
    CHECK_EQ_INT(halo_udma_dmstart(0, slot_va(0)), 0);
    uint32_t dm0 = 99;
    CHECK_EQ_INT(halo_udma_dmwait(0, &dm0), 0);
    CHECK_EQ_INT(dm0, 0);
    CHECK(memcmp(dst, src, 1000) == 0);
    for (int r = 0; r < 10; r++) CHECK(memcmp(dst + 2000 + 40 * r, src + 5000 + 100 * r, 30) == 0);
    CHECK_EQ_INT(dst[2000 + 30], 0);
    for (int r = 0; r < 3; r++) {
        CHECK(memcmp(dst + 200000 + 65536 * r, src + 8 + 65536 * r, 16) == 0);
    }
    /* write-back: done set, type 0 length 0; type 1 width/height and offsets 0 */
    CHECK_EQ_INT(slot(0)[1], 0x80000000u);
    CHECK_EQ_INT(slot(1)[1], 0xC1000000u);
    CHECK_EQ_INT(slot(1)[5], 0u);
    CHECK_EQ_INT(slot(1)[6], 0x00280064u); /* strides stay */
    CHECK_EQ_INT(slot(1)[2], src_va + 5000);
    CHECK_EQ_INT(slot(2)[1], 0x81000000u);
    /* A completed descriptor cannot run again: its done bit is a ROI error. */
    CHECK_EQ_INT(halo_udma_dmstart(0, slot_va(0)), 0);
    CHECK_EQ_INT(halo_udma_dmwait(0, &dm0), halo_udma_error_roi);
    CHECK_EQ_INT(halo_udma_dmpause(0, &dm0), 0);
    CHECK_EQ_INT(dm0, slot_va(0) | 2);
}

/* Starts desc on engine and expects the engine to stop in ERROR at descriptor `at`. */
static void expect_fault_at(int engine, uint32_t desc, uint32_t at, int code, uint32_t syndrome,
                            uint32_t dm5, const char *fragment) {
    CHECK_EQ_INT(halo_udma_dmstart(engine, desc), 0);
    uint32_t dm0 = 0, dm4 = 0, r5 = 0;
    CHECK_EQ_INT(halo_udma_dmwait(engine, &dm0), code);
    if (!strstr(halo_last_error_message(), fragment)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", halo_last_error_message(), fragment);
        exit(1);
    }
    CHECK_EQ_INT(dm0, at | 2);
    CHECK_EQ_INT(halo_udma_dmpoll(engine, &dm0), code);
    CHECK_EQ_INT(halo_udma_syndrome(engine, &dm4, &r5), 0);
    CHECK_EQ_INT(dm4, 1u | ((uint32_t)engine << 4) | (syndrome << 8));
    CHECK_EQ_INT(r5, dm5);
    /* ERROR is sticky: commands are ignored until dmpause clears it. */
    CHECK_EQ_INT(halo_udma_dmstart(engine, desc), halo_udma_error_in_error_state);
    CHECK_EQ_INT(halo_udma_dmlink(engine, 0, desc), halo_udma_error_in_error_state);
    CHECK_EQ_INT(halo_udma_dmresume(engine, desc), halo_udma_error_in_error_state);
    CHECK_EQ_INT(halo_udma_dmpause(engine, &dm0), 0);
    CHECK_EQ_INT(dm0, at | 2);
    CHECK_EQ_INT(halo_udma_dmpoll(engine, &dm0), 0);
    CHECK_EQ_INT(dm0, 0);
}

static void expect_fault(int engine, uint32_t desc, int code, uint32_t syndrome, uint32_t dm5,
                         const char *fragment) {
    expect_fault_at(engine, desc, desc, code, syndrome, dm5, fragment);
}

static void test_rules(void) {
    halo_udma_fields_t ok0 = {.length = 64, .src = src_va, .dst = dst_va};
    halo_udma_fields_t ok1 = {.desctype = 1, .src = src_va, .dst = dst_va, .roiwidth = 64,
                              .roiheight = 4, .srcstride = 64, .dststride = 64};
    halo_udma_fields_t f;

    put(0, &ok0); /* a type-0 descriptor 16 bytes into a slot is fine ... */
    memcpy(arena + 16, slot(0), 16);
    CHECK_EQ_INT(halo_udma_dmstart(1, slot_va(0) + 16), 0);
    uint32_t dm0;
    CHECK_EQ_INT(halo_udma_dmwait(1, &dm0), 0);
    put(0, &ok0); /* ... but not 8 bytes in */
    memcpy(arena + 8, slot(0), 16);
    expect_fault(1, slot_va(0) + 8, halo_udma_error_alignment, 1, slot_va(0) + 8, "not 16-byte aligned");
    put(0, &ok1); /* type 1 must be 32-byte aligned */
    memmove(arena + 48, slot(0), 32);
    expect_fault(1, slot_va(1) + 16, halo_udma_error_alignment, 1, slot_va(1) + 16, "not 32-byte aligned");
    f = ok0;
    put(0, &f);
    slot(0)[1] |= 2u << 24; /* desctype 2 */
    expect_fault(2, slot_va(0), halo_udma_error_type, 2, slot_va(0), "desctype 2");
    f = ok1;
    f.subtype = 8; /* constant fill: not simulated */
    put(0, &f);
    expect_fault(2, slot_va(0), halo_udma_error_type, 2, slot_va(0), "sub-type 8");
    f = ok0;
    f.done = 1;
    put(0, &f);
    expect_fault(0, slot_va(0), halo_udma_error_roi, 6, slot_va(0), "done bit set");
    f = ok1;
    f.roiwidth = 65;
    put(0, &f);
    expect_fault(0, slot_va(0), halo_udma_error_roi, 6, slot_va(0), "roiwidth 65 exceeds srcstride 64");
    f = ok1;
    f.srcstride = 128;
    f.dststride = 32;
    f.roiwidth = 33;
    put(0, &f);
    expect_fault(0, slot_va(0), halo_udma_error_roi, 6, slot_va(0), "dststride 32");
    f = ok1;
    f.dstwidthoffset = 4;
    put(0, &f);
    expect_fault(0, slot_va(0), halo_udma_error_roi, 6, slot_va(0), "width offsets 0 / 4");
    f = ok0;
    f.srccomp = 1;
    put(0, &f);
    expect_fault(3, slot_va(0), halo_udma_error_bypass, 4, slot_va(0), "src DLBC compression requires src bypass");
    f = ok0;
    f.dstcomp = 1;
    f.dstbypass = 1;
    put(0, &f);
    expect_fault(3, slot_va(0), halo_udma_error_comp, 5, slot_va(0), "multiple of 256 bytes");
    f = ok0;
    f.length = 512;
    f.dstcomp = 1;
    f.dstbypass = 1;
    put(0, &f);
    expect_fault(3, slot_va(0), halo_udma_error_comp, 5, slot_va(0), "DLBC enable = 0");
    f = ok0;
    f.src = 0xFFFFFF00u;
    f.length = 0x200;
    put(0, &f);
    expect_fault(4, slot_va(0), halo_udma_error_address, 3, 0xFFFFFF00u, "roll over 32 bits");
    f = ok0;
    f.dst = dst_va + DATA - 10; /* runs 54 bytes past the mapping */
    put(0, &f);
    expect_fault(4, slot_va(0), halo_udma_error_address, 3, dst_va + DATA - 10, "dst range");
    f = ok1;
    f.src = 0x100; /* never mapped */
    put(0, &f);
    expect_fault(4, slot_va(0), halo_udma_error_address, 3, 0x100, "src range 0x100");
    expect_fault(5, 0x2000, halo_udma_error_bus_descriptor, 7, 0x2000, "not in mapped memory");
    /* A fault in the middle of a chain: the first descriptor completed, the engine stops at
     * the second. */
    memset(arena, 0, 96);
    f = ok0;
    f.next = slot_va(1);
    put(0, &f);
    f = ok1;
    f.roiwidth = 100;
    put(1, &f);
    expect_fault_at(6, slot_va(0), slot_va(1), halo_udma_error_roi, 6, slot_va(1), "roiwidth 100");
    CHECK_EQ_INT(slot(0)[1], 0x80000000u); /* the first one completed */
}

static void test_misuse(void) {
    uint32_t dm0, dm4, dm5;
    CHECK_EQ_INT(halo_udma_dmstart(-1, 0), halo_udma_error_bad_engine);
    CHECK_EQ_INT(halo_udma_dmstart(halo_udma_num_engines, 0), halo_udma_error_bad_engine);
    CHECK(strstr(halo_last_error_message(), "engine 8 does not exist"));
    CHECK_EQ_INT(halo_udma_dmwait(99, &dm0), halo_udma_error_bad_engine);
    CHECK_EQ_INT(halo_udma_dmpoll(0, NULL), halo_error_bad_argument);
    CHECK_EQ_INT(halo_udma_syndrome(0, &dm4, NULL), halo_error_bad_argument);
    /* no-ops */
    CHECK_EQ_INT(halo_udma_dmstart(0, 0), 0);
    CHECK_EQ_INT(halo_udma_dmlink(0, 0, 0), 0);
    CHECK_EQ_INT(halo_udma_dmresume(0, 0), 0);
    CHECK_EQ_INT(halo_udma_dmpause(0, &dm0), 0);
    CHECK_EQ_INT(dm0, 0);
    /* dmlink with an unusable tail is a command error (syndrome 0) */
    CHECK_EQ_INT(halo_udma_dmlink(0, 0x1234, 0), halo_udma_error_command);
    CHECK(strstr(halo_last_error_message(), "dmlink tail"));
    CHECK_EQ_INT(halo_udma_syndrome(0, &dm4, &dm5), 0);
    CHECK_EQ_INT(dm4, 1u);
    CHECK_EQ_INT(dm5, 0x1234u);
    CHECK_EQ_INT(halo_udma_dmpause(0, &dm0), 0);
    /* dmlink on an idle engine writes tail->next and starts the new descriptor */
    memset(arena, 0, 96);
    memset(dst, 0, 64);
    halo_udma_fields_t a = {.length = 8, .src = src_va, .dst = dst_va, .done = 1};
    halo_udma_fields_t b = {.length = 32, .src = src_va + 100, .dst = dst_va + 8};
    put(0, &a);
    put(1, &b);
    CHECK_EQ_INT(halo_udma_dmlink(0, slot_va(0), slot_va(1)), 0);
    CHECK_EQ_INT(halo_udma_dmwait(0, &dm0), 0);
    CHECK_EQ_INT(slot(0)[0], slot_va(1));
    CHECK(memcmp(dst + 8, src + 100, 32) == 0);
    CHECK_EQ_INT(dst[0], 0);
    /* map misuse */
    uint32_t va;
    CHECK_EQ_INT(halo_udma_map(src + 10, 5, &va), halo_udma_error_map);
    CHECK(strstr(halo_last_error_message(), "overlaps"));
    CHECK_EQ_INT(halo_udma_map(NULL, 5, &va), halo_udma_error_map);
    CHECK_EQ_INT(halo_udma_map(&va, 0, &va), halo_udma_error_map);
    CHECK_EQ_INT(halo_udma_unmap(src + 1), halo_udma_error_map);
    CHECK_EQ_INT(halo_udma_va_of(&va, &va), halo_udma_error_map);
    CHECK_EQ_INT(halo_udma_va_of(src + 77, &va), 0);
    CHECK_EQ_INT(va, src_va + 77);
    CHECK_EQ_INT(src_va % 4096, (uintptr_t)src % 4096);
}

static void test_copy_2d(void) {
    memset(dst, 0, DATA);
    /* 3 rows of 70000 bytes: strides beyond 16 bits, one descriptor per row and 2 columns */
    CHECK_EQ_INT(halo_udma_copy_2d_descriptors(70000, 3, 70001, 70002), 6);
    CHECK_EQ_INT(halo_udma_copy_2d_descriptors(64, 70000, 64, 64), 2);
    CHECK_EQ_INT(halo_udma_copy_2d_descriptors(0, 5, 0, 0), 0);
    CHECK_EQ_INT(halo_udma_copy_2d_descriptors(65, 2, 64, 65), halo_udma_error_copy_args);
    CHECK_EQ_INT(halo_udma_copy_2d_start(2, (halo_udma_desc1_t *)arena, 6, dst, src, 70000, 3,
                                         70001, 70002), 0);
    CHECK_EQ_INT(halo_udma_copy_wait(2), 0);
    for (int r = 0; r < 3; r++) CHECK(memcmp(dst + 70002 * r, src + 70001 * r, 70000) == 0);
    CHECK_EQ_INT(dst[70000], 0);
    CHECK_EQ_INT(halo_udma_copy_2d_start(2, (halo_udma_desc1_t *)arena, 5, dst, src, 70000, 3,
                                         70001, 70002), halo_udma_error_copy_args);
    CHECK(strstr(halo_last_error_message(), "needs 6 descriptors, 5 given"));
    uint8_t unmapped[64];
    CHECK_EQ_INT(halo_udma_copy_2d_start(2, (halo_udma_desc1_t *)arena, 6, dst, unmapped, 8, 2, 8,
                                         8), halo_udma_error_map);
}

int main(void) {
    src = halo_malloc(NULL, DATA);
    dst = halo_malloc(NULL, DATA);
    arena = halo_malloc(NULL, ARENA);
    CHECK(src && dst && arena);
    src_va = map(src, DATA);
    dst_va = map(dst, DATA);
    arena_va = map(arena, ARENA);
    CHECK_EQ_INT(arena_va % 128, 0);
    test_layout();
    test_chain();
    test_rules();
    test_misuse();
    test_copy_2d();
    CHECK_EQ_INT(halo_udma_reset(), 0);
    CHECK_EQ_INT(halo_udma_va_of(src, &src_va), halo_udma_error_map); /* reset unmaps */
    halo_free(NULL, src);
    halo_free(NULL, dst);
    halo_free(NULL, arena);
    puts("user_dma_rules: ok");
    return 0;
}
