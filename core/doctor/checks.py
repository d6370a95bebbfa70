"""The doctor's report for one config: platform, models, data, memory, disk and time, each check
with need against have and a verdict (see ``core.doctor`` for what each is predicted from)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.doctor import disk as dk
from core.doctor import memory as mem
from core.doctor import timing as tm
from core.doctor.inputs import DataLengths, SuitePrompts, data_lengths, suite_prompts
from core.doctor.machine import Bench, Platform
from core.doctor.models import ModelInfo, describe_where, locate
from core.doctor.verdict import Check, Report, Verdict, by_share, gb, span
from core.evaluation.predict import predict

PRACTICAL_S = 8 * 3600
"""A stage predicted to take longer than a working day is 'tight'..."""
IMPRACTICAL_S = 48 * 3600
"""... and longer than two days 'won't fit': impractically long on this machine."""


@dataclass
class Inputs:
    """Everything the checks are computed from; gathered by ``gather`` (tests build it directly)."""

    cfg: Any
    platform: Platform
    bench: Bench | None
    models: dict[str, ModelInfo]
    lengths: DataLengths | None
    prompts: dict[str, SuitePrompts]
    preflight: tuple[str, int, int] | None = None
    """The data preflight's headline, errors and warnings."""


def time_verdict(seconds: float) -> Verdict:
    if seconds <= PRACTICAL_S:
        return "fits"
    return "tight" if seconds <= IMPRACTICAL_S else "won't fit"


def _platform(r: Report, p: Platform, bench: Bench | None, cached: bool | None) -> None:
    have = f"{p.memory_limit / 1e9:.1f} GB for MLX ({p.memory_source})"
    r.add(Check("platform", "backend", have=f"{p.backend.upper()} · {p.device} · {p.system}",
                detail=p.to_dict()))
    r.add(Check("platform", "versions", have=f"mlx {p.mlx or '?'} · mlx-lm {p.mlx_lm or '?'}"))
    r.add(Check("platform", "memory", have=have))
    if bench is not None:
        r.add(Check("platform", "measured", have=f"matmul {bench.matmul_flops / 1e9:.1f} GFLOP/s (float16), "
                    f"{bench.matmul_flops_f32 / 1e9:.1f} (float32) · "
                    f"bandwidth {bench.bandwidth / 1e9:.1f} GB/s" + (" (cached)" if cached else
                    f" (measured in {bench.seconds:.1f} s)"), detail=bench.to_dict()))


def _models(r: Report, cfg: Any, models: dict[str, ModelInfo]) -> None:
    for role, info in models.items():
        spec = getattr(cfg, role)
        verdict: Verdict = "fits"
        advice = ""
        if info.where == "missing":
            verdict = "won't fit"
            advice = f"point {role}.path at the model's folder" + (" (run `phase25 demo build`)"
                                                                    if cfg.experiment.demo else "")
        elif info.where == "download" and role == "baseline" and not spec.results:
            advice = ("if this is your Phase 24 model folder rather than a Hugging Face id, put it at this "
                      "path or point baseline.path at it; until then it is predicted from "
                      f"{info.config_source or 'nothing'}")
        bits = f"{info.bits}-bit (group {info.group_size})" if info.bits else "16-bit"
        fam = info.family or "unknown"
        line = f"{bits} · {fam}" + (f" · chat template: {info.template_family}" if info.template_family else "")
        r.add(Check("models", f"{role} weights", need=describe_where(info), have=line, verdict=verdict,
                    advice=advice, detail={"config": info.config_source, "download_bytes": info.download_bytes,
                                           "on_disk": info.on_disk}))
        if info.family and info.family != spec.family:
            r.add(Check("models", f"{role} family", need=f"{role}.family = {spec.family}",
                        have=f"config.json model_type says {info.family}", verdict="won't fit",
                        advice=f"set {role}.family = \"{info.family}\" (it picks the chat template and parser)"))
        if info.template_family and info.template_family != spec.family:
            r.add(Check("models", f"{role} chat template", need=f"a {spec.family} template",
                        have=f"the folder's template is {info.template_family}'s", verdict="won't fit",
                        advice="copy the family's tokenizer_config.json chat_template into the model folder"))
        for p in info.problems:
            r.add(Check("models", f"{role} config", have=p, verdict="won't fit",
                        advice=f"give {role} a local folder with config.json, or an hf_id with a published config"))


