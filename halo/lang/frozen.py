"""The frozen pipeline: an immutable snapshot of everything lowering reads, made once from the
user's mutable Funcs. Definitions are plain IR (calls name their callees; they hold no live
object), schedules are plain data with every Func referred to by name. `digest` is a stable
structural hash of the whole snapshot: the key of every cache of compiled pipelines.

Lowering, bounds and code generation see only this (they never import func.py)."""
from dataclasses import dataclass
from types import MappingProxyType

from ..errors import DefinitionError
from ..ir import nodes as n
from ..ir.digest import digest
from ..ir.find import find_calls
from ..ir.names import element_buffer
from ..ir.visitor import Mutator
from .param import ImageParam


@dataclass(frozen=True, eq=False)
class Level:
    """Where a Func is computed or stored: "inlined", "root", or "at" loop `var` of `func`
    (of stage `stage`, or of whichever stage has that loop when None)."""
    kind: str
    func: str = None
    var: str = None
    stage: int = None

    def is_root(self):
        return self.kind == "root"

    def is_inlined(self):
        return self.kind == "inlined"

    def __str__(self):
        if self.kind != "at":
            return self.kind
        stage = f".update({self.stage - 1})" if self.stage else ""
        return f"{self.func}{stage}.{self.var}"


ROOT, INLINED = Level("root"), Level("inlined")


@dataclass(frozen=True, eq=False)
class RVarDef:
    name: str
    min: n.Expr
    extent: n.Expr


@dataclass(frozen=True, eq=False)
class Definition:
    """One stage of a Func (index 0: the pure definition) with its loop schedule."""
    func: str
    index: int
    args: tuple
    values: tuple      # one Expr per element (a Tuple-valued Func has several)
    predicates: tuple
    rvars: tuple       # RVarDef, innermost first
    dims: tuple        # schedule.Dim, innermost first
    splits: tuple      # schedule.Split, in the order they were made
    specializations: tuple = ()  # Specialization, checked in order before this schedule
    failure: str = None          # specialize_fail's message: runs instead of this schedule

    def name(self):
        return self.func if self.index == 0 else f"{self.func}.update({self.index - 1})"

    def is_specialized(self):
        return bool(self.specializations) or self.failure is not None


@dataclass(frozen=True, eq=False)
class Specialization:
    """`definition` (the same stage with its own schedule) runs instead when `condition` holds."""
    condition: n.Expr
    definition: Definition


@dataclass(frozen=True, eq=False)
class Function:
    name: str
    types: tuple           # one per element (a Tuple-valued Func has several)
    args: tuple            # the pure Var names
    definitions: tuple     # Definition
    compute: Level         # None: not scheduled (the default applies)
    store: Level           # None: where it is computed
    memory: object         # MemoryType
    storage_dims: tuple    # schedule.StorageDim, innermost first (None: the pure order)
    bounds: tuple          # (var, min Expr, extent Expr)
    is_async: bool
    dma: object            # schedule.DmaSpec or None
    output_constraints: tuple  # per dimension {"min", "extent", "stride"} (used when an output)
    host_alignment: int = 1    # of its buffer when an output (output_buffer().set_host_alignment)

    def buffers(self):
        """(buffer name, type) of each element's storage, in Halide's order."""
        return tuple((element_buffer(self.name, i, len(self.types)), t) for i, t in enumerate(self.types))

    def has_updates(self):
        return len(self.definitions) > 1

    def bound_of(self, var):
        return next(((mn, ext) for v, mn, ext in self.bounds if v == var), None)


@dataclass(frozen=True, eq=False)
class Image:
    """An input of the pipeline: an ImageParam or a Buffer called in a definition."""
    name: str
    type: object
    dimensions: int
    constraints: tuple  # per dimension {"min", "extent", "stride"}: Expr or None
    kind: str           # "ImageParam" or "Buffer"
    host_alignment: int = 1  # ImageParam.set_host_alignment


@dataclass(frozen=True, eq=False)
class ScalarParam:
    name: str
    type: object


@dataclass(frozen=True, eq=False)
class PipelineDef:
    outputs: tuple     # names
    functions: object  # name -> Function (read-only mapping)
    images: object     # name -> Image
    params: object     # name -> ScalarParam
    digest: str
    requirements: tuple = ()  # Requirement


