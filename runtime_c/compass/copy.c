/* Compass DMA: moving the data of one checked copy, at memory speed or under the bandwidth
 * model (a copy then takes at least its bytes / bandwidth: the simulator's own assumption [SIM],
 * as for the UBWCDMA engines). */
#include "compass_internal.h"

static uint32_t mb_per_s; /* 0: no model */
static halo_mutex_t model_lock = HALO_MUTEX_INITIALIZER;

int halo_compass_set_bandwidth_model(uint32_t value) {
    halo_mutex_lock(&model_lock);
    mb_per_s = value;
    halo_mutex_unlock(&model_lock);
    return 0;
}

uint32_t halo_compass_bandwidth_model(void) {
    halo_mutex_lock(&model_lock);
    uint32_t value = mb_per_s;
    halo_mutex_unlock(&model_lock);
    return value;
}

void compass_run(const compass_copy_t *copy, const char *name, const char *track) {
    uint64_t bw = halo_compass_bandwidth_model();
    uint64_t start = halo_trace_enabled() || bw ? halo_time_ns() : 0;
    for (uint64_t i = 0; i < copy->rows; i++) {
        memmove(copy->dst + i * copy->dst_stride, copy->src + i * copy->src_stride,
                (size_t)copy->row_bytes);
    }
    if (bw) {
        halo_time_after(start, copy->row_bytes * copy->rows * 1000u / bw); /* bytes / (MB/s) = us */
    }
    if (halo_trace_enabled()) {
        halo_trace_record("dma", name, track, copy->row_bytes * copy->rows, start,
                          halo_time_ns());
    }
}
