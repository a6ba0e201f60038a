/* A driver for tests/runtime/test_fuzz_compass.py: reads Compass DMA call sequences from stdin,
 * one call a line, and runs them against the runtime (built with ASan+UBSan, or TSan). Copies
 * synchronous and asynchronous with any scope, dtype, width, stride and count; events
 * allocated, waited for, freed, reused after release, listed twice, out of range; the event
 * limit changed at any time; reset. Every call must succeed or return a negative code with a
 * message, and
 *   - every copy writes into a fresh destination area: one that succeeded holds exactly its
 *     rows once it is known to be complete (a synchronous copy on return, an asynchronous one
 *     after its event was waited for or freed, every copy after reset); one that failed
 *     wrote nothing;
 *   - the sources never change;
 *   - the number of allocated events is what the calls made it.
 * "Z" ends a sequence: every event is waited for, the runtime is reset, everything is checked
 * and "ok N" is printed (N: copies verified); any other outcome prints "FAIL ...".
 *
 * Calls (the numbers are the fuzzer's, misuse included):
 *   C async ev dscope ddtype sscope sdtype width sstride times dstride srcoff size
 *       a copy; ev < 100 is the ev-th event the driver holds, ev >= 100 is the event ev - 100;
 *       ddtype / sdtype index the dtype table (8: an unknown dtype); size 0 small, 1 large
 *       (width and strides in the tens of thousands), 2 a NULL destination, 3 a NULL source
 *   E n        alloc n events           F ev...   free (up to 4 events)   G ev...   wait
 *   L n        set the event limit      R         reset                   Q         count in use */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "halo_compass_dma.h"
#include "halo_runtime.h"

enum {
    SMALL = 2048, COPIES = 32,                  /* destination areas of small copies */
    LARGE = 640 * 1024, LARGE_COPIES = 2,       /* of copies tens of thousands of elements wide */
    SRC_BYTES = LARGE + 4096,
    FILL = 0xCD,
    HELD = 40
};

static const int dtypes[9] = {halo_compass_int8, halo_compass_uint8, halo_compass_int16, halo_compass_uint16,
                              halo_compass_int32, halo_compass_uint32, halo_compass_float16,
                              halo_compass_float32, 0x0240};

typedef struct {
    uint8_t *dst;
    const uint8_t *src;
    size_t area;
    int64_t itemsize, width, src_stride, times, dst_stride;
    int ok, async, event, checked;
} copy_t;

static uint8_t *src, *pristine_src, *small_areas, *large_areas;
static copy_t copies[COPIES + LARGE_COPIES];
static int ncopies, nlarge;
static int held[HELD], nheld; /* events the driver was given, in order */
static int allocated[halo_compass_max_events];
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

static int in_use(void) {
    int n = 0;
    for (int e = 0; e < halo_compass_max_events; e++) n += allocated[e];
    return n;
}

static int event_of(long token) {
    return token >= 100 ? (int)(token - 100) : nheld ? held[((token % nheld) + nheld) % nheld] : 0;
}

/* Does the copy's area hold its rows (done) or only the fill value (not done)? */
static int area_holds(const copy_t *c, int done) {
    static uint8_t want[LARGE];
    memset(want, FILL, c->area);
    for (int64_t r = 0; done && r < c->times; r++)
        memcpy(want + r * c->dst_stride * c->itemsize, c->src + r * c->src_stride * c->itemsize,
               (size_t)(c->width * c->itemsize));
    return memcmp(c->dst, want, c->area) == 0;
}

static void check_copy(copy_t *c) {
    if (c->checked) return;
    if (!area_holds(c, c->ok)) fail(c->ok ? "a completed copy's destination differs from its source"
                                          : "a refused copy wrote into its destination");
    c->checked = 1;
    verified += c->ok && c->width && c->times;
}

static int issued(int i) { return i < COPIES ? i < ncopies : i - COPIES < nlarge; }

/* The events were waited for: their copies issued so far are complete. */
static void completed(const int *list, int n) {
    for (int i = 0; i < COPIES + LARGE_COPIES; i++) {
        copy_t *c = &copies[i];
        if (!issued(i)) continue;
        for (int j = 0; j < n; j++)
            if (c->async && c->ok && c->event == list[j]) check_copy(c);
    }
}

static int itemsize_of(int dtype) { return (dtype & 0xFF) / 8; }

