"""A three-stage pipeline without mlx that writes the way the real stages do, for quick fault runs.

* ``source`` (like prepare): cached; one file written atomically (``out/source.txt``).
* ``build`` (like fuse and quantize): cached on the source; a folder of files built in its staging
  folder and swapped in on success (``out/built/``).
* ``summary`` (like compare and report): never cached; a file of the build's hashes, atomically.

Each write is followed by a short pause, so that a kill at a random time lands between and within
writes. The outputs are a function of the config alone (deterministic).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from core.atomic import atomic_write_text, tree_digest
from core.stages.base import StageContext, StageOutcome
from core.staging import fresh_staging, swap_in

PAUSE_S = 0.04
FILES = 6


def out_dir(ctx: StageContext) -> Path:
    return ctx.cfg.runs_dir.parent / "out"


def run(ctx: StageContext) -> StageOutcome:
    return {"source": source, "build": build, "summary": summary}[ctx.name](ctx)


def source(ctx: StageContext) -> StageOutcome:
    target = out_dir(ctx) / "source.txt"
    key = ctx.cache_key({"name": ctx.cfg.experiment.name})
    hit = ctx.cached(key)
    if hit is not None:
        return hit
    time.sleep(PAUSE_S)
    atomic_write_text(target, "".join(f"row {i} of {ctx.cfg.experiment.name}\n" for i in range(2000)))
    time.sleep(PAUSE_S)
    ctx.artifact("source", target)
    outcome = StageOutcome(summary={"rows": 2000}, headline="2000 rows")
    ctx.store_cache(key, outcome, outputs=[target])
    return outcome


def build(ctx: StageContext) -> StageOutcome:
    src = out_dir(ctx) / "source.txt"
    target = out_dir(ctx) / "built"
    key = ctx.cache_key({}, inputs=[src])
    hit = ctx.cached(key)
    if hit is not None:
        return hit
    staged = fresh_staging(target)
    staged.mkdir(parents=True)
    text = src.read_text()
    for i in range(FILES):
        time.sleep(PAUSE_S)
        with open(staged / f"part-{i}.txt", "w") as fh:
            for j in range(4):
                fh.write(hashlib.sha256(f"{text}{i}{j}".encode()).hexdigest() * 200)
    (staged / "config.json").write_text(json.dumps({"parts": FILES}))
    time.sleep(PAUSE_S)
    swap_in(staged, target)
    art = ctx.artifact("built", target)
    outcome = StageOutcome(summary={"bytes": art.bytes}, headline=f"{FILES} parts")
    ctx.store_cache(key, outcome, outputs=[target])
    return outcome


def summary(ctx: StageContext) -> StageOutcome:
    built = out_dir(ctx) / "built"
    size, digest = tree_digest(built)
    time.sleep(PAUSE_S)
    target = out_dir(ctx) / "summary.json"
    atomic_write_text(target, json.dumps({"bytes": size, "sha256": digest}, indent=2) + "\n")
    ctx.artifact("summary", target)
    return StageOutcome(summary={"sha256": digest}, headline=digest[:12])
