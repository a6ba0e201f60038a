"""Halide's apps/hexagon_dma/pipeline_yuv_linear_basic.cpp, written as a Python generator with
Halide's Python API: NV12 (uint8) or P010 (uint16) planes read by DMA, scaled by 2 and
(optionally) written back by DMA, with the upstream file's five schedules. Every definition and
directive is the upstream one; only the import says halo (change it to `import halide as hl`
and the same file is a Halide generator)."""
import halo as hl


@hl.generator(name="pipeline_yuv_linear_basic")
class DmaPipeline:
    # typed when the generator is built (input_y.type=uint8 or uint16), as upstream
    input_y = hl.InputBuffer(None, 2)
    input_uv = hl.InputBuffer(None, 3)
    output_y = hl.OutputBuffer(None, 2)
    output_uv = hl.OutputBuffer(None, 3)

    schedule = hl.GeneratorParam("none")  # none, fold, async, split, split_async
    use_dma_for_output = hl.GeneratorParam(True)

    def generate(g):
        x, y, c = hl.Var("x"), hl.Var("y"), hl.Var("c")

        input_y_copy, input_uv_copy = hl.Func("input_y_copy"), hl.Func("input_uv_copy")
        work_y, work_uv = hl.Func("work_y"), hl.Func("work_uv")

        input_y_copy[x, y] = g.input_y[x, y]
        work_y[x, y] = input_y_copy[x, y] * 2
        g.output_y[x, y] = work_y[x, y]

        input_uv_copy[x, y, c] = g.input_uv[x, y, c]
        work_uv[x, y, c] = input_uv_copy[x, y, c] * 2
        g.output_uv[x, y, c] = work_uv[x, y, c]

        tx, ty = hl.Var("tx"), hl.Var("ty")

        if g.use_dma_for_output:
            g.output_y.copy_to_device()
            g.output_uv.copy_to_device()

        g.output_y.compute_root()
        g.output_uv.compute_root().bound(c, 0, 2).reorder(c, x, y)

        # UV interleaved: x at stride 2, c at stride 1
        g.input_uv.dim(0).set_stride(2)
        g.input_uv.dim(2).set_stride(1).set_bounds(0, 2)
        g.output_uv.output_buffer().dim(0).set_stride(2)
        g.output_uv.output_buffer().dim(2).set_stride(1).set_bounds(0, 2)

        bytes_per_pixel = max(g.input_y.type().bytes(), g.output_y.type().bytes())
        tile_width = 128 // bytes_per_pixel
        tile_height = 32
        round_up = hl.TailStrategy.RoundUp

        if g.schedule in ("none", "fold", "async"):
            g.output_y.tile(x, y, tx, ty, x, y, tile_width, tile_height, round_up)
            g.output_uv.tile(x, y, tx, ty, x, y, tile_width, tile_height, round_up)
        else:
            yo, yi = hl.Var("yo"), hl.Var("yi")
            fac_y = g.output_y.output_buffer().dim(1).extent() // 2
            g.output_y.split(y, yo, yi, fac_y).tile(x, yi, tx, ty, x, y, tile_width, tile_height,
                                                    round_up).parallel(yo)
            fac_uv = g.output_uv.output_buffer().dim(1).extent() // 2
            g.output_uv.split(y, yo, yi, fac_uv).tile(x, yi, tx, ty, x, y, tile_width, tile_height,
                                                      round_up).parallel(yo)

        if g.schedule in ("none", "split"):
            input_y_copy.compute_at(g.output_y, tx).copy_to_host()
            input_uv_copy.compute_at(g.output_uv, tx).copy_to_host().reorder_storage(c, x, y)
        elif g.schedule == "fold":
            input_y_copy.copy_to_host().compute_at(g.output_y, tx).store_at(g.output_y, ty) \
                .fold_storage(x, tile_width * 2)
            input_uv_copy.copy_to_host().compute_at(g.output_uv, tx).store_at(g.output_uv, ty) \
                .reorder_storage(c, x, y).fold_storage(x, tile_width * 2)
        else:
            input_y_copy.copy_to_host().async_().compute_at(g.output_y, tx).store_at(g.output_y, ty) \
                .fold_storage(x, tile_width * 2)
            input_uv_copy.copy_to_host().async_().compute_at(g.output_uv, tx).store_at(g.output_uv, ty) \
                .reorder_storage(c, x, y).fold_storage(x, tile_width * 2)

        if g.use_dma_for_output and g.schedule in ("async", "split_async"):
            work_y.async_().store_at(g.output_y, ty).fold_storage(x, tile_width * 2)
            work_uv.async_().store_at(g.output_uv, ty).fold_storage(x, tile_width * 2)

        work_y.compute_at(g.output_y, tx)
        work_uv.compute_at(g.output_uv, tx).bound(c, 0, 2).reorder_storage(c, x, y)


if __name__ == "__main__":
    hl.main()
