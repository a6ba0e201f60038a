/* The buffer-level host API (Halide's halide_hexagon_dma_* calls) and the per-tile entry
 * points of generated code. A wrapped halo_buffer_t carries a device handle describing its
 * plane; copy_start turns (frame buffer, local tile buffer) into one descriptor. */
#include <stdatomic.h>

#include "ubwcdma_internal.h"

typedef struct dma_handle_t {
    uint8_t *plane;
    uint64_t bytes; /* of the wrapped memory; 0: not given (Halide's wrap_native) */
    bool prepared, is_ubwc;
    int32_t fmt, direction;
    void *engine;
    uint32_t generation;
    int32_t frame_width, frame_height, frame_stride; /* descriptor units */
    int32_t min[3];                                  /* the wrapped buffer's mins at prepare */
    int32_t elem, channels;                          /* element bytes; Raw interleave */
    atomic_int inflight;
} dma_handle_t;

static int wrap_native(void *uc, halo_buffer_t *buf, uint64_t mem);
static int detach(void *uc, halo_buffer_t *buf);

static const struct halo_device_interface_t interface = {
    "hexagon_dma", wrap_native, detach, halo_hexagon_dma_copy_start, halo_hexagon_dma_copy_wait,
};

const struct halo_device_interface_t *halo_hexagon_dma_device_interface(void) { return &interface; }

/* Live handles by slot. A wrapped buffer's device field is (generation << 32) | (slot + 1):
 * a forged value, or one left in a copy of a buffer after detach, is looked up here and never
 * dereferenced, and a slot reused by a later wrap has a new generation. */
#define HANDLE_SLOTS 4096
static struct {
    dma_handle_t *h;
    uint32_t generation;
} slots[HANDLE_SLOTS];
static halo_mutex_t slots_lock = HALO_MUTEX_INITIALIZER;

static dma_handle_t *handle_of(const halo_buffer_t *buf) {
    if (!buf || !buf->device || buf->device_interface != &interface) return NULL;
    uint64_t slot = (buf->device & 0xffffffffu) - 1;
    uint32_t generation = (uint32_t)(buf->device >> 32);
    if (slot >= HANDLE_SLOTS) return NULL;
    halo_mutex_lock(&slots_lock);
    dma_handle_t *h = slots[slot].generation == generation ? slots[slot].h : NULL;
    halo_mutex_unlock(&slots_lock);
    return h;
}

/* The device value of a new live handle, or 0 when every slot is taken. */
static uint64_t add_handle(dma_handle_t *h) {
    uint64_t device = 0;
    halo_mutex_lock(&slots_lock);
    for (uint32_t i = 0; i < HANDLE_SLOTS && !device; i++) {
        if (slots[i].h) continue;
        if (++slots[i].generation == 0) slots[i].generation = 1;
        slots[i].h = h;
        device = ((uint64_t)slots[i].generation << 32) | (i + 1);
    }
    halo_mutex_unlock(&slots_lock);
    return device;
}

static void remove_handle(uint64_t device) {
    halo_mutex_lock(&slots_lock);
    uint64_t slot = (device & 0xffffffffu) - 1;
    slots[slot].h = NULL;
    slots[slot].generation++;
    halo_mutex_unlock(&slots_lock);
}

void ubwc_handle_transfer_started(void *h) { atomic_fetch_add(&((dma_handle_t *)h)->inflight, 1); }
void ubwc_handle_transfer_done(void *h) { atomic_fetch_sub(&((dma_handle_t *)h)->inflight, 1); }

