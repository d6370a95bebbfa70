"""The dashboard's screens: Pipeline, Results, the per-query diff, Runs, Config, Help and the quit
dialog. Each draws the app's RunView or the typed results view (core.evaluation.view, through
``tui.results_data``). They import Textual, rich, the foundation, the runner's API and ``tui``;
never mlx, the stages, training, data or evaluation internals."""
