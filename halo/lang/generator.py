"""Generators with Halide's Python API: a class decorated with @hl.generator declares its
GeneratorParams, inputs and outputs once (in declaration order, which is the order of the C
function's arguments); configure(), generate() and schedule() build the pipeline for a target.

    @hl.generator(name="brighten")
    class Brighten:
        amount = hl.GeneratorParam(10)
        input = hl.InputBuffer(hl.UInt(8), 2)
        output = hl.OutputBuffer(hl.UInt(8), 2)

        def generate(g):
            g.output[x, y] = g.input[x, y] + g.amount

Instances read GeneratorParams as plain values (g.amount is an int) and inputs / outputs as the
ImageParam, Param and Func they stand for, as Halide's bindings do."""
import contextlib
import re

from ..errors import DefinitionError
from ..ir.types import Bool, Float, Int, Type, UInt
from .buffer import Buffer
from .func import Func
from .names import c_function_name
from .param import ImageParam, Param
from .schedule import LoopLevel
from .target import Target, get_jit_target_from_environment

# Halide's type names in GeneratorParam strings (uint8, int32, float32, bool)
_TYPES = {str(t): t for t in [Bool()] + [c(b) for c in (Int, UInt) for b in (8, 16, 32, 64)]
          + [Float(32), Float(64)]}
# Python types Halide's bindings accept for hl.Type in inputs and outputs
_PY_TYPES = {bool: Bool(), int: Int(32), float: Float(32)}
_LOOP_LEVELS = {"root": LoopLevel.root, "inlined": LoopLevel.inlined}
_ILLEGAL = object()  # what _convert returns for a value the parameter does not take (None may be a choice)
# Halide's rule for names of inputs and outputs: a C identifier without a leading or double underscore
_PORT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


class GeneratorParam:
    """A compile-time parameter: GeneratorParam(default) for bool, int, float, str, hl.Type or
    hl.LoopLevel; GeneratorParam(default, {"name": value, ...}) for enum-like choices, where the
    command line names a key and the generator reads its value."""

    def __init__(self, default, choices=None, required=False):
        if choices is not None:
            if not isinstance(choices, dict) or not choices or not all(isinstance(k, str) for k in choices):
                raise DefinitionError("GeneratorParam choices must be a non-empty dict {name: value}")
            if default not in choices:
                raise DefinitionError(f"GeneratorParam default {default!r} is not one of its choices "
                                      f"{', '.join(choices)}")
        elif not isinstance(default, (bool, int, float, str, Type, LoopLevel)):
            raise DefinitionError(f"GeneratorParam default {default!r}: a GeneratorParam is a bool, int, float, str, "
                                  f"hl.Type, hl.LoopLevel, or a default with a dict of choices")
        self.default = default
        self.choices = choices
        self.required = required  # <port>.type / <port>.dim of a port declared with None
        self.name = None

    def legal(self):
        """What values this parameter takes, for messages."""
        if self.choices is not None:
            return f"one of {', '.join(self.choices)}"
        kind = type(self.default)
        if kind is bool:
            return "true or false"
        if isinstance(self.default, Type):
            return f"a type: {', '.join(_TYPES)}"
        if isinstance(self.default, LoopLevel):
            return f"a LoopLevel: {', '.join(_LOOP_LEVELS)} (or an hl.LoopLevel from Python)"
        return {int: "an integer", float: "a number", str: "a string"}[kind]

    def value_of(self, value):
        """The generator's value of this parameter set to `value` (a command-line string, or a
        Python value of the parameter's kind), or DefinitionError naming what is legal."""
        out = self._convert(value)
        if out is _ILLEGAL:
            raise DefinitionError(f"GeneratorParam {self.name}: {value!r} is not a legal value; it takes "
                                  f"{self.legal()}")
        return out

    def _convert(self, value):
        if self.choices is not None:
            return self.choices[value] if isinstance(value, str) and value in self.choices else _ILLEGAL
        default = self.default
        if isinstance(value, str) and not isinstance(default, str):
            return self._parse(value)
        if isinstance(default, bool) or isinstance(value, bool):
            return value if isinstance(value, bool) and isinstance(default, bool) else _ILLEGAL
        if isinstance(default, float) and isinstance(value, int):
            return float(value)
        return value if isinstance(value, type(default)) else _ILLEGAL

    def _parse(self, text):
        """A command-line string as this parameter's kind (Halide's spellings)."""
        default = self.default
        if isinstance(default, bool):
            return {"true": True, "false": False}.get(text, _ILLEGAL)
        if isinstance(default, Type):
            return _TYPES.get(text, _ILLEGAL)
        if isinstance(default, LoopLevel):
            return _LOOP_LEVELS[text]() if text in _LOOP_LEVELS else _ILLEGAL
        try:
            return type(default)(text)
        except ValueError:
            return _ILLEGAL

    def default_value(self):
        return self.choices[self.default] if self.choices is not None else self.default


