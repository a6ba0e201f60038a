/* User DMA: one descriptor's transfer — validation at fetch with the hardware's syndromes,
 * the data movement, and the write-back of the done bit and the consumed fields. */
#include "udma_internal.h"

#define DONE_BIT 0x80000000u

static int fault_at(udma_fault_t *fault, uint32_t syndrome, uint32_t address, const char *fmt,
                    ...) {
    va_list ap;
    va_start(ap, fmt);
    fault->syndrome = syndrome;
    fault->address = address;
    halo_vsnprintf(fault->message, sizeof(fault->message), fmt, ap);
    va_end(ap);
    return -1;
}

/* DLBC needs bypass on its side (syndrome 4) and 256-B granules (syndrome 5). The simulated
 * DM2 has DLBC disabled (the codec is not public), so a valid DLBC request is syndrome 5 too. */
static int check_comp(const char *side, uint32_t comp, uint32_t bypass, uint32_t addr,
                      uint32_t bytes, uint32_t desc, udma_fault_t *fault) {
    if (!comp) return 0;
    if (!bypass) {
        return fault_at(fault, halo_udma_syndrome_bypass, desc,
                        "descriptor 0x%x: %s DLBC compression requires %s bypass", desc, side,
                        side);
    }
    if (addr % 256 || bytes % 256) {
        return fault_at(fault, halo_udma_syndrome_comp, desc,
                        "descriptor 0x%x: %s DLBC needs a 256-B aligned address and a multiple "
                        "of 256 bytes (address 0x%x, %u bytes)", desc, side, addr, bytes);
    }
    return fault_at(fault, halo_udma_syndrome_comp, desc,
                    "descriptor 0x%x: %s DLBC compression is disabled (DM2 DLBC enable = 0)",
                    desc, side);
}

/* The host memory behind one side of the transfer: rows of row_bytes every stride bytes. */
static int resolve(const char *side, uint32_t addr, uint32_t row_bytes, uint32_t rows,
                   uint32_t stride, uint32_t desc, uint8_t **out, udma_fault_t *fault) {
    *out = NULL;
    if (row_bytes == 0 || rows == 0) return 0;
    uint64_t span = (uint64_t)(rows - 1) * stride + row_bytes;
    if ((uint64_t)addr + span > 0x100000000ull) {
        return fault_at(fault, halo_udma_syndrome_address, addr,
                        "descriptor 0x%x: %s addresses roll over 32 bits (0x%x + %llu bytes)",
                        desc, side, addr, (unsigned long long)span);
    }
    *out = udma_translate(addr, span);
    if (!*out) {
        return fault_at(fault, halo_udma_syndrome_address, addr,
                        "descriptor 0x%x: %s range 0x%x + %llu bytes is not mapped memory", desc,
                        side, addr, (unsigned long long)span);
    }
    return 0;
}

int udma_fetch(uint32_t desc, udma_job_t *job, udma_fault_t *fault) {
    if (desc % 16) {
        return fault_at(fault, halo_udma_syndrome_alignment, desc,
                        "descriptor 0x%x is not 16-byte aligned", desc);
    }
    uint32_t *w = (uint32_t *)udma_translate(desc, 16);
    if (!w) {
        return fault_at(fault, halo_udma_syndrome_bus_descriptor, desc,
                        "descriptor 0x%x is not in mapped memory", desc);
    }
    uint32_t type = (w[1] >> 24) & 3;
    if (type > 1) {
        return fault_at(fault, halo_udma_syndrome_type, desc,
                        "descriptor 0x%x has desctype %u (0 = 1-D, 1 = 2-D)", desc, type);
    }
    if (type == 1) {
        if (desc % 32) {
            return fault_at(fault, halo_udma_syndrome_alignment, desc,
                            "type-1 descriptor 0x%x is not 32-byte aligned", desc);
        }
        if (!udma_translate(desc, 32)) {
            return fault_at(fault, halo_udma_syndrome_bus_descriptor, desc,
                            "type-1 descriptor 0x%x (32 bytes) is not in mapped memory", desc);
        }
    }
    if (w[1] & DONE_BIT) {
        return fault_at(fault, halo_udma_syndrome_roi, desc,
                        "descriptor 0x%x already has its done bit set", desc);
    }
    halo_udma_fields_t f;
    halo_udma_unpack(w, type ? halo_udma_type1_words : halo_udma_type0_words, &f);
    if (type == 1 && f.subtype != 0) {
        return fault_at(fault, halo_udma_syndrome_type, desc,
                        "type-1 descriptor 0x%x has 2-D sub-type %u; only 0 (32-bit VA) is "
                        "simulated", desc, f.subtype);
    }
    job->words = w;
    job->va = desc;
    job->type = type;
    if (type == 0) {
        job->row_bytes = f.length;
        job->rows = 1;
        job->src_stride = job->dst_stride = f.length;
    } else {
        job->row_bytes = f.roiwidth;
        job->rows = f.roiheight;
        job->src_stride = f.srcstride ? f.srcstride : halo_udma_max_stride;
        job->dst_stride = f.dststride ? f.dststride : halo_udma_max_stride;
    }
    uint32_t bytes = job->row_bytes * job->rows;
    if (check_comp("src", f.srccomp, f.srcbypass, f.src, bytes, desc, fault) ||
        check_comp("dst", f.dstcomp, f.dstbypass, f.dst, bytes, desc, fault)) {
        return -1;
    }
    if (type == 1) {
        if (f.roiwidth > job->src_stride || f.roiwidth > job->dst_stride) {
            return fault_at(fault, halo_udma_syndrome_roi, desc,
                            "descriptor 0x%x: roiwidth %u exceeds srcstride %u or dststride %u",
                            desc, f.roiwidth, job->src_stride, job->dst_stride);
        }
        if (f.srcwidthoffset || f.dstwidthoffset) {
            return fault_at(fault, halo_udma_syndrome_roi, desc,
                            "descriptor 0x%x: width offsets %u / %u must be 0 when it starts",
                            desc, f.srcwidthoffset, f.dstwidthoffset);
        }
    }
    if (resolve("src", f.src, job->row_bytes, job->rows, job->src_stride, desc, &job->src, fault) ||
        resolve("dst", f.dst, job->row_bytes, job->rows, job->dst_stride, desc, &job->dst, fault)) {
        return -1;
    }
    return 0;
}

void udma_copy(const udma_job_t *job) {
    if (!job->src || !job->dst) return;
    for (uint32_t r = 0; r < job->rows; r++) {
        memmove(job->dst + (size_t)r * job->dst_stride, job->src + (size_t)r * job->src_stride,
                job->row_bytes);
    }
}

static const char *const engine_tracks[halo_udma_num_engines] = {
    "user DMA engine 0", "user DMA engine 1", "user DMA engine 2", "user DMA engine 3",
    "user DMA engine 4", "user DMA engine 5", "user DMA engine 6", "user DMA engine 7",
};

void udma_complete(const udma_job_t *job, int engine, uint64_t start_ns) {
    uint32_t *w = job->words;
    if (job->type == 0) {
        w[1] = (w[1] & 0xFF000000u) | DONE_BIT; /* remaining length 0 */
    } else {
        w[1] |= DONE_BIT;
        w[5] = 0; /* roiwidth, roiheight consumed */
        w[7] = 0; /* width offsets */
    }
    if (halo_trace_enabled()) {
        halo_trace_record("dma", job->type ? "udma type1 2-D" : "udma type0 1-D",
                          engine_tracks[engine], (uint64_t)job->row_bytes * job->rows, start_ns,
                          halo_time_ns());
    }
}
