/* User DMA descriptors: fields <-> the exact 32-bit words of the hardware layout. */
#include "../core/halo_core.h"
#include "../halo_user_dma.h"

/* One field: word index, lowest bit, width in bits, and where it lives in the fields struct. */
typedef struct udma_field_t {
    const char *name;
    uint8_t word, shift, bits;
    size_t offset;
} udma_field_t;

#define F(member, w, s, b) {#member, w, s, b, offsetof(halo_udma_fields_t, member)}
static const udma_field_t udma_fields[] = {
    F(next, 0, 0, 32),
    F(length, 1, 0, 24),
    F(desctype, 1, 24, 2),
    F(dstcomp, 1, 26, 1),
    F(srccomp, 1, 27, 1),
    F(dstbypass, 1, 28, 1),
    F(srcbypass, 1, 29, 1),
    F(order, 1, 30, 1),
    F(done, 1, 31, 1),
    F(src, 2, 0, 32),
    F(dst, 3, 0, 32),
    F(subtype, 4, 0, 8),
    F(src_upper, 4, 8, 8),
    F(dst_upper, 4, 16, 8),
    F(wr_alloc, 4, 24, 1),
    F(rd_alloc, 4, 25, 3),
    F(transform, 4, 28, 3),
    F(roiwidth, 5, 0, 16),
    F(roiheight, 5, 16, 16),
    F(srcstride, 6, 0, 16),
    F(dststride, 6, 16, 16),
    F(srcwidthoffset, 7, 0, 16),
    F(dstwidthoffset, 7, 16, 16),
};
#undef F
#define UDMA_NUM_FIELDS ((int)(sizeof(udma_fields) / sizeof(udma_fields[0])))

static uint32_t field_mask(const udma_field_t *f) {
    return f->bits == 32 ? 0xFFFFFFFFu : ((1u << f->bits) - 1u);
}

static int check_nwords(int nwords) {
    if (nwords != halo_udma_type0_words && nwords != halo_udma_type1_words) {
        return halo_error(NULL, halo_error_bad_argument,
                          "user DMA descriptor has %d words: type 0 has 4, type 1 has 8", nwords);
    }
    return 0;
}

int halo_udma_pack(const halo_udma_fields_t *fields, uint32_t *words, int nwords) {
    int err = check_nwords(nwords);
    if (err) return err;
    if (!fields || !words) {
        return halo_error(NULL, halo_error_bad_argument, "halo_udma_pack: NULL argument");
    }
    /* Validate everything first so a failed pack leaves the descriptor untouched. */
    for (int i = 0; i < UDMA_NUM_FIELDS; i++) {
        const udma_field_t *f = &udma_fields[i];
        if (f->word >= nwords) continue;
        uint32_t v = *(const uint32_t *)((const uint8_t *)fields + f->offset);
        if (v & ~field_mask(f)) {
            return halo_error(NULL, halo_udma_error_field_range,
                              "user DMA descriptor field %s = %u does not fit in %d bits",
                              f->name, v, (int)f->bits);
        }
    }
    uint32_t out[halo_udma_type1_words] = {0};
    for (int i = 0; i < UDMA_NUM_FIELDS; i++) {
        const udma_field_t *f = &udma_fields[i];
        if (f->word >= nwords) continue;
        uint32_t v = *(const uint32_t *)((const uint8_t *)fields + f->offset);
        out[f->word] |= v << f->shift;
    }
    for (int w = 0; w < nwords; w++) words[w] = out[w];
    return 0;
}

int halo_udma_unpack(const uint32_t *words, int nwords, halo_udma_fields_t *fields) {
    int err = check_nwords(nwords);
    if (err) return err;
    if (!fields || !words) {
        return halo_error(NULL, halo_error_bad_argument, "halo_udma_unpack: NULL argument");
    }
    memset(fields, 0, sizeof(*fields));
    for (int i = 0; i < UDMA_NUM_FIELDS; i++) {
        const udma_field_t *f = &udma_fields[i];
        if (f->word >= nwords) continue;
        uint32_t *dst = (uint32_t *)((uint8_t *)fields + f->offset);
        *dst = (words[f->word] >> f->shift) & field_mask(f);
    }
    return 0;
}
