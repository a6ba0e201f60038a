"""halo: a Halide-like scheduling language for image pipelines that move data with DMA engines."""
