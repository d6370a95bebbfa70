"""train: LoRA / DoRA / full fine-tuning with mlx-lm's own trainer, resumable, cancellable, cached.

Output: the adapter folder (``outputs.adapter``): adapter_config.json + adapters.safetensors, as
`mlx_lm lora` writes it, so `mlx_lm generate --adapter-path` and `mlx_lm fuse` take it as it is.
Beside them: ``best/`` (the adapter with the best validation loss) and ``checkpoints/`` (the last
two checkpoints, from which a cancelled or killed run continues; see core.training.checkpoint).

Trained rows: train.jsonl less the rows that state every fact of a suite query (core or extended;
core.training.holdout), unless ``[data] hold_out_leaking = false``; the stage logs how many, lists
them in ``stages/train.held_out.txt`` and counts them in its summary. The data files stay as they are.

Cached: when the [train] settings, the data files, the rows held out and the base model are unchanged and
the adapter is still there, the stage reports the earlier summary without loading mlx, its count of
the rows stating suite facts brought up to date (the suite may have changed without changing which
rows are held out). ``--force train`` trains again from the start.

Staged: once the adapter folder holds a finished adapter, a run that would change it (forced, or
with new settings) trains in ``.NAME.staging`` beside it and swaps the whole folder in (adapter,
``best/``, ``checkpoints/``) only when training has finished; until then the earlier adapter and
its cache record stay valid. A staged run that was cancelled or killed is continued by the next run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from core.atomic import atomic_write_text
from core.stage_summaries import TrainSummary
from core.stages.base import StageCancelledError, StageContext, StageError, StageOutcome
from core.stages.fetch import fetch_models
from core.staging import clean_stale, discard, staging_path, swap_in
from core.training.holdout import HoldOut
from core.training.mlx_commands import lora_command, lora_yaml
from core.training.plan import MADE_BY_PHASE25, PlanError, TrainPlan, make_plan

if TYPE_CHECKING:
    from core.training.trainer import TrainResult

HELD_OUT_LIST = "train.held_out.txt"  # in the run's stages folder


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def summarize(res: TrainResult, stage_s: float, holdout: HoldOut | None = None,
              listing: Path | None = None) -> tuple[TrainSummary, str]:
    prog = res.progress
    timing: dict[str, float | None] = {**res.timing, "stage_s": stage_s}
    trainer_s = res.timing.get("trainer_s")
    if trainer_s is not None and stage_s > 0:
        timing["outside_trainer_share"] = max(0.0, 1 - trainer_s / stage_s)
    summary = TrainSummary(
        iterations=res.iterations,
        total_iters=res.total_iters,
        train_loss=prog.last_train_loss,
        val_loss=prog.last_val_loss,
        first_val_loss=prog.first_val_loss,
        best_val_loss=prog.best_val_loss,
        best_iteration=prog.best_iteration,
        trained_tokens=prog.trained_tokens,
        tokens_per_second=res.tokens_per_second,
        resumed_from=res.resumed_from,
        resume_note=res.resume_note,
        early_stopped=res.early_stopped,
        adapter=res.adapter,
        best_adapter=res.best_adapter,
        checkpoint=res.checkpoint,
        ranks=res.world_size,
        timing=timing,
        **(held_out_fields(holdout, listing) if holdout is not None else {}),
    )
    return summary, headline(summary)


def headline(s: TrainSummary) -> str:
    head = f"iter {s.iterations}/{s.total_iters}"
    if s.val_loss is not None:
        head += f" · val {_fmt(s.val_loss)}"
        if s.best_iteration is not None:
            head += f" · best {_fmt(s.best_val_loss)} @{s.best_iteration}"
    elif s.train_loss is not None:
        head += f" · loss {_fmt(s.train_loss)}"
    if s.resumed_from:
        head += f" · resumed @{s.resumed_from}"
    if s.early_stopped:
        head += " · early stop"
    n = s.rows_stating_suite_facts
    if n:
        rows = f"{n} row{'s' if n != 1 else ''}"
        head += f" · {rows} held out (suite facts)" if s.hold_out_leaking else f" · trained on {rows} stating suite facts"
    return head


def held_out_fields(holdout: HoldOut, listing: Path | None) -> dict[str, object]:
    """The summary's account of the rows stating suite facts: held out, or trained on."""
    return {"rows_in_train_file": holdout.rows, "rows_trained": holdout.trained,
            "rows_held_out_for_leaks": len(holdout.lines),
            "rows_stating_suite_facts": len(holdout.stating) if holdout.suite_sha256 else None,
            "stating_per_query": holdout.per_query(), "hold_out_leaking": holdout.enabled,
            "held_out_list": str(listing) if listing is not None and holdout.stating else None}


def report_held_out(ctx: StageContext, plan: TrainPlan) -> Path:
    """Write the list of the rows stating suite facts into the run's stages folder and log the line
    about them; returns the list's path."""
    listing = ctx.run.path / "stages" / HELD_OUT_LIST
    atomic_write_text(listing, plan.holdout.listing(Path(plan.data_dir) / "train.jsonl"))
    level, line = plan.holdout.message(listing)
    ctx.log(line, level)
    return listing


