"""The example apps on a Hexagon target, under qemu-hexagon: the same pipelines, compiled for
Hexagon with HVX, linked with the freestanding runtime and a harness that follows the seed's
UBWCDMA lifecycle in C (allocate engines, vote TURBO, wrap the planes, prepare for read / write,
run, vote the default back, unprepare, detach, deallocate), in the host runner's order.

The frame is packed on the host (its bytes do not depend on the machine), sent to the harness
on stdin with each plane's offset, format and buffer shape, and the output frame comes back on
stdout with the DMA statistics and the local-memory high-water mark."""
import struct
from dataclasses import dataclass

import numpy as np

import halo as hl
from halo.jit import hexagon
from halo.jit.hexagon_harness import MARKER, check_libm, require_runnable
from halo.runtime import frames, ubwcdma

from .common import run_app

DEVICE_CODES = {"SM8150": 0, "SM8250": 1, "SM8350": 2}
_STATS = "<QQQQ"  # transfers, DDR bytes, uncompressed bytes, local-memory high water


@dataclass
class HexagonRun:
    output: object          # the unpacked output frame: Y, (Y, UV) or raw rows
    transfers: int
    ddr_bytes: int
    uncompressed_bytes: int
    local_bytes: int
    packets: int            # executed by the pipelines (0 unless counted)


def _fn_name(plane):
    return f"app_{plane}"


