/* halo runtime: Hexagon UBWCDMA, simulated in software.
 *
 * Three layers, each usable on its own:
 *   frames     frame layouts (linear and UBWC, formulas of shared/reference/formats_and_dma_engines.md
 *              section A) and pack / unpack between planes of samples and a frame in DDR. These
 *              are the single source of truth for layouts and the UBWC tile codec.
 *   engines    a dmaWrapper-style engine: a descriptor (one plane, one ROI) is checked and queued
 *              by Move (halo_ubwcdma_move) and completed by Wait. Host: one worker thread per
 *              allocated engine, FIFO per engine; different engines run concurrently (there is
 *              no global DMA lock). Freestanding: the transfer runs inside Move.
 *   host API   Halide's halide_hexagon_dma_* calls on halo_buffer_t (wrap, prepare, unprepare,
 *              detach, engines, power votes) and the per-tile entry points generated pipelines
 *              call: halo_hexagon_dma_copy_start / halo_hexagon_dma_copy_wait.
 *
 * Conventions (where halo differs from Halide it says so):
 *   - Local memory is uncompressed. 8-bit formats use 1 byte per sample there; P010 and TP10 use
 *     16 bits per sample, MSB-aligned as in P010 (value << 6), so both 10-bit formats give the
 *     same local tile for the same image.
 *   - Chroma (UV) planes hold interleaved U,V pairs. Descriptor ROIs of UV planes are in luma
 *     coordinates (the driver's convention: x and width count bytes of 8-bit chroma, y and
 *     height are halved); halo_buffer_t UV buffers are 3-D (x pairs, y chroma rows, c) in
 *     chroma coordinates, with dim[0].stride = 2 and dim[2] = {0, 2, 1} as in Halide.
 *   - Unlike Halide, the address given to device_wrap_native is the start of the PLANE the
 *     buffer describes (Y plane, UV plane, or the Raw frame; for UBWC the start of the plane's
 *     meta data, which precedes its tiles), so that linear frames with any scanline padding
 *     work and a UV buffer alone determines its plane. halo_frame_layout gives the offsets.
 *   - Descriptor geometry fields have the driver's 16-bit range (1..65535).
 * Under -DHALO_CFFI this header is handed to cffi's cdef: plain declarations only. */
#ifndef HALO_UBWCDMA_H
#define HALO_UBWCDMA_H

#ifndef HALO_CFFI
#include <stdbool.h>
#include <stdint.h>

#include "halo_runtime.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- error codes (-100..-199) ---------------------------------------------------------- */
enum {
    /* descriptor rules (checked by Move, before anything is queued) */
    halo_error_dma_bad_format = -100,      /* not Raw / *_Y / *_UV, or Raw with UBWC */
    halo_error_dma_bad_direction = -101,   /* neither read nor write */
    halo_error_dma_bad_frame = -102,       /* frame width/height outside 1..65535 */
    halo_error_dma_bad_stride = -103,      /* linear stride < row bytes or not sample-aligned */
    halo_error_dma_frame_alignment = -104, /* plane base misaligned (linear: sample, UBWC: 4096) */
    halo_error_dma_roi_bounds = -105,      /* ROI empty or outside the frame (or the buffer) */
    halo_error_dma_roi_alignment = -106,   /* ROI not on the format's alignment grid */
    halo_error_dma_local_alignment = -107, /* local address misaligned (sample; UBWC: 256 B) */
    halo_error_dma_local_stride = -108,    /* local row stride too small or not sample-aligned */
    halo_error_dma_local_layout = -109,    /* local layout the engine cannot express */
    /* lifecycle */
    halo_error_dma_no_engine = -120,        /* all engines are allocated */
    halo_error_dma_bad_engine = -121,       /* not an allocated engine (or deallocated since) */
    halo_error_dma_not_wrapped = -122,      /* buffer has no UBWCDMA device handle */
    halo_error_dma_already_wrapped = -123,  /* buffer already has a device handle */
    halo_error_dma_not_prepared = -124,     /* transfer on a buffer that is not prepared */
    halo_error_dma_already_prepared = -125, /* prepare twice without unprepare */
    halo_error_dma_buffer_shape = -126,     /* dims / strides break the format's shape rules */
    halo_error_dma_buffer_type = -127,      /* element size does not match the format */
    halo_error_dma_bad_power_mode = -128,   /* not a halo_hexagon_power_mode_t value */
    halo_error_dma_power_no_engine = -129,  /* vote before any engine is allocated */
    halo_error_dma_not_started = -130,      /* wait on a transfer that was never moved */
    halo_error_dma_busy = -131,             /* transfer / buffer still has a transfer in flight */
    halo_error_dma_corrupt = -132,          /* UBWC meta byte or payload cannot be decoded */
    halo_error_dma_plane_too_small = -133,  /* the plane the shape describes exceeds the wrapped bytes */
    halo_error_dma_thread = -134            /* engine worker thread could not be started */
};

