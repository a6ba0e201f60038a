/* Runs one Halide pipeline compiled by Halide 21 for hexagon-32-noos-hvx-hvx_128 (a 2-D uint8
 * input and a 2-D uint8 output, `int HALIDE_FN(halide_buffer_t *in, halide_buffer_t *out)`)
 * under qemu-hexagon, on halo's freestanding runtime (its _start, syscalls and arena).
 *
 * stdin, little-endian int32: input min x, min y, extent x, extent y, stride y; output width,
 * height; then the input rows (stride y bytes each). stdout: the output rows. */
#include "halo_runtime.h"
#include "hexagon/halo_hexagon_start.h"

/* The halide_buffer_t ABI (HalideRuntime.h of Halide 21). The header itself needs a libc
 * (string.h), which this build does not have. */
typedef struct { uint8_t code, bits; uint16_t lanes; } halide_type_t;
typedef struct { int32_t min, extent, stride; uint32_t flags; } halide_dimension_t;
typedef struct {
    uint64_t device;
    const void *device_interface;
    uint8_t *host;
    uint64_t flags;
    halide_type_t type;
    int32_t dimensions;
    halide_dimension_t *dim;
    void *padding;
} halide_buffer_t;

int HALIDE_FN(halide_buffer_t *in, halide_buffer_t *out);

/* ---- what Halide's noos runtime imports ---------------------------------------------------
 * The pipeline calls malloc / free for its allocations (halo's arena, as halo's pipelines use)
 * and the HVX lock; getenv finds nothing (there is no environment) and there is no VTCM. The
 * rest is reached only from code the pipelines here never run (the profiler, debug options),
 * so it ends the run loudly rather than guess. */
void *malloc(size_t n) { return halo_malloc(0, n); }
void free(void *p) { halo_free(0, p); }
int qurt_hvx_lock(int mode) { (void)mode; return 0; }
int qurt_hvx_unlock(void) { return 0; }
/* VTCM (targets v65 and later): a schedule's request fails, and Halide reports it */
void *HAP_request_VTCM(unsigned int size, unsigned int single_page) { (void)size; (void)single_page; return 0; }
int HAP_release_VTCM(void *p) { (void)p; return 0; }
char *getenv(const char *name) { (void)name; return 0; }

static size_t length(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
void halide_print(void *uc, const char *msg) { (void)uc; halo_hexagon_write_all(2, msg, length(msg)); }
/* the pipeline then returns its error code, which the driver reports */
void halide_error(void *uc, const char *msg) { halide_print(uc, msg); }
__attribute__((noreturn)) void abort(void) { halo_hexagon_exit(134); }

static __attribute__((noreturn)) void unsupported(const char *what) {
    halide_print(0, what);
    halide_print(0, ": not provided by the halo Halide driver\n");
    halo_hexagon_exit(4);
}
int atoi(const char *s) { (void)s; unsupported("atoi"); }
void *fopen(const char *p, const char *m) { (void)p; (void)m; unsupported("fopen"); }
/* compiler-rt's Hexagon double helpers: Halide's runtime uses doubles only for timing */
double __hexagon_adddf3(double a, double b) { (void)a; (void)b; unsupported("__hexagon_adddf3"); }
double __hexagon_muldf3(double a, double b) { (void)a; (void)b; unsupported("__hexagon_muldf3"); }
double __hexagon_divdf3(double a, double b) { (void)a; (void)b; unsupported("__hexagon_divdf3"); }

void __attribute__((noinline)) halide_hexagon_mark(void) { __asm__ volatile("" ::: "memory"); }

int halo_hexagon_main(void) {
    int32_t h[7];
    if (halo_hexagon_read_exact(h, sizeof h)) return halo_hexagon_fail("reading the sizes");
    unsigned long in_bytes = (unsigned long)h[4] * (unsigned long)h[3];
    unsigned long out_bytes = (unsigned long)h[5] * (unsigned long)h[6];
    uint8_t *in_host = halo_malloc(0, in_bytes), *out_host = halo_malloc(0, out_bytes);
    if (!in_host || !out_host) return halo_hexagon_fail("allocating the buffers");
    if (halo_hexagon_read_exact(in_host, in_bytes)) return halo_hexagon_fail("reading the input");
    halide_dimension_t in_dim[2] = {{h[0], h[2], 1, 0}, {h[1], h[3], h[4], 0}};
    halide_dimension_t out_dim[2] = {{0, h[5], 1, 0}, {0, h[6], h[5], 0}};
    halide_buffer_t in = {0, 0, in_host, 0, {1, 8, 1}, 2, in_dim, 0};
    halide_buffer_t out = {0, 0, out_host, 0, {1, 8, 1}, 2, out_dim, 0};
    halide_hexagon_mark();
    int rc = HALIDE_FN(&in, &out);
    halide_hexagon_mark();
    if (rc) {
        halide_print(0, "the Halide pipeline failed\n");
        return 1;
    }
    if (halo_hexagon_write_all(1, out_host, out_bytes)) return halo_hexagon_fail("writing the output");
    return 0;
}
