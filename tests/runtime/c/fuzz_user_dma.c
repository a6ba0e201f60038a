/* A driver for tests/runtime/test_fuzz_dma.py: reads user-DMA call sequences from stdin, one
 * call a line, and runs them against the runtime (built with ASan+UBSan). Descriptors of both
 * types with any field values, chains (links to other slots, to misaligned or unmapped
 * addresses, cycles), every engine command in any order and on any engine, unmapping and
 * remapping memory, halo_udma_copy_2d_start and reset. Every call must succeed or return a
 * negative code with a message. "Z" ends a sequence: every engine is waited for, and then
 *   - a descriptor with its done bit set moved exactly its bytes (from its source, into the
 *     fresh area of the destination region that this descriptor version was given);
 *   - a descriptor without it moved nothing (its area holds the fill value);
 *   - an earlier version of a slot, rewritten since, left its area either way, never partly;
 *   - nothing else changed: the gaps between the mapped regions, the source regions.
 * Then "ok N" is printed (N: done descriptors verified); any other outcome prints "FAIL ...".
 *
 * Memory: one page-aligned arena. DESC (slots 0..7), SRC (a byte pattern), DST (32 areas of
 * 1 KiB, one per descriptor version), T (slots 8..11 and more pattern; the only region the
 * fuzzer unmaps and remaps, so every region keeps its VA), with unmapped gaps between.
 *
 * Calls (e: engine, k / t: slot; the numbers are the fuzzer's, misuse included):
 *   D k off type srcmode srcoff dstmode len h srcstride dststride next flags   write a descriptor
 *   C e k srcmode srcoff len h srcstride dststride ndescs     halo_udma_copy_2d_start
 *   S e k   dmstart        L e t k   dmlink (t = -1: no tail)   R e k   dmresume (k = -1: the
 *   last dmpause's dm0)    P e   dmpause   W e   dmwait   O e   dmpoll   Y e   syndrome
 *   M r     map (0..3 the regions as laid out, 4: a range overlapping SRC)   N r   unmap
 *   X       halo_udma_reset (then the regions are mapped again)
 * Slot numbers >= 100 stand for bad addresses: 100 a small integer, 101 misaligned, 102 an
 * unmapped gap, 103 the top of the VA space. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "halo_runtime.h"
#include "halo_user_dma.h"

enum {
    PAGE = 4096,
    DESC = 0, DESC_BYTES = 4096,
    SRC = 8192, SRC_BYTES = 8192,
    DST = 20480, AREA = 1024, AREAS = 32, DST_BYTES = AREA * AREAS,
    T = 57344, T_BYTES = 8192, T_PATTERN = 1024,
    ARENA = T + T_BYTES,
    SLOTS = 12, SLOT_BYTES = 64,
    ENGINES = 3, /* the fuzzer's engines; others are bad or idle */
    VERSIONS = AREAS,
    FILL = 0xCD
};

static const int region_at[4] = {DESC, SRC, DST, T};
static const int region_bytes[4] = {DESC_BYTES, SRC_BYTES, DST_BYTES, T_BYTES};

typedef struct {
    int slot, off, type, area;   /* area: -1 when the destination is a bad address */
    long src;                    /* arena offset of the source, -1 when a bad address */
    long src_end;                /* arena offset where the source's mapped region ends */
    uint32_t row, rows, src_stride, dst_stride;
    int preset_done, current;
} version_t;

static uint8_t *arena;
static uint8_t pristine[ARENA]; /* the arena as a sequence starts */
static uint32_t va[4];
static int slot_off[SLOTS];
static version_t versions[VERSIONS];
static int nversions;
static uint32_t paused_dm0[halo_udma_num_engines];
static long line_no, verified;

static void fail(const char *what) {
    printf("FAIL line %ld: %s\n", line_no, what);
    fflush(stdout);
    exit(1);
}

static int called(int rc) {
    if (rc > 0) fail("a positive return code");
    if (rc < 0 && !*halo_last_error_message()) fail("an error without a message");
    halo_clear_error();
    return rc;
}

static void map_regions(int with_t) {
    for (int r = 0; r < 3 + with_t; r++) {
        uint32_t v;
        if (called(halo_udma_map(arena + region_at[r], (size_t)region_bytes[r], &v))) fail("mapping a region");
        if (va[r] && v != va[r]) fail("a region came back at another VA"); /* the driver relies on it */
        va[r] = v;
    }
}

