/* halo runtime: the event-based DMA of the Zhouyi Compass DSL (seed 000), simulated.
 *
 *   dma_copy(dst, src, width, src_stride, times, dst_stride)
 *   for i in 0..times-1: dst[i*dst_stride .. +width] = src[i*src_stride .. +width]
 *
 * Counts are elements of the pointee type, not bytes. Each pointer is given with its scope and
 * dtype, as S.ptr(dtype, scope) carries them; the rules are the DSL's (compile-time checks and
 * the PySim runtime checks, shared/reference/formats_and_dma_engines.md section E):
 *   - dst and src have the same dtype; neither scope is "constant";
 *   - no copy between lsram / shared and lsram / shared;
 *   - width >= 0, times >= 0, src_stride >= width, dst_stride >= width;
 *   - sync: width * times <= (2^32 - 1) / itemsize; an lsram side: width <= 32 KiB / itemsize;
 *     an lsram (shared) side: its stride and width * times <= 32 KiB (256 KiB) / itemsize;
 *   - async: width <= 0xFFFF / itemsize, strides and width * times <= 0xFFFFFF / itemsize.
 * A width or times of 0 moves nothing (after the checks).
 *
 * Events: a per-target pool (4 by default, as on X2 / X3 TECs); alloc takes the lowest free
 * indices; async copies on one event run one after another (a copy on a busy event first
 * waits for it), copies on different events run at the same time on the host; wait blocks
 * until the events' copies are done; free waits, then releases. Using an event that is not
 * allocated, or was released, is an error. A synchronous copy takes one of the 3 hardware
 * sync flags that the events 0..2 share, so it never runs on a flag an async copy holds.
 * Freestanding builds run every copy to completion inside the call. */
#ifndef HALO_COMPASS_DMA_H
#define HALO_COMPASS_DMA_H

#ifndef HALO_CFFI
#include <stdint.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum halo_compass_scope_t {
    halo_compass_global = 0, /* "global": DDR of ASID 0 */
    halo_compass_global1 = 1,
    halo_compass_global2 = 2,
    halo_compass_global3 = 3,
    halo_compass_lsram = 4,   /* per-TEC local SRAM */
    halo_compass_shared = 5,  /* SRAM shared by the TECs of a core */
    halo_compass_private = 6, /* TEC stack ("local"); addressed like global */
    halo_compass_constant = 7 /* never a DMA operand */
} halo_compass_scope_t;

/* dtype = (halo_type_code_t << 8) | bits */
typedef enum halo_compass_dtype_t {
    halo_compass_int8 = 0x0008,
    halo_compass_int16 = 0x0010,
    halo_compass_int32 = 0x0020,
    halo_compass_uint8 = 0x0108,
    halo_compass_uint16 = 0x0110,
    halo_compass_uint32 = 0x0120,
    halo_compass_float16 = 0x0210,
    halo_compass_float32 = 0x0220
} halo_compass_dtype_t;

typedef enum halo_compass_error_t {
    halo_compass_error_null_pointer = -300,
    halo_compass_error_dtype_mismatch = -301,
    halo_compass_error_bad_dtype = -302,
    halo_compass_error_bad_scope = -303,
    halo_compass_error_constant_scope = -304,
    halo_compass_error_scope_pair = -305,
    halo_compass_error_negative = -306,
    halo_compass_error_stride = -307,
    halo_compass_error_limit = -308,
    halo_compass_error_event_count = -309,
    halo_compass_error_events_exhausted = -310,
    halo_compass_error_event_not_allocated = -311,
    halo_compass_error_event_released = -312,
    halo_compass_error_event_limit = -313,
    halo_compass_error_event_repeated = -314
} halo_compass_error_t;

enum {
    halo_compass_default_events = 4,
    halo_compass_max_events = 32, /* the event state is a 32-bit mask */
    halo_compass_sync_flags = 3   /* hardware sync flags per TEC */
};

int halo_compass_dma_copy(void *dst, int dst_scope, int dst_dtype, const void *src,
                          int src_scope, int src_dtype, int64_t width, int64_t src_stride,
                          int64_t times, int64_t dst_stride);
int halo_compass_async_dma_copy(void *dst, int dst_scope, int dst_dtype, const void *src,
                                int src_scope, int src_dtype, int64_t width,
                                int64_t src_stride, int64_t times, int64_t dst_stride,
                                int event);

/* alloc writes n event indices to out; wait / free take n >= 1 events. */
int halo_compass_alloc_events(int n, int *out);
int halo_compass_wait_events(const int *events, int n);
int halo_compass_free_events(const int *events, int n);

/* The size of the event pool (1..32); changing it fails while any event is allocated. */
int halo_compass_set_event_limit(int n);
int halo_compass_event_limit(void);
/* How many events are allocated now. */
int halo_compass_events_in_use(void);

/* A simulated bandwidth in MB/s for every copy (0, the default: memory speed), so that what
 * overlapping copies with compute buys shows on the host as it would on a device. */
int halo_compass_set_bandwidth_model(uint32_t mb_per_s);
uint32_t halo_compass_bandwidth_model(void);

/* Waits for every copy, releases every event (all become never-allocated), stops the worker
 * threads and restores the default limit and bandwidth model. */
int halo_compass_reset(void);

#ifdef __cplusplus
}
#endif

#endif /* HALO_COMPASS_DMA_H */
