/* Compass DMA: declarations shared by the files of runtime_c/compass/ (not a public header). */
#ifndef HALO_COMPASS_INTERNAL_H
#define HALO_COMPASS_INTERNAL_H

#include "../core/halo_core.h"
#include "../halo_compass_dma.h"

/* A checked copy in bytes: rows of row_bytes, every src_stride / dst_stride bytes. */
typedef struct compass_copy_t {
    uint8_t *dst;
    const uint8_t *src;
    uint64_t row_bytes, rows, src_stride, dst_stride;
} compass_copy_t;

/* Applies every rule of the sync (async = false) or async path and fills *copy; returns 0 or
 * the error of the first rule broken. */
int compass_check(bool async, void *dst, int dst_scope, int dst_dtype, const void *src,
                  int src_scope, int src_dtype, int64_t width, int64_t src_stride,
                  int64_t times, int64_t dst_stride, compass_copy_t *copy);

/* Moves the data and records the transfer in the trace on `track`. */
void compass_run(const compass_copy_t *copy, const char *name, const char *track);

#endif /* HALO_COMPASS_INTERNAL_H */
