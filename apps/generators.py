"""The example apps as generators (halo's Halide-style @hl.generator): one per app, registered
under the app's name, with GeneratorParams for the plane, the schedule (schedule_name, since
schedule() is the generator's method), tile size, vector width and frame format. `python -m
apps` builds every pipeline through them; `python3 -m apps.generators -g
dma_nv12_rw -o DIR target=... plane=uv` emits one ahead of time."""
import halo as hl
from halo.runtime import frames

from .common import VECTOR
from .dma_nv12_blur_stencil import APP as NV12_BLUR
from .dma_nv12_rw import APP as NV12_RW
from .dma_p010_rw_async import APP as P010_RW
from .dma_raw_blur_rw_async import APP as RAW_BLUR


def _generator(app):
    """The generator class of `app`: its input and output depend on the plane and format, so
    configure() declares them."""

    def configure(g):
        dims = 3 if g.plane == "uv" else 2
        g.add_input("input", hl.InputBuffer(hl.UInt(g.format), dims))
        g.add_output("out", hl.OutputBuffer(hl.UInt(g.format), dims))

    def generate(g):
        app.build(g.plane, g.schedule_name, (g.tile_width, g.tile_height), g.format, g.vector, g.input, g.out)

    body = {
        "__doc__": app.description,
        "plane": hl.GeneratorParam(app.planes[0], {p: p for p in app.planes}),
        "schedule_name": hl.GeneratorParam(app.schedules[0], {s: s for s in app.schedules}),
        # the frame format fixes the sample width: 16 bits for the 10-bit formats
        "format": hl.GeneratorParam(app.formats[0], {f: 16 if f in frames.TEN_BIT else 8 for f in frames.FORMATS}),
        "tile_width": hl.GeneratorParam(128),
        "tile_height": hl.GeneratorParam(32),
        "vector": hl.GeneratorParam(VECTOR),
        "configure": configure,
        "generate": generate,
    }
    cls = type(app.name, (hl.Generator,), {"__module__": __name__, "__qualname__": app.name, **body})
    return hl.generator(name=app.name)(cls)


GENERATORS = {app.name: _generator(app) for app in (RAW_BLUR, P010_RW, NV12_BLUR, NV12_RW)}


def pipeline(app, plane, schedule, fmt, tile, vector, target):
    """The app's pipeline for one plane, built by its generator for `target`."""
    params = {"plane": plane, "schedule_name": schedule, "format": fmt, "tile_width": tile[0], "tile_height": tile[1],
              "vector": vector}
    return GENERATORS[app.name](params, target).build_pipeline()


if __name__ == "__main__":
    hl.main()
