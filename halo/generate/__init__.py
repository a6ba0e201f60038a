"""Halide's generator command line, for generators registered with @hl.generator:

    python3 my_generators.py -g NAME -o DIR [-e OUTPUTS] [-f FUNCTION_NAME] [-n FILE_BASE]
                             [-r RUNTIME_NAME] target=TARGET [param=value ...]

(the file ends with `if __name__ == "__main__": hl.main()`), or, for any file of generators,
`python3 -m halo.generate FILE ...` with the same arguments, and
`python3 -m halo.generate --list FILE` to print the generators the file registers."""
import pathlib
import sys

from ..errors import HaloError
from ..lang.generator import registered
from ..lang.names import c_function_name
from ..lang.target import Target
from ..outputs import OutputFileType, compile_standalone_runtime, extension, output_kind

DEFAULT_OUTPUTS = ("c_header", "static_library")
_FLAGS = {"-g": "generator", "-o": "output_dir", "-e": "emit", "-f": "function_name", "-n": "file_base",
          "-r": "runtime_name"}


def usage(program):
    kinds = ", ".join(k.value for k in OutputFileType)
    return f"""usage: {program} -g GENERATOR_NAME -o OUTPUT_DIR [-e OUTPUTS] [-f FUNCTION_NAME] [-n FILE_BASE]
       [-r RUNTIME_NAME] target=TARGET [generator_param=value ...]
       {program} -r RUNTIME_NAME -o OUTPUT_DIR target=TARGET

  -g  the registered name of the generator to build (registered here: {', '.join(registered()) or '(none)'})
  -o  the folder the outputs are written to
  -e  a comma-separated list of outputs: {kinds}
      (default: {', '.join(DEFAULT_OUTPUTS)}). The python_extension is named after the function.
  -f  the name of the generated C function (default: the generator's name)
  -n  the base name of the output files (default: the function name)
  -r  also write halo's runtime as the static library OUTPUT_DIR/RUNTIME_NAME.a, with its headers
      (pipeline libraries hold the pipeline only and link against it)
  target=TARGET     a Halide target string: host, x86-64-linux-avx2, hexagon-v68-hvx128-sm8250, ...
  name=value        sets a GeneratorParam of the generator (--help with -g lists them)"""


def _params_help(gen):
    params = gen.generator_params()
    if not params:
        return f"generator {gen.name()} has no GeneratorParams"
    lines = [f"GeneratorParams of {gen.name()}:"]
    for nm, p in params.items():
        shown = "" if p.required else _spelled(p.default)
        lines.append(f"  {nm}={shown}  ({'required: ' if p.required else ''}{p.legal()})")
    return "\n".join(lines)


def _spelled(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


def parse(argv):
    """(options {flag name: value}, {param: value}, target text or None) of a command line, or
    HaloError naming what is wrong."""
    options, params, target = {}, {}, None
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in _FLAGS:
            if not args:
                raise HaloError(f"{arg} needs a value ({_FLAGS[arg].replace('_', ' ')})")
            options[_FLAGS[arg]] = args.pop(0)
        elif arg in ("-h", "-help", "--help"):
            options["help"] = True
        elif arg.startswith("-"):
            raise HaloError(f"unknown flag {arg}; flags: {', '.join(_FLAGS)}, --help")
        elif "=" not in arg:
            raise HaloError(f"argument {arg!r} is not a flag or name=value (target=TARGET or a GeneratorParam)")
        else:
            name, value = arg.split("=", 1)
            if name == "target":
                target = value
            elif name in params:
                raise HaloError(f"GeneratorParam {name} is given twice")
            else:
                params[name] = value
    return options, params, target


def run(argv, program="generator"):
    """Runs one command line; returns the text to print (help), or None. HaloError on a bad one."""
    options, params, target_text = parse(argv)
    gens = registered()
    name = options.get("generator")
    if name is not None and name not in gens:
        raise HaloError(f"unknown generator {name!r}; generators registered: {', '.join(gens) or '(none)'}")
    if options.get("help"):
        return usage(program) + ("\n\n" + _params_help(gens[name]) if name else "")
    if name is None and "runtime_name" not in options:
        raise HaloError(f"-g GENERATOR_NAME is required; generators registered: {', '.join(gens) or '(none)'}")
    if "output_dir" not in options:
        raise HaloError("-o OUTPUT_DIR is required")
    if target_text is None:
        raise HaloError("target=TARGET is required (for example target=host or target=hexagon-v68-hvx128-sm8250)")
    if "," in target_text:
        raise HaloError(f"target={target_text}: halo builds one target per run; run once per target")
    target = Target(target_text)
    out_dir = pathlib.Path(options["output_dir"])
    if "runtime_name" in options:
        compile_standalone_runtime(out_dir / (_file_name(options["runtime_name"], "-r") + ".a"), target)
    if name is None:
        return None
    kinds = [output_kind(k) for k in options.get("emit", ",".join(DEFAULT_OUTPUTS)).split(",") if k]
    gen = gens[name](params, target)
    fn_name = c_function_name(options.get("function_name") or name)
    base = _file_name(options.get("file_base") or fn_name, "-n")
    files = {k: out_dir / ((fn_name if k == "python_extension" else base) + extension(k)) for k in kinds}
    gen.compile_to(files, fn_name)
    return None


def _file_name(text, flag):
    if "/" in text or text in ("", ".", ".."):
        raise HaloError(f"{flag} {text!r}: give a plain file name, without a folder")
    return text


def main(argv=None):
    """hl.main(): runs the command line of sys.argv (or `argv`); exits 1 with the message on an error."""
    argv = sys.argv[1:] if argv is None else argv
    program = pathlib.Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "generator"
    try:
        text = run(argv, program)
    except HaloError as e:
        print(f"{program}: error: {e}", file=sys.stderr)
        sys.exit(1)
    if text:
        print(text)
