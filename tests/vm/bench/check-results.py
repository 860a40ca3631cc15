#!/usr/bin/python3
"""Checks a tools/bench bench.json: it parses, follows the schema of
docs/benchmarks.md and holds every case of the run (modes x formats x sizes,
the realism cases, the floors, the three sync modes), each of which ran.
zc-pool-heap and zc-pool-udmabuf may instead be skipped, with a reason, on a
6.1 kernel only (Debian's has neither device); zc-pool-mplane never.
Speed is not judged."""
import json
import sys

MODES = ["zc-pool", "zc-pool-heap", "zc-pool-udmabuf", "zc-pool-protocol", "zc-pool-mplane",
         "zc-fd-per-frame", "zc-display-allocates", "copy-socket", "copy-memfd"]
REALISM = ["zc-pool", "copy-socket", "copy-memfd"]
FORMATS = ["XR24", "NV12"]
MODE_FORMATS = {"zc-pool-protocol": ["NV12"], "zc-pool-mplane": ["NV12M"]}
ALLOCATOR = {"zc-pool": "camera", "zc-pool-heap": "heap", "zc-pool-udmabuf": "udmabuf",
             "zc-pool-protocol": "camera", "zc-pool-mplane": "camera"}
# The sync the apps must have used (NV12M: protocol only).
SYNC = {"zc-pool-protocol": "protocol", "zc-pool-mplane": "protocol"}
# Modes a kernel may lack: skipped with their reason on these kernels only.
MAY_SKIP = {"zc-pool-heap": ("6.1.",), "zc-pool-udmabuf": ("6.1.",)}
VARIANTS = ["zc-pool-heap", "zc-pool-udmabuf", "zc-pool-protocol", "zc-pool-mplane"]
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
    want = [f"{m}/{f}/{w}x{h}" for m in MODES for f in MODE_FORMATS.get(m, FORMATS)
            for (w, h) in sizes]
    rw, rh = (640, 480) if doc.get("smoke") else (1920, 1080)
    want += [f"{m}/{f}/{rw}x{rh}/realism" for m in REALISM for f in FORMATS]
    release = doc.get("environment", {}).get("kernel_release", "")
    skipped = {}
    for name in want:
        c = cases.get(name)
        if c is None:
            errors.append(f"case {name} missing")
            continue
        missing = [k for k in CASE_KEYS if k not in c]
        if missing:
            errors.append(f"case {name} lacks {', '.join(missing)}")
        mode = c.get("mode")
        if mode in ALLOCATOR and not c.get("realism") and c.get("allocator") != ALLOCATOR[mode]:
            errors.append(f"case {name}: allocator {c.get('allocator')!r}, not {ALLOCATOR[mode]}")
        if "skipped" in c and c["skipped"] is not None:
            if not isinstance(c["skipped"], str) or not c["skipped"].strip():
                errors.append(f"case {name} skipped without a reason")
            elif not release.startswith(MAY_SKIP.get(mode, ())):
                errors.append(f"case {name} skipped on {release}: {c['skipped']}")
            else:
                skipped.setdefault(mode, []).append(c["skipped"])
            continue
        if not c.get("repeats_ok"):
            errors.append(f"case {name} never ran to the end: {c.get('errors')}")
        elif c.get("frames_per_s") is None or c.get("cpu_per_frame_us_consumer") is None:
            errors.append(f"case {name} ran but has no figures")
        if mode in VARIANTS:
            vs = c.get("vs_zc_pool") or {}
            if vs.get("frames_per_s") is None:
                errors.append(f"case {name}: no frames/s ratio to zc-pool (vs_zc_pool)")
        if mode == "zc-pool-mplane" and not (c.get("vs_zc_pool_protocol") or {}).get("frames_per_s"):
            errors.append(f"case {name}: no frames/s ratio to zc-pool-protocol")
        if mode in SYNC and c.get("repeats_ok") and c.get("sync") != SYNC[mode]:
            errors.append(f"case {name}: the apps used {c.get('sync')!r} sync, not {SYNC[mode]}")
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
    for mode, why in sorted(skipped.items()):
        print(f"check-results: SKIP {mode} on {release} ({len(why)} cases): {why[0]}")
    print(f"check-results: {len(want)} cases expected, {len(cases)} present, "
          f"{sum(len(w) for w in skipped.values())} skipped with a reason, "
          f"{len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
