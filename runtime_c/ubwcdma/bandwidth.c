/* A simulated DMA bandwidth: the engines themselves copy at memory speed, which hides what
 * asynchronous schedules buy on a real device. With a model set, a transfer takes at least
 * ddr_bytes / bandwidth, and the bandwidth follows the power corner in effect. The per-corner
 * factors are the simulator's own assumption [SIM]; no public source gives the real figures. */
#include "ubwcdma_internal.h"

static uint32_t turbo_mb_per_s; /* 0: no model */

int halo_hexagon_dma_set_bandwidth_model(uint32_t mb_per_s_at_turbo) {
    turbo_mb_per_s = mb_per_s_at_turbo;
    return 0;
}

uint32_t halo_hexagon_dma_bandwidth_model(void) { return turbo_mb_per_s; }

/* The least time a transfer of `bytes` DDR bytes may take at the current corner (0: no model). */
uint64_t ubwc_transfer_floor_ns(uint64_t bytes) {
    static const uint32_t percent[] = {20, 25, 40, 50, 65, 80, 100}; /* MIN_SVS .. TURBO */
    uint32_t bw = turbo_mb_per_s;
    if (bw == 0) return 0;
    int corner = halo_hexagon_dma_power_corner();
    if (corner < 0 || corner > 6) corner = 6;
    uint64_t mb_per_s = (uint64_t)bw * percent[corner] / 100;
    if (mb_per_s == 0) mb_per_s = 1;
    return bytes * 1000u / mb_per_s; /* bytes / (MB/s) = us; * 1000 = ns */
}