static void start_sequence(void) {
    memcpy(arena, pristine, ARENA);
    memset(slot_off, 0, sizeof slot_off);
    nversions = 0;
    memset(paused_dm0, 0, sizeof paused_dm0);
    map_regions(1);
}

static long slot_host(int k) {
    return (k < 8 ? DESC + k * SLOT_BYTES : T + (k - 8) * SLOT_BYTES);
}

static uint32_t slot_va(int k, int off) {
    switch (k) {
    case 100: return 8;
    case 101: return va[0] + 4;
    case 102: return va[0] + DESC_BYTES + 16;
    case 103: return 0xFFFFFFE0u;
    default: break;
    }
    k = ((k % SLOTS) + SLOTS) % SLOTS;
    long h = slot_host(k) + off;
    return (uint32_t)(h >= T ? va[3] + (h - T) : va[0] + (h - DESC));
}

/* The source for a mode: 0 SRC + off, 1 T's pattern + off, 2 the last 8 bytes of T, 3 bad. */
static void source(int mode, int off, long *host, long *end, uint32_t *v) {
    off = ((off % 4096) + 4096) % 4096;
    switch (mode) {
    case 0: *host = SRC + off, *end = SRC + SRC_BYTES, *v = va[1] + (uint32_t)off; return;
    case 1: *host = T + T_PATTERN + off, *end = T + T_BYTES, *v = va[3] + T_PATTERN + (uint32_t)off; return;
    case 2: *host = T + T_BYTES - 8, *end = T + T_BYTES, *v = va[3] + T_BYTES - 8; return;
    default: *host = -1, *end = -1, *v = off & 1 ? va[1] - 64 : 0xFFFFFFF0u; return;
    }
}

static uint64_t span(const version_t *v, uint32_t stride) {
    return v->row == 0 || v->rows == 0 ? 0 : (uint64_t)(v->rows - 1) * stride + v->row;
}

/* No engine may touch descriptor memory while the driver writes it: wait for all of them. */
static void quiesce(void) {
    uint32_t dm0;
    for (int e = 0; e < halo_udma_num_engines; e++) called(halo_udma_dmwait(e, &dm0));
}

static version_t *new_version(int k, int off) {
    for (int i = 0; i < nversions; i++)
        if (versions[i].slot == k) versions[i].current = 0;
    if (nversions == VERSIONS) return NULL;
    version_t *v = &versions[nversions];
    *v = (version_t){.slot = k, .off = off, .area = nversions, .current = 1};
    nversions++;
    return v;
}

/* A destination that is not mapped: a small integer, the guard pages before and after DST. */
static uint32_t bad_dst(int mode) {
    return mode % 3 == 0 ? 8 : mode % 3 == 1 ? va[2] - PAGE : va[2] + DST_BYTES + 64;
}

static void write_descriptor(int k, int off, int type, int srcmode, int srcoff, int dstmode,
                             uint32_t len, uint32_t h, uint32_t ss, uint32_t ds, int next, int flags) {
    k = ((k % SLOTS) + SLOTS) % SLOTS;
    off = ((off % 4) + 4) % 4 * 8; /* 0, 8 (misaligned), 16, 24 */
    quiesce();
    halo_udma_fields_t f = {0};
    long src, src_end;
    source(srcmode, srcoff, &src, &src_end, &f.src);
    f.desctype = (uint32_t)type & 3;
    f.length = len;
    f.roiwidth = len;
    f.roiheight = h;
    f.srcstride = ss;
    f.dststride = ds;
    f.srcbypass = flags & 1, f.dstbypass = (flags >> 1) & 1, f.srccomp = (flags >> 2) & 1,
    f.dstcomp = (flags >> 3) & 1, f.order = (flags >> 4) & 1, f.done = (flags >> 5) & 1,
    f.subtype = (flags >> 6) & 1, f.srcwidthoffset = (flags >> 7) & 1;
    f.next = next < 0 ? 0 : slot_va(next, next < SLOTS ? slot_off[next] : 0);
    uint32_t words[8] = {0};
    int nwords = f.desctype == 1 ? 8 : 4;
    int area = dstmode == 0 && nversions < VERSIONS ? nversions : -1;
    f.dst = area >= 0 ? va[2] + (uint32_t)(area * AREA) : bad_dst(dstmode);
    if (called(halo_udma_pack(&f, words, nwords)) != 0) return;
    version_t *v = new_version(k, off);
    if (v) {
        v->type = (int)f.desctype;
        v->area = area;
        v->src = src, v->src_end = src_end;
        v->row = f.desctype == 1 ? f.roiwidth : f.length;
        v->rows = f.desctype == 1 ? f.roiheight : 1;
        v->src_stride = f.desctype == 1 ? (ss ? ss : 0x10000) : v->row;
        v->dst_stride = f.desctype == 1 ? (ds ? ds : 0x10000) : v->row;
        v->preset_done = (int)f.done;
    }
    slot_off[k] = off;
    /* a slot holds one descriptor: no half of an earlier one at another offset stays runnable */
    memset(arena + slot_host(k), 0, SLOT_BYTES);
    memcpy(arena + slot_host(k) + off, words, (size_t)nwords * 4);
}

