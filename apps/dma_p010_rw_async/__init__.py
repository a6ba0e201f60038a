"""dma_p010_rw_async: a P010 frame (10-bit samples in 16 bits), Y and UV planes, UBWCDMA read
and write, work = 2 * input as in Halide's app, asynchronous ping-pong."""
from ..common import App

APP = App("dma_p010_rw_async", __doc__.splitlines()[0], ("p010",), ("y", "uv"), "scale2",
          ("basic", "fold", "async", "split", "split_async"))
