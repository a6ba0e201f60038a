"""halo: a Halide-like scheduling language for image pipelines that move data with DMA engines.

    import halo as hl
    x, y = hl.Var("x"), hl.Var("y")
    f = hl.Func("f")
    f[x, y] = x + y
    out = f.realize([640, 480])
"""
from . import errors
from .errors import (BoundsError, CompileError, DefinitionError, HaloError, HaloRuntimeError, HaloWarning,
                     HalideError, ScheduleError, TypeMismatchError)
from .ir.operators import (abs_ as abs, absd, cast, ceil, clamp, exp, f32, f64, floor, i8, i8_sat, i16, i16_sat,
                           i32, i32_sat, i64, i64_sat, lerp, log, logical_and, logical_not, logical_or, max_ as max,
                           min_ as min, mux, pow_ as pow, round_ as round, saturating_cast, sqrt, u8, u8_sat, u16, u16_sat,
                           u32, u32_sat, u64, u64_sat)
from .ir.types import Bool, Float, Handle, Int, Type, TypeCode, UInt
from .lang.anonymous import evaluate, lambda_func
from .lang.expr import Expr
from .lang import boundary as BoundaryConditions
from .lang.buffer import Buffer
from .lang.func import Func, Stage
from .lang.tuple import Tuple, select
from .lang.reductions import argmax, argmin, maximum, minimum, product, sum
from .lang.param import ImageParam, Param
from .lang.printing import print_ as print, print_when
from .lang.schedule import LoopLevel, MemoryType, TailStrategy
from .lang.target import (Target, TargetArch, TargetFeature, TargetOS, TargetProcessorTune, get_host_target,
                          get_jit_target_from_environment, get_target_from_environment)
from .lang.var import IMPLICIT, RDom, Range, RVar, Var, _, vars
from .pipeline import Pipeline
from .lang.generator import (Generator, GeneratorContext, GeneratorParam, InputBuffer, InputScalar, OutputBuffer,
                        generator)
from .generate import main
from .outputs import OutputFileType, compile_standalone_runtime

_0, _1, _2, _3, _4, _5, _6, _7, _8, _9 = IMPLICIT  # Halide's implicit Vars

__all__ = [
    "BoundsError", "CompileError", "DefinitionError", "HaloError", "HaloRuntimeError", "HaloWarning",
    "ScheduleError", "TypeMismatchError", "Expr", "abs", "absd", "cast", "ceil", "clamp", "exp", "floor", "log",
    "logical_and", "logical_not", "logical_or", "max", "min", "round", "select", "sqrt", "Bool", "Float", "Int",
    "Type", "TypeCode", "UInt", "argmax", "argmin", "maximum", "minimum", "product", "sum", "f32", "f64", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "i8_sat", "i16_sat",
    "i32_sat", "i64_sat", "u8_sat", "u16_sat", "u32_sat", "u64_sat", "lerp", "mux", "saturating_cast", "BoundaryConditions", "Buffer", "Func", "Stage", "Tuple", "ImageParam", "Param", "LoopLevel",
    "MemoryType", "TailStrategy", "Target", "TargetArch", "TargetFeature", "TargetOS", "TargetProcessorTune",
    "get_host_target", "get_jit_target_from_environment", "get_target_from_environment", "RDom", "Range", "RVar", "Var", "Pipeline", "errors",
    "Generator", "GeneratorContext", "GeneratorParam", "InputBuffer", "InputScalar", "OutputBuffer", "generator", "main",
    "OutputFileType", "compile_standalone_runtime",
    "HalideError", "Handle", "evaluate", "lambda_func", "vars", "pow", "print", "print_when",
]
