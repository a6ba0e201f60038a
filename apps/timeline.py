"""A picture of DMA against compute (matplotlib): the first tiles' transfers on each DMA engine and
the compute spans, against time, read from the runtime's Chrome trace. Each bar is one span of
the trace, so ping-pong overlap shows as bars of different rows over the same time."""
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import Patch

TILES = 8
COLOURS = {"read": "tab:blue", "write": "tab:orange", "compute": "tab:green"}


@dataclass(frozen=True)
class Track:
    """One row: a DMA engine or the compute thread(s), named as in the trace."""
    name: str
    category: str      # "dma" or "compute"
    spans: tuple       # (start, duration, kind) in microseconds from the first span; kind: read / write / compute


@dataclass(frozen=True)
class Timeline:
    tracks: tuple
    tiles: int         # compute spans shown

    def bars(self, category):
        return sum(len(t.spans) for t in self.tracks if t.category == category)


def _kind(event):
    if event["cat"] == "compute":
        return "compute"
    return "write" if event["name"].startswith("write") else "read"


def first_tiles(trace, tiles=TILES):
    """The Timeline of the first `tiles` compute spans and the transfers that start before the
    last of them ends (all of the trace when it has fewer)."""
    events = sorted((e for e in trace["traceEvents"] if e.get("ph") == "X" and e.get("cat") in ("dma", "compute")),
                    key=lambda e: e["ts"])
    if not events:
        return Timeline((), 0)
    compute = [e for e in events if e["cat"] == "compute"][:tiles]
    end = compute[-1]["ts"] + compute[-1]["dur"] if len(compute) == tiles else float("inf")
    start = events[0]["ts"]
    names = {e["tid"]: e["args"]["name"] for e in trace["traceEvents"]
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    rows = {}
    for e in events:
        if e["ts"] < end:
            row = rows.setdefault(e["tid"], (names.get(e["tid"], f"thread {e['tid']}"), e["cat"], []))
            row[2].append((e["ts"] - start, e["dur"], _kind(e)))
    # DMA engines first, in the order they were named; compute last
    ordered = sorted(rows.items(), key=lambda kv: (kv[1][1] == "compute", kv[0]))
    return Timeline(tuple(Track(name, cat, tuple(spans)) for _, (name, cat, spans) in ordered), len(compute))


def draw(timeline, title):
    """A matplotlib Figure of the timeline: one row per track, one bar per span (each bar
    collection's gid is "<track>:<kind>")."""
    fig = Figure(figsize=(10, 1.2 + 0.6 * max(len(timeline.tracks), 1)), layout="constrained")
    ax = fig.add_subplot()
    for row, track in enumerate(timeline.tracks):
        for kind, colour in COLOURS.items():
            bars = [(s, d) for s, d, k in track.spans if k == kind]
            if bars:
                ax.broken_barh(bars, (row - 0.35, 0.7), facecolors=colour, edgecolor="black", linewidth=0.4,
                               gid=f"{track.name}:{kind}")
    ax.set_yticks(range(len(timeline.tracks)), [t.name for t in timeline.tracks])
    ax.invert_yaxis()
    ax.set_xlabel("time (µs)")
    ax.set_title(f"{title}: first {timeline.tiles} tiles")
    ax.legend(handles=[Patch(facecolor=c, label=f"DMA {k}" if k != "compute" else k) for k, c in COLOURS.items()],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    return fig


def save(trace, path, title, tiles=TILES):
    """Writes the timeline PNG of `trace` to `path`; returns the Timeline it shows."""
    timeline = first_tiles(trace, tiles)
    draw(timeline, title).savefig(path, dpi=100)
    return timeline
