"""A canonical text of everything lowering reads (definitions, types, schedules), so a compiled
pipeline can be found again without lowering it: two pipelines with the same fingerprint lower
to the same C."""
import hashlib
import pathlib

from ..lang.func import plain
from .environment import _all_funcs


def _stage_text(st):
    rvars = [(r.name, str(plain(r.min)), str(plain(r.extent))) for r in st.rvars]
    return (f"  stage {st.index}: args={[str(a) for a in st.args]} value={st.value} "
            f"preds={[str(p) for p in st.predicates]} rvars={rvars} dims={st.schedule.dims} "
            f"splits={st.schedule.splits}")


def _constraints(cs):
    return [{k: str(v) for k, v in c.items()} for c in cs]


def fingerprint(outputs):
    funcs, images = _all_funcs(outputs)
    lines = [f"outputs {[f.name() for f in outputs]}"]
    for name in sorted(funcs):
        f = funcs[name]
        s = f._schedule
        lines.append(f"func {name}: {f.type()} {f._pure_names} params={sorted((k, str(p.type())) for k, p in f._params.items())}")
        lines.extend(_stage_text(st) for st in f.stages())
        bounds = {k: (str(a), str(b)) for k, b_ in s.bounds.items() for a, b in [b_]}
        lines.append(f"  schedule: compute={s.compute_level!r} store={s.store_level!r} memory={s.memory_type} "
                     f"storage={s.storage_dims} bounds={bounds} async={s.is_async} inline={s.explicit_inline} "
                     f"dma={f._dma!r}")
    for name in sorted(images):
        img = images[name]
        lines.append(f"image {name}: {type(img).__name__} {img.type()} {img.dimensions()} {_constraints(img.constraints())}")
    for f in outputs:
        lines.append(f"output {f.name()}: {_constraints(f.output_constraints())}")
    return "\n".join(lines)


_compiler_digest = None


def compiler_digest():
    """A hash of halo's own Python sources: a cached lowering is only reused by the compiler
    that produced it."""
    global _compiler_digest
    if _compiler_digest is None:
        root = pathlib.Path(__file__).resolve().parents[1]
        h = hashlib.sha256()
        for f in sorted(root.rglob("*.py")):
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
        _compiler_digest = h.hexdigest()
    return _compiler_digest


def fingerprint_hash(outputs, extra=""):
    text = "\0".join((compiler_digest(), fingerprint(outputs), extra))
    return hashlib.sha256(text.encode()).hexdigest()[:24]
