/* Compass DMA: moving the data of one checked copy. */
#include "compass_internal.h"

void compass_run(const compass_copy_t *copy, const char *name, const char *track) {
    uint64_t start = halo_trace_enabled() ? halo_time_ns() : 0;
    for (uint64_t i = 0; i < copy->rows; i++) {
        memmove(copy->dst + i * copy->dst_stride, copy->src + i * copy->src_stride,
                (size_t)copy->row_bytes);
    }
    if (halo_trace_enabled()) {
        halo_trace_record("dma", name, track, copy->row_bytes * copy->rows, start,
                          halo_time_ns());
    }
}
