/* The UBWC tile codec. Qualcomm's algorithm is not public, so this is a deterministic lossless
 * stand-in with the public properties (reference B and "Facts" 8): per 256-byte tile,
 * independently decodable, payload in 32-byte units recorded in the tile's meta byte.
 *
 * Payload of a compressed tile: byte 0 = shift (trailing zero bits common to every sample, 6
 * for P010), then an LSB-first bit stream: for each block of 16 samples a 5-bit width k and 16
 * zigzagged residuals of k bits. Residuals are taken modulo 2^(bits - shift) against the
 * LOCO-I median predictor over the tile's own samples (left / up / up-left of the same colour),
 * so natural images give small residuals. A tile whose encoding would exceed 224 bytes is
 * stored raw (8 units). TP10 tiles are coded on their 10-bit samples; a TP10 word with non-zero
 * padding bits forces raw storage so the padding survives. */
#include "ubwcdma_internal.h"

enum { block = 16, raw_limit = 224, max_samples = 256 };

typedef struct bits_t {
    uint8_t *buf;
    int32_t cap_bits, pos;
} bits_t;

static bool put(bits_t *b, uint32_t v, int n) {
    if (b->pos + n > b->cap_bits) return false;
    for (int i = 0; i < n; i++, b->pos++) {
        uint8_t bit = (uint8_t)((v >> i) & 1u);
        if (bit) b->buf[b->pos >> 3] |= (uint8_t)(1u << (b->pos & 7));
    }
    return true;
}

static bool get(bits_t *b, int n, uint32_t *v) {
    if (b->pos + n > b->cap_bits) return false;
    uint32_t r = 0;
    for (int i = 0; i < n; i++, b->pos++) r |= (uint32_t)((b->buf[b->pos >> 3] >> (b->pos & 7)) & 1u) << i;
    *v = r;
    return true;
}

static int sample_bits(sample_kind_t k) { return k == sample_u8 ? 8 : k == sample_p010 ? 16 : 10; }

/* Tile bytes -> samples; false if a TP10 padding field is set. */
static bool to_samples(sample_kind_t k, const uint8_t *t, uint16_t *s, int32_t *n) {
    if (k == sample_u8) {
        for (int i = 0; i < 256; i++) s[i] = t[i];
        *n = 256;
    } else if (k == sample_p010) {
        for (int i = 0; i < 128; i++) s[i] = (uint16_t)(t[2 * i] | t[2 * i + 1] << 8);
        *n = 128;
    } else {
        for (int i = 0; i < 64; i++) {
            uint32_t w = (uint32_t)t[4 * i] | (uint32_t)t[4 * i + 1] << 8 |
                         (uint32_t)t[4 * i + 2] << 16 | (uint32_t)t[4 * i + 3] << 24;
            if (w >> 30) return false;
            for (int j = 0; j < 3; j++) s[3 * i + j] = (uint16_t)((w >> (10 * j)) & 0x3FF);
        }
        *n = 192;
    }
    return true;
}

static void from_samples(sample_kind_t k, const uint16_t *s, uint8_t *t) {
    if (k == sample_u8) {
        for (int i = 0; i < 256; i++) t[i] = (uint8_t)s[i];
    } else if (k == sample_p010) {
        for (int i = 0; i < 128; i++) {
            t[2 * i] = (uint8_t)s[i];
            t[2 * i + 1] = (uint8_t)(s[i] >> 8);
        }
    } else {
        for (int i = 0; i < 64; i++) {
            uint32_t w = (uint32_t)s[3 * i] | (uint32_t)s[3 * i + 1] << 10 |
                         (uint32_t)s[3 * i + 2] << 20;
            for (int j = 0; j < 4; j++) t[4 * i + j] = (uint8_t)(w >> (8 * j));
        }
    }
}

/* LOCO-I median edge detector on already-known samples p[0..i). */
static uint32_t predict(const uint16_t *p, int32_t i, int32_t cols, int32_t d) {
    int32_t row = i / cols, col = i % cols;
    if (row == 0) return col >= d ? p[i - d] : 0;
    uint32_t up = p[i - cols];
    if (col < d) return up;
    uint32_t a = p[i - d], c = p[i - cols - d];
    uint32_t lo = a < up ? a : up, hi = a < up ? up : a;
    if (c >= hi) return lo;
    if (c <= lo) return hi;
    return a + up - c;
}