def write_train_data(plan: TrainPlan, folder: Path) -> Path | None:
    """The rows as the trainer sees them in ``folder/{train,valid}.jsonl``, so `mlx_lm lora --data
    folder` trains what this stage trains: train.jsonl less the rows held out for stating suite
    facts, and with mask_prompt one row per assistant turn. None when the config's data folder is
    already that (or cannot be read: training says why)."""
    from core.data.turns import expand
    from core.training.data import DataError, read_rows, train_rows

    mask, held_out = plan.settings.mask_prompt, plan.holdout.lines
    if not mask and not held_out:
        return None
    data = Path(plan.data_dir)
    try:
        splits = {"train": train_rows(data / "train.jsonl", held_out), "valid": read_rows(data / "valid.jsonl")}
    except DataError:
        return None
    if mask:
        splits = {split: expand(rows) for split, rows in splits.items()}
    for split, rows in splits.items():
        atomic_write_text(folder / f"{split}.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return folder


def not_made_here(ctx: StageContext, adapter: Path) -> str:
    """What the adapter folder holds that phase25 did not write ('' when it is empty or ours):
    phase25 marks the folders it trains into (MADE_BY_PHASE25); older ones are known by their
    checkpoints/ (or a retired or corrupt set) or the train cache record."""
    if not adapter.is_dir():
        return "a file" if adapter.exists() else ""
    ours_tmp = (".adapters.partial", ".iter-", ".best.", ".checkpoints")
    found = [p.name for p in adapter.iterdir() if not p.name.startswith(ours_tmp)]
    if not found or {MADE_BY_PHASE25, "checkpoints", "checkpoints.previous", "checkpoints.corrupt"} & set(found):
        return ""
    root = str(adapter.resolve())
    if any(str(p).startswith(root + "/") for p in (ctx.cache_record().get("outputs") or {})):
        return ""
    names = sorted(found)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


SEED_SKIP = (".adapters.partial*", ".iter-*", ".best.*", ".*.tmp-*")


def workspace(ctx: StageContext, adapter: Path, force: bool) -> Path:
    """Where this run trains: the adapter folder itself while it holds no finished adapter (there
    is nothing to keep), else its staging folder. An earlier staged run is continued (unless
    forced); a new one starts empty when forced, else from the finished folder's files (linked,
    not copied), so its checkpoints can be resumed from as before."""
    staged = staging_path(adapter)
    if staged.is_dir() and not force:
        ctx.log(f"continuing the staged training in {staged}; {adapter} is replaced when it finishes")
        return staged
    discard(staged)
    if not (adapter / "adapters.safetensors").is_file():
        return adapter
    tmp = staged.with_name(staged.name + ".seed")
    discard(tmp)
    if force:
        tmp.mkdir()
    else:
        shutil.copytree(adapter, tmp, copy_function=_link_or_copy, ignore=shutil.ignore_patterns(*SEED_SKIP))
    os.replace(tmp, staged)
    ctx.log(f"training in {staged}; the adapter in {adapter} stays as it is until training finishes")
    return staged


def _link_or_copy(src: str, dst: str) -> None:
    """Files are only ever replaced by rename, never written in place, so a hard link is a safe copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def ensure_demo(ctx: StageContext) -> None:
    """The demo config's stand-in models: built here when missing (minutes), reported when stale."""
    from core.demo import ensure_demo_models

    def log(text: str) -> None:
        loud = text.startswith("warning: ") or text.startswith("the demo models are missing")
        ctx.log(text.removeprefix("warning: "), "warning" if loud else "info")

    try:
        ensure_demo_models(ctx.cfg, log=log)
    except (OSError, ValueError) as exc:
        raise StageError(f"cannot build the demo models: {exc}") from None


def run(ctx: StageContext) -> StageOutcome:
    if ctx.cfg.experiment.demo:
        ensure_demo(ctx)
    try:
        plan = make_plan(ctx.cfg, ctx.fingerprint, force=ctx.force)
    except PlanError as exc:
        raise StageError(str(exc)) from None
    stages_dir = ctx.run.path / "stages"
    yaml_text = lora_yaml(plan)
    yaml_path = stages_dir / "train.lora.yaml" if yaml_text else None
    if yaml_path is not None and yaml_text is not None:
        atomic_write_text(yaml_path, yaml_text)
    listing = report_held_out(ctx, plan)
    hostfile = stages_dir / "train.hostfile.json" if plan.settings.hosts else None
    equivalent = lora_command(plan, yaml_path, hostfile, data_dir=write_train_data(plan, stages_dir / "train.data"))

    foreign = not_made_here(ctx, plan.adapter_path)
    if foreign:
        raise StageError(f"{plan.adapter_path} (outputs.adapter) holds {foreign} that phase25 did not train "
                         "(no checkpoints/ and no stage cache record); not replacing it. Move it away or "
                         "point outputs.adapter elsewhere")
    clean_stale(plan.adapter_path)  # a swap cut short: the earlier adapter folder goes back
    key = ctx.cache_key(plan.cache_fields, inputs=plan.input_files(), model=plan.model,
                        adapter=plan.adapter_dir)
    hit = ctx.cached(key)
    if hit is not None:
        ctx.log(f"cached: nothing changed since the adapter in {plan.adapter_dir} was trained")
        ctx.equivalent(equivalent)  # names this run's copy of the rows
        return recount(ctx, key, hit, plan, listing)
    ctx.equivalent(equivalent)
    fetch_models(ctx, ["candidate"])  # a Hugging Face id not yet cached: downloaded here, with progress
    adapter = plan.adapter_path
    work = workspace(ctx, adapter, ctx.force)
    if work != adapter:
        plan = dataclasses.replace(plan, adapter_dir=str(work), publish_dir=str(adapter))
    if plan.world_size > 1:
        res = _launch_ranks(ctx, plan, hostfile)
    else:
        from core.training.trainer import Trainer

        ctx.start_mlx_memory()
        res = Trainer(ctx, plan).run()
    if work != adapter:
        res = res.moved(work, adapter)
        swap_in(work, adapter)
        ctx.log(f"the adapter trained in {work} replaced {adapter}")

    summary, head = summarize(res, time.time() - ctx.started, plan.holdout, listing)
    ctx.artifact("adapter", adapter / "adapters.safetensors")
    ctx.artifact("adapter_config", adapter / "adapter_config.json")
    if summary.best_adapter:
        ctx.artifact("adapter_best", Path(summary.best_adapter) / "adapters.safetensors")
    outcome = StageOutcome(summary=summary, headline=head)
    ctx.store_cache(key, outcome, outputs=[adapter / "adapters.safetensors", adapter / "adapter_config.json"])
    return outcome


def recount(ctx: StageContext, key: str, hit: StageOutcome, plan: TrainPlan, listing: Path) -> StageOutcome:
    """The cached outcome with the rows stating suite facts counted for this run's suite and listed
    in this run's file. The cache key holds the lines held out, not the suite, so the adapter trained
    on the very rows this plan trains on; only the counts can have changed. The record is rewritten
    when they did, so that the report reads them."""
    old = hit.summary
    if not isinstance(old, TrainSummary):  # an older writer's summary, kept whole as it was
        return hit
    summary = old.model_copy(update=held_out_fields(plan.holdout, listing))
    if summary == old:
        return hit
    outcome = dataclasses.replace(hit, summary=summary, headline=headline(summary))
    adapter = plan.adapter_path
    ctx.store_cache(key, outcome, outputs=[adapter / "adapters.safetensors", adapter / "adapter_config.json"])
    return outcome


def _launch_ranks(ctx: StageContext, plan: TrainPlan, hostfile: Path | None) -> TrainResult:
    """Run the training on several ranks through mlx.launch; rank 0 reports back in a JSON file."""
    from core.training.distributed import launch_argv, write_hostfile

    stages_dir = ctx.run.path / "stages"
    plan_path = stages_dir / "train.plan.json"
    atomic_write_text(plan_path, plan.to_json())
    cancel_file, result_file = stages_dir / "train.cancel", stages_dir / "train.rank0.json"
    cancel_file.unlink(missing_ok=True)
    result_file.unlink(missing_ok=True)
    if hostfile is not None:
        try:
            write_hostfile(hostfile, plan.settings.hosts, plan.settings.backend)
        except PlanError as exc:
            raise StageError(str(exc)) from None
    argv = launch_argv(plan, ctx.run.path, plan_path, hostfile, cancel_file, result_file)
    ctx.log(f"launching {plan.world_size} ranks: {shlex.join(argv)}")
    with ctx.deferred_interrupts():
        # stdin is a pipe kept open: mlx.launch polls it, and /dev/null would make it spin.
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE)
        while proc.poll() is None:
            if ctx.cancelled.is_set() and not cancel_file.exists():
                cancel_file.touch()  # reaches ranks the SIGINT cannot (other hosts)
            time.sleep(0.2)
        if proc.stdin is not None:
            proc.stdin.close()
    try:
        result = json.loads(result_file.read_text())
    except (OSError, ValueError):
        if ctx.cancelled.is_set():
            raise StageCancelledError(None) from None
        raise StageError(f"mlx.launch exited with status {proc.returncode} and rank 0 left no result "
                         f"({result_file}); see the train stage's stderr log") from None
    if result.get("status") == "cancelled":
        raise StageCancelledError(result.get("checkpoint"))
    if result.get("status") != "done":
        raise StageError(result.get("error") or f"rank 0 failed (mlx.launch status {proc.returncode})")
    from core.training.trainer import TrainResult

    return TrainResult.from_dict(result["result"])