static int wrap(void *uc, halo_buffer_t *buf, uint64_t mem, uint64_t bytes) {
    if (!buf || !mem)
        return halo_error(uc, halo_error_bad_argument, "device_wrap_native: %s is NULL",
                          buf ? "the plane address" : "the buffer");
    if (buf->dimensions < 1 || !buf->dim)  /* how many dimensions a format takes, prepare checks */
        return halo_error(uc, halo_error_dma_buffer_shape,
                          "device_wrap_native: the buffer needs dimensions and their dim array "
                          "(dimensions %d, dim %s)", buf->dimensions, buf->dim ? "set" : "NULL");
    if (buf->device)
        return halo_error(uc, halo_error_dma_already_wrapped,
                          "device_wrap_native: the buffer already has a device handle");
    dma_handle_t *h = halo_malloc(uc, sizeof *h);
    if (!h) return halo_error_out_of_memory;
    *h = (dma_handle_t){0};
    h->plane = (uint8_t *)(uintptr_t)mem;
    h->bytes = bytes;
    atomic_init(&h->inflight, 0);
    uint64_t device = add_handle(h);
    if (!device) {
        halo_free(uc, h);
        return halo_error(uc, halo_error_dma_already_wrapped,
                          "device_wrap_native: %d buffers are wrapped already, the most at once; detach some",
                          HANDLE_SLOTS);
    }
    buf->device = device;
    buf->device_interface = &interface;
    return 0;
}

static int detach(void *uc, halo_buffer_t *buf) {
    dma_handle_t *h = handle_of(buf);
    if (!h)
        return halo_error(uc, halo_error_dma_not_wrapped,
                          "device_detach_native: the buffer is not wrapped for UBWCDMA");
    if (atomic_load(&h->inflight))
        return halo_error(uc, halo_error_dma_busy,
                          "device_detach_native: %d transfer(s) on this buffer still in flight",
                          atomic_load(&h->inflight));
    remove_handle(buf->device);
    halo_free(uc, h);
    buf->device = 0;
    buf->device_interface = NULL;
    return 0;
}

static int wrap_native(void *uc, halo_buffer_t *buf, uint64_t mem) { return wrap(uc, buf, mem, 0); }

int halo_hexagon_dma_device_wrap_native(void *uc, halo_buffer_t *buf, uint64_t mem) {
    return wrap(uc, buf, mem, 0);
}

int halo_hexagon_dma_device_wrap_native_sized(void *uc, halo_buffer_t *buf, uint64_t mem, uint64_t bytes) {
    if (bytes == 0)
        return halo_error(uc, halo_error_bad_argument, "device_wrap_native_sized: the plane has 0 bytes");
    return wrap(uc, buf, mem, bytes);
}

int halo_hexagon_dma_device_detach_native(void *uc, halo_buffer_t *buf) { return detach(uc, buf); }

static int32_t elem_bytes(const halo_buffer_t *b) { return (b->type.bits + 7) / 8 * (b->type.lanes ? b->type.lanes : 1); }

/* Halide's shape rules for the DDR buffer; fills the descriptor geometry of the plane. */
static int frame_shape(void *uc, const halo_buffer_t *b, int fmt, bool ubwc, dma_handle_t *g) {
    const halo_dimension_t *d = b->dim;
    int32_t elem = elem_bytes(b);
    int family = ubwc_family(fmt);
    if (fmt != halo_hexagon_fmt_RawData) {
        int32_t want = family == halo_hexagon_fmt_P010 || family == halo_hexagon_fmt_TP10 ? 2 : 1;
        if (elem != want)
            return halo_error(uc, halo_error_dma_buffer_type,
                              "prepare: format %d needs %d-byte elements, the buffer has %d", fmt, want, elem);
    }
    g->elem = elem;
    g->channels = 1;
    for (int i = 0; i < 3; i++) g->min[i] = i < b->dimensions ? d[i].min : 0;
    if (fmt == halo_hexagon_fmt_RawData) {
        if (b->dimensions < 1 || b->dimensions > 3)
            return halo_error(uc, halo_error_dma_buffer_shape, "prepare: RawData buffers have 1 to 3 dimensions, not %d",
                              b->dimensions);
        if (b->dimensions == 3 && (d[2].stride != 1 || d[0].stride != d[2].extent))
            return halo_error(uc, halo_error_dma_buffer_shape,
                              "prepare: 3-D RawData must be interleaved (dim[2].stride 1, dim[0].stride = "
                              "%d channels), not strides %d / %d; wrap planar data one plane at a time",
                              d[2].extent, d[0].stride, d[2].stride);
        if (b->dimensions < 3 && d[0].stride != 1)
            return halo_error(uc, halo_error_dma_buffer_shape, "prepare: RawData rows must be contiguous "
                              "(dim[0].stride 1, not %d)", d[0].stride);
        if (b->dimensions == 3) g->channels = d[2].extent;
        g->frame_width = d[0].extent * g->channels * elem;
        g->frame_height = b->dimensions > 1 ? d[1].extent : 1;
        g->frame_stride = b->dimensions > 1 ? d[1].stride * elem : g->frame_width;
        return 0;
    }
    bool chroma = ubwc_is_chroma(fmt);
    if (!chroma && (b->dimensions != 2 || d[0].stride != 1))
        return halo_error(uc, halo_error_dma_buffer_shape,
                          "prepare: a Y plane buffer is 2-D with dim[0].stride 1 (has %d dims)", b->dimensions);
    if (chroma && (b->dimensions != 3 || d[0].stride != 2 || d[2].min != 0 || d[2].extent != 2 ||
                   d[2].stride != 1))
        return halo_error(uc, halo_error_dma_buffer_shape,
                          "prepare: a UV plane buffer is 3-D with dim[0].stride 2 and dim[2] = {min 0, "
                          "extent 2, stride 1}");
    g->frame_width = chroma ? 2 * d[0].extent : d[0].extent;
    g->frame_height = chroma ? 2 * d[1].extent : d[1].extent;
    int32_t row = d[1].stride; /* samples */
    if (ubwc) row = 0;
    else if (family == halo_hexagon_fmt_TP10) {
        if (row % 3)
            return halo_error(uc, halo_error_dma_buffer_shape,
                              "prepare: a TP10 row stride counts packed samples (4 bytes per 3); %d is not "
                              "a multiple of 3", row);
        row = row / 3 * 4;
    } else {
        row *= elem;
    }
    g->frame_stride = row;
    return 0;
}

