/* Frame and plane geometry: linear layouts and the UBWC formulas of
 * shared/reference/formats_and_dma_engines.md (A.4 tile shapes, A.5 strides, scanlines, meta
 * planes, 4096-byte plane alignment). */
#include "ubwcdma_internal.h"

static int64_t align64(int64_t n, int64_t a) { return (n + a - 1) / a * a; }
static int32_t align32(int32_t n, int32_t a) { return (n + a - 1) / a * a; }
static int32_t ceil_div(int32_t n, int32_t d) { return (n + d - 1) / d; }

static sample_kind_t family_kind(int family) {
    if (family == halo_hexagon_fmt_P010) return sample_p010;
    if (family == halo_hexagon_fmt_TP10) return sample_tp10;
    return sample_u8;
}

int32_t ubwc_row_bytes(sample_kind_t kind, int32_t samples) {
    if (kind == sample_p010) return samples * 2;
    if (kind == sample_tp10) return ceil_div(samples, 3) * 4;
    return samples;
}

int32_t ubwc_min_linear_stride(int family, int32_t width) {
    sample_kind_t k = family_kind(family);
    int32_t y = ubwc_row_bytes(k, width);
    if (family == halo_hexagon_fmt_RawData) return y;
    int32_t uv = ubwc_row_bytes(k, 2 * ceil_div(width, 2));
    return y > uv ? y : uv;
}

/* UBWC numbers of one plane: tile shape (bytes per tile row, rows, pixels per tile row for this
 * plane: pairs for UV), stride and scanlines alignments (A.4, A.5). */
typedef struct ubwc_params_t {
    int32_t tile_bytes, tile_rows, tile_pixels;
    int32_t stride, scanline_align;
} ubwc_params_t;

static bool ubwc_params(int family, bool chroma, int32_t width, ubwc_params_t *p) {
    switch (family) {
    case halo_hexagon_fmt_NV12:
        *p = (ubwc_params_t){32, 8, chroma ? 16 : 32, align32(width, 128), 32};
        return true;
    case halo_hexagon_fmt_NV124R:
        *p = (ubwc_params_t){64, 4, chroma ? 32 : 64, align32(width, 256), 16};
        return true;
    case halo_hexagon_fmt_P010:
        *p = (ubwc_params_t){64, 4, chroma ? 16 : 32, align32(width * 2, 256), 16};
        return true;
    case halo_hexagon_fmt_TP10:
        *p = (ubwc_params_t){64, 4, chroma ? 24 : 48, align32(align32(width, 192) * 4 / 3, 256),
                             16};
        return true;
    default:
        return false;
    }
}

bool ubwc_plane_geom(int family, bool chroma, bool ubwc, int32_t width, int32_t height,
                     int32_t stride, plane_geom_t *g) {
    if (width <= 0 || height <= 0 || width > 65535 || height > 65535) return false;
    if (family != halo_hexagon_fmt_RawData && family != halo_hexagon_fmt_NV12 &&
        family != halo_hexagon_fmt_P010 && family != halo_hexagon_fmt_TP10 &&
        family != halo_hexagon_fmt_NV124R)
        return false;
    if (family == halo_hexagon_fmt_RawData && (chroma || ubwc)) return false;
    *g = (plane_geom_t){0};
    g->kind = family_kind(family);
    g->chroma = chroma;
    g->ubwc = ubwc;
    int32_t pixels = chroma ? ceil_div(width, 2) : width; /* pairs for UV */
    g->samples = chroma ? 2 * pixels : width;
    g->rows = chroma ? ceil_div(height, 2) : height;
    g->row_bytes = ubwc_row_bytes(g->kind, g->samples);
    if (!ubwc) {
        g->stride = stride;
        g->scanlines = g->rows;
        g->size = (int64_t)stride * g->rows;
        return true;
    }
    ubwc_params_t p;
    if (!ubwc_params(family, chroma, width, &p)) return false;
    g->stride = p.stride;
    g->scanlines = align32(g->rows, p.scanline_align);
    g->tile_bytes = p.tile_bytes;
    g->tile_rows = p.tile_rows;
    g->tile_samples = chroma ? 2 * p.tile_pixels : p.tile_pixels;
    g->meta_stride = align32(ceil_div(pixels, p.tile_pixels), 64);
    g->meta_scanlines = align32(ceil_div(g->rows, p.tile_rows), 16);
    g->pixels_offset = align64((int64_t)g->meta_stride * g->meta_scanlines, 4096);
    g->size = g->pixels_offset + align64((int64_t)g->stride * g->scanlines, 4096);
    return true;
}

