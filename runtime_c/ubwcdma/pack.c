/* Whole-frame pack / unpack: one full-plane descriptor per plane, run through the same code as
 * the engines, so frames and DMA can never disagree about a layout or the codec. */
#include "ubwcdma_internal.h"

/* Rebuilds the layout from its defining fields and requires an exact match, so a hand-made or
 * stale layout cannot send the engine outside the frame. */
static int check_layout(const halo_frame_layout_t *l) {
    if (!l) return halo_error(NULL, halo_error_bad_argument, "frame layout is NULL");
    halo_frame_layout_t again;
    int e = halo_frame_layout(l->fmt, l->is_ubwc, l->width, l->height,
                              l->is_ubwc ? 0 : l->y_stride, l->is_ubwc ? 0 : l->y_scanlines, &again);
    if (e) return e;
    if (memcmp(&again, l, sizeof again))
        return halo_error(NULL, halo_error_bad_argument,
                          "frame layout fields are inconsistent; build it with halo_frame_layout");
    return 0;
}

/* Full-plane descriptor of plane `chroma` of the frame. */
static halo_ubwcdma_desc_t plane_desc(const halo_frame_layout_t *l, bool chroma, uint8_t *frame,
                                      void *local, int32_t pitch, int direction,
                                      plane_geom_t *g) {
    int family = l->fmt;
    ubwc_plane_geom(family, chroma, l->is_ubwc, l->width, l->height, l->y_stride, g);
    halo_ubwcdma_desc_t d = {0};
    d.fmt = family == halo_hexagon_fmt_RawData ? 0 : family + (chroma ? 2 : 1);
    d.is_ubwc = l->is_ubwc;
    d.direction = direction;
    d.plane = frame + (chroma ? l->uv_meta_offset : l->y_meta_offset);
    d.frame_width = l->width;
    d.frame_height = l->height;
    d.frame_stride = l->is_ubwc ? 0 : l->y_stride;
    d.roi_width = g->samples;
    d.roi_height = chroma ? 2 * g->rows : g->rows;
    d.local = local;
    d.local_stride = pitch * ubwc_local_sample_bytes(g->kind);
    return d;
}

static int run_planes(const halo_frame_layout_t *l, uint8_t *frame, void *y, int32_t y_pitch,
                      void *uv, int32_t uv_pitch, int direction) {
    uint64_t ddr = 0, unc = 0;
    plane_geom_t g;
    halo_ubwcdma_desc_t d = plane_desc(l, false, frame, y, y_pitch, direction, &g);
    if (!y || y_pitch < g.samples)
        return halo_error(NULL, halo_error_bad_argument, "frame: Y plane missing or pitch %d < %d",
                          y_pitch, g.samples);
    int e = ubwc_run_desc(NULL, &d, &g, &ddr, &unc);
    if (e || l->fmt == halo_hexagon_fmt_RawData) return e;
    d = plane_desc(l, true, frame, uv, uv_pitch, direction, &g);
    if (!uv || uv_pitch < g.samples)
        return halo_error(NULL, halo_error_bad_argument, "frame: UV plane missing or pitch %d < %d",
                          uv_pitch, g.samples);
    return ubwc_run_desc(NULL, &d, &g, &ddr, &unc);
}

int halo_frame_pack(const halo_frame_layout_t *l, const void *y, int32_t y_pitch, const void *uv,
                    int32_t uv_pitch, uint8_t *frame) {
    int e = check_layout(l);
    if (e) return e;
    if (!frame) return halo_error(NULL, halo_error_bad_argument, "halo_frame_pack: frame is NULL");
    memset(frame, 0, (size_t)l->size);
    /* the write path only reads local memory; the descriptor type is shared with reads */
    return run_planes(l, frame, (void *)(uintptr_t)y, y_pitch, (void *)(uintptr_t)uv, uv_pitch,
                      halo_dma_write);
}

int halo_frame_unpack(const halo_frame_layout_t *l, const uint8_t *frame, void *y, int32_t y_pitch,
                      void *uv, int32_t uv_pitch) {
    int e = check_layout(l);
    if (e) return e;
    if (!frame) return halo_error(NULL, halo_error_bad_argument, "halo_frame_unpack: frame is NULL");
    return run_planes(l, (uint8_t *)(uintptr_t)frame, y, y_pitch, uv, uv_pitch, halo_dma_read);
}

static uint64_t plane_ddr_bytes(const plane_geom_t *g, const uint8_t *plane) {
    if (!g->ubwc) return (uint64_t)g->row_bytes * (uint64_t)g->rows;
    uint64_t total = 0;
    int32_t tiles_x = (g->samples + g->tile_samples - 1) / g->tile_samples;
    int32_t tiles_y = (g->rows + g->tile_rows - 1) / g->tile_rows;
    for (int32_t ty = 0; ty < tiles_y; ty++)
        for (int32_t tx = 0; tx < tiles_x; tx++) {
            uint8_t m = plane[(int64_t)ty * g->meta_stride + tx];
            total += 1 + (m ? (uint64_t)(((m >> 1) & 7) + 1) * 32 : 0);
        }
    return total;
}

int halo_frame_ddr_bytes(const halo_frame_layout_t *l, const uint8_t *frame, uint64_t *out) {
    int e = check_layout(l);
    if (e) return e;
    if (!frame || !out) return halo_error(NULL, halo_error_bad_argument, "halo_frame_ddr_bytes: NULL");
    plane_geom_t g;
    ubwc_plane_geom(l->fmt, false, l->is_ubwc, l->width, l->height, l->y_stride, &g);
    uint64_t total = plane_ddr_bytes(&g, frame + l->y_meta_offset);
    if (l->fmt != halo_hexagon_fmt_RawData) {
        ubwc_plane_geom(l->fmt, true, l->is_ubwc, l->width, l->height, l->y_stride, &g);
        total += plane_ddr_bytes(&g, frame + l->uv_meta_offset);
    }
    *out = total;
    return 0;
}
