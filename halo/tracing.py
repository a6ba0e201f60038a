"""Reading the runtime's Chrome trace: how much DMA time overlapped compute."""


def _spans(trace, category):
    return sorted((e["ts"], e["ts"] + e["dur"]) for e in trace["traceEvents"]
                  if e.get("ph") == "X" and e.get("cat") == category)


def _merge(spans):
    out = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def overlap_fraction(trace):
    """The fraction of DMA busy time during which some compute span was running (0 when the
    trace has no DMA)."""
    dma = _merge(_spans(trace, "dma"))
    compute = _merge(_spans(trace, "compute"))
    total = sum(b - a for a, b in dma)
    if total == 0:
        return 0.0
    both = 0.0
    j = 0
    for a, b in dma:
        while j < len(compute) and compute[j][1] <= a:
            j += 1
        k = j
        while k < len(compute) and compute[k][0] < b:
            both += min(b, compute[k][1]) - max(a, compute[k][0])
            k += 1
    return both / total


def spans(trace, category):
    """(start, end) in microseconds of every span of `category` ("dma" or "compute")."""
    return _spans(trace, category)