/* ---- formats (values as Halide's halide_hexagon_image_fmt_t and the driver's t_eDmaFmt) --- */
typedef enum halo_hexagon_image_fmt_t {
    halo_hexagon_fmt_RawData = 0,
    halo_hexagon_fmt_NV12 = 1,
    halo_hexagon_fmt_NV12_Y = 2,
    halo_hexagon_fmt_NV12_UV = 3,
    halo_hexagon_fmt_P010 = 4,
    halo_hexagon_fmt_P010_Y = 5,
    halo_hexagon_fmt_P010_UV = 6,
    halo_hexagon_fmt_TP10 = 7,
    halo_hexagon_fmt_TP10_Y = 8,
    halo_hexagon_fmt_TP10_UV = 9,
    halo_hexagon_fmt_NV124R = 10,
    halo_hexagon_fmt_NV124R_Y = 11,
    halo_hexagon_fmt_NV124R_UV = 12
} halo_hexagon_image_fmt_t;

/* ---- frame layouts ----------------------------------------------------------------------
 * fmt is a combined format (NV12, P010, TP10, NV124R: Y plane then UV plane) or RawData (one
 * plane of `width` bytes per row). Linear: Y at offset 0, UV at y_stride * y_scanlines; both
 * planes use the same stride. `stride` (bytes) and `scanlines` (rows) are 0 for the tightest
 * layout (stride = the longer of the two planes' row bytes, scanlines = height) or explicit
 * (Venus-style padding). UBWC: the formulas of the reference (A.4, A.5); stride and scanlines
 * must be 0. y_meta_offset / uv_meta_offset are where each plane starts (the address to wrap);
 * for linear frames they equal y_offset / uv_offset and the meta strides are 0. */
typedef struct halo_frame_layout_t {
    int32_t fmt, is_ubwc, width, height;
    int32_t y_stride, y_scanlines, uv_stride, uv_scanlines;                    /* bytes, rows */
    int32_t y_meta_stride, y_meta_scanlines, uv_meta_stride, uv_meta_scanlines; /* UBWC */
    int64_t y_meta_offset, y_offset, uv_meta_offset, uv_offset, size;          /* bytes */
    int32_t y_tile_width, y_tile_height, uv_tile_width, uv_tile_height; /* UBWC, in samples */
} halo_frame_layout_t;

int halo_frame_layout(int fmt, bool is_ubwc, int32_t width, int32_t height, int32_t stride,
                      int32_t scanlines, halo_frame_layout_t *out);

/* Planes in local-memory convention: y is height rows of width samples, uv is ceil(height/2)
 * rows of ceil(width/2) U,V pairs (2 * ceil(width/2) samples); samples are uint8_t for 8-bit
 * formats and Raw, uint16_t (MSB-aligned) for P010 / TP10; pitches are in samples. pack clears
 * the whole frame (padding included) before writing it, so equal planes give equal frames. */
int halo_frame_pack(const halo_frame_layout_t *layout, const void *y, int32_t y_pitch,
                    const void *uv, int32_t uv_pitch, uint8_t *frame);
int halo_frame_unpack(const halo_frame_layout_t *layout, const uint8_t *frame, void *y,
                      int32_t y_pitch, void *uv, int32_t uv_pitch);
/* Bytes a full read of the frame moves from DDR: the frame's linear bytes, or for UBWC the
 * compressed tile payloads plus one meta byte per tile. */
int halo_frame_ddr_bytes(const halo_frame_layout_t *layout, const uint8_t *frame, uint64_t *out);

/* ---- descriptors and transfers ------------------------------------------------------------
 * One descriptor moves one rectangle of one plane. `plane` is the plane's start (UBWC: its
 * meta data). frame_width / frame_height are in luma pixels for image formats (for a UV plane:
 * twice its pairs and rows) and in bytes / rows for Raw. roi_* use the same units; for UV they
 * follow the chroma convention (luma coordinates). local_stride is the byte distance between
 * local rows; local_chroma_offset is 0 for interleaved U,V in local memory, else the byte
 * distance from the U plane to the V plane (de-interleaved, one sample per position). */
typedef enum halo_dma_direction_t {
    halo_dma_read = 0, /* DDR -> local (eDmaWrapper_DdrToL2) */
    halo_dma_write = 1 /* local -> DDR (eDmaWrapper_L2ToDdr) */
} halo_dma_direction_t;

