"""python3 -m halo.generate FILE -g NAME -o DIR ... (Halide's generator command line for any file
of generators), or python3 -m halo.generate --list FILE (the generators FILE registers)."""
import pathlib
import runpy
import sys

from ..errors import HaloError
from ..lang.generator import registered
from . import run


def _load(path):
    """Runs a generator file as the module named after it (not as __main__, so its hl.main() does
    not run), registering its generators."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise HaloError(f"generator file {path} does not exist")
    runpy.run_path(str(path), run_name=path.stem)


def _module_main(argv):
    if argv[:1] == ["--list"]:
        if len(argv) != 2:
            raise HaloError("usage: python3 -m halo.generate --list FILE")
        _load(argv[1])
        return "\n".join(registered())
    if not argv or argv[0].startswith("-") or "=" in argv[0]:
        raise HaloError("usage: python3 -m halo.generate FILE -g NAME -o DIR ... (or --list FILE)")
    _load(argv[0])
    return run(argv[1:], "halo.generate")


if __name__ == "__main__":
    try:
        out = _module_main(sys.argv[1:])
    except HaloError as e:
        print(f"halo.generate: error: {e}", file=sys.stderr)
        sys.exit(1)
    if out:
        print(out)
