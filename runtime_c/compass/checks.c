/* Compass DMA: the rules of dma_copy / async_dma_copy, in the order the DSL applies them
 * (compile-time checks first, then the PySim runtime checks). */
#include "compass_internal.h"

static const char *dtype_name(int dtype) {
    switch (dtype) {
    case halo_compass_int8: return "int8";
    case halo_compass_int16: return "int16";
    case halo_compass_int32: return "int32";
    case halo_compass_uint8: return "uint8";
    case halo_compass_uint16: return "uint16";
    case halo_compass_uint32: return "uint32";
    case halo_compass_float16: return "float16";
    case halo_compass_float32: return "float32";
    default: return NULL;
    }
}

static const char *scope_name(int scope) {
    static const char *const names[] = {"global", "global.1", "global.2", "global.3",
                                        "lsram",  "shared",   "private",  "constant"};
    return scope >= 0 && scope <= halo_compass_constant ? names[scope] : NULL;
}

static bool is_sram(int scope) {
    return scope == halo_compass_lsram || scope == halo_compass_shared;
}

/* x * y <= limit, without overflow (x, y >= 0). */
static bool product_within(int64_t x, int64_t y, int64_t limit) {
    return y == 0 || x <= limit / y;
}

/* The size limits of one lsram / shared side of a synchronous copy. */
static int check_sram_side(const char *side, int scope, int64_t stride, int64_t width,
                           int64_t times, int64_t itemsize, const char *dtype) {
    if (!is_sram(scope)) return 0;
    int64_t max_bytes = scope == halo_compass_lsram ? 32 * 1024 : 256 * 1024;
    int64_t max = max_bytes / itemsize;
    const char *where = scope_name(scope);
    if (scope == halo_compass_lsram && width > max) {
        return halo_error(NULL, halo_compass_error_limit,
                          "dma_copy: width %lld exceeds the lsram limit of %lld %s elements",
                          (long long)width, (long long)max, dtype);
    }
    if (stride > max) {
        return halo_error(NULL, halo_compass_error_limit,
                          "dma_copy: %s_stride %lld exceeds the %s limit of %lld %s elements",
                          side, (long long)stride, where, (long long)max, dtype);
    }
    if (!product_within(width, times, max)) {
        return halo_error(NULL, halo_compass_error_limit,
                          "dma_copy: width * times = %lld * %lld exceeds the %s limit of %lld %s "
                          "elements", (long long)width, (long long)times, where, (long long)max,
                          dtype);
    }
    return 0;
}

static int check_sync_limits(int dst_scope, int src_scope, int64_t width, int64_t src_stride,
                             int64_t times, int64_t dst_stride, int64_t itemsize,
                             const char *dtype) {
    int64_t max = 0xFFFFFFFFll / itemsize;
    if (!product_within(width, times, max)) {
        return halo_error(NULL, halo_compass_error_limit,
                          "dma_copy: width * times = %lld * %lld exceeds %lld %s elements "
                          "(4 GiB)", (long long)width, (long long)times, (long long)max, dtype);
    }
    int err = check_sram_side("dst", dst_scope, dst_stride, width, times, itemsize, dtype);
    if (!err) err = check_sram_side("src", src_scope, src_stride, width, times, itemsize, dtype);
    return err;
}

/* The async path programs the registers directly: 16-bit width, 24-bit strides and size. */
static int check_async_limits(int64_t width, int64_t src_stride, int64_t times,
                              int64_t dst_stride, int64_t itemsize, const char *dtype) {
    int64_t max_width = 0xFFFF / itemsize, max_24 = 0xFFFFFF / itemsize;
    if (width > max_width) {
        return halo_error(NULL, halo_compass_error_limit,
                          "async_dma_copy: width %lld exceeds %lld %s elements (16-bit width "
                          "register)", (long long)width, (long long)max_width, dtype);
    }
    if (src_stride > max_24 || dst_stride > max_24) {
        return halo_error(NULL, halo_compass_error_limit,
                          "async_dma_copy: src_stride %lld / dst_stride %lld exceeds %lld %s "
                          "elements (24-bit stride register)", (long long)src_stride,
                          (long long)dst_stride, (long long)max_24, dtype);
    }
    if (!product_within(width, times, max_24)) {
        return halo_error(NULL, halo_compass_error_limit,
                          "async_dma_copy: width * times = %lld * %lld exceeds %lld %s elements "
                          "(24-bit size register)", (long long)width, (long long)times,
                          (long long)max_24, dtype);
    }
    return 0;
}