static void copy_2d(int e, int k, int srcmode, int srcoff, uint32_t len, uint32_t h, uint32_t ss,
                    uint32_t ds, int ndescs) {
    k = ((k % SLOTS) + SLOTS) % SLOTS;
    quiesce();
    long src, src_end;
    uint32_t src_va;
    source(srcmode, srcoff, &src, &src_end, &src_va);
    version_t *v = new_version(k, 0);
    slot_off[k] = 0;
    memset(arena + slot_host(k), 0, SLOT_BYTES); /* no done bit of an earlier version stays */
    uint8_t *dst = v ? arena + DST + v->area * AREA : arena + DST - PAGE / 2; /* unmapped gap */
    const uint8_t *s = src >= 0 ? arena + src : arena + SRC - PAGE / 2;
    if (v) {
        v->type = 1, v->src = src, v->src_end = src_end, v->row = len, v->rows = h;
        v->src_stride = ss, v->dst_stride = ds;
    }
    int rc = called(halo_udma_copy_2d_start(e, (halo_udma_desc1_t *)(arena + slot_host(k)), ndescs,
                                            dst, s, len, h, ss, ds));
    uint32_t w1;
    memcpy(&w1, arena + slot_host(k) + 4, 4);
    /* refused before it wrote its descriptor: the slot holds a zero (empty) one */
    if (v && rc && ((w1 >> 24) & 3) != 1) v->row = v->rows = 0;
}

static int done_bit(const version_t *v) {
    uint32_t w1;
    memcpy(&w1, arena + slot_host(v->slot) + v->off + 4, 4);
    return (int)(w1 >> 31);
}

/* Does area a hold exactly v's copy (copied = 1) or only the fill value (copied = 0)? */
static int area_holds(const version_t *v, int copied) {
    uint8_t want[AREA];
    memset(want, FILL, AREA);
    if (copied) {
        for (uint32_t r = 0; r < v->rows; r++)
            memcpy(want + (size_t)r * v->dst_stride, arena + v->src + (size_t)r * v->src_stride, v->row);
    }
    return memcmp(arena + DST + v->area * AREA, want, AREA) == 0;
}

static void end_sequence(void) {
    quiesce();
    int used[AREAS] = {0};
    for (int i = 0; i < nversions; i++) {
        const version_t *v = &versions[i];
        int done = v->current && done_bit(v) && !v->preset_done;
        uint64_t src_span = span(v, v->src_stride), dst_span = span(v, v->dst_stride);
        int fits = v->src >= 0 && v->area >= 0 && v->src + (long)src_span <= v->src_end && dst_span <= AREA;
        if (done && src_span && !fits) fail("a descriptor with an unmapped or oversized range completed");
        if (v->area < 0) continue;
        used[v->area] = 1;
        if (!fits) {
            if (!area_holds(v, 0)) fail("a refused descriptor wrote into its destination");
        } else if (v->current && !v->preset_done) {
            if (!area_holds(v, done)) fail(done ? "a done descriptor's destination differs from its source"
                                                : "a descriptor that is not done wrote into its destination");
            verified += done && src_span;
        } else if (!area_holds(v, 0) && !area_holds(v, 1)) {
            fail("a descriptor's destination holds neither its copy nor nothing");
        }
    }
    for (int a = 0; a < AREAS; a++)
        if (!used[a] && memcmp(arena + DST + a * AREA, pristine + DST + a * AREA, AREA)) fail("an unused area was written");
    for (long o = 0; o < ARENA; o++) {
        int in_desc = o < DESC + DESC_BYTES || (o >= T && o < T + T_PATTERN);
        if (!in_desc && (o < DST || o >= DST + DST_BYTES) && arena[o] != pristine[o]) fail("memory outside every destination changed");
    }
    called(halo_udma_reset());
    printf("ok %ld\n", verified);
    fflush(stdout);
    verified = 0;
    start_sequence();
}

