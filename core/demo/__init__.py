"""The tiny demo models: small stand-ins, built locally, for the real Qwen models.

One job per module:

* ``recipe``: the build recipe (sizes, iterations) and each model's config.json;
* ``corpus``: the rows the models are built from (demo training set + pretraining rows);
* ``toolchat``: generic tool-use chats, the candidate's "instruct" pretraining;
* ``leakage``: the n-gram check that no build row carries a suite prompt;
* ``train_torch`` / ``train_mlx``: full-weight training with torch (``[build]`` extra) or mlx;
* ``export``: torch weights to mlx-lm folders (names, 5-bit baseline);
* ``toolchat_more``: tools listed in the system prompt's words, and a generic ``run_python`` tool;
* ``codemode_gen``: the baseline's generated Code Mode fine-tune rows (``phase25 demo corpus``);
* ``vocab_init``: embeddings for the tokens the pretraining never saw (the mean of their BPE parts);
* ``keep``: rebuild one model and keep the other (``phase25 demo build --only ROLE``);
* ``build``: build, status, ensure (BUILD.json).

Domain layer: may import the foundation (core.paths, core.runs), core.tokenizers, core.data and
core.codemode (the data build's templates, real tool runs); never core.stages, the runner or the CLI.
"""

from core.demo.build import (
    DEFAULT_CORPUS_DIR,
    DEMO_MODELS_DIR,
    MODEL_NAMES,
    REBUILD_COMMAND,
    STAND_IN_NOTE,
    build_demo_models,
    demo_status,
    ensure_demo_models,
)
from core.demo.corpus import CorpusError
from core.demo.recipe import DemoRecipe, model_config

__all__ = [
    "CorpusError", "DemoRecipe", "build_demo_models", "ensure_demo_models", "demo_status",
    "model_config", "DEMO_MODELS_DIR", "DEFAULT_CORPUS_DIR", "MODEL_NAMES", "REBUILD_COMMAND", "STAND_IN_NOTE",
]