def _type(t, what):
    t = _PY_TYPES.get(t, t)
    if t is not None and not isinstance(t, Type):
        raise DefinitionError(f"{what}: type {t!r} is not an hl.Type (or bool, int, float, or None to set it "
                              f"with a GeneratorParam)")
    return t


class _Port:
    """An input or output: its type and dimensions, either of which may be None, fixed then by the
    GeneratorParams <name>.type and <name>.dim as in Halide."""
    kind = ""

    def __init__(self, type_, dimensions):
        self.type = _type(type_, type(self).__name__)
        if dimensions is not None and (isinstance(dimensions, bool) or not isinstance(dimensions, int)
                                       or dimensions < 0):
            raise DefinitionError(f"{type(self).__name__}: dimensions must be a non-negative int or None, "
                                  f"got {dimensions!r}")
        self.dimensions = dimensions
        self.name = None

    def implicit_params(self):
        """The GeneratorParams that fix what was left None."""
        out = {}
        if self.type is None:
            out[f"{self.name}.type"] = GeneratorParam(Int(32), required=True)
        if self.dimensions is None:
            out[f"{self.name}.dim"] = GeneratorParam(0, required=True)
        for nm, p in out.items():
            p.name = nm
        return out

    def resolved(self, params, given):
        """(type, dimensions), with a None filled from `params`; DefinitionError if it was not given."""
        for field, value in (("type", self.type), ("dim", self.dimensions)):
            if value is None and f"{self.name}.{field}" not in given:
                raise DefinitionError(f"{self.kind} {self.name} has no {field}: set the GeneratorParam "
                                      f"{self.name}.{field}=...")
        return (self.type if self.type is not None else params[f"{self.name}.type"],
                self.dimensions if self.dimensions is not None else params[f"{self.name}.dim"])


class InputBuffer(_Port):
    """An input buffer: in generate(), the hl.ImageParam of that name."""
    kind = "InputBuffer"

    def make(self, type_, dims):
        return ImageParam(type_, dims, self.name)


class InputScalar(_Port):
    """A scalar input: in generate(), the hl.Param of that name."""
    kind = "InputScalar"

    def __init__(self, type_):
        super().__init__(type_, 0)

    def make(self, type_, dims):
        return Param(type_, self.name)


class OutputBuffer(_Port):
    """An output buffer: in generate(), the hl.Func of that name, to be defined."""
    kind = "OutputBuffer"

    def make(self, type_, dims):
        return Func(self.name)


_context = []


@contextlib.contextmanager
def GeneratorContext(target):
    """Generators created inside `with hl.GeneratorContext(target):` build for `target`."""
    _context.append(Target.parse(target))
    try:
        yield
    finally:
        _context.pop()


