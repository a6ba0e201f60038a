"""Hexagon user DMA (V68+): each transfer is one chain of type-1 (2-D) descriptors on a user-DMA
engine (option engine=N, default 0). The host build of the runtime gives the DDR buffer, the
local buffer and the descriptors 32-bit addresses; the Hexagon build uses pointers directly."""
from halo.errors import ScheduleError
from halo.ir.memory import MemoryType

from . import Backend, register


@register
class UserDma(Backend):
    name = "user_dma"
    local_memories = (MemoryType.VTCM, MemoryType.LockedCache)

    def check(self, copy, target):
        super().check(copy, target)
        if copy.dims != 2:
            raise ScheduleError(
                f"Func {copy.func}: user DMA moves 2-D regions (one type-1 descriptor chain); {copy.ddr} has "
                f"{copy.dims} dimensions. Use ubwcdma for interleaved chroma")
        engine = self._base(copy)
        need = 2 * copy.in_flight
        if not isinstance(engine, int) or not 0 <= engine or engine + need > 8:
            raise ScheduleError(
                f"Func {copy.func}: user DMA uses engines {engine}..{engine + need - 1} for its {need} transfer "
                f"handles, but the engines are 0..7; choose dma('user_dma', engine=N) with N <= {8 - need}")

    @staticmethod
    def _base(copy):
        """Reads use engines 0..3 and writes 4..7 unless told otherwise: one engine per
        transfer handle, so transfers in flight at once never share an engine."""
        return dict(copy.options).get("engine", 0 if copy.direction == "read" else 4)

    def c_handle_type(self):
        return "halo__udma_state"

    def c_start(self, copy, ddr_buffer, local_buffer, handle):
        engine = f"{self._base(copy)} + _halo_h"
        to_local = 1 if copy.direction == "read" else 0
        return [f"_r = halo__udma_start(_halo_uc, {engine}, {ddr_buffer}, {local_buffer}, {to_local}, "
                f"_halo_local_base, _halo_local_bytes, {handle});"]

    def c_wait(self, copy, handle):
        return [f"_r = halo__udma_wait(_halo_uc, {handle});"]

    def c_includes(self):
        return [r'''
#include "halo_user_dma.h"
/* user_dma backend: one 2-D descriptor chain per transfer. The whole DDR buffer and the whole
   local allocation are mapped (shared mappings of the same range are reference counted), so
   transfers in flight at once never map overlapping ranges. */
typedef struct halo__udma_state {
  int engine;
  halo_udma_desc1_t *descs;
  void *maps[3];
} halo__udma_state;

static int64_t __attribute__((unused)) halo__span_bytes(const halo_buffer_t *b) {
  int64_t elems = 1;
  for (int d = 0; d < b->dimensions; d++) elems += (int64_t)(b->dim[d].extent - 1) * b->dim[d].stride;
  return elems * ((b->type.bits + 7) / 8);
}

/* Parallel tasks may pick the same engine: starting is serialised, and an engine still busy
   with another task's chain is waited for first (dmstart on a running engine is an error). */
static int halo__udma_lock;

/* After a failed transfer the engine is in ERROR and refuses every command until dmpause: the
   error is already reported, so the engine is paused back to IDLE for the next run. */
static void halo__udma_recover(int engine) {
  uint32_t dm0;
  (void)halo_udma_dmpause(engine, &dm0);
}

static int __attribute__((unused)) halo__udma_start(void *uc, int engine, const halo_buffer_t *ddr, const halo_buffer_t *local, int to_local, void *local_base, int64_t local_bytes, halo__udma_state *st) {
  int bytes = (local->type.bits + 7) / 8;
  if (ddr->host == NULL)
    return halo_error(uc, halo_error_bad_buffer, "user DMA: the DDR buffer has no host memory");
  if (ddr->dim[0].stride != 1 || local->dim[0].stride != 1)
    return halo_error(uc, halo_error_bad_buffer, "user DMA: rows must be dense on both sides");
  uint8_t *ddr_ptr = ddr->host + ((int64_t)(local->dim[0].min - ddr->dim[0].min) +
                                  (int64_t)(local->dim[1].min - ddr->dim[1].min) * ddr->dim[1].stride) * bytes;
  uint32_t width = (uint32_t)local->dim[0].extent * bytes, height = (uint32_t)local->dim[1].extent;
  uint32_t ddr_stride = (uint32_t)ddr->dim[1].stride * bytes, local_stride = (uint32_t)local->dim[1].stride * bytes;
  int n = halo_udma_copy_2d_descriptors(width, height, to_local ? ddr_stride : local_stride, to_local ? local_stride : ddr_stride);
  if (n < 0) return n;
  st->engine = engine;
  st->maps[0] = st->maps[1] = st->maps[2] = NULL;
  st->descs = (halo_udma_desc1_t *)halo_malloc(uc, sizeof(halo_udma_desc1_t) * (size_t)n);
  if (!st->descs) return halo_error_out_of_memory;
  uint32_t va;
  int r = halo_udma_map(st->descs, sizeof(halo_udma_desc1_t) * (size_t)n, &va);
  if (r == 0) { st->maps[0] = st->descs; r = halo_udma_map(ddr->host, (size_t)halo__span_bytes(ddr), &va); }
  if (r == 0) { st->maps[1] = ddr->host; r = halo_udma_map(local_base, (size_t)local_bytes, &va); }
  if (r == 0) {
    st->maps[2] = local_base;
    while (__atomic_exchange_n(&halo__udma_lock, 1, __ATOMIC_ACQUIRE)) {}
    r = halo_udma_copy_wait(engine);
    if (r == 0)
      r = to_local ? halo_udma_copy_2d_start(engine, st->descs, n, local->host, ddr_ptr, width, height, ddr_stride, local_stride)
                   : halo_udma_copy_2d_start(engine, st->descs, n, ddr_ptr, local->host, width, height, local_stride, ddr_stride);
    __atomic_store_n(&halo__udma_lock, 0, __ATOMIC_RELEASE);
  }
  if (r != 0) {
    for (int i = 0; i < 3; i++) if (st->maps[i]) halo_udma_unmap(st->maps[i]);
    halo_free(uc, st->descs);
    st->descs = NULL;
    halo__udma_recover(engine);
  }
  return r;
}

static int __attribute__((unused)) halo__udma_wait(void *uc, halo__udma_state *st) {
  int r = halo_udma_copy_wait(st->engine);
  for (int i = 0; i < 3; i++) if (st->maps[i]) halo_udma_unmap(st->maps[i]);
  halo_free(uc, st->descs);
  st->descs = NULL;
  if (r != 0) halo__udma_recover(st->engine);
  return r;
}
''']