typedef struct halo_ubwcdma_desc_t {
    int32_t fmt, is_ubwc, direction;
    uint8_t *plane;
    int32_t frame_width, frame_height, frame_stride; /* stride: linear bytes per row */
    int32_t roi_x, roi_y, roi_width, roi_height;
    uint8_t *local;
    int32_t local_stride, local_chroma_offset;
} halo_ubwcdma_desc_t;

/* Transfer state: zero-initialise before the first start; reusable after its wait. */
typedef struct halo_dma_transfer_t {
    halo_ubwcdma_desc_t desc;
    struct halo_dma_transfer_t *next;
    void *engine;
    void *handle; /* device handle whose in-flight count this transfer holds, or NULL */
    uint32_t state;
    int32_t result;
    uint64_t ddr_bytes, uncompressed_bytes, start_ns, end_ns;
} halo_dma_transfer_t;

/* Checks the descriptor against every rule (errors -100..-109) and queues it on the engine. */
int halo_ubwcdma_move(void *user_context, void *engine, const halo_ubwcdma_desc_t *desc,
                      halo_dma_transfer_t *t);
/* Blocks until t completes; returns its result. Afterwards t is idle again. */
int halo_ubwcdma_wait(void *user_context, halo_dma_transfer_t *t);
/* Blocks until every transfer queued on the engine has completed (dmaWrapper Wait). */
int halo_ubwcdma_wait_engine(void *user_context, void *engine);
/* Runs a descriptor on the calling thread without an engine (what the worker does). */
int halo_ubwcdma_execute(void *user_context, const halo_ubwcdma_desc_t *desc, uint64_t *ddr_bytes,
                         uint64_t *uncompressed_bytes);

/* ---- statistics ---------------------------------------------------------------------------
 * ddr_bytes: bytes actually moved on the DDR side (UBWC: payloads + one meta byte per tile);
 * uncompressed_bytes: what the same transfers move in the format's linear form; busy_ns: time
 * the engine spent running transfers. */
typedef struct halo_dma_stats_t {
    uint64_t transfers, ddr_bytes, uncompressed_bytes, busy_ns;
} halo_dma_stats_t;
/* engine NULL: global; an engine's statistics restart when it is allocated */
int halo_hexagon_dma_get_stats(void *engine, halo_dma_stats_t *out);
void halo_hexagon_dma_reset_stats(void);                             /* every engine and global */

/* ---- engines and power ------------------------------------------------------------------- */
enum { halo_hexagon_dma_max_engines = 8 }; /* Halide's MAX_NUMBER_OF_DMA_ENGINES */

int halo_hexagon_dma_allocate_engine(void *user_context, void **dma_engine);
/* Completes the engine's queued transfers first (FinishFrame); their transfers can still be
 * waited afterwards. Restores the default power mode when the last engine goes. */
int halo_hexagon_dma_deallocate_engine(void *user_context, void *dma_engine);
int halo_hexagon_dma_engines_in_use(void);
const char *halo_hexagon_dma_engine_name(void *dma_engine); /* "ubwcdma<i>", the trace track */

typedef enum halo_hexagon_power_mode_t {
    halo_hexagon_power_low = 0,
    halo_hexagon_power_nominal = 1,
    halo_hexagon_power_turbo = 2,
    halo_hexagon_power_default = 3,
    halo_hexagon_power_low_plus = 4,
    halo_hexagon_power_low_2 = 5,
    halo_hexagon_power_nominal_plus = 6
} halo_hexagon_power_mode_t;

/* Driver corners (dmaWrapper PW_*). */
enum {
    halo_dma_pw_min_svs = 0,
    halo_dma_pw_svs2 = 1,
    halo_dma_pw_svs = 2,
    halo_dma_pw_svs_l1 = 3,
    halo_dma_pw_normal = 4,
    halo_dma_pw_normal_l1 = 5,
    halo_dma_pw_turbo = 6
};

/* Votes a mode (needs an allocated engine). The mode maps to a corner as in Halide (low ->
 * SVS, nominal -> NORMAL, turbo -> TURBO, low_plus -> SVS_L1, low_2 -> SVS2, nominal_plus ->
 * NORMAL_L1, default -> the driver's default, SVS); a corner the device lacks is mapped to the
 * next higher supported one. */
