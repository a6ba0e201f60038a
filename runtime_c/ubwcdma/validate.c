/* The descriptor rules. Each failure has its own code and a message naming the rule and the
 * numbers, so a schedule author can tell which constraint the tile broke.
 * ROI alignment grid (the driver's tables are not public; reference C.3 [SIM]): UBWC ROIs
 * start and end on tile boundaries of the plane (NV12 Y 32x8, UV 16 pairs x 8 rows = 32x16 in
 * luma units; NV12-4R 64x4; P010 32x4; TP10 48x4; UV rows doubled), except that an ROI may end
 * at the frame's edge. Linear: any pixel, except chroma (whole pairs, even luma rows) and TP10
 * (whole 32-bit words: 3 samples; 6 luma columns for chroma). */
#include "ubwcdma_internal.h"

static int32_t local_bytes_per_row(const plane_geom_t *g, const halo_ubwcdma_desc_t *d) {
    int32_t ls = ubwc_local_sample_bytes(g->kind);
    return d->local_chroma_offset ? d->roi_width / 2 * ls : d->roi_width * ls;
}

static int check_roi_alignment(void *uc, const halo_ubwcdma_desc_t *d, const plane_geom_t *g,
                               int32_t bound_w, int32_t bound_h) {
    int32_t ax = 1, ay = 1;
    if (g->ubwc) {
        ax = g->tile_samples;
        ay = g->chroma ? 2 * g->tile_rows : g->tile_rows;
    } else {
        if (g->kind == sample_tp10) ax = g->chroma ? 6 : 3;
        else if (g->chroma) ax = 2;
        if (g->chroma) ay = 2;
    }
    bool x_ok = d->roi_x % ax == 0 && (d->roi_width % ax == 0 || d->roi_x + d->roi_width == bound_w);
    bool y_ok = d->roi_y % ay == 0 && (d->roi_height % ay == 0 || d->roi_y + d->roi_height == bound_h);
    if (x_ok && y_ok) return 0;
    return halo_error(uc, halo_error_dma_roi_alignment,
                      "UBWCDMA: ROI x %d, width %d, y %d, height %d of format %d (%s) must lie on "
                      "a %dx%d grid (luma units; an ROI may end at the frame edge %dx%d)",
                      d->roi_x, d->roi_width, d->roi_y, d->roi_height, d->fmt,
                      g->ubwc ? "UBWC" : "linear", ax, ay, bound_w, bound_h);
}

int ubwc_check_desc(void *uc, const halo_ubwcdma_desc_t *d, plane_geom_t *g) {
    if (!d) return halo_error(uc, halo_error_bad_argument, "UBWCDMA: descriptor is NULL");
    int fmt = d->fmt;
    bool transferable = fmt == halo_hexagon_fmt_RawData ||
                        (fmt > 0 && fmt <= halo_hexagon_fmt_NV124R_UV && ubwc_family(fmt) != fmt);
    if (!transferable)
        return halo_error(uc, halo_error_dma_bad_format,
                          "UBWCDMA: format %d cannot be transferred: a descriptor moves one plane "
                          "(RawData 0 or a *_Y / *_UV format)", fmt);
    if (fmt == halo_hexagon_fmt_RawData && d->is_ubwc)
        return halo_error(uc, halo_error_dma_bad_format, "UBWCDMA: RawData has no UBWC form");
    if (d->direction != halo_dma_read && d->direction != halo_dma_write)
        return halo_error(uc, halo_error_dma_bad_direction,
                          "UBWCDMA: direction %d is neither read (0) nor write (1)", d->direction);
    if (!d->plane || !d->local)
        return halo_error(uc, halo_error_bad_argument, "UBWCDMA: %s address is NULL",
                          d->plane ? "local" : "frame");
    bool chroma = ubwc_is_chroma(fmt);
    if (!ubwc_plane_geom(ubwc_family(fmt), chroma, d->is_ubwc, d->frame_width, d->frame_height,
                         d->frame_stride, g))
        return halo_error(uc, halo_error_dma_bad_frame,
                          "UBWCDMA: frame %dx%d outside the driver's range 1..65535",
                          d->frame_width, d->frame_height);
    if (!g->ubwc) {
        int32_t unit = g->kind == sample_tp10 ? 4 : g->kind == sample_p010 ? 2 : 1;
        if (d->frame_stride < g->row_bytes || d->frame_stride % unit)
            return halo_error(uc, halo_error_dma_bad_stride,
                              "UBWCDMA: linear frame stride %d bytes must be >= the row's %d bytes "
                              "and a multiple of %d", d->frame_stride, g->row_bytes, unit);
    }
    int32_t plane_align = g->ubwc ? 4096 : g->kind == sample_tp10 ? 4 : g->kind == sample_p010 ? 2 : 1;
    if ((uintptr_t)d->plane % (uintptr_t)plane_align)
        return halo_error(uc, halo_error_dma_frame_alignment,
                          "UBWCDMA: plane address %p must be %d-byte aligned", (void *)d->plane,
                          plane_align);
    int32_t bound_w = g->samples, bound_h = chroma ? 2 * g->rows : g->rows;
    if (d->roi_width <= 0 || d->roi_height <= 0 || d->roi_x < 0 || d->roi_y < 0 ||
        d->roi_x > bound_w - d->roi_width || d->roi_y > bound_h - d->roi_height)
        return halo_error(uc, halo_error_dma_roi_bounds,
                          "UBWCDMA: ROI x %d, y %d, %dx%d is empty or outside the frame %dx%d",
                          d->roi_x, d->roi_y, d->roi_width, d->roi_height, bound_w, bound_h);
    int r = check_roi_alignment(uc, d, g, bound_w, bound_h);
    if (r) return r;
    int32_t ls = ubwc_local_sample_bytes(g->kind);
    int32_t local_align = g->ubwc ? 256 : ls;
    if ((uintptr_t)d->local % (uintptr_t)local_align)
        return halo_error(uc, halo_error_dma_local_alignment,
                          "UBWCDMA: local address %p must be %d-byte aligned for %s transfers",
                          (void *)d->local, local_align, g->ubwc ? "UBWC" : "this format's");
    if (d->local_chroma_offset && !chroma)
        return halo_error(uc, halo_error_dma_local_layout,
                          "UBWCDMA: only UV planes can be de-interleaved (chroma offset %d)",
                          d->local_chroma_offset);
    int32_t row = local_bytes_per_row(g, d);
    if (d->local_stride < row || d->local_stride % ls)
        return halo_error(uc, halo_error_dma_local_stride,
                          "UBWCDMA: local stride %d bytes must be >= the ROI row's %d bytes and a "
                          "multiple of %d", d->local_stride, row, ls);
    int32_t off = d->local_chroma_offset < 0 ? -d->local_chroma_offset : d->local_chroma_offset;
    if (off && (off % ls || off < row))
        return halo_error(uc, halo_error_dma_local_layout,
                          "UBWCDMA: de-interleaved V plane at %d bytes overlaps the U row of %d "
                          "bytes or is not a multiple of %d", d->local_chroma_offset, row, ls);
    return 0;
}