static uint32_t zigzag(uint32_t r, int bits) {
    uint32_t half = 1u << (bits - 1);
    return r < half ? 2 * r : 2 * ((1u << bits) - r) - 1;
}

static uint32_t unzigzag(uint32_t z, int bits) {
    uint32_t mask = (1u << bits) - 1;
    return (z & 1u) ? (uint32_t)(-(int32_t)((z + 1) / 2)) & mask : z / 2;
}

static int bit_length(uint32_t v) {
    int n = 0;
    while (v) {
        n++;
        v >>= 1;
    }
    return n;
}

int32_t ubwc_encode_tile(const codec_shape_t *s, const uint8_t tile[256], uint8_t out[256],
                         uint8_t *meta) {
    bool zero = true;
    for (int i = 0; i < 256 && zero; i++) zero = tile[i] == 0;
    if (zero) {
        *meta = 0;
        return 0;
    }
    uint16_t v[max_samples];
    int32_t n;
    if (to_samples(s->kind, tile, v, &n)) {
        uint32_t all = 0;
        for (int32_t i = 0; i < n; i++) all |= v[i];
        int shift = 0;
        while (!((all >> shift) & 1u)) shift++;
        int bits = sample_bits(s->kind) - shift;
        uint32_t mask = (1u << bits) - 1;
        for (int32_t i = 0; i < n; i++) v[i] = (uint16_t)(v[i] >> shift);
        uint32_t z[max_samples];
        for (int32_t i = 0; i < n; i++) z[i] = zigzag((v[i] - predict(v, i, s->cols, s->distance)) & mask, bits);
        memset(out, 0, 256);
        out[0] = (uint8_t)shift;
        bits_t b = {out + 1, (raw_limit - 1) * 8, 0};
        bool fits = true;
        for (int32_t i = 0; i < n && fits; i += block) {
            uint32_t m = 0;
            for (int j = 0; j < block; j++) m |= z[i + j];
            int k = bit_length(m);
            fits = put(&b, (uint32_t)k, 5);
            for (int j = 0; j < block && fits; j++) fits = put(&b, z[i + j], k);
        }
        if (fits) {
            int32_t units = (1 + (b.pos + 7) / 8 + 31) / 32;
            *meta = (uint8_t)(0x10 | (units - 1) << 1);
            return units * 32;
        }
    }
    memcpy(out, tile, 256);
    *meta = 0x1E;
    return 256;
}

int32_t ubwc_decode_tile(const codec_shape_t *s, uint8_t meta, const uint8_t *payload,
                         uint8_t tile[256]) {
    if (meta == 0) {
        memset(tile, 0, 256);
        return 0;
    }
    if ((meta & 0xF1) != 0x10) return -1;
    int32_t units = ((meta >> 1) & 7) + 1;
    if (units == 8) {
        memcpy(tile, payload, 256);
        return 256;
    }
    int shift = payload[0];
    int bits = sample_bits(s->kind) - shift;
    if (bits <= 0) return -1;
    uint32_t mask = (1u << bits) - 1;
    int32_t n = s->kind == sample_u8 ? 256 : s->kind == sample_p010 ? 128 : 192;
    bits_t b = {(uint8_t *)payload + 1, (units * 32 - 1) * 8, 0};
    uint16_t v[max_samples];
    for (int32_t i = 0; i < n; i += block) {
        uint32_t k;
        if (!get(&b, 5, &k) || (int)k > bits) return -1;
        for (int j = 0; j < block; j++) {
            uint32_t z;
            if (!get(&b, (int)k, &z)) return -1;
            v[i + j] = (uint16_t)((predict(v, i + j, s->cols, s->distance) + unzigzag(z, bits)) & mask);
        }
    }
    for (int32_t i = 0; i < n; i++) v[i] = (uint16_t)(v[i] << shift);
    from_samples(s->kind, v, tile);
    return units * 32;
}