int halo_hexagon_dma_power_mode_voting(void *user_context, halo_hexagon_power_mode_t mode);
halo_hexagon_power_mode_t halo_hexagon_dma_power_mode(void); /* the current vote */
int halo_hexagon_dma_power_corner(void);                     /* the corner in effect */
/* Corners the simulated device supports (bit i = corner i; must include TURBO). The default,
 * SVS | SVS_L1 | NORMAL | TURBO, makes low_2 run at SVS and nominal_plus at TURBO. */
int halo_hexagon_dma_set_supported_corners(uint32_t mask);
/* A simulated bandwidth (MB/s at TURBO, scaled down for lower corners; 0, the default, lets the
 * engines copy at memory speed). Lets traces and benchmarks show what async schedules hide. */
int halo_hexagon_dma_set_bandwidth_model(uint32_t mb_per_s_at_turbo);
uint32_t halo_hexagon_dma_bandwidth_model(void);
uint32_t halo_hexagon_dma_supported_corners(void);

/* ---- device interface and buffers ---------------------------------------------------------
 * Buffer shapes (Halide's rules): RawData 1..3 dims (3-D only interleaved: dim[0].stride equal
 * to the channel count, dim[2].stride 1); *_Y 2 dims with dim[0].stride 1; *_UV 3 dims with
 * dim[0].stride 2 and dim[2] = {min 0, extent 2, stride 1}. Element size 1 byte for NV12 /
 * NV124R, 2 bytes for P010 / TP10. The row stride (dim[1].stride) gives the linear plane's
 * stride in samples; for TP10 it counts 10-bit samples of the packed row (4 bytes per 3), so it
 * must be a multiple of 3. UBWC planes ignore it. */
struct halo_device_interface_t {
    const char *name;
    int (*wrap_native)(void *user_context, halo_buffer_t *buf, uint64_t mem);
    int (*detach_native)(void *user_context, halo_buffer_t *buf);
    int (*copy_start)(void *user_context, halo_buffer_t *frame, halo_buffer_t *local,
                      halo_dma_transfer_t *t);
    int (*copy_wait)(void *user_context, halo_dma_transfer_t *t);
};

const struct halo_device_interface_t *halo_hexagon_dma_device_interface(void);
int halo_hexagon_dma_device_wrap_native(void *user_context, halo_buffer_t *buf, uint64_t mem);
/* As wrap_native, with the number of bytes at mem that belong to the plane: prepare refuses a
 * shape whose plane (linear rows, or UBWC meta data and tiles) would reach beyond them
 * (halo_error_dma_plane_too_small). Halide's wrap_native trusts the shape; halo's Python
 * runtime and example apps always give the size. */
int halo_hexagon_dma_device_wrap_native_sized(void *user_context, halo_buffer_t *buf, uint64_t mem,
                                              uint64_t bytes);
/* Detach also unprepares; fails with halo_error_dma_busy while a transfer is in flight. */
int halo_hexagon_dma_device_detach_native(void *user_context, halo_buffer_t *buf);
int halo_hexagon_dma_prepare_for_copy_to_host(void *user_context, halo_buffer_t *buf,
                                              void *dma_engine, bool is_ubwc,
                                              halo_hexagon_image_fmt_t fmt);
int halo_hexagon_dma_prepare_for_copy_to_device(void *user_context, halo_buffer_t *buf,
                                                void *dma_engine, bool is_ubwc,
                                                halo_hexagon_image_fmt_t fmt);
int halo_hexagon_dma_unprepare(void *user_context, halo_buffer_t *buf);

/* One tile transfer. `frame` is the wrapped, prepared buffer or a crop of it (same device
 * handle); `local` is the local-memory tile: its mins / extents are the ROI in the frame's
 * coordinates and its strides its layout (Y and Raw rows contiguous; UV either interleaved,
 * dim[0].stride 2 / dim[2].stride 1, or de-interleaved, dim[0].stride 1 / dim[2].stride the
 * plane distance). Direction comes from the prepare call. Records the transfer in the trace
 * (category "dma", track = engine name). */
int halo_hexagon_dma_copy_start(void *user_context, halo_buffer_t *frame, halo_buffer_t *local,
                                halo_dma_transfer_t *t);
int halo_hexagon_dma_copy_wait(void *user_context, halo_dma_transfer_t *t);
/* halo_error_dma_bad_direction unless `frame` is prepared for `direction` (a pipeline checks
 * each DDR buffer it moves: an input prepared for copy to device would otherwise be written).
 * `name` is the pipeline's name for the buffer, for the message. */
int halo_hexagon_dma_check_direction(void *user_context, halo_buffer_t *frame, halo_dma_direction_t direction,
                                     const char *name);

#ifdef __cplusplus
}
#endif

#endif /* HALO_UBWCDMA_H */
