"""dma_nv12_rw: an NV12 frame read and written (a copy) through UBWCDMA, linear and UBWC."""
from ..common import App

APP = App("dma_nv12_rw", __doc__.splitlines()[0], ("nv12",), ("y", "uv"), "copy",
          ("basic", "fold", "async", "split", "split_async"))