int halo_frame_layout(int fmt, bool is_ubwc, int32_t width, int32_t height, int32_t stride,
                      int32_t scanlines, halo_frame_layout_t *out) {
    if (!out) return halo_error(NULL, halo_error_bad_argument, "halo_frame_layout: out is NULL");
    if (fmt < halo_hexagon_fmt_RawData || fmt > halo_hexagon_fmt_NV124R_UV ||
        (fmt != halo_hexagon_fmt_RawData && ubwc_family(fmt) != fmt))
        return halo_error(NULL, halo_error_dma_bad_format,
                          "halo_frame_layout: format %d is not RawData or a combined format "
                          "(NV12 1, P010 4, TP10 7, NV124R 10)", fmt);
    if (fmt == halo_hexagon_fmt_RawData && is_ubwc)
        return halo_error(NULL, halo_error_dma_bad_format,
                          "halo_frame_layout: RawData has no UBWC form");
    if (width <= 0 || height <= 0 || width > 65535 || height > 65535)
        return halo_error(NULL, halo_error_dma_bad_frame,
                          "halo_frame_layout: frame %dx%d outside 1..65535", width, height);
    bool raw = fmt == halo_hexagon_fmt_RawData;
    int32_t min_stride = ubwc_min_linear_stride(fmt, width);
    if (is_ubwc && (stride || scanlines))
        return halo_error(NULL, halo_error_dma_bad_stride,
                          "halo_frame_layout: UBWC strides and scanlines follow from the format; "
                          "pass 0, not stride %d / scanlines %d", stride, scanlines);
    if (!is_ubwc) {
        if (stride == 0) stride = min_stride;
        int32_t unit = fmt == halo_hexagon_fmt_TP10 ? 4 : fmt == halo_hexagon_fmt_P010 ? 2 : 1;
        if (stride < min_stride || stride % unit)
            return halo_error(NULL, halo_error_dma_bad_stride,
                              "halo_frame_layout: stride %d must be >= %d bytes (the longest "
                              "row) and a multiple of %d", stride, min_stride, unit);
        if (scanlines == 0) scanlines = height;
        if (scanlines < height)
            return halo_error(NULL, halo_error_dma_bad_stride,
                              "halo_frame_layout: scanlines %d < height %d", scanlines, height);
    }
    plane_geom_t y, uv;
    ubwc_plane_geom(fmt, false, is_ubwc, width, height, stride, &y);
    halo_frame_layout_t l = {0};
    l.fmt = fmt;
    l.is_ubwc = is_ubwc;
    l.width = width;
    l.height = height;
    l.y_stride = y.stride;
    if (is_ubwc) {
        ubwc_plane_geom(fmt, true, true, width, height, 0, &uv);
        l.y_scanlines = y.scanlines;
        l.y_meta_stride = y.meta_stride;
        l.y_meta_scanlines = y.meta_scanlines;
        l.y_offset = y.pixels_offset;
        l.uv_meta_offset = y.size;
        l.uv_offset = y.size + uv.pixels_offset;
        l.uv_stride = uv.stride;
        l.uv_scanlines = uv.scanlines;
        l.uv_meta_stride = uv.meta_stride;
        l.uv_meta_scanlines = uv.meta_scanlines;
        l.size = y.size + uv.size;
        l.y_tile_width = y.tile_samples;
        l.y_tile_height = y.tile_rows;
        l.uv_tile_width = uv.tile_samples / 2;
        l.uv_tile_height = uv.tile_rows;
    } else if (raw) {
        l.y_scanlines = scanlines;
        l.size = (int64_t)stride * scanlines;
    } else {
        ubwc_plane_geom(fmt, true, false, width, height, stride, &uv);
        l.y_scanlines = scanlines;
        l.uv_stride = stride;
        l.uv_scanlines = uv.rows;
        l.uv_offset = (int64_t)stride * scanlines;
        l.uv_meta_offset = l.uv_offset;
        l.size = l.uv_offset + uv.size;
    }
    *out = l;
    return 0;
}