def _harness(planes, signatures):
    decls = "\n".join(s + ";" for s in signatures)
    calls = "\n".join(
        f"  if (!rc) rc = {_fn_name(p)}(NULL, &in_b[{k}], &out_b[{k}]);" for k, p in enumerate(planes))
    return f"""#include "halo_runtime.h"
#include "halo_ubwcdma.h"
#include "hexagon/halo_hexagon_start.h"

{decls}

void __attribute__((noinline)) {MARKER}(void) {{ __asm__ volatile("" ::: "memory"); }}

enum {{ PLANES = {len(planes)} }};

static int read_i32(int32_t *v, int n) {{ return halo_hexagon_read_exact(v, (unsigned long)n * 4); }}

int halo_hexagon_main(void) {{
  int32_t head[2];
  int64_t bytes;
  if (read_i32(head, 2) || halo_hexagon_read_exact(&bytes, 8)) return halo_hexagon_fail("reading the frame header");
  if (halo_localmem_set_device((halo_device_t)head[0])) return halo_hexagon_fail("selecting the device");
  /* UBWC planes must start 4096-byte aligned: over-allocate and align */
  uint8_t *in_mem = halo_malloc(NULL, (size_t)bytes + 4096), *out_mem = halo_malloc(NULL, (size_t)bytes + 4096);
  if (!in_mem || !out_mem) return halo_hexagon_fail("allocating the frames");
  uint8_t *in = (uint8_t *)(((uintptr_t)in_mem + 4095) & ~(uintptr_t)4095);
  uint8_t *out = (uint8_t *)(((uintptr_t)out_mem + 4095) & ~(uintptr_t)4095);
  if (halo_hexagon_read_exact(in, (unsigned long)bytes)) return halo_hexagon_fail("reading the frame");
  for (int64_t i = 0; i < bytes; i++) out[i] = 0;
  halo_buffer_t in_b[PLANES] = {{0}}, out_b[PLANES] = {{0}};
  halo_dimension_t dims[PLANES][3];
  int32_t offset[PLANES], format[PLANES], ubwc[PLANES];
  for (int k = 0; k < PLANES; k++) {{
    int32_t p[5];
    if (read_i32(p, 5)) return halo_hexagon_fail("reading a plane");
    offset[k] = p[0]; format[k] = p[1]; ubwc[k] = p[2];
    for (int d = 0; d < p[4]; d++) {{
      int32_t v[3];
      if (read_i32(v, 3)) return halo_hexagon_fail("reading a plane's dimensions");
      dims[k][d] = (halo_dimension_t){{v[0], v[1], v[2], 0}};
    }}
    for (int side = 0; side < 2; side++) {{
      halo_buffer_t *b = side ? &out_b[k] : &in_b[k];
      b->type.code = 1; b->type.bits = (uint8_t)p[3]; b->type.lanes = 1;
      b->dimensions = p[4];
      b->dim = dims[k];
    }}
  }}
  void *er = NULL, *ew = NULL;
  if (halo_hexagon_dma_allocate_engine(NULL, &er) || halo_hexagon_dma_allocate_engine(NULL, &ew))
    return halo_hexagon_fail("allocating the DMA engines");
  if (halo_hexagon_dma_power_mode_voting(NULL, halo_hexagon_power_turbo)) return halo_hexagon_fail("voting TURBO");
  for (int k = 0; k < PLANES; k++) {{
    if (offset[k] < 0 || offset[k] >= bytes) return halo_hexagon_fail("a plane outside the frame");
    uint64_t plane_bytes = (uint64_t)(bytes - offset[k]);
    if (halo_hexagon_dma_device_wrap_native_sized(NULL, &in_b[k], (uint64_t)(uintptr_t)(in + offset[k]), plane_bytes) ||
        halo_hexagon_dma_device_wrap_native_sized(NULL, &out_b[k], (uint64_t)(uintptr_t)(out + offset[k]), plane_bytes))
      return halo_hexagon_fail("wrapping a plane");
    if (halo_hexagon_dma_prepare_for_copy_to_host(NULL, &in_b[k], er, ubwc[k], format[k]) ||
        halo_hexagon_dma_prepare_for_copy_to_device(NULL, &out_b[k], ew, ubwc[k], format[k]))
      return halo_hexagon_fail("preparing a plane");
  }}
  halo_hexagon_dma_reset_stats();
  halo_localmem_reset_high_water(halo_localmem_locked_cache);
  int rc = 0;
  {MARKER}();
{calls}
  {MARKER}();
  if (rc) return halo_hexagon_fail("the app pipeline");
  halo_dma_stats_t st;
  if (halo_hexagon_dma_get_stats(NULL, &st)) return halo_hexagon_fail("reading the DMA statistics");
  uint64_t tail[4] = {{st.transfers, st.ddr_bytes, st.uncompressed_bytes,
                      (uint64_t)halo_localmem_high_water(halo_localmem_locked_cache)}};
  if (halo_hexagon_dma_power_mode_voting(NULL, halo_hexagon_power_default)) return halo_hexagon_fail("voting the default");
  for (int k = 0; k < PLANES; k++) {{
    if (halo_hexagon_dma_unprepare(NULL, &in_b[k]) || halo_hexagon_dma_unprepare(NULL, &out_b[k]) ||
        halo_hexagon_dma_device_detach_native(NULL, &in_b[k]) || halo_hexagon_dma_device_detach_native(NULL, &out_b[k]))
      return halo_hexagon_fail("releasing a plane");
  }}
  if (halo_hexagon_dma_deallocate_engine(NULL, er) || halo_hexagon_dma_deallocate_engine(NULL, ew))
    return halo_hexagon_fail("releasing the DMA engines");
  if (halo_hexagon_write_all(1, out, (unsigned long)bytes) || halo_hexagon_write_all(1, tail, sizeof tail))
    return halo_hexagon_fail("writing the output frame");
  halo_free(NULL, in_mem);
  halo_free(NULL, out_mem);
  return 0;
}}
"""


def vector_lanes(target, bits, width):
    """HVX lanes for `bits`-bit samples, at most the plane's width (a power of two)."""
    lanes = target.natural_vector_size(hl.UInt(bits))
    while lanes > 16 and lanes > width:
        lanes //= 2
    return lanes


