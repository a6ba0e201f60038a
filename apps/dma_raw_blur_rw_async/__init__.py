"""dma_raw_blur_rw_async: a raw (linear, per-byte) frame, 3x3 box blur, UBWCDMA read and write,
asynchronous ping-pong; also a line-buffered schedule that moves whole lines."""
from ..common import App

APP = App("dma_raw_blur_rw_async", __doc__.splitlines()[0], ("raw",), ("y",), "blur",
          ("basic", "fold", "async", "split", "split_async", "line_buffered"))
