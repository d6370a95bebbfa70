"""The widgets screens are built from: the stage list, loss plot, training and memory panels, log
tail and top bar. Each draws part of a RunView. They import Textual, rich, the foundation (events,
run state, the stage table) and ``tui``; never mlx, the stages or the domain."""
