/* User DMA 2-D copies for generated code: one chain of type-1 descriptors per transfer. */
#include "udma_internal.h"

/* Rows per descriptor, or 0 when every row gets its own descriptor: the strides do not fit
 * the 16-bit fields, or there is one row (its strides need not cover the width). */
static uint32_t rows_per_descriptor(uint32_t height, uint32_t src_stride, uint32_t dst_stride) {
    if (height == 1 || src_stride > halo_udma_max_stride || dst_stride > halo_udma_max_stride) {
        return 0;
    }
    return halo_udma_max_roi;
}

int halo_udma_copy_2d_descriptors(uint32_t width, uint32_t height, uint32_t src_stride,
                                  uint32_t dst_stride) {
    if (height > 1 && (width > src_stride || width > dst_stride)) {
        return halo_error(NULL, halo_udma_error_copy_args,
                          "user DMA 2-D copy: row width %u exceeds src stride %u or dst stride %u",
                          width, src_stride, dst_stride);
    }
    if (width == 0 || height == 0) return 0;
    uint64_t cols = (width + (uint64_t)halo_udma_max_roi - 1) / halo_udma_max_roi;
    uint32_t per = rows_per_descriptor(height, src_stride, dst_stride);
    uint64_t rows = per ? (height + (uint64_t)per - 1) / per : height;
    if (cols * rows > 0x7FFFFFFF) {
        return halo_error(NULL, halo_udma_error_copy_args,
                          "user DMA 2-D copy of %u x %u needs too many descriptors", width, height);
    }
    return (int)(cols * rows);
}

static uint32_t stride_field(uint32_t stride) {
    return stride == halo_udma_max_stride ? 0 : stride;
}

int halo_udma_copy_2d_start(int engine, halo_udma_desc1_t *descs, int ndescs, void *dst,
                            const void *src, uint32_t width, uint32_t height,
                            uint32_t src_stride, uint32_t dst_stride) {
    int n = halo_udma_copy_2d_descriptors(width, height, src_stride, dst_stride);
    if (n <= 0) return n;
    if (!descs || ndescs < n) {
        return halo_error(NULL, halo_udma_error_copy_args,
                          "user DMA 2-D copy of %u x %u needs %d descriptors, %d given", width,
                          height, n, ndescs);
    }
    uint32_t src_va, dst_va, desc_va;
    int err = halo_udma_va_of(src, &src_va);
    if (!err) err = halo_udma_va_of(dst, &dst_va);
    if (!err) err = halo_udma_va_of(descs, &desc_va);
    if (err) return err;
    uint32_t per = rows_per_descriptor(height, src_stride, dst_stride);
    uint32_t rows_each = per ? per : 1;
    int i = 0;
    for (uint32_t r0 = 0; r0 < height; r0 += rows_each) {
        uint32_t rows = height - r0 < rows_each ? height - r0 : rows_each;
        for (uint32_t c0 = 0; c0 < width; c0 += halo_udma_max_roi) {
            uint32_t cols = width - c0 < halo_udma_max_roi ? width - c0 : halo_udma_max_roi;
            uint64_t s = src_va + (uint64_t)r0 * src_stride + c0;
            uint64_t d = dst_va + (uint64_t)r0 * dst_stride + c0;
            if (s > 0xFFFFFFFFu || d > 0xFFFFFFFFu) {
                return halo_error(NULL, halo_udma_error_copy_args,
                                  "user DMA 2-D copy: row %u lies beyond the 32-bit VA space", r0);
            }
            halo_udma_fields_t f = {0};
            f.next = i + 1 < n ? desc_va + (uint32_t)(i + 1) * sizeof(halo_udma_desc1_t) : 0;
            f.desctype = 1;
            f.order = 1;
            f.src = (uint32_t)s;
            f.dst = (uint32_t)d;
            f.roiwidth = cols;
            f.roiheight = rows;
            /* One-row descriptors never step, so any stride >= the width will do. */
            f.srcstride = per ? stride_field(src_stride) : 0;
            f.dststride = per ? stride_field(dst_stride) : 0;
            err = halo_udma_pack(&f, descs[i].word, halo_udma_type1_words);
            if (err) return err;
            i++;
        }
    }
    return halo_udma_dmstart(engine, desc_va);
}

int halo_udma_copy_wait(int engine) {
    uint32_t dm0;
    return halo_udma_dmwait(engine, &dm0);
}
