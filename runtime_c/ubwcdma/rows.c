/* Row conversion between a plane's DDR form and the local-memory form (8-bit samples as bytes,
 * 10-bit samples as MSB-aligned 16-bit words), interleaved or de-interleaved. Contiguous 8-bit
 * and P010 rows are one memcpy: that path carries linear NV12 throughput. */
#include "ubwcdma_internal.h"

static inline uint16_t load16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void store16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline uint32_t load32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void store32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Byte offset of local sample j (counted from the first moved sample). */
static inline int64_t slot(int32_t j, int32_t size, int32_t chroma_offset) {
    if (!chroma_offset) return (int64_t)j * size;
    return (j & 1) * (int64_t)chroma_offset + (int64_t)(j >> 1) * size;
}

void ubwc_row_to_local(sample_kind_t kind, const uint8_t *ddr, int32_t first, int32_t n,
                       uint8_t *local, int32_t chroma_offset) {
    if (kind == sample_u8) {
        const uint8_t *src = ddr + first;
        if (!chroma_offset) {
            memcpy(local, src, (size_t)n);
            return;
        }
        for (int32_t j = 0; j < n; j++) local[slot(j, 1, chroma_offset)] = src[j];
    } else if (kind == sample_p010) {
        const uint8_t *src = ddr + 2 * (int64_t)first;
        if (!chroma_offset) {
            memcpy(local, src, 2 * (size_t)n);
            return;
        }
        for (int32_t j = 0; j < n; j++) store16(local + slot(j, 2, chroma_offset), load16(src + 2 * j));
    } else {
        const uint8_t *src = ddr + (int64_t)first / 3 * 4;
        for (int32_t j = 0; j < n; j++) {
            uint32_t w = load32(src + (j / 3) * 4);
            uint16_t v = (uint16_t)((w >> (10 * (j % 3))) & 0x3FF);
            store16(local + slot(j, 2, chroma_offset), (uint16_t)(v << 6));
        }
    }
}

void ubwc_row_from_local(sample_kind_t kind, uint8_t *ddr, int32_t first, int32_t n,
                         const uint8_t *local, int32_t chroma_offset) {
    if (kind == sample_u8) {
        uint8_t *dst = ddr + first;
        if (!chroma_offset) {
            memcpy(dst, local, (size_t)n);
            return;
        }
        for (int32_t j = 0; j < n; j++) dst[j] = local[slot(j, 1, chroma_offset)];
    } else if (kind == sample_p010) {
        uint8_t *dst = ddr + 2 * (int64_t)first;
        if (!chroma_offset) {
            memcpy(dst, local, 2 * (size_t)n);
            return;
        }
        for (int32_t j = 0; j < n; j++) store16(dst + 2 * j, load16(local + slot(j, 2, chroma_offset)));
    } else {
        uint8_t *dst = ddr + (int64_t)first / 3 * 4;
        for (int32_t j = 0; j < n; j += 3) {
            uint32_t w = 0;
            for (int32_t k = 0; k < 3 && j + k < n; k++)
                w |= (uint32_t)(load16(local + slot(j + k, 2, chroma_offset)) >> 6) << (10 * k);
            store32(dst + (j / 3) * 4, w);
        }
    }
}
