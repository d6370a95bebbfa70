"""The widgets screens are built from: the stage list, loss plot, training and memory panels, log
tail and top bar. Each draws part of a RunView."""
