"""Compass-style event DMA (the Zhouyi Compass DSL): a transfer is async_dma_copy(dst, src,
width, src_stride, times, dst_stride, event) in elements, on an event allocated for it and
freed when it is waited on, so the pipeline never holds more events than transfers in flight
(the target's limit is 4). Local memory maps to the DSL's scopes: LockedCache -> lsram,
VTCM -> shared; DDR is global. lsram / shared to lsram / shared copies are forbidden by the
DSL, so a Compass copy always has DDR on one side."""
from halo.errors import ScheduleError
from halo.ir.memory import MemoryType

from . import Backend, register

EVENTS = 4  # the Compass runtime's event pool (halo_compass_dma.h)
SCOPES = {MemoryType.LockedCache: "halo_compass_lsram", MemoryType.VTCM: "halo_compass_shared"}


@register
class CompassDma(Backend):
    name = "compass"
    local_memories = (MemoryType.LockedCache, MemoryType.VTCM)

    def check(self, copy, target):
        super().check(copy, target)
        if copy.dims != 2:
            raise ScheduleError(
                f"Func {copy.func}: Compass dma_copy moves `times` rows of `width` elements (2-D); {copy.ddr} "
                f"has {copy.dims} dimensions")
        if copy.type_bits not in (8, 16, 32):
            raise ScheduleError(f"Func {copy.func}: Compass DMA moves 8-, 16- or 32-bit elements, not "
                                f"{copy.type_bits}-bit")
        if copy.in_flight > EVENTS:
            raise ScheduleError(f"Func {copy.func}: the schedule keeps {copy.in_flight} Compass "
                                f"transfers in flight, but the target has {EVENTS} events")

    def c_handle_type(self):
        return "int"

    def c_start(self, copy, ddr_buffer, local_buffer, handle):
        scope = SCOPES[copy.memory]
        return [f"_r = halo__compass_start({ddr_buffer}, {local_buffer}, {1 if copy.direction == 'read' else 0}, "
                f"{scope}, {handle});"]

    def c_wait(self, copy, handle):
        return [f"_r = halo_compass_wait_events({handle}, 1);",
                f"if (_r == 0) _r = halo_compass_free_events({handle}, 1);"]

    def c_includes(self):
        return [r'''
#include "halo_compass_dma.h"
/* compass backend: one async_dma_copy per transfer, on an event allocated for it. */
static int __attribute__((unused)) halo__compass_start(const halo_buffer_t *ddr, const halo_buffer_t *local, int to_local, int local_scope, int *event) {
  int bytes = (local->type.bits + 7) / 8;
  int dtype = (local->type.code << 8) | local->type.bits;
  if (ddr->host == NULL)
    return halo_error(NULL, halo_error_bad_buffer, "Compass DMA: the DDR buffer has no host memory");
  if (ddr->dim[0].stride != 1 || local->dim[0].stride != 1)
    return halo_error(NULL, halo_error_bad_buffer, "Compass DMA: rows must be dense on both sides");
  uint8_t *g = ddr->host + ((int64_t)(local->dim[0].min - ddr->dim[0].min) +
                            (int64_t)(local->dim[1].min - ddr->dim[1].min) * ddr->dim[1].stride) * bytes;
  int r = halo_compass_alloc_events(1, event);
  if (r != 0) return r;
  r = to_local
    ? halo_compass_async_dma_copy(local->host, local_scope, dtype, g, halo_compass_global, dtype, local->dim[0].extent,
                                  ddr->dim[1].stride, local->dim[1].extent, local->dim[1].stride, *event)
    : halo_compass_async_dma_copy(g, halo_compass_global, dtype, local->host, local_scope, dtype, local->dim[0].extent,
                                  local->dim[1].stride, local->dim[1].extent, ddr->dim[1].stride, *event);
  if (r != 0) halo_compass_free_events(event, 1);
  return r;
}
''']
