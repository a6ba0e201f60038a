"""Fresh names for anonymous Vars, Funcs and RDoms (Halide style: "_0", "f1", ...), and the
generation counter of the front end's definitions and schedules."""
import itertools

_counter = itertools.count()


def unique_name(prefix):
    return f"{prefix}{next(_counter)}"


_generations = itertools.count(1)
_generation = 0


def changed():
    """Record that a definition, schedule or buffer constraint changed somewhere (compiled
    pipelines check it before reusing what they compiled)."""
    global _generation
    _generation = next(_generations)


def generation():
    return _generation