def build(app, schedule, fmt, ubwc, width, height, target, tile, vector=None):
    from .generators import pipeline
    """The static Hexagon executable running `app` on one frame shape, vectorized by `vector`
    lanes (default: the target's natural HVX width, at most the plane's width)."""
    bits = 16 if fmt in ("p010", "tp10") else 8
    sources, signatures = [], []
    for plane in app.planes:
        plane_width = width if plane == "y" else (width + 1) // 2
        lanes = vector or vector_lanes(target, bits, plane_width)
        c = pipeline(app, plane, schedule, fmt, tile, lanes, target).generate_c(_fn_name(plane), target=target)
        check_libm(c.source, f"app {app.name} ({plane} plane)")
        sources.append((f"{plane}.c", c.source))
        signatures.append(c.signature)
    sources.append(("harness.c", _harness(app.planes, signatures)))
    return hexagon.build_executable(sources, arch=target.isa, hvx=target.hvx_bytes)


def _plane_dims(frame, plane):
    buf = ubwcdma.plane_buffer(frame, plane)
    return [(buf.dim[d].min, buf.dim[d].extent, buf.dim[d].stride) for d in range(buf.dimensions)]


def run(app, schedule, fmt, ubwc, y, uv, device, target, tile, count_packets=False, vector=None):
    """Runs `app` on the planes (y, uv) under qemu-hexagon; returns a HexagonRun. The packet
    count covers the pipelines' own code: the runtime they call (above all the freestanding
    build's software DMA engines, hardware on a device) is left out."""
    target = hl.Target.parse(target)
    require_runnable(target)
    height, width = y.shape[:2]
    exe = build(app, schedule, fmt, ubwc, width, height, target, tile, vector)
    fin = frames.pack(fmt, y, uv, ubwc=ubwc) if fmt != "raw" else frames.pack("raw", y)
    lay = fin.layout
    bits = lay.dtype.itemsize * 8
    parts = [struct.pack("<ii", DEVICE_CODES[device], len(app.planes)), struct.pack("<q", fin.data.size),
             fin.data.tobytes()]
    base = frames.FORMATS[lay.format]
    for plane in app.planes:
        offset = lay.y_plane_offset if plane == "y" else lay.uv_plane_offset
        fmt_code = 0 if base == 0 else base + (1 if plane == "y" else 2)
        dims = _plane_dims(fin, plane)
        parts.append(struct.pack("<iiiii", offset, fmt_code, int(lay.ubwc), bits, len(dims)))
        parts += [struct.pack("<iii", *d) for d in dims]
    stdin = b"".join(parts)
    if count_packets:
        counted = hexagon.count_packets(exe, stdin, prefix=_fn_name(""))
        stdout, packets = counted.stdout, counted.packets
    else:
        stdout, packets = hexagon.run(exe, stdin), 0
    tail = struct.calcsize(_STATS)
    if len(stdout) != fin.data.size + tail:
        raise hl.HaloError(f"the Hexagon app harness wrote {len(stdout)} bytes, expected {fin.data.size + tail}")
    out = frames.Frame(frames.aligned_empty(fin.data.size), lay)
    out.data[:] = np.frombuffer(stdout[:fin.data.size], dtype=np.uint8)
    transfers, ddr, uncompressed, local = struct.unpack(_STATS, stdout[fin.data.size:])
    return HexagonRun(frames.unpack(out), transfers, ddr, uncompressed, local, packets)


def run_with_host(app, schedule, fmt, ubwc, planes, device, target, count_packets=True, vector=None):
    """(host Result, HexagonRun, whether the Hexagon output equals the host's bit for bit) for
    `app` on `planes` (y, uv), with the tile the host runner uses."""
    height, width = planes[0].shape[:2]
    tile = (256, 32) if ubwc else (128, 32)
    host = run_app(app, schedule, fmt, ubwc, width, height, device, 1, planes, 0, tile=tile)
    hx = run(app, schedule, fmt, ubwc, *planes, device, target, tile, count_packets, vector)
    got = hx.output if isinstance(hx.output, tuple) else (hx.output,)
    same = all(np.array_equal(g, w) for g, w in zip(got, host.output))
    return host, hx, same
