"""Halide's apps/hexagon_dma/pipeline_raw_linear_interleaved_basic.cpp, written as a Python
generator with Halide's Python API: 4-channel interleaved uint8 data read by DMA, scaled by 2
and (optionally) written back by DMA, with the upstream file's five schedules. Every definition
and directive is the upstream one; only the import says halo."""
import halo as hl


@hl.generator(name="pipeline_raw_linear_interleaved_basic")
class DmaPipeline:
    input = hl.InputBuffer(hl.UInt(8), 3)
    output = hl.OutputBuffer(hl.UInt(8), 3)

    schedule = hl.GeneratorParam("none")  # none, fold, async, split, split_async
    use_dma_for_output = hl.GeneratorParam(True)

    def generate(g):
        x, y, c = hl.Var("x"), hl.Var("y"), hl.Var("c")

        # a wrapper of the output, so the multiply can be scheduled in tiles
        input_copy, work = hl.Func("input_copy"), hl.Func("work")
        input_copy[x, y, c] = g.input[x, y, c]
        work[x, y, c] = input_copy[x, y, c] * 2
        g.output[x, y, c] = work[x, y, c]

        tx, ty = hl.Var("tx"), hl.Var("ty")

        if g.use_dma_for_output:
            g.output.copy_to_device()

        g.output.compute_root().bound(c, 0, 4).reorder(c, x, y)
        g.input.dim(0).set_stride(4)
        g.output.output_buffer().dim(0).set_stride(4)

        bytes_per_pixel = max(g.input.type().bytes(), g.output.type().bytes())
        tile_width = 128 // bytes_per_pixel
        tile_height = 32
        round_up = hl.TailStrategy.RoundUp

        if g.schedule in ("none", "fold", "async"):
            g.output.tile(x, y, tx, ty, x, y, tile_width, tile_height, round_up)
        else:
            yo, yi = hl.Var("yo"), hl.Var("yi")
            fac = g.output.output_buffer().dim(1).extent() // 2
            g.output.split(y, yo, yi, fac).tile(x, yi, tx, ty, x, y, tile_width, tile_height,
                                                round_up).parallel(yo)

        if g.schedule == "none":
            input_copy.compute_at(g.output, tx).copy_to_host().reorder_storage(c, x, y)
        elif g.schedule == "fold":
            input_copy.copy_to_host().compute_at(g.output, tx).store_at(g.output, ty) \
                .reorder_storage(c, x, y).fold_storage(x, tile_width * 2)
        elif g.schedule == "async":
            input_copy.copy_to_host().async_().compute_at(g.output, tx).store_at(g.output, ty) \
                .reorder_storage(c, x, y).fold_storage(x, tile_width * 2)
        elif g.schedule == "split":
            input_copy.copy_to_host().compute_at(g.output, tx).reorder_storage(c, x, y)
        else:
            input_copy.copy_to_host().compute_at(g.output, tx).store_at(g.output, ty).async_() \
                .reorder_storage(c, x, y).fold_storage(x, tile_width * 2)

        if g.use_dma_for_output and g.schedule in ("async", "split_async"):
            work.async_().store_at(g.output, ty).fold_storage(x, tile_width * 2)

        work.compute_at(g.output, tx).bound(c, 0, 4).reorder_storage(c, x, y)


if __name__ == "__main__":
    hl.main()
