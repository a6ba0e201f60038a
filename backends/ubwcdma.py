"""Hexagon UBWCDMA: frames in DDR (Raw, NV12, NV12-4R, P010, TP10, linear or UBWC) moved to
and from locked-cache or VTCM tiles by the runtime's engines. The frame format is a property of
the buffer (set by the host when it wraps and prepares it); the ROI, stride and alignment rules
of the format are checked by the runtime on every transfer."""
from halo.errors import ScheduleError
from halo.ir.dma import READ

from . import Backend, register


@register
class UbwcDma(Backend):
    name = "ubwcdma"
    local_memories = ("LockedCache", "VTCM")

    def check(self, copy, target):
        super().check(copy, target)
        if copy.dims not in (2, 3):
            raise ScheduleError(
                f"Func {copy.func}: UBWCDMA moves 2-D planes (Y, Raw) or 3-D interleaved chroma (UV: x, y, c); "
                f"{copy.ddr} has {copy.dims} dimensions")
        if copy.type_bits not in (8, 16):
            raise ScheduleError(
                f"Func {copy.func}: UBWCDMA frames hold 8-bit (NV12, Raw) or 16-bit (P010, TP10) samples; "
                f"{copy.ddr} has {copy.type_bits}-bit elements")

    def c_start(self, copy, ddr_buffer, local_buffer, handle):
        # the direction is the host's prepare call's: a swapped one would write into an input
        direction = "halo_dma_read" if copy.direction == READ else "halo_dma_write"
        return [f'_r = halo_hexagon_dma_check_direction(_halo_uc, {ddr_buffer}, {direction}, "{copy.ddr}");',
                f"if (!_r) _r = halo_hexagon_dma_copy_start(_halo_uc, {ddr_buffer}, {local_buffer}, {handle});"]

    def c_wait(self, copy, handle):
        return [f"_r = halo_hexagon_dma_copy_wait(_halo_uc, {handle});"]
