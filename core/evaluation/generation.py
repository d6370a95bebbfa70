"""Generation for the suite with mlx-lm: the shared system prefix prefilled once, the queries batched.

The system prompt (with the tools block) is the same for every query, so its KV cache is computed
once per model and copied into each query's cache; only each query's own tokens are prefilled.
The queries then run through mlx-lm's ``BatchGenerator`` (continuous batching, at most
``batch_size`` at a time, greedy unless a temperature is set; with a temperature, each request
samples with its own seed, derived from the configured seed, its key and its sample index, so a
reply does not depend on the batch it was generated in).

Per query it measures, from the moment the query entered prefill: time to its first generated
token, generation tokens/s after that, wall latency to its last token, and the MLX peak memory of
the round up to that moment (queries generated side by side share that high-water mark).
"""

from __future__ import annotations

import copy
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mlx.core as mx

from core.codemode.prompt import render_chat


@dataclass
class Request:
    key: str
    messages: list[dict[str, Any]]
    sample: int = 0
    """Which of the query's samples this is; with a temperature, it picks the request's own seed."""


@dataclass
class Output:
    key: str
    text: str
    prompt_tokens: int
    generated_tokens: int
    finish_reason: str | None
    ttft_s: float | None
    generation_tps: float | None
    latency_s: float
    peak_memory_bytes: int | None
    batch: int
    batch_size: int
    cached_prefix_tokens: int = 0
    sample: int = 0


@dataclass
class _Track:
    req: Request
    prompt_tokens: int
    cached: int
    tokens: list[int] = field(default_factory=list)
    started: float | None = None
    first: float | None = None
    finished: float | None = None
    finish_reason: str | None = None


class Cancelled(Exception):
    """Generation stopped because the caller asked it to."""


def load(path: str, adapter_path: str | None = None) -> tuple[Any, Any]:
    """Load a model folder (or hub id) with an optional LoRA adapter, via mlx-lm."""
    from mlx_lm import load as mlx_load

    model, tokenizer = mlx_load(path, adapter_path=adapter_path)[:2]
    return model, tokenizer


def request_seed(seed: int, key: str, sample: int) -> int:
    """A request's own sampling seed: stable across runs, processes and batch compositions."""
    return (seed * 1_000_003 + zlib.crc32(f"{key}#{sample}".encode())) % 2**32


