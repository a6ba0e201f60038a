"""dma_nv12_blur_stencil: an NV12 frame, 3x3 blur of Y and of the de-interleaved U and V
planes, asynchronous with storage folding; also a line-buffered schedule."""
from ..common import App

APP = App("dma_nv12_blur_stencil", __doc__.splitlines()[0], ("nv12",), ("y", "uv"), "blur",
          ("basic", "fold", "async", "split", "split_async", "line_buffered"), deinterleave=True)