def _data(r: Report, cfg: Any, lengths: DataLengths | None, preflight: tuple[str, int, int] | None) -> None:
    if preflight is not None:
        headline, errors, warnings = preflight
        r.add(Check("data", "preflight", need=f"{cfg.data.train}", have=f"{headline} · {errors} errors · "
                    f"{warnings} warnings", verdict="fits" if not errors else "won't fit",
                    advice=f"`phase25 data check {cfg.data.train}` lists every problem" if errors or warnings else ""))
    if lengths is None:
        r.add(Check("data", "token lengths", have="the candidate's tokenizer could not count the rows",
                    verdict="won't fit", advice=f"run `phase25 data check {cfg.data.train}` for the problems"))
        return
    where = ", ".join(f"{w} ({n})" for w, n in lengths.longest_rows)
    cut = (f"; {lengths.truncated} rows are longer and are cut (the preflight lists them; raise "
           f"train.max_seq_length to {lengths.longest} to keep them whole)") if lengths.truncated else ""
    r.add(Check("data", "token lengths", need=f"max_seq_length {cfg.train.max_seq_length}",
                have=f"{lengths.rows} rows · mean {lengths.mean:.0f} · p95 {lengths.p95} · longest {lengths.longest}"
                     f" ({lengths.tokenizer}); longest rows: {where}{cut}",
                verdict="fits" if not lengths.truncated else "info",
                detail={"truncated": lengths.truncated, "p95": lengths.p95, "longest": lengths.longest}))


def _mem_check(r: Report, name: str, need: int, have: int, parts: str, advice: str, detail: dict[str, Any]) -> None:
    v = by_share(need, have)
    r.add(Check("memory", name, need=f"{gb(need)} ({parts})", have=gb(have), verdict=v,
                advice=advice if v != "fits" else "", detail=detail | {"need": need, "have": have}))