static int prepare(void *uc, halo_buffer_t *buf, void *engine, bool is_ubwc, int fmt, int direction) {
    dma_handle_t *h = handle_of(buf);
    if (!h) return halo_error(uc, halo_error_dma_not_wrapped, "prepare: the buffer is not wrapped for UBWCDMA");
    if (h->prepared)
        return halo_error(uc, halo_error_dma_already_prepared, "prepare: the buffer is already prepared; unprepare first");
    if (!ubwc_engine_valid(engine))
        return halo_error(uc, halo_error_dma_bad_engine, "prepare: %p is not an allocated engine", engine);
    bool transferable = fmt == halo_hexagon_fmt_RawData ||
                        (fmt > 0 && fmt <= halo_hexagon_fmt_NV124R_UV && ubwc_family(fmt) != fmt);
    if (!transferable || (fmt == halo_hexagon_fmt_RawData && is_ubwc))
        return halo_error(uc, halo_error_dma_bad_format,
                          "prepare: format %d%s is not RawData or a *_Y / *_UV format (Halide buffers "
                          "describe one plane)", fmt, is_ubwc ? " with UBWC" : "");
    dma_handle_t g = {0};
    int r = frame_shape(uc, buf, fmt, is_ubwc, &g);
    if (r) return r;
    /* The frame rules (size, stride, plane alignment) are the descriptor's: check them now
     * with a full-frame ROI, so a bad frame fails at prepare rather than at the first tile. */
    plane_geom_t pg;
    bool chroma = ubwc_is_chroma(fmt);
    halo_ubwcdma_desc_t d = {fmt, is_ubwc, direction, h->plane, g.frame_width, g.frame_height,
                             g.frame_stride, 0, 0, 0, 0, h->plane, 1 << 30, 0};
    bool described = ubwc_plane_geom(ubwc_family(fmt), chroma, is_ubwc, g.frame_width, g.frame_height,
                                     g.frame_stride, &pg);
    if (described) {
        d.roi_width = pg.samples;
        d.roi_height = chroma ? 2 * pg.rows : pg.rows;
    }
    r = ubwc_check_desc(uc, &d, &pg);
    if (r) return r;
    /* linear: the last row ends at its samples; UBWC: meta data and tiles fill the plane */
    int64_t need = is_ubwc ? pg.size : (int64_t)(pg.rows - 1) * pg.stride + pg.row_bytes;
    if (described && h->bytes && (uint64_t)need > h->bytes)
        return halo_error(uc, halo_error_dma_plane_too_small,
                          "prepare: the %s plane (format %d, %d x %d, stride %d bytes) needs %lld bytes, "
                          "but %llu bytes were wrapped", is_ubwc ? "UBWC" : "linear", fmt, g.frame_width,
                          g.frame_height, g.frame_stride, (long long)need, (unsigned long long)h->bytes);
    h->fmt = fmt;
    h->is_ubwc = is_ubwc;
    h->direction = direction;
    h->engine = engine;
    h->generation = ubwc_engine_generation(engine);
    h->frame_width = g.frame_width;
    h->frame_height = g.frame_height;
    h->frame_stride = g.frame_stride;
    for (int i = 0; i < 3; i++) h->min[i] = g.min[i];
    h->elem = g.elem;
    h->channels = g.channels;
    h->prepared = true;
    return 0;
}