int compass_check(bool async, void *dst, int dst_scope, int dst_dtype, const void *src,
                  int src_scope, int src_dtype, int64_t width, int64_t src_stride,
                  int64_t times, int64_t dst_stride, compass_copy_t *copy) {
    const char *fn = async ? "async_dma_copy" : "dma_copy";
    const char *dst_t = dtype_name(dst_dtype), *src_t = dtype_name(src_dtype);
    if (!dst_t || !src_t) {
        return halo_error(NULL, halo_compass_error_bad_dtype,
                          "%s: unknown dtype 0x%x (int8/16/32, uint8/16/32, float16/32)", fn,
                          (unsigned)(dst_t ? src_dtype : dst_dtype));
    }
    if (!scope_name(dst_scope) || !scope_name(src_scope)) {
        return halo_error(NULL, halo_compass_error_bad_scope, "%s: unknown scope %d", fn,
                          scope_name(dst_scope) ? src_scope : dst_scope);
    }
    if (!dst || !src) {
        return halo_error(NULL, halo_compass_error_null_pointer,
                          "%s: expect a pointer, but \"%s\" is NULL", fn, dst ? "src" : "dst");
    }
    if (dst_dtype != src_dtype) {
        return halo_error(NULL, halo_compass_error_dtype_mismatch,
                          "%s: The data type mismatch: \"dst\": \"%s*\" vs. \"src\": \"%s*\".",
                          fn, dst_t, src_t);
    }
    if (dst_scope == halo_compass_constant || src_scope == halo_compass_constant) {
        return halo_error(NULL, halo_compass_error_constant_scope,
                          "%s: the scope of \"%s\" can not be \"constant\"", fn,
                          dst_scope == halo_compass_constant ? "dst" : "src");
    }
    if (is_sram(dst_scope) && is_sram(src_scope)) {
        return halo_error(NULL, halo_compass_error_scope_pair,
                          "%s: Does not support copy data from scope \"%s\" to scope \"%s\".", fn,
                          scope_name(src_scope), scope_name(dst_scope));
    }
    if (width < 0 || times < 0) {
        return halo_error(NULL, halo_compass_error_negative,
                          "%s: width %lld and times %lld must not be negative", fn,
                          (long long)width, (long long)times);
    }
    if (src_stride < width || dst_stride < width) {
        return halo_error(NULL, halo_compass_error_stride,
                          "%s: src_stride %lld and dst_stride %lld must be at least width %lld",
                          fn, (long long)src_stride, (long long)dst_stride, (long long)width);
    }
    int64_t itemsize = (dst_dtype & 0xFF) / 8;
    int err = async ? check_async_limits(width, src_stride, times, dst_stride, itemsize, dst_t)
                    : check_sync_limits(dst_scope, src_scope, width, src_stride, times,
                                        dst_stride, itemsize, dst_t);
    if (err) return err;
    /* Every byte offset must be addressable; only unbounded global strides can break this. */
    int64_t steps = times > 0 ? times - 1 : 0, addressable = INT64_MAX / 4 / itemsize;
    if (width > addressable || src_stride > addressable || dst_stride > addressable ||
        !product_within(src_stride, steps, addressable) ||
        !product_within(dst_stride, steps, addressable)) {
        return halo_error(NULL, halo_compass_error_limit,
                          "%s: width %lld, strides %lld / %lld and times %lld overflow the "
                          "address space", fn, (long long)width, (long long)src_stride,
                          (long long)dst_stride, (long long)times);
    }
    copy->dst = (uint8_t *)dst;
    copy->src = (const uint8_t *)src;
    copy->row_bytes = (uint64_t)(width * itemsize);
    copy->rows = (uint64_t)times;
    copy->src_stride = (uint64_t)(src_stride * itemsize);
    copy->dst_stride = (uint64_t)(dst_stride * itemsize);
    return 0;
}
