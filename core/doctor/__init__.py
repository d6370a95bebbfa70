"""``phase25 doctor``: before minute one, whether the experiment fits this machine.

Memory, disk and time per stage are predicted from the models' ``config.json`` alone (through
``core.evaluation.predict``, the same physics as the report), and set against what this machine
has: the memory MLX may use, the free space on the output volume, and its own measured matmul
throughput and memory bandwidth. Each check gets a verdict (fits, tight, won't fit) and, where it
does not fit, what to change.

* ``memory``: the memory model (weights, LoRA and Adam state, activations, KV cache).
* ``timing``: stage times from FLOPs and bytes moved.
* ``machine``: the platform and the cached micro-benchmark.
* ``models``, ``disk``: where the weights are, what must be downloaded, what every artifact takes.
* ``checks``: the whole report; ``verdict``: its data types.

Domain layer: may import the foundation, core.evaluation.predict (the physics), core.data (the
preflight) and core.tokenizers; never core.stages, the runner or the CLI (``phase25 doctor`` lives in
core.cli.commands, and the dashboard runs it as its own process).
"""