def request_sampler(temperature: float, seed: int) -> Callable[[mx.array], mx.array]:
    """Samples one request's tokens with its own random key, split once per token, so its reply does
    not depend on which requests are generated beside it."""
    state = [mx.random.key(seed)]

    def sample(logprobs: mx.array) -> mx.array:
        keys = mx.random.split(state[0])
        state[0] = keys[0]
        return mx.random.categorical(logprobs * (1 / temperature), key=keys[1])

    return sample


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class Engine:
    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        family: str,
        system_prompt: str,
        tools: list[dict[str, Any]] | None,
        max_tokens: int,
        temperature: float = 0.0,
        batch_size: int = 4,
        seed: int = 0,
    ):
        self.model = model
        self.tokenizer = tokenizer
        self.family = family
        self.system_prompt = system_prompt
        self.tools = tools
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.batch_size = max(1, batch_size)
        self.seed = seed
        self._prefix: list[int] | None = None
        self._prefix_cache: list[Any] | None = None
        self.prefill_s: float | None = None

    # -- prompts --------------------------------------------------------------------------
    def render(self, messages: Sequence[Mapping[str, Any]]) -> str:
        """The family's chat template applied with the execute_code tool; Qwen3 thinking off."""
        tok = self.tokenizer
        msgs = [{"role": "system", "content": self.system_prompt}, *[dict(m) for m in messages]]
        if getattr(tok, "chat_template", None):
            extra = {"enable_thinking": False} if self.family == "qwen3" else {}
            return str(tok.apply_chat_template(msgs, tools=self.tools, add_generation_prompt=True,
                                               tokenize=False, **extra))
        return render_chat(msgs, self.tools, self.family, add_generation_prompt=True)

    def encode(self, messages: Sequence[Mapping[str, Any]]) -> list[int]:
        text = self.render(messages)
        try:
            return list(self.tokenizer.encode(text, add_special_tokens=False))
        except TypeError:
            return list(self.tokenizer.encode(text))

    @property
    def prefix(self) -> list[int]:
        """Tokens every query's prompt starts with: the system turn up to the user's own text."""
        if self._prefix is None:
            a = self.encode([{"role": "user", "content": "a"}])
            b = self.encode([{"role": "user", "content": "z"}])
            self._prefix = a[: common_prefix(a, b)]
        return self._prefix

    def prefix_cache(self) -> list[Any]:
        """The KV cache of the shared prefix, computed once."""
        if self._prefix_cache is None:
            from mlx_lm.models.cache import make_prompt_cache

            t0 = time.perf_counter()
            cache = make_prompt_cache(self.model)
            ids = self.prefix
            step = 512
            for i in range(0, len(ids), step):
                self.model(mx.array(ids[i : i + step])[None], cache=cache)
                mx.eval([c.state for c in cache])
            self._prefix_cache = cache
            self.prefill_s = time.perf_counter() - t0
        return self._prefix_cache

    # -- generation -----------------------------------------------------------------------
    def generate(
        self,
        requests: Iterable[Request],
        on_done: Callable[[Output], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        batch_index: int = 0,
        use_prefix_cache: bool = True,
    ) -> list[Output]:
        """Generate every request; ``on_done`` is called as each one finishes."""
        from mlx_lm.generate import BatchGenerator

        requests = list(requests)
        if not requests:
            return []
        prefix = self.prefix if use_prefix_cache else []
        base = self.prefix_cache() if use_prefix_cache else None
        from mlx_lm.models.cache import make_prompt_cache

        prompts: list[list[int]] = []
        shared: list[bool] = []
        tracks: list[_Track] = []
        for req in requests:
            ids = self.encode(req.messages)
            hit = base is not None and len(ids) > len(prefix) and ids[: len(prefix)] == prefix
            prompts.append(ids[len(prefix) :] if hit else ids)
            shared.append(hit)
            tracks.append(_Track(req, prompt_tokens=len(ids), cached=len(prefix) if hit else 0))

        gen = BatchGenerator(
            self.model,
            max_tokens=self.max_tokens,
            stop_tokens=[[t] for t in self.tokenizer.eos_token_ids],
            completion_batch_size=self.batch_size,
            prefill_batch_size=self.batch_size,
        )
        mx.reset_peak_memory()
        waiting = list(range(len(requests)))
        by_uid: dict[int, _Track] = {}
        uid_of: dict[int, int] = {}

        def admit(k: int) -> None:
            # Queries join as others finish, so at most batch_size prefix copies exist at once.
            take, waiting[:k] = waiting[:k], []
            if not take:
                return
            caches: list[list[Any]] = [copy.deepcopy(base) if shared[i] and base is not None
                                       else make_prompt_cache(self.model) for i in take]
            samplers = ([request_sampler(self.temperature, request_seed(self.seed, requests[i].key,
                                                                        requests[i].sample)) for i in take]
                        if self.temperature > 0 else None)
            uids = gen.insert([prompts[i] for i in take], caches=caches, samplers=samplers)
            for i, uid in zip(take, uids, strict=True):
                by_uid[uid], uid_of[i] = tracks[i], uid

        admit(self.batch_size)
        outputs: dict[int, Output] = {}
        try:
            while len(outputs) < len(tracks):
                if should_stop is not None and should_stop():
                    raise Cancelled()
                before = time.perf_counter()
                prompt_resps, gen_resps = gen.next()
                now = time.perf_counter()
                for pr in prompt_resps:
                    t = by_uid[pr.uid]
                    if t.started is None:
                        t.started = before
                finished = 0
                for r in gen_resps:
                    t = by_uid[r.uid]
                    if t.started is None:
                        t.started = before
                    if t.first is None:
                        t.first = now
                    if r.finish_reason != "stop":
                        t.tokens.append(r.token)
                    if r.finish_reason is not None:
                        t.finished = now
                        t.finish_reason = r.finish_reason
                        out = self._output(t, batch_index, len(tracks))
                        outputs[r.uid] = out
                        finished += 1
                        if on_done is not None:
                            on_done(out)
                admit(finished)
                if not prompt_resps and not gen_resps and len(outputs) < len(tracks):
                    raise RuntimeError("generation stalled with queries unfinished")
        finally:
            gen.close()
        return [outputs[uid_of[i]] for i in range(len(tracks))]

    def _output(self, t: _Track, batch: int, size: int) -> Output:
        started = t.started or t.first or time.perf_counter()
        end = t.finished or started
        n = len(t.tokens)
        tps = (n - 1) / (end - t.first) if t.first is not None and n > 1 and end > t.first else None
        return Output(
            key=t.req.key,
            text=self.tokenizer.decode(t.tokens),
            prompt_tokens=t.prompt_tokens,
            generated_tokens=n,
            finish_reason=t.finish_reason,
            ttft_s=(t.first - started) if t.first is not None else None,
            generation_tps=tps,
            latency_s=end - started,
            peak_memory_bytes=int(mx.get_peak_memory()),
            batch=batch,
            batch_size=min(self.batch_size, size),
            cached_prefix_tokens=t.cached,
            sample=t.req.sample,
        )