class Generator:
    """The base of every generator (the decorator adds it when a class does not derive from it).
    Generator(generator_params={name: value}) sets GeneratorParams (values, or strings as on the
    command line); build_pipeline() runs configure / generate / schedule once."""
    _halo_name = None

    def __init__(self, generator_params=None, target=None):
        if target is None:
            target = _context[-1] if _context else get_jit_target_from_environment()
        object.__setattr__(self, "_target", Target.parse(target))
        object.__setattr__(self, "_extra", {})
        object.__setattr__(self, "_pipeline", None)
        params = type(self).generator_params()
        given = dict(generator_params or {})
        for nm in given:
            if nm not in params:
                raise DefinitionError(f"generator {self.name()}: no GeneratorParam {nm!r}; its GeneratorParams are "
                                      f"{_names(params)}")
        values = {nm: p.value_of(given[nm]) if nm in given else p.default_value() for nm, p in params.items()}
        object.__setattr__(self, "_given", given)
        object.__setattr__(self, "_params", values)
        for nm, v in values.items():
            if "." not in nm:
                object.__setattr__(self, nm, v)

    # ---- declarations, in order ----
    @classmethod
    def _declared(cls, kind):
        out = {}
        for klass in reversed(cls.__mro__):
            for nm, v in vars(klass).items():
                if isinstance(v, kind):
                    v.name = nm
                    out[nm] = v
        return out

    @classmethod
    def generator_params(cls):
        """{name: GeneratorParam}: the declared ones, then <port>.type / <port>.dim for ports left open."""
        params = cls._declared(GeneratorParam)
        for port in cls._declared(_Port).values():
            params.update(port.implicit_params())
        return params

    def ports(self):
        """{name: InputBuffer / InputScalar / OutputBuffer}: the class's, then configure()'s additions."""
        return {**type(self)._declared(_Port), **self._extra}

    def inputs(self):
        return [p for p in self.ports().values() if not isinstance(p, OutputBuffer)]

    def outputs(self):
        return [p for p in self.ports().values() if isinstance(p, OutputBuffer)]

    # ---- Halide's Generator methods ----
    @classmethod
    def name(cls):
        return cls._halo_name

    def target(self):
        return self._target

    def using_autoscheduler(self):
        """halo has no autoscheduler: schedule() always applies the generator's own schedule."""
        return False

    def natural_vector_size(self, t):
        return self._target.natural_vector_size(t)

    def add_input(self, name, port):
        self._add(name, port, (InputBuffer, InputScalar))

    def add_output(self, name, port):
        self._add(name, port, (OutputBuffer,))

    def _add(self, name, port, kinds):
        if not isinstance(port, kinds):
            raise DefinitionError(f"generator {self.name()}: {name} must be one of "
                                  f"{', '.join(k.__name__ for k in kinds)}, got {port!r}")
        if hasattr(self, name) or name in self.ports():
            raise DefinitionError(f"generator {self.name()}: {name} already names a member of the generator")
        port.name = name
        self._extra[name] = port

    def configure(self):
        """Optional: add inputs or outputs that depend on GeneratorParams."""

    def generate(self):
        raise DefinitionError(f"generator {self.name()} has no generate() method; define the outputs there")

    def build_pipeline(self):
        """The hl.Pipeline of the outputs, built on first use."""
        if self._pipeline is None:
            self.configure()
            for port in self.ports().values():
                _check_port_name(port.name, self.name())
                made = port.make(*port.resolved(self._params, self._given))
                object.__setattr__(self, port.name, made)
            self.generate()
            # a GeneratorParam may be named schedule (Halide's hexagon_dma generators' is): then
            # generate() schedules, as those generators do
            own = getattr(type(self), "schedule", None)
            if own is not Generator.schedule and not isinstance(own, GeneratorParam):
                self.schedule()
            self._check_outputs()
            from ..pipeline import Pipeline
            object.__setattr__(self, "_pipeline", Pipeline([getattr(self, p.name) for p in self.outputs()]))
        return self._pipeline

    def schedule(self):
        """Optional: the schedule, kept apart from generate() as in Halide."""

    def _check_outputs(self):
        for port in self.outputs():
            f = getattr(self, port.name)
            if not f.defined():
                raise DefinitionError(f"generator {self.name()}: generate() did not define output {port.name}")
            want_type, want_dims = port.resolved(self._params, self._given)
            if f.type() != want_type or f.dimensions() != want_dims:
                raise DefinitionError(f"generator {self.name()}: output {port.name} is declared {want_type} with "
                                      f"{want_dims} dimensions but is defined {f.type()} with {f.dimensions()}")

    def arguments(self):
        """The inputs as ImageParams and Params, in declaration order (the C function's order)."""
        self.build_pipeline()
        return [getattr(self, p.name) for p in self.inputs()]

    def compile_to(self, outputs, fn_name=None):
        """Writes {output kind: path} (halo.outputs.OUTPUT_KINDS) for this generator's target."""
        from ..outputs import compile_to
        return compile_to(self.build_pipeline(), outputs, self.arguments(), fn_name or self.name(), self._target)

    def compile_to_callable(self):
        """A function of the inputs in declaration order, then the outputs (or all by name), that
        runs the pipeline compiled for the generator's target and returns None."""
        compiled = self.build_pipeline().compile_jit(self._target)
        names = [p.name for p in self.ports().values()]

        def call(*args, **kwargs):
            if len(args) > len(names):
                raise TypeError(f"{self.name()} takes {len(names)} arguments ({', '.join(names)}), got {len(args)}")
            values = dict(zip(names, args))
            for nm, v in kwargs.items():
                if nm not in names or nm in values:
                    raise TypeError(f"{self.name()}: unexpected or repeated argument {nm!r}; arguments: "
                                    f"{', '.join(names)}")
                values[nm] = v
            missing = [nm for nm in names if nm not in values]
            if missing:
                raise TypeError(f"{self.name()}: missing argument(s) {', '.join(missing)}")
            compiled(values)
        return call

    @classmethod
    def call(cls, *args, generator_params=None, target=None, **kwargs):
        """Halide's Gen.call(inputs..., generator_params={...}): the output Func (a tuple of them
        for several outputs), its inputs bound to the given hl.Buffers / numpy arrays and numbers,
        ready to realize()."""
        gen = cls(generator_params, target)
        gen.build_pipeline()
        inputs = gen.inputs()
        names = [p.name for p in inputs]
        if len(args) > len(names):
            raise TypeError(f"{cls.name()}.call takes {len(names)} inputs ({', '.join(names)}), got {len(args)}")
        values = dict(zip(names, args))
        for nm, v in kwargs.items():
            if nm not in names or nm in values:
                raise TypeError(f"{cls.name()}.call: unexpected or repeated input {nm!r}; inputs: {', '.join(names)}")
            values[nm] = v
        for port in inputs:
            if port.name not in values:
                raise TypeError(f"{cls.name()}.call: missing input {port.name}")
            getattr(gen, port.name).set(_bound(values[port.name], port))
        outs = tuple(getattr(gen, p.name) for p in gen.outputs())
        return outs[0] if len(outs) == 1 else outs

    def __setattr__(self, name, value):
        if name in type(self).generator_params() or name in self.ports():
            raise DefinitionError(f"generator {self.name()}: {name} is a GeneratorParam, input or output and is "
                                  f"read-only")
        object.__setattr__(self, name, value)


