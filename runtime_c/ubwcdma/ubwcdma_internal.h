/* UBWCDMA internals shared by the files of runtime_c/ubwcdma/ (not part of the cffi surface). */
#ifndef HALO_UBWCDMA_INTERNAL_H
#define HALO_UBWCDMA_INTERNAL_H

#include "../core/halo_core.h"
#include "../halo_ubwcdma.h"

/* How a plane stores its samples in DDR. */
typedef enum sample_kind_t {
    sample_u8 = 0,   /* one byte per sample (Raw, NV12, NV12-4R) */
    sample_p010 = 1, /* 16-bit little-endian words, value in bits [15:6] */
    sample_tp10 = 2  /* 3 samples per 32-bit LE word at [9:0] [19:10] [29:20], [31:30] zero */
} sample_kind_t;

/* Everything the engine needs to know about one plane of one frame. Sample columns count
 * samples (a UV plane has two per pair, interleaved U,V), rows count the plane's own rows. */
typedef struct plane_geom_t {
    sample_kind_t kind;
    bool chroma, ubwc;
    int32_t samples;   /* valid samples per row */
    int32_t rows;      /* valid rows */
    int32_t row_bytes; /* DDR bytes holding the valid samples of a row */
    int32_t stride;    /* DDR bytes per row (UBWC: of the padded tile raster) */
    int32_t scanlines; /* rows of the padded raster (linear: rows) */
    /* UBWC only */
    int32_t tile_bytes;   /* bytes per tile row (32 or 64); tile_bytes * tile_rows = 256 */
    int32_t tile_rows;    /* rows per tile */
    int32_t tile_samples; /* samples per tile row */
    int32_t meta_stride, meta_scanlines;
    int64_t pixels_offset; /* tile data, after the 4096-aligned meta data */
    int64_t size;          /* bytes of the whole plane */
} plane_geom_t;

/* family: RawData or a combined format (NV12, P010, TP10, NV124R); width / height in luma
 * pixels (Raw: bytes, rows); stride used by linear planes only. Returns false for a family or
 * size it cannot describe (never records an error). */
bool ubwc_plane_geom(int family, bool chroma, bool ubwc, int32_t width, int32_t height,
                     int32_t stride, plane_geom_t *g);
int32_t ubwc_row_bytes(sample_kind_t kind, int32_t samples); /* DDR bytes of that many samples */
int32_t ubwc_min_linear_stride(int family, int32_t width);   /* longer of the Y / UV rows */
static inline int ubwc_family(int fmt) { return fmt == 0 ? 0 : 1 + (fmt - 1) / 3 * 3; }
static inline bool ubwc_is_chroma(int fmt) { return fmt != 0 && (fmt - 1) % 3 == 2; }
static inline int32_t ubwc_local_sample_bytes(sample_kind_t k) { return k == sample_u8 ? 1 : 2; }

/* The 256-byte tile at (tx, ty) of a UBWC plane: 4x4 tiles per 4 KB macrotile, row-major
 * inside it; meta byte at ty * meta_stride + tx. */
static inline int64_t ubwc_tile_offset(const plane_geom_t *g, int32_t tx, int32_t ty) {
    return g->pixels_offset + (int64_t)(ty >> 2) * g->stride * 4 * g->tile_rows +
           (int64_t)(tx >> 2) * 4096 + ((ty & 3) * 4 + (tx & 3)) * 256;
}

/* ---- tile codec ----------------------------------------------------------------------------
 * Meta byte: 0x00 = all-zero tile, no payload; 0x10 | (n - 1) << 1 = n 32-byte units of
 * payload (n = 8, meta 0x1E, is the tile stored raw). */
typedef struct codec_shape_t {
    sample_kind_t kind;
    int32_t cols;     /* samples per tile row */
    int32_t distance; /* 1, or 2 for interleaved chroma: the left neighbour of the same colour */
} codec_shape_t;
/* Encodes a 256-byte tile into out (room for 256 bytes); returns the payload bytes (0 or a
 * multiple of 32). */
int32_t ubwc_encode_tile(const codec_shape_t *s, const uint8_t tile[256], uint8_t out[256],
                         uint8_t *meta);
/* Decodes; returns the payload bytes read, or -1 if meta or payload is malformed. */
int32_t ubwc_decode_tile(const codec_shape_t *s, uint8_t meta, const uint8_t *payload,
                         uint8_t tile[256]);

/* ---- row conversion between DDR form and local form ----------------------------------------
 * `ddr` is the start of a DDR row (sample 0); first is the first sample moved (a multiple of 3
 * for TP10). `local` is where sample `first` lives in local memory; chroma_offset is 0 for
 * contiguous samples, else the byte distance from U to V (sample j goes to plane j & 1,
 * column j >> 1, counted from an even `first`). Writes of TP10 that end inside a word fill the
 * word's remaining samples with zeros (only legal at the end of a row). */
void ubwc_row_to_local(sample_kind_t kind, const uint8_t *ddr, int32_t first, int32_t n,
                       uint8_t *local, int32_t chroma_offset);
void ubwc_row_from_local(sample_kind_t kind, uint8_t *ddr, int32_t first, int32_t n,
                         const uint8_t *local, int32_t chroma_offset);

/* ---- descriptors ---------------------------------------------------------------------------- */
/* Checks every rule; fills the plane geometry. Records an error message on failure. */
int ubwc_check_desc(void *user_context, const halo_ubwcdma_desc_t *d, plane_geom_t *g);
/* Runs a checked descriptor; adds the bytes moved. */
int ubwc_run_desc(void *user_context, const halo_ubwcdma_desc_t *d, const plane_geom_t *g,
                  uint64_t *ddr_bytes, uint64_t *uncompressed_bytes);

/* ---- engines -------------------------------------------------------------------------------- */
bool ubwc_engine_valid(void *engine);             /* allocated right now */
uint32_t ubwc_engine_generation(void *engine);    /* changes at every allocation */
/* Move on behalf of the buffer API: `handle` (a device handle, or NULL) has its in-flight
 * count raised here and lowered by ubwc_handle_transfer_done when the transfer completes. */
int ubwc_engine_move(void *user_context, void *engine, const halo_ubwcdma_desc_t *desc,
                     halo_dma_transfer_t *t, void *handle);
void ubwc_handle_transfer_started(void *handle);
void ubwc_handle_transfer_done(void *handle);
/* Back to the default power mode when the last engine is deallocated (pool lock held). */
void ubwc_power_restore_default(void);
/* Serialises engine allocation and deallocation (and the engines-in-use count power votes read). */
/* Lock order, outermost first: ubwc_pool_lock (the engine pool), an engine's lock, the power
 * state's lock (power.c, a leaf). A thread holding one may take only those after it; engine
 * workers take only their engine's lock and the power lock, so deallocate_engine may wait for
 * them with the pool lock held. */
extern halo_mutex_t ubwc_pool_lock;
int32_t ubwc_engines_in_use_locked(void);

/* bandwidth.c: the least time a transfer may take under the bandwidth model (0: none). */
uint64_t ubwc_transfer_floor_ns(uint64_t bytes);

#endif /* HALO_UBWCDMA_INTERNAL_H */
