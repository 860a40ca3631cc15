#!/usr/bin/python3
"""Checks a tools/bench bench.json: it parses, follows the schema of
docs/benchmarks.md and holds every case of the run (modes x formats x sizes,
the realism cases, the floors, the three sync modes), each of which ran.
Speed is not judged."""
import json
import sys

MODES = ["zc-pool", "zc-fd-per-frame", "zc-display-allocates", "copy-socket", "copy-memfd"]
REALISM = ["zc-pool", "copy-socket", "copy-memfd"]
FORMATS = ["XR24", "NV12"]
CASE_KEYS = ["case", "mode", "format", "width", "height", "frame_bytes", "kernel_release",
             "cpu_model", "emulated", "frames_per_s", "mb_per_s", "wall_per_frame_us",
             "cpu_per_frame_us_producer", "cpu_per_frame_us_consumer", "latency_ms",
             "peak_rss_kib_producer", "peak_rss_kib_consumer", "repeats", "repeats_ok"]


def main(path):
    with open(path) as f:
        doc = json.load(f)
    errors = []
    if doc.get("schema") != "dmabuf-interop-bench/1":
        errors.append(f"schema is {doc.get('schema')!r}")
    cases = {c["case"]: c for c in doc.get("cases", [])}
    sizes = sorted({(c["width"], c["height"]) for c in cases.values() if not c["realism"]})
    if not sizes:
        errors.append("no cases")
    want = [f"{m}/{f}/{w}x{h}" for m in MODES for f in FORMATS for (w, h) in sizes]
    rw, rh = (640, 480) if doc.get("smoke") else (1920, 1080)
    want += [f"{m}/{f}/{rw}x{rh}/realism" for m in REALISM for f in FORMATS]
    for name in want:
        c = cases.get(name)
        if c is None:
            errors.append(f"case {name} missing")
            continue
        missing = [k for k in CASE_KEYS if k not in c]
        if missing:
            errors.append(f"case {name} lacks {', '.join(missing)}")
        if not c.get("repeats_ok"):
            errors.append(f"case {name} never ran to the end: {c.get('errors')}")
        for k in ("p50", "p99", "max"):
            if k not in c.get("latency_ms", {}):
                errors.append(f"case {name}: latency_ms has no {k}")
    floors = {f["floor"] for f in doc.get("floors", [])}
    for f in doc.get("floors", []):
        for k in ("width", "height"):
            if k in f and not isinstance(f[k], int):
                errors.append(f"floor {f['floor']}: {k} {f[k]!r} is not a whole number")
    for fl in ("message", "scm_rights", "memcpy"):
        if fl not in floors:
            errors.append(f"floor {fl} missing")
    sync = doc.get("sync_modes") or {}
    got = {r["sync"]: r for r in sync.get("runs", [])}
    for mode in ("protocol", "implicit", "explicit"):
        r = got.get(mode)
        if r is None:
            errors.append(f"sync mode {mode} missing")
        elif not r.get("ok"):
            errors.append(f"sync mode {mode} did not run to the end")
        elif r["consumer"].get("sync_used") != mode or r["producer"].get("sync_used") != mode:
            errors.append(f"sync mode {mode}: the apps used {r['producer'].get('sync_used')}"
                          f" / {r['consumer'].get('sync_used')}")
        elif r["consumer"].get("latency_p50_ms") is None:
            errors.append(f"sync mode {mode}: no capture->flip latency")
    for e in errors:
        print(f"check-results: {e}", file=sys.stderr)
    print(f"check-results: {len(want)} cases expected, {len(cases)} present, "
          f"{len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