@dataclass(frozen=True, eq=False)
class Requirement:
    """Pipeline.add_requirement(condition, *error_args): checked before anything runs; the
    error args are strings and integer Exprs, printed after Halide's message."""
    condition: n.Expr
    error_args: tuple


class _Detach(Mutator):
    """Calls keep their callee's name only."""

    def visit_Call(self, e):
        e = self.generic_visit(e)
        return e.with_(target=None) if e.target is not None else e


def _constraints(cs):
    return tuple(MappingProxyType(dict(c)) for c in cs)


@dataclass(frozen=True, eq=False)
class LiveInputs:
    """The user's objects behind a PipelineDef's inputs (where realize() finds their values),
    and its Funcs (where Halide's schedule warnings are found)."""
    images: dict  # name -> ImageParam or Buffer
    params: dict  # name -> Param
    funcs: dict   # name -> Func


def freeze(outputs, requirements=(), requirement_params=None):
    """(PipelineDef, LiveInputs) of the pipeline that computes `outputs` (Funcs), with its
    `requirements` (Requirement, whose Params are `requirement_params`: name -> Param)."""
    funcs, images, params = {}, {}, dict(requirement_params or {})
    stack = list(outputs)
    while stack:
        f = stack.pop()
        name = f.name()
        if name in funcs:
            if funcs[name] is not f:
                raise DefinitionError(
                    f"two different Funcs in this pipeline are named {name}; give them distinct names")
            continue
        if not f.defined():
            raise DefinitionError(f"Func {name} is used in the pipeline but never defined")
        funcs[name] = f
        for c in f._callees():
            if c.call_type == n.FUNC:
                stack.append(c.target)
                continue
            other = images.get(c.name)
            if other is not None and other is not c.target:
                raise DefinitionError(
                    f"two different images in this pipeline are named {c.name}; give them distinct names")
            images[c.name] = c.target
        for pn, prm in f._params.items():
            if params.get(pn, prm) is not prm:
                raise DefinitionError(f"two different Params in this pipeline are named {pn}; give them distinct names")
            params[pn] = prm
    detach = _Detach()
    functions = {nm: f._frozen(detach) for nm, f in sorted(funcs.items())}
    _check_distinct_names(functions, images, params)
    frozen_images = {nm: Image(nm, img.type(), img.dimensions(), _constraints(img.constraints()), type(img).__name__,
                               img.host_alignment() if isinstance(img, ImageParam) else 1)
                     for nm, img in sorted(images.items())}
    frozen_params = {nm: ScalarParam(nm, p.type()) for nm, p in sorted(params.items())}
    out_names = tuple(f.name() for f in outputs)
    requirements = tuple(requirements)
    key = digest((out_names, functions, frozen_images, frozen_params, requirements))
    frozen = PipelineDef(out_names, MappingProxyType(functions), MappingProxyType(frozen_images),
                         MappingProxyType(frozen_params), key, requirements)
    return frozen, LiveInputs(dict(images), dict(params), dict(funcs))


def _check_distinct_names(functions, images, params):
    """Funcs, images and Params share one namespace in the generated code, and a Param named
    like a loop variable would be read as that variable."""
    owners = {}
    for nm in functions:
        owners.setdefault(nm, []).append(f"Func {nm}")
    for nm, img in images.items():
        owners.setdefault(nm, []).append(f"{type(img).__name__} {nm}")
    for nm in params:
        owners.setdefault(nm, []).append(f"Param {nm}")
    for nm, who in sorted(owners.items()):
        if len(who) > 1:
            raise DefinitionError(f"the pipeline uses the name {nm} for {' and '.join(who)}; give them distinct names")
    for f in functions.values():
        for d in f.definitions:
            for v in list(f.args) + [r.name for r in d.rvars]:
                if v in params:
                    raise DefinitionError(
                        f"Param {v} has the name of a {'Var' if v in f.args else 'RVar'} of Func {f.name}; "
                        f"give them distinct names (halo would read one as the other)")


def callees(exprs):
    """The Func and image calls in `exprs`."""
    out = []
    for e in exprs:
        out.extend(find_calls(e))
    return out