int halo_hexagon_dma_prepare_for_copy_to_host(void *uc, halo_buffer_t *buf, void *engine, bool is_ubwc,
                                              halo_hexagon_image_fmt_t fmt) {
    return prepare(uc, buf, engine, is_ubwc, (int)fmt, halo_dma_read);
}

int halo_hexagon_dma_prepare_for_copy_to_device(void *uc, halo_buffer_t *buf, void *engine, bool is_ubwc,
                                                halo_hexagon_image_fmt_t fmt) {
    return prepare(uc, buf, engine, is_ubwc, (int)fmt, halo_dma_write);
}

int halo_hexagon_dma_unprepare(void *uc, halo_buffer_t *buf) {
    dma_handle_t *h = handle_of(buf);
    if (!h) return halo_error(uc, halo_error_dma_not_wrapped, "unprepare: the buffer is not wrapped for UBWCDMA");
    if (!h->prepared) return halo_error(uc, halo_error_dma_not_prepared, "unprepare: the buffer is not prepared");
    if (atomic_load(&h->inflight))
        return halo_error(uc, halo_error_dma_busy, "unprepare: transfers on this buffer are still in flight");
    h->prepared = false;
    return 0;
}

/* The local tile's layout in descriptor terms. */
static int local_layout(void *uc, const dma_handle_t *h, const halo_buffer_t *l, halo_ubwcdma_desc_t *d) {
    const halo_dimension_t *ld = l->dim;
    int32_t e = h->elem;
    int32_t x = ld[0].min - h->min[0], y = l->dimensions > 1 ? ld[1].min - h->min[1] : 0;
    d->local_stride = l->dimensions > 1 ? ld[1].stride * e : ld[0].extent * h->channels * e;
    if (h->fmt == halo_hexagon_fmt_RawData) {
        if (l->dimensions == 3 && (ld[0].stride != h->channels || ld[2].stride != 1 ||
                                   ld[2].min != h->min[2] || ld[2].extent != h->channels))
            return halo_error(uc, halo_error_dma_local_layout,
                              "copy: a RawData tile keeps the frame's %d interleaved channels (dim[0].stride "
                              "%d, dim[2] = {%d, %d, 1})", h->channels, h->channels, h->min[2], h->channels);
        if (l->dimensions < 3 && ld[0].stride != 1)
            return halo_error(uc, halo_error_dma_local_layout, "copy: local rows must be contiguous");
        d->roi_x = x * h->channels * e;
        d->roi_width = ld[0].extent * h->channels * e;
        d->roi_y = y;
        d->roi_height = l->dimensions > 1 ? ld[1].extent : 1;
        return 0;
    }
    if (!ubwc_is_chroma(h->fmt)) {
        if (ld[0].stride != 1) return halo_error(uc, halo_error_dma_local_layout, "copy: local Y rows must be contiguous");
        d->roi_x = x;
        d->roi_width = ld[0].extent;
        d->roi_y = y;
        d->roi_height = ld[1].extent;
        return 0;
    }
    if (ld[2].min != 0 || ld[2].extent != 2)
        return halo_error(uc, halo_error_dma_local_layout, "copy: a UV tile holds both channels (dim[2] min 0, extent 2)");
    if (ld[0].stride == 2 && ld[2].stride == 1) d->local_chroma_offset = 0;
    else if (ld[0].stride == 1 && ld[2].stride != 0) d->local_chroma_offset = ld[2].stride * e;
    else
        return halo_error(uc, halo_error_dma_local_layout,
                          "copy: a UV tile is interleaved (dim[0].stride 2, dim[2].stride 1) or "
                          "de-interleaved (dim[0].stride 1), not strides %d / %d", ld[0].stride, ld[2].stride);
    d->roi_x = 2 * x;
    d->roi_width = 2 * ld[0].extent;
    d->roi_y = 2 * y;
    d->roi_height = 2 * ld[1].extent;
    return 0;
}

