"""A stable structural digest of IR and of plain data built from it (dataclasses, tuples,
mappings, enums, numbers, strings): the same structure gives the same hex string in every
process, which makes it a key for caches on disk (Python's own hash of a string is not)."""
import dataclasses
import enum
import hashlib
from collections.abc import Mapping

from . import nodes as n
from .types import Type


def _feed(h, obj, memo):
    if isinstance(obj, n.Node):
        hit = memo.get(id(obj))
        if hit is not None:
            h.update(hit)
            return
        sub = hashlib.blake2b(digest_size=16)
        sub.update(type(obj).__name__.encode())
        for f in obj.child_fields():
            _feed(sub, getattr(obj, f), memo)
        d = sub.digest()
        memo[id(obj)] = d
        h.update(d)
    elif isinstance(obj, str):  # also Var names, which are str subclasses
        h.update(f"str:{str(obj)!r};".encode())
    elif obj is None or isinstance(obj, (bool, int, float)):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
    elif isinstance(obj, Type):
        h.update(f"T:{obj};".encode())
    elif isinstance(obj, enum.Enum):
        h.update(f"E:{type(obj).__name__}.{obj.name};".encode())
    elif isinstance(obj, (tuple, list)):
        h.update(f"[{len(obj)}".encode())
        for x in obj:
            _feed(h, x, memo)
        h.update(b"]")
    elif isinstance(obj, Mapping):
        h.update(f"{{{len(obj)}".encode())
        for k in sorted(obj, key=repr):
            _feed(h, k, memo)
            _feed(h, obj[k], memo)
        h.update(b"}")
    elif dataclasses.is_dataclass(obj):
        h.update(f"D:{type(obj).__name__}(".encode())
        for f in dataclasses.fields(obj):
            _feed(h, getattr(obj, f.name), memo)
        h.update(b")")
    else:
        raise TypeError(f"no stable digest for {type(obj).__name__}: {obj!r}")


def digest(obj):
    h = hashlib.blake2b(digest_size=16)
    _feed(h, obj, {})
    return h.hexdigest()
