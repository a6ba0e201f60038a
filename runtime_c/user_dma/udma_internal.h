/* User DMA: declarations shared by the files of runtime_c/user_dma/ (not a public header). */
#ifndef HALO_UDMA_INTERNAL_H
#define HALO_UDMA_INTERNAL_H

#include "../core/halo_core.h"
#include "../halo_user_dma.h"

/* The host pointer for [va, va + bytes) when the whole range lies inside one mapping, NULL
 * otherwise. bytes == 0 asks about the single address va. Thread-safe. */
uint8_t *udma_translate(uint32_t va, uint64_t bytes);
/* Forgets every mapping (halo_udma_reset). */
void udma_map_clear(void);

/* Why a descriptor cannot run: the syndrome, the address DM5 reports, and a message. */
typedef struct udma_fault_t {
    uint32_t syndrome;
    uint32_t address;
    char message[224];
} udma_fault_t;

/* One descriptor's transfer, in three steps so the host engine can hold its lock while it
 * reads and writes descriptor words (fetch, complete) and release it while data moves (copy).
 * fetch validates the descriptor at VA desc and decodes it into *job (returns 0), or fills
 * *fault (returns -1). complete writes back the done bit and the consumed fields and records
 * the transfer in the trace. */
typedef struct udma_job_t {
    uint32_t *words;  /* the descriptor in host memory */
    uint32_t va;
    uint32_t type;
    uint8_t *src, *dst;
    uint32_t row_bytes, rows;         /* type 0: one row of length bytes */
    uint32_t src_stride, dst_stride;  /* bytes, already decoded (0 -> 65536) */
} udma_job_t;
int udma_fetch(uint32_t desc, udma_job_t *job, udma_fault_t *fault);
void udma_copy(const udma_job_t *job);
void udma_complete(const udma_job_t *job, int engine, uint64_t start_ns);

#endif /* HALO_UDMA_INTERNAL_H */
