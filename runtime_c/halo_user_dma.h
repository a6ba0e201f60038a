/* halo runtime: Hexagon V68+ user DMA, simulated in software.
 *
 * Descriptors are kept as their exact 32-bit words (type 0: 4 words / 16 bytes, 16-B aligned;
 * type 1: 8 words / 32 bytes, 32-B aligned) so that the bit layout is the hardware's; the
 * fields are read and written with halo_udma_pack / halo_udma_unpack.
 *
 * Word layout (shared/reference/formats_and_dma_engines.md, section D.1):
 *   word0  next descriptor VA (0 ends the chain)
 *   word1  [23:0] length (type 0, bytes)  [25:24] desctype  [26] dstcomp  [27] srccomp
 *          [28] dstbypass  [29] srcbypass  [30] order  [31] done (written by the engine)
 *   word2  src VA   word3  dst VA
 *   type 1 only:
 *   word4  [7:0] 2-D sub-type (0 = plain 32-bit VA, the only one simulated)  [15:8] src upper
 *          [23:16] dst upper  [24] write-allocate  [27:25] read-allocate  [30:28] transform
 *   word5  [15:0] roiwidth (bytes)   [31:16] roiheight (rows)
 *   word6  [15:0] srcstride (bytes)  [31:16] dststride (bytes); 0 means 65536
 *   word7  [15:0] srcwidthoffset     [31:16] dstwidthoffset
 *
 * Addresses in descriptors are 32-bit virtual addresses, as on Hexagon. The host build gives
 * memory a 32-bit VA with halo_udma_map (a small software MMU); the freestanding Hexagon build
 * uses the pointer itself.
 *
 * One engine per simulated hardware thread. Host: each engine runs its chain on its own
 * worker thread, beside the caller. Freestanding: the chain runs to its end inside the
 * dmstart / dmlink / dmresume call. */
#ifndef HALO_USER_DMA_H
#define HALO_USER_DMA_H

#ifndef HALO_CFFI
#include <stddef.h>
#include <stdint.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum {
    halo_udma_num_engines = 8,      /* simulated hardware threads (DM4 holds a 4-bit thread id) */
    halo_udma_type0_words = 4,
    halo_udma_type1_words = 8,
    halo_udma_max_length = 0xFFFFFF, /* type 0 length field */
    halo_udma_max_roi = 0xFFFF,      /* type 1 roiwidth / roiheight fields */
    halo_udma_max_stride = 0x10000   /* type 1 stride fields (encoded as 0) */
};

/* Descriptor storage: the exact bytes the engine reads and writes back. */
typedef struct halo_udma_desc0_t {
    uint32_t word[4];
} halo_udma_desc0_t;
typedef struct halo_udma_desc1_t {
    uint32_t word[8];
} halo_udma_desc1_t;

/* Every field of both descriptor types, one integer each (type-1 fields are ignored for
 * type 0). */
typedef struct halo_udma_fields_t {
    uint32_t next;
    uint32_t length;
    uint32_t desctype;
    uint32_t dstcomp;
    uint32_t srccomp;
    uint32_t dstbypass;
    uint32_t srcbypass;
    uint32_t order;
    uint32_t done;
    uint32_t src;
    uint32_t dst;
    uint32_t subtype;
    uint32_t src_upper;
    uint32_t dst_upper;
    uint32_t wr_alloc;
    uint32_t rd_alloc;
    uint32_t transform;
    uint32_t roiwidth;
    uint32_t roiheight;
    uint32_t srcstride;
    uint32_t dststride;
    uint32_t srcwidthoffset;
    uint32_t dstwidthoffset;
} halo_udma_fields_t;

/* DM0[1:0] */
typedef enum halo_udma_status_t {
    halo_udma_status_idle = 0,
    halo_udma_status_run = 1,
    halo_udma_status_error = 2
} halo_udma_status_t;

/* DM4[15:8] error syndromes */
typedef enum halo_udma_syndrome_t {
    halo_udma_syndrome_command = 0, /* dmstart / dmresume in run state, bad dmlink tail */
    halo_udma_syndrome_alignment = 1,
    halo_udma_syndrome_type = 2,
    halo_udma_syndrome_address = 3,
    halo_udma_syndrome_bypass = 4,
    halo_udma_syndrome_comp = 5,
    halo_udma_syndrome_roi = 6,
    halo_udma_syndrome_bus_descriptor = 7,
    halo_udma_syndrome_bus_read = 8,
    halo_udma_syndrome_bus_write = 9
} halo_udma_syndrome_t;

