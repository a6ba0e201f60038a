/* Running one descriptor: linear planes row by row, UBWC planes tile by tile through the
 * codec. Counts the DDR bytes really touched (payloads and meta bytes for UBWC) and the bytes
 * the linear form of the same rectangle would take. */
#include "ubwcdma_internal.h"

typedef struct roi_t {
    int32_t first, n;  /* samples */
    int32_t r0, rows;  /* plane rows */
    int32_t ls, choff; /* local sample bytes, U->V distance (0 = interleaved) */
} roi_t;

static roi_t plane_roi(const halo_ubwcdma_desc_t *d, const plane_geom_t *g) {
    roi_t r = {d->roi_x, d->roi_width, d->roi_y, d->roi_height, ubwc_local_sample_bytes(g->kind),
               d->local_chroma_offset};
    if (g->chroma) {
        r.r0 = d->roi_y / 2;
        r.rows = (d->roi_y + d->roi_height + 1) / 2 - r.r0;
    }
    return r;
}

/* Local byte offset of sample j of the ROI row (j even when de-interleaved). */
static int64_t local_col(const roi_t *r, int32_t j) {
    return r->choff ? (int64_t)(j >> 1) * r->ls : (int64_t)j * r->ls;
}

static uint64_t linear_bytes(sample_kind_t k, int32_t first, int32_t n) {
    if (k == sample_tp10) return (uint64_t)((first + n + 2) / 3 - first / 3) * 4;
    return (uint64_t)ubwc_row_bytes(k, n);
}

static void run_linear(const halo_ubwcdma_desc_t *d, const plane_geom_t *g, const roi_t *r) {
    for (int32_t i = 0; i < r->rows; i++) {
        uint8_t *ddr = d->plane + (int64_t)(r->r0 + i) * g->stride;
        uint8_t *loc = d->local + (int64_t)i * d->local_stride;
        if (d->direction == halo_dma_read) ubwc_row_to_local(g->kind, ddr, r->first, r->n, loc, r->choff);
        else ubwc_row_from_local(g->kind, ddr, r->first, r->n, loc, r->choff);
    }
}

/* One tile of a UBWC plane: rows [tr0, tr1) and samples [ts0, ts1) of it lie in the ROI. */
static int run_tile(void *uc, const halo_ubwcdma_desc_t *d, const plane_geom_t *g,
                    const roi_t *r, int32_t tx, int32_t ty, uint64_t *ddr_bytes) {
    codec_shape_t shape = {g->kind, g->tile_samples, g->chroma ? 2 : 1};
    uint8_t *slot = d->plane + ubwc_tile_offset(g, tx, ty);
    uint8_t *meta = d->plane + (int64_t)ty * g->meta_stride + tx;
    int32_t x0 = tx * g->tile_samples, y0 = ty * g->tile_rows;
    int32_t x1 = x0 + g->tile_samples < g->samples ? x0 + g->tile_samples : g->samples;
    int32_t y1 = y0 + g->tile_rows < g->rows ? y0 + g->tile_rows : g->rows;
    int32_t ts0 = x0 > r->first ? x0 : r->first, ts1 = x1 < r->first + r->n ? x1 : r->first + r->n;
    int32_t tr0 = y0 > r->r0 ? y0 : r->r0, tr1 = y1 < r->r0 + r->rows ? y1 : r->r0 + r->rows;
    uint8_t tile[256];
    if (d->direction == halo_dma_read) {
        int32_t got = ubwc_decode_tile(&shape, *meta, slot, tile);
        if (got < 0)
            return halo_error(uc, halo_error_dma_corrupt,
                              "UBWCDMA: tile (%d, %d) of the plane at %p has an invalid meta byte "
                              "0x%x or payload", tx, ty, (void *)d->plane, (unsigned)*meta);
        *ddr_bytes += (uint64_t)got + 1;
    } else {
        /* The ROI grid makes every written tile's valid part lie wholly inside the ROI, so a
         * write never needs the old tile; its padding beyond the frame edge is zero, as in pack. */
        memset(tile, 0, sizeof tile);
    }
    for (int32_t y = tr0; y < tr1; y++) {
        uint8_t *trow = tile + (y - y0) * g->tile_bytes;
        uint8_t *loc = d->local + (int64_t)(y - r->r0) * d->local_stride + local_col(r, ts0 - r->first);
        if (d->direction == halo_dma_read) ubwc_row_to_local(g->kind, trow, ts0 - x0, ts1 - ts0, loc, r->choff);
        else ubwc_row_from_local(g->kind, trow, ts0 - x0, ts1 - ts0, loc, r->choff);
    }
    if (d->direction == halo_dma_write) {
        uint8_t payload[256];
        int32_t bytes = ubwc_encode_tile(&shape, tile, payload, meta);
        memcpy(slot, payload, (size_t)bytes);
        *ddr_bytes += (uint64_t)bytes + 1;
    }
    return 0;
}

int ubwc_run_desc(void *uc, const halo_ubwcdma_desc_t *d, const plane_geom_t *g,
                  uint64_t *ddr_bytes, uint64_t *uncompressed_bytes) {
    roi_t r = plane_roi(d, g);
    uint64_t linear = linear_bytes(g->kind, r.first, r.n) * (uint64_t)r.rows;
    *uncompressed_bytes += linear;
    if (!g->ubwc) {
        run_linear(d, g, &r);
        *ddr_bytes += linear;
        return 0;
    }
    for (int32_t ty = r.r0 / g->tile_rows; ty <= (r.r0 + r.rows - 1) / g->tile_rows; ty++)
        for (int32_t tx = r.first / g->tile_samples; tx <= (r.first + r.n - 1) / g->tile_samples; tx++) {
            int e = run_tile(uc, d, g, &r, tx, ty, ddr_bytes);
            if (e) return e;
        }
    return 0;
}

int halo_ubwcdma_execute(void *uc, const halo_ubwcdma_desc_t *d, uint64_t *ddr_bytes,
                         uint64_t *uncompressed_bytes) {
    plane_geom_t g;
    int e = ubwc_check_desc(uc, d, &g);
    if (e) return e;
    uint64_t ddr = 0, unc = 0;
    e = ubwc_run_desc(uc, d, &g, &ddr, &unc);
    if (ddr_bytes) *ddr_bytes = ddr;
    if (uncompressed_bytes) *uncompressed_bytes = unc;
    return e;
}
