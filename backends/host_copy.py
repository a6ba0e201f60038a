"""host_copy: the slow path of copy_to_host() / copy_to_device() — a plain row-by-row memcpy
between a DDR buffer with host memory and the local tile, done synchronously by the caller."""
from halo.ir.memory import MemoryType

from . import Backend, register


@register
class HostCopy(Backend):
    name = "host_copy"
    local_memories = (MemoryType.LockedCache, MemoryType.VTCM, MemoryType.Heap, MemoryType.Stack, MemoryType.Auto)

    def c_handle_type(self):
        return "int"

    def c_start(self, copy, ddr_buffer, local_buffer, handle):
        to_local = "1" if copy.direction == "read" else "0"
        return [f"_r = halo__host_copy(_halo_uc, {ddr_buffer}, {local_buffer}, {to_local});",
                f"*({handle}) = _r;"]

    def c_wait(self, copy, handle):
        return [f"_r = *({handle});"]

    def c_includes(self):
        return [r'''
/* host_copy backend: copy the region `local` describes between the DDR buffer and the tile. */
static int __attribute__((unused)) halo__host_copy(void *uc, const halo_buffer_t *ddr, const halo_buffer_t *local, int to_local) {
  if (ddr->host == NULL)
    return halo_error(uc, halo_error_bad_buffer, "copy_to_host/device: the DDR buffer has no host memory (it is a DMA device buffer; use hexagon_ubwcdma_read/write)");
  int dims = local->dimensions, bytes = (local->type.bits + 7) / 8;
  int32_t idx[8] = {0};
  for (;;) {
    int64_t doff = 0, loff = 0;
    for (int d = 1; d < dims; d++) {
      doff += (int64_t)(local->dim[d].min + idx[d] - ddr->dim[d].min) * ddr->dim[d].stride;
      loff += (int64_t)idx[d] * local->dim[d].stride;
    }
    doff += (int64_t)(local->dim[0].min - ddr->dim[0].min) * ddr->dim[0].stride;
    uint8_t *dp = ddr->host + doff * bytes, *lp = local->host + loff * bytes;
    if (ddr->dim[0].stride == 1 && local->dim[0].stride == 1) {
      if (to_local) memcpy(lp, dp, (size_t)local->dim[0].extent * bytes);
      else memcpy(dp, lp, (size_t)local->dim[0].extent * bytes);
    } else {
      for (int32_t i = 0; i < local->dim[0].extent; i++) {
        uint8_t *a = dp + (int64_t)i * ddr->dim[0].stride * bytes, *b = lp + (int64_t)i * local->dim[0].stride * bytes;
        if (to_local) memcpy(b, a, bytes); else memcpy(a, b, bytes);
      }
    }
    int d = 1;
    while (d < dims && ++idx[d] == local->dim[d].extent) idx[d++] = 0;
    if (d >= dims) break;
  }
  return 0;
}
''']