int halo_hexagon_dma_check_direction(void *uc, halo_buffer_t *frame, halo_dma_direction_t direction,
                                     const char *name) {
    dma_handle_t *h = handle_of(frame);
    if (!name) name = "(unnamed)";
    if (!h) return halo_error(uc, halo_error_dma_not_wrapped, "buffer %s is not wrapped for UBWCDMA", name);
    if (!h->prepared) return halo_error(uc, halo_error_dma_not_prepared, "buffer %s is not prepared for UBWCDMA", name);
    if (h->direction != (int32_t)direction)
        return halo_error(uc, halo_error_dma_bad_direction,
                          "buffer %s is prepared for %s, but the pipeline %s it by DMA; prepare it with "
                          "halo_hexagon_dma_prepare_for_copy_%s", name,
                          h->direction == halo_dma_read ? "copy to host (DMA reads)" : "copy to device (DMA writes)",
                          direction == halo_dma_read ? "reads" : "writes",
                          direction == halo_dma_read ? "to_host" : "to_device");
    return 0;
}

int halo_hexagon_dma_copy_start(void *uc, halo_buffer_t *frame, halo_buffer_t *local, halo_dma_transfer_t *t) {
    dma_handle_t *h = handle_of(frame);
    if (!h) return halo_error(uc, halo_error_dma_not_wrapped, "copy: the frame buffer is not wrapped for UBWCDMA");
    if (!h->prepared) return halo_error(uc, halo_error_dma_not_prepared, "copy: the frame buffer is not prepared");
    if (!ubwc_engine_valid(h->engine) || ubwc_engine_generation(h->engine) != h->generation)
        return halo_error(uc, halo_error_dma_bad_engine, "copy: the frame's engine was deallocated");
    if (!local || !local->host || !local->dim || !t)
        return halo_error(uc, halo_error_bad_argument,
                          "copy: local buffer, its memory, its dim array or the transfer is NULL");
    if (local->dimensions != frame->dimensions)
        return halo_error(uc, halo_error_dma_buffer_shape, "copy: local tile has %d dims, the frame %d",
                          local->dimensions, frame->dimensions);
    if (elem_bytes(local) != h->elem)
        return halo_error(uc, halo_error_dma_buffer_type, "copy: local elements are %d bytes, the frame's %d",
                          elem_bytes(local), h->elem);
    for (int i = 0; i < local->dimensions; i++) {
        const halo_dimension_t *f = &frame->dim[i], *l = &local->dim[i];
        if (l->extent <= 0 || l->min < f->min || l->min + l->extent > f->min + f->extent)
            return halo_error(uc, halo_error_dma_roi_bounds,
                              "copy: local dim %d [%d, %d) is empty or outside the frame's [%d, %d)", i,
                              l->min, l->min + l->extent, f->min, f->min + f->extent);
    }
    halo_ubwcdma_desc_t d = {0};
    d.fmt = h->fmt;
    d.is_ubwc = h->is_ubwc;
    d.direction = h->direction;
    d.plane = h->plane;
    d.frame_width = h->frame_width;
    d.frame_height = h->frame_height;
    d.frame_stride = h->frame_stride;
    d.local = local->host;
    int r = local_layout(uc, h, local, &d);
    if (r) return r;
    return ubwc_engine_move(uc, h->engine, &d, t, h);
}

int halo_hexagon_dma_copy_wait(void *uc, halo_dma_transfer_t *t) { return halo_ubwcdma_wait(uc, t); }