def _train_advice(c: dict[str, Any], t: Any, seq: int, have: int) -> str:
    """The first change that makes training fit, tried in order of least harm to the experiment."""
    tries = [("set train.grad_checkpoint = true", t.batch_size, seq, t.num_layers, True),
             ("set train.batch_size = 1 and grad_checkpoint = true", 1, seq, t.num_layers, True),
             (f"set train.num_layers = {max(t.num_layers // 2, 1)}, batch_size = 1 and grad_checkpoint = true",
              1, seq, max(t.num_layers // 2, 1), True)]
    for text, b, s, n, ck in tries[1:] if t.grad_checkpoint else tries:
        m = mem.train_memory(c, batch_size=b, seq_len=s, num_layers=n, rank=t.lora_parameters.rank,
                             full=t.fine_tune_type == "full")
        if by_share(m.peak(ck), have) == "fits":
            return text + f" (predicted {gb(m.peak(ck))})"
    return "the base weights alone do not fit: train from a quantized base (QLoRA) or on a machine with more memory"


def _memory(r: Report, i: Inputs) -> None:
    cfg, have = i.cfg, i.platform.memory_limit
    t, q, e = cfg.train, cfg.quantize, cfg.evaluation
    cand, base = i.models["candidate"].config, i.models["baseline"].config
    if cand is not None and i.lengths is not None:
        seq = min(i.lengths.p95, t.max_seq_length)
        m = mem.train_memory(cand, batch_size=t.batch_size, seq_len=seq, num_layers=t.num_layers,
                             rank=t.lora_parameters.rank, full=t.fine_tune_type == "full")
        other = m.total if t.grad_checkpoint else m.total_checkpointed
        parts = (f"weights {gb(m.weights)} + adapter and Adam {gb(m.lora_state)} + activations "
                 f"{gb(m.activations_checkpointed if t.grad_checkpoint else m.activations)} at {t.batch_size} x {seq} "
                 f"tokens (p95) over {m.trained_layers} layers + logits {gb(m.logits)}; "
                 f"{'without' if t.grad_checkpoint else 'with'} grad checkpointing: {gb(other)}")
        _mem_check(r, "train", m.peak(t.grad_checkpoint), have, parts, _train_advice(cand, t, seq, have), m.to_dict())
    if cand is not None:
        _mem_check(r, "fuse", mem.fuse_peak(cand, t.num_layers), have, "base weights + the fused layers' new copies",
                   "fuse on a machine with more memory", {})
        _mem_check(r, "quantize", mem.quantize_peak(cand, q.bits, q.group_size), have,
                   f"float16 model + its {q.bits}-bit copy", "quantize on a machine with more memory", {})
    for role, cfg_json in (("candidate", cand), ("baseline", base)):
        p = i.prompts.get(role)
        if cfg_json is None or p is None:
            continue
        if role == "baseline" and cfg.baseline.results:
            continue
        bits, gs = (q.bits, q.group_size) if role == "candidate" else (i.models[role].bits, i.models[role].group_size)
        tmem = mem.test_memory(cfg_json, bits=bits, group_size=gs, prompt_tokens=p.longest, max_tokens=e.max_tokens,
                               batch_size=e.batch_size, shared_prefix=p.shared_prefix)
        stored = f"{bits}-bit" if bits else f"{8 * mem.arch(cfg_json).dtype_bytes}-bit"
        parts = (f"{stored} weights {gb(tmem.weights)} + KV cache {gb(tmem.kv_cache)} for {e.batch_size} x "
                 f"{tmem.context} tokens + prefill {gb(tmem.prefill)}")
        advice = "lower evaluation.batch_size" if tmem.total - tmem.weights > 0.2 * have else ""
        if role == "baseline":
            advice = ("test a quantized baseline, or reuse an earlier baseline run (baseline.results)"
                      + (f"; {advice}" if advice else ""))
        _mem_check(r, f"test {role}", tmem.total, have, parts, advice, tmem.to_dict())


def _disk(r: Report, i: Inputs) -> None:
    downloads = {role: m.download_bytes for role, m in i.models.items() if m.where == "download" and m.download_bytes
                 and not (role == "baseline" and i.cfg.baseline.results)}
    arts = dk.artifacts(i.cfg, i.models["candidate"].config, downloads)
    for root, need, free, items in dk.by_volume(arts):
        listing = "".join(f"\n+ {a.name} {gb(a.bytes)}" + (f" ({a.note})" if a.note else "") for a in items)
        v = by_share(need, free)
        r.add(Check("disk", f"volume of {root}", need=f"{gb(need)} in all:{listing}", have=f"{gb(free)} free", verdict=v,
                    advice="free space there, or point [outputs] at a larger volume" if v != "fits" else "",
                    detail={"need": need, "free": free, "artifacts": [(a.name, str(a.path), a.bytes) for a in items]}))


def _time(r: Report, i: Inputs) -> None:
    if i.bench is None:
        r.notes.append("times: not predicted (no benchmark of this machine; run `phase25 doctor`)")
        return
    cfg, b = i.cfg, i.bench
    t, q, e = cfg.train, cfg.quantize, cfg.evaluation
    seed = cfg.experiment.seed_timeline
    cand, base = i.models["candidate"].config, i.models["baseline"].config
    cpu = i.platform.backend == "cpu"
    why = " on this machine's CPU backend (MLX has no Metal here): run it on an Apple Silicon Mac" if cpu else ""
    if cand is not None and i.lengths is not None:
        flops = b.flops_for(mem.arch(cand).dtype_bytes)
        tt = tm.train_time(cand, tokens_per_row=min(i.lengths.mean, t.max_seq_length), batch_size=t.batch_size,
                           iters=t.iters, num_layers=t.num_layers, grad_checkpoint=t.grad_checkpoint,
                           val_batches=t.val_batches, steps_per_eval=t.steps_per_eval, flops_per_s=flops,
                           full=t.fine_tune_type == "full")
        _time_check(r, "train", tt.seconds, f"{tt.flops:.2e} FLOPs for {tt.tokens:,} tokens at "
                    f"{flops / 1e9:.1f} GFLOP/s", seed.get("train"), why or ": lower train.iters, or use a faster machine",
                    tt.to_dict())
        f16 = predict(cand, None, None, 1.0).weight_bytes
        qb = predict(cand, q.bits, q.group_size, 1.0).weight_bytes
        slow = why or ": use a machine with faster memory"
        _time_check(r, "fuse", tm.copy_time(f16, f16, b.bandwidth), f"read and write {gb(f16)} (at least)",
                    seed.get("fuse"), slow, {})
        _time_check(r, "quantize", tm.copy_time(f16, qb, b.bandwidth), f"read {gb(f16)}, write {gb(qb)} (at least)",
                    seed.get("quantize"), slow, {})
    for role, cfg_json in (("candidate", cand), ("baseline", base)):
        p = i.prompts.get(role)
        if cfg_json is None or p is None or (role == "baseline" and cfg.baseline.results):
            continue
        bits, gs = (q.bits, q.group_size) if role == "candidate" else (i.models[role].bits, i.models[role].group_size)
        rounds = 2 if p.tool_queries else 1  # a tool query answers again after its tool output
        dt = tm.test_time(cfg_json, bits=bits, group_size=gs, queries=p.queries, rounds=rounds,
                          prompt_tokens=p.longest, max_tokens=e.max_tokens, batch_size=e.batch_size,
                          bandwidth=b.bandwidth, flops_per_s=b.flops_for(mem.arch(cfg_json).dtype_bytes))
        other = ""
        if p.other_tier is not None:  # time is linear in the queries: the other tier's cost, before choosing it
            tier, n = p.other_tier
            other = f"; the {tier} tier ({n} queries) would take {span(dt.seconds * n / p.queries)}"
        _time_check(r, f"test {role}", dt.seconds, f"{p.queries} queries ({e.suite_tier} tier), up to "
                    f"{dt.generated_tokens:,} tokens at ~{dt.tokens_per_s:.2g} tokens/s per sequence "
                    f"({gb(dt.bytes_per_token)} read per token), batch {e.batch_size}{other}",
                    seed.get("test"), why or ": lower evaluation.max_tokens or evaluation.batch_size, or use a faster machine", dt.to_dict())


def _time_check(r: Report, name: str, seconds: float, how: str, seed: str | None, why: str,
                detail: dict[str, Any]) -> None:
    v = time_verdict(seconds)
    have = f"predicted {span(seconds)}" + (f" · the seed expects {seed}" if seed else "")
    advice = f"impractically long{why}" if v == "won't fit" else (f"long{why}" if v == "tight" else "")
    r.add(Check("time", name, need=how, have=have, verdict=v, advice=advice, detail=detail | {"seconds": seconds}))


def build_report(i: Inputs, bench_cached: bool | None = None) -> Report:
    cfg = i.cfg
    r = Report(config=str(cfg.source or "?"), demo=cfg.experiment.demo)
    _platform(r, i.platform, i.bench, bench_cached)
    _models(r, cfg, i.models)
    _data(r, cfg, i.lengths, i.preflight)
    _memory(r, i)
    _disk(r, i)
    _time(r, i)
    if cfg.experiment.demo:
        r.notes.append("demo config: tiny stand-in models; these predictions say nothing about the real run")
    r.notes.append("memory: predicted from config.json (train at the data's p95 length; test at the longest "
                   "suite prompt + max_tokens); checked against measured MLX peaks on the demo models")
    return r


def gather(cfg: Any, *, bench: bool = True, preflight_report: Any = None) -> tuple[Inputs, bool | None]:
    """Collect the inputs: platform, benchmark (cached per machine), models, data and suite lengths."""
    from core.data.preflight import preflight
    from core.doctor.machine import cached_bench, platform_info

    plat = platform_info()
    b, cached = cached_bench(run=bench)
    models = {role: locate(role, getattr(cfg, role), cfg) for role in ("candidate", "baseline")}
    report = preflight_report if preflight_report is not None else preflight(cfg.resolve(cfg.data.train), cfg)
    prompts: dict[str, SuitePrompts] = {}
    for role in ("candidate", "baseline"):
        try:
            prompts[role] = suite_prompts(cfg, getattr(cfg, role))
        except Exception:  # a broken suite or tokenizer: the preflight and prepare say why
            continue
    summary = (report.headline, len(report.problems.errors), len(report.problems.warnings))
    return Inputs(cfg=cfg, platform=plat, bench=b, models=models, lengths=data_lengths(report),
                  prompts=prompts, preflight=summary), (cached if b is not None else None)


def diagnose(cfg: Any, *, bench: bool = True, preflight_report: Any = None) -> Report:
    inputs, cached = gather(cfg, bench=bench, preflight_report=preflight_report)
    return build_report(inputs, cached)
