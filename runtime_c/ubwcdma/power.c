/* UBWCDMA power votes: Halide's mode -> corner table (reference halide_hexagon_dma.md section 1),
 * with the seed's rules: a vote needs an allocated engine, a corner the device lacks runs at the
 * next higher supported one, and the default comes back when the last engine is released.
 * The driver's default corner (what Halide's ~PW_SVS "remove my vote" leaves) is taken as SVS.
 *
 * The power state has its own lock, a leaf: engine workers read the corner (bandwidth model)
 * while deallocate_engine holds the pool lock waiting for them, so it must not be the pool lock.
 * Lock order (see ubwcdma_internal.h): pool lock, then engine lock, then power lock. */
#include "ubwcdma_internal.h"

static const int mode_corner[] = {
    [halo_hexagon_power_low] = halo_dma_pw_svs,
    [halo_hexagon_power_nominal] = halo_dma_pw_normal,
    [halo_hexagon_power_turbo] = halo_dma_pw_turbo,
    [halo_hexagon_power_default] = halo_dma_pw_svs,
    [halo_hexagon_power_low_plus] = halo_dma_pw_svs_l1,
    [halo_hexagon_power_low_2] = halo_dma_pw_svs2,
    [halo_hexagon_power_nominal_plus] = halo_dma_pw_normal_l1,
};

#define DEFAULT_CORNERS                                                                         \
    ((1u << halo_dma_pw_svs) | (1u << halo_dma_pw_svs_l1) | (1u << halo_dma_pw_normal) |       \
     (1u << halo_dma_pw_turbo))

static halo_mutex_t power_lock = HALO_MUTEX_INITIALIZER;
static halo_hexagon_power_mode_t mode = halo_hexagon_power_default;
static uint32_t supported = DEFAULT_CORNERS;

static int supported_corner(int corner) {
    while (!(supported & (1u << corner))) corner++; /* TURBO is always supported */
    return corner;
}

void ubwc_power_restore_default(void) {
    halo_mutex_lock(&power_lock);
    mode = halo_hexagon_power_default;
    halo_mutex_unlock(&power_lock);
}

int halo_hexagon_dma_power_mode_voting(void *uc, halo_hexagon_power_mode_t m) {
    if ((int)m < 0 || (int)m > halo_hexagon_power_nominal_plus)
        return halo_error(uc, halo_error_dma_bad_power_mode, "power_mode_voting: power mode (%d) not found",
                          (int)m);
    halo_mutex_lock(&ubwc_pool_lock);
    if (!ubwc_engines_in_use_locked()) {
        halo_mutex_unlock(&ubwc_pool_lock);
        return halo_error(uc, halo_error_dma_power_no_engine,
                          "power_mode_voting: vote after allocating a UBWCDMA engine");
    }
    halo_mutex_lock(&power_lock);
    mode = m;
    halo_mutex_unlock(&power_lock);
    halo_mutex_unlock(&ubwc_pool_lock);
    return 0;
}

halo_hexagon_power_mode_t halo_hexagon_dma_power_mode(void) {
    halo_mutex_lock(&power_lock);
    halo_hexagon_power_mode_t m = mode;
    halo_mutex_unlock(&power_lock);
    return m;
}

int halo_hexagon_dma_power_corner(void) {
    halo_mutex_lock(&power_lock);
    int c = supported_corner(mode_corner[mode]);
    halo_mutex_unlock(&power_lock);
    return c;
}

int halo_hexagon_dma_set_supported_corners(uint32_t mask) {
    if (!(mask & (1u << halo_dma_pw_turbo)) || (mask >> (halo_dma_pw_turbo + 1)))
        return halo_error(NULL, halo_error_bad_argument,
                          "set_supported_corners: mask 0x%x must include TURBO (bit 6) and no bit "
                          "above it", (unsigned)mask);
    halo_mutex_lock(&power_lock);
    supported = mask;
    halo_mutex_unlock(&power_lock);
    return 0;
}

uint32_t halo_hexagon_dma_supported_corners(void) {
    halo_mutex_lock(&power_lock);
    uint32_t m = supported;
    halo_mutex_unlock(&power_lock);
    return m;
}
