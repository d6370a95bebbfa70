"""The fetch step: before train (the candidate's base) and test_baseline (the baseline) load a
model, download it when it is a Hugging Face id not yet in the cache.

Local folders and cached ids need nothing. A download shows bytes, rate and ETA as it goes
(DownloadProgress events, and a Progress line that the stage list shows); cancelled, it keeps
what it has, and the next run resumes from there. Offline, the stage fails with one message that
names the id and how to point ``path`` at a local folder instead.
"""

from __future__ import annotations

from core import events as ev
from core.doctor.fetch import FetchError, Tick, fetch, needed
from core.doctor.verdict import gb, span
from core.stages.base import StageContext, StageError


def progress_line(repo_id: str, t: Tick) -> str:
    total = f"/{gb(t.bytes_total)}" if t.bytes_total else ""
    rate = f" · {t.rate_bytes_s / 1e6:.1f} MB/s" if t.rate_bytes_s else ""
    eta = f" · ETA {span(t.eta_s)}" if t.eta_s and not t.done else ""
    return f"downloading {repo_id}: {gb(t.bytes_done)}{total}{rate}{eta}"


def fetch_models(ctx: StageContext, roles: list[str]) -> list[dict[str, str]]:
    """Download the models of ``roles`` that need it; what was fetched (empty when nothing was)."""
    fetched = []
    for role, repo_id in needed(ctx.cfg):
        if role not in roles:
            continue
        ctx.log(f"fetch: {repo_id} ({role}.path) is not in the Hugging Face cache; downloading it")

        def on_tick(t: Tick, role: str = role, repo_id: str = repo_id) -> None:
            ctx.emit(ev.DownloadProgress(role=role, repo_id=repo_id, bytes_done=t.bytes_done,
                                         bytes_total=t.bytes_total, rate_bytes_s=t.rate_bytes_s, eta_s=t.eta_s,
                                         resumed_bytes=t.resumed_bytes, done=t.done))
            ctx.progress(t.bytes_done // 1_000_000, t.bytes_total // 1_000_000 if t.bytes_total else None,
                         progress_line(repo_id, t))

        try:
            path = fetch(repo_id, role, on_tick, config=str(ctx.cfg.source) if ctx.cfg.source else None,
                         local=ctx.cfg.resolve(repo_id))
        except FetchError as exc:
            raise StageError(str(exc)) from None
        ctx.log(f"fetch: {repo_id} is in {path}")
        fetched.append({"role": role, "repo_id": repo_id, "path": str(path)})
    return fetched