int main(void) {
    arena = aligned_alloc(PAGE, ARENA);
    if (!arena) fail("no memory");
    memset(pristine, FILL, ARENA);
    for (long o = 0; o < SRC_BYTES; o++) pristine[SRC + o] = (uint8_t)(o * 131 + (o >> 8) * 7 + 1);
    for (long o = T_PATTERN; o < T_BYTES; o++) pristine[T + o] = (uint8_t)(o * 37 + (o >> 8) + 3);
    start_sequence();
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        line_no++;
        char op;
        long a[12] = {0};
        if (sscanf(line, " %c %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", &op, &a[0], &a[1], &a[2],
                   &a[3], &a[4], &a[5], &a[6], &a[7], &a[8], &a[9], &a[10], &a[11]) < 1)
            continue;
        int e = (int)a[0];
        uint32_t dm0 = 0, dm4, dm5;
        switch (op) {
        case 'D':
            write_descriptor((int)a[0], (int)a[1], (int)a[2], (int)a[3], (int)a[4], (int)a[5], (uint32_t)a[6],
                             (uint32_t)a[7], (uint32_t)a[8], (uint32_t)a[9], (int)a[10], (int)a[11]);
            break;
        case 'C':
            copy_2d(e, (int)a[1], (int)a[2], (int)a[3], (uint32_t)a[4], (uint32_t)a[5], (uint32_t)a[6],
                    (uint32_t)a[7], (int)a[8]);
            break;
        case 'S':
            called(halo_udma_dmstart(e, slot_va((int)a[1], a[1] >= 0 && a[1] < SLOTS ? slot_off[a[1]] : 0)));
            break;
        case 'L': {
            uint32_t tail = a[1] < 0 ? 0 : slot_va((int)a[1], a[1] < SLOTS ? slot_off[a[1]] : 0);
            called(halo_udma_dmlink(e, tail, slot_va((int)a[2], a[2] >= 0 && a[2] < SLOTS ? slot_off[a[2]] : 0)));
            break;
        }
        case 'R': {
            uint32_t at = a[1] < 0 ? (e >= 0 && e < halo_udma_num_engines ? paused_dm0[e] : 0)
                                   : slot_va((int)a[1], a[1] < SLOTS ? slot_off[a[1]] : 0);
            called(halo_udma_dmresume(e, at));
            break;
        }
        case 'P':
            if (called(halo_udma_dmpause(e, &dm0)) == 0) paused_dm0[e] = dm0;
            break;
        case 'W':
            called(halo_udma_dmwait(e, &dm0));
            break;
        case 'O':
            called(halo_udma_dmpoll(e, &dm0));
            break;
        case 'Y':
            called(halo_udma_syndrome(e, &dm4, &dm5));
            break;
        case 'M': {
            uint32_t v;
            if (a[0] >= 0 && a[0] < 4) {
                if (called(halo_udma_map(arena + region_at[a[0]], (size_t)region_bytes[a[0]], &v)) == 0 &&
                    v != va[a[0]])
                    fail("a region came back at another VA");
            } else if (called(halo_udma_map(arena + SRC + 100, 64, &v)) == 0) {
                fail("a range overlapping a mapped one was mapped");
            }
            break;
        }
        case 'N':
            /* only T is ever unmapped, so that the other regions keep their VAs; 4: never mapped */
            if (called(halo_udma_unmap(arena + (a[0] == 3 ? T : SRC + 100))) == 0 && a[0] != 3)
                fail("unmapping a pointer that was never mapped succeeded");
            break;
        case 'X':
            called(halo_udma_reset());
            map_regions(1);
            break;
        case 'Z':
            end_sequence();
            break;
        default:
            fail("an unknown call");
        }
    }
    called(halo_udma_reset());
    free(arena);
    return 0;
}
