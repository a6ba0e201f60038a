"""Fresh names for anonymous Vars, Funcs and RDoms (Halide style: "_0", "f1", ...)."""
import itertools

_counter = itertools.count()


def unique_name(prefix):
    return f"{prefix}{next(_counter)}"