/* Error codes: an engine error with syndrome s is reported as -201 - s. */
typedef enum halo_udma_error_t {
    halo_udma_error_bad_engine = -200,
    halo_udma_error_command = -201,
    halo_udma_error_alignment = -202,
    halo_udma_error_type = -203,
    halo_udma_error_address = -204,
    halo_udma_error_bypass = -205,
    halo_udma_error_comp = -206,
    halo_udma_error_roi = -207,
    halo_udma_error_bus_descriptor = -208,
    halo_udma_error_bus_read = -209,
    halo_udma_error_bus_write = -210,
    halo_udma_error_in_error_state = -220, /* a command was ignored: the engine is in ERROR */
    halo_udma_error_field_range = -221,    /* a field does not fit its bits */
    halo_udma_error_map = -222,            /* the software MMU refused a map / lookup */
    halo_udma_error_copy_args = -223       /* halo_udma_copy_2d_* arguments */
} halo_udma_error_t;

/* ---- descriptor words ------------------------------------------------------------------
 * nwords is 4 (type 0) or 8 (type 1). pack fails with halo_udma_error_field_range when a
 * field does not fit its bit width and writes nothing then. */
int halo_udma_pack(const halo_udma_fields_t *fields, uint32_t *words, int nwords);
int halo_udma_unpack(const uint32_t *words, int nwords, halo_udma_fields_t *fields);

/* ---- 32-bit virtual addresses ------------------------------------------------------------
 * map gives [host, host + bytes) a VA range with the same offset inside a 4 KiB page, so the
 * alignment the engine checks is the host alignment. Host ranges may not overlap, except that
 * mapping exactly the same range again shares it (each map then needs its own unmap). va_of
 * translates any host address inside a mapped range. unmap takes the pointer given to map. */
int halo_udma_map(void *host, size_t bytes, uint32_t *va);
int halo_udma_unmap(void *host);
int halo_udma_va_of(const void *host, uint32_t *va);

/* ---- engine commands (named after the instructions) --------------------------------------
 * dmstart(d): start the chain at d; d == 0 is a no-op. On a running engine it is a command
 *   error (syndrome 0): the engine stops in ERROR.
 * dmlink(tail, d): write d into tail->next (tail may be 0) and start d if the engine is idle.
 * dmpoll: non-blocking; *dm0 = VA of the descriptor in progress (0 if none) | status.
 * dmwait: blocks until the engine is not running; *dm0 as dmpoll.
 * dmpause: stops the engine at a descriptor boundary and clears an error; *dm0 = VA of the
 *   next unprocessed descriptor (0 if none) | the status before the pause.
 * dmresume(dm0): restarts at dm0 & ~0xF (0: no-op); a command error on a running engine.
 * Commands return 0, or a negative code with a message. dmpoll / dmwait return the code of
 * the syndrome while the engine is in ERROR; dmstart / dmlink / dmresume on an engine in
 * ERROR are ignored (as on hardware) and return halo_udma_error_in_error_state. */
int halo_udma_dmstart(int engine, uint32_t desc);
int halo_udma_dmlink(int engine, uint32_t tail, uint32_t desc);
int halo_udma_dmpoll(int engine, uint32_t *dm0);
int halo_udma_dmwait(int engine, uint32_t *dm0);
int halo_udma_dmpause(int engine, uint32_t *dm0);
int halo_udma_dmresume(int engine, uint32_t dm0);
/* DM4 ([0] error, [7:4] thread id, [15:8] syndrome) and DM5 (the faulting address). */
int halo_udma_syndrome(int engine, uint32_t *dm4, uint32_t *dm5);

/* Waits for every engine, stops the worker threads, clears every engine and every mapping. */
int halo_udma_reset(void);

/* ---- 2-D copies for generated code -------------------------------------------------------
 * A 2-D copy of height rows of width bytes becomes a chain of type-1 descriptors (split where
 * the 16-bit fields require it). src, dst and descs must lie in mapped ranges (descs 32-B
 * aligned, room for halo_udma_copy_2d_descriptors(...) entries). start builds the chain
 * (order = 1, no bypass, no compression) and starts it; halo_udma_copy_wait waits for the
 * engine and reports any error. */
int halo_udma_copy_2d_descriptors(uint32_t width, uint32_t height, uint32_t src_stride,
                                  uint32_t dst_stride);
int halo_udma_copy_2d_start(int engine, halo_udma_desc1_t *descs, int ndescs, void *dst,
                            const void *src, uint32_t width, uint32_t height,
                            uint32_t src_stride, uint32_t dst_stride);
int halo_udma_copy_wait(int engine);

#ifdef __cplusplus
}
#endif

#endif /* HALO_USER_DMA_H */
