"""Halide's schedule warnings, printed as Halide's JIT prints them (to Python's sys.stdout, one
"Warning: ..." line each) when a pipeline is frozen: a bound on a Func that is inlined, and an
update definition left unscheduled while other definitions of its Func are scheduled."""


def schedule_warnings(funcs, outputs):
    """The warnings for `funcs` (live Funcs by name) of a pipeline with `outputs` (names)."""
    out = []
    for name, f in funcs.items():
        level = f._schedule.compute_level
        inlined = name not in outputs and not f.has_update_definition() and (level is None or level.is_inlined())
        if inlined:
            for v, (mn, ext) in f._schedule.bounds.items():
                out.append(f"Warning: It is meaningless to bound dimension {v} of function {name} to be within "
                           f"[{mn}, {ext}] because the function is scheduled inline.")
        stages = f.stages()
        if any(st.schedule.touched for st in stages):
            for st in stages[1:]:
                if not st.schedule.touched and not st.schedule.unscheduled:
                    i = st.index - 1
                    out.append(f"Warning: Update definition {i} of function {name} has not been scheduled, even "
                               f"though some other definitions have been. You may have forgotten to schedule it. "
                               f"If this was intentional, call {name}.update({i}).unscheduled() to suppress this "
                               f"warning.")
    return out