def _check_port_name(name, generator_name):
    """Ports become C arguments of the generated function (and Python keywords of its extension)."""
    try:
        c_function_name(name)
    except DefinitionError:
        ok = False
    else:
        ok = bool(_PORT_NAME.match(name)) and "__" not in name
    if not ok:
        raise DefinitionError(f"generator {generator_name}: input or output name {name!r} must be a C identifier "
                              f"without a leading or double underscore, not a C keyword, and not starting with halo_")


def _bound(value, port):
    """An input's value as ImageParam.set / Param.set take it."""
    if isinstance(port, InputBuffer):
        if isinstance(value, Func):
            raise DefinitionError(f"input {port.name}: halo binds generator inputs to Buffers and numpy arrays, "
                                  f"not Funcs (compose pipelines with ordinary Funcs instead)")
        return value if isinstance(value, Buffer) else Buffer(value)
    return value


def _names(params):
    return ", ".join(params) if params else "(none)"


_registry = {}


def generator(name=None):
    """@hl.generator(name="..."): registers the class under `name` (default: the class name,
    prefixed by its module unless that is __main__) for hl.main() and halo.generate."""
    def register(cls):
        registered = name or (cls.__name__ if cls.__module__ == "__main__" else f"{cls.__module__}.{cls.__name__}")
        c_function_name(registered.replace(".", "_"))  # the default C function name comes from it
        gen = cls if issubclass(cls, Generator) else type(cls.__name__, (cls, Generator),
                                                          {"__module__": cls.__module__, "__doc__": cls.__doc__,
                                                           "__qualname__": cls.__qualname__})
        if registered in _registry and _registry[registered].__qualname__ != gen.__qualname__:
            raise DefinitionError(f"generator name {registered!r} is already registered by "
                                  f"{_registry[registered].__qualname__}")
        gen._halo_name = registered
        _registry[registered] = gen
        return gen
    if isinstance(name, type):  # @hl.generator without parentheses
        cls, name = name, None
        return register(cls)
    return register


def registered():
    """{name: generator class} of every generator registered in this process."""
    return dict(_registry)