static void copy(int async, long ev, int dscope, int ddtype, int sscope, int sdtype, int64_t width,
                 int64_t sstride, int64_t times, int64_t dstride, int srcoff, int size) {
    int dd = dtypes[((ddtype % 9) + 9) % 9], sd = dtypes[((sdtype % 9) + 9) % 9];
    int large = size == 1;
    if (large ? nlarge == LARGE_COPIES : ncopies == COPIES) return;
    copy_t *c = &copies[large ? COPIES + nlarge++ : ncopies++];
    *c = (copy_t){.area = large ? LARGE : SMALL, .itemsize = itemsize_of(dd) ? itemsize_of(dd) : 1,
                  .width = width, .src_stride = sstride, .times = times, .dst_stride = dstride,
                  .async = async, .event = event_of(ev)};
    c->dst = large ? large_areas + (size_t)(c - copies - COPIES) * LARGE : small_areas + (size_t)(c - copies) * SMALL;
    c->src = src + (srcoff % 4096 + 4096) % 4096 / c->itemsize * c->itemsize;
    void *d = size == 2 ? NULL : c->dst;
    const void *s = size == 3 ? NULL : c->src;
    int rc = async ? halo_compass_async_dma_copy(d, dscope, dd, s, sscope, sd, width, sstride, times, dstride, c->event)
                   : halo_compass_dma_copy(d, dscope, dd, s, sscope, sd, width, sstride, times, dstride);
    c->ok = called(rc) == 0;
    if (c->ok && (width < 0 || times < 0 || (times > 1 && (sstride < width || dstride < width))))
        fail("a copy with a negative count or a stride below its width was accepted");
    if (c->ok && width && times && (uint64_t)((times - 1) * dstride + width) * (uint64_t)c->itemsize > c->area)
        fail("the fuzzer drew a copy larger than its area"); /* a driver bug: its sizes are bounded */
    if (!c->async || !c->ok) check_copy(c);
}

static void events_call(char op, const long *tokens, int n) {
    int list[4];
    for (int i = 0; i < n; i++) list[i] = event_of(tokens[i]);
    int rc = called(op == 'F' ? halo_compass_free_events(list, n) : halo_compass_wait_events(list, n));
    if (rc == 0) {
        completed(list, n);
        if (op == 'F')
            for (int i = 0; i < n; i++) allocated[list[i]] = 0;
    }
}

static void alloc(int n) {
    int out[HELD];
    if (n > HELD) n = HELD;
    int before = in_use();
    if (called(halo_compass_alloc_events(n, out)) != 0) return;
    for (int i = 0; i < n; i++) {
        if (out[i] < 0 || out[i] >= halo_compass_event_limit() || allocated[out[i]]) fail("alloc gave an event in use or out of range");
        allocated[out[i]] = 1;
        if (nheld < HELD) held[nheld++] = out[i];
    }
    if (in_use() != before + n) fail("alloc gave an event twice");
}

static void reset(void) {
    called(halo_compass_reset());
    for (int i = 0; i < COPIES + LARGE_COPIES; i++)
        if (issued(i)) check_copy(&copies[i]);
    memset(allocated, 0, sizeof allocated);
    nheld = 0;
}

static void end_sequence(void) {
    for (int e = 0; e < halo_compass_max_events; e++)
        if (allocated[e]) called(halo_compass_wait_events(&e, 1));
    reset();
    if (memcmp(src, pristine_src, SRC_BYTES)) fail("a source changed");
    for (int i = ncopies; i < COPIES; i++)
        for (int b = 0; b < SMALL; b++)
            if (small_areas[i * SMALL + b] != FILL) fail("an unused area was written");
    memset(small_areas, FILL, (size_t)COPIES * SMALL);
    memset(large_areas, FILL, (size_t)nlarge * LARGE);
    ncopies = nlarge = 0;
    if (halo_compass_events_in_use() != 0 || halo_compass_event_limit() != halo_compass_default_events)
        fail("reset left events in use or another limit");
    printf("ok %ld\n", verified);
    fflush(stdout);
    verified = 0;
}

int main(void) {
    src = malloc(SRC_BYTES);
    pristine_src = malloc(SRC_BYTES);
    small_areas = malloc((size_t)COPIES * SMALL);
    large_areas = malloc((size_t)LARGE_COPIES * LARGE);
    if (!src || !pristine_src || !small_areas || !large_areas) fail("no memory");
    for (int i = 0; i < SRC_BYTES; i++) src[i] = pristine_src[i] = (uint8_t)(i * 131 + (i >> 9) + 1);
    memset(small_areas, FILL, (size_t)COPIES * SMALL);
    memset(large_areas, FILL, (size_t)LARGE_COPIES * LARGE);
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        line_no++;
        char op;
        long a[13] = {0};
        int n = sscanf(line, " %c %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", &op, &a[0], &a[1], &a[2],
                       &a[3], &a[4], &a[5], &a[6], &a[7], &a[8], &a[9], &a[10], &a[11], &a[12]) - 1;
        if (n < 0) continue;
        switch (op) {
        case 'C':
            copy((int)a[0], a[1], (int)a[2], (int)a[3], (int)a[4], (int)a[5], a[6], a[7], a[8], a[9], (int)a[10],
                 (int)a[11]);
            break;
        case 'E':
            alloc((int)a[0]);
            break;
        case 'F':
        case 'G':
            events_call(op, a, n > 4 ? 4 : n);
            break;
        case 'L':
            if (called(halo_compass_set_event_limit((int)a[0])) == 0 && (in_use() || a[0] < 1 || a[0] > 32))
                fail("the limit changed with events in use, or to an impossible value");
            break;
        case 'R':
            reset();
            break;
        case 'Q':
            if (halo_compass_events_in_use() != in_use()) fail("events in use differ from the calls' count");
            break;
        case 'Z':
            end_sequence();
            break;
        default:
            fail("an unknown call");
        }
    }
    free(src);
    free(pristine_src);
    free(small_areas);
    free(large_areas);
    return 0;
}
