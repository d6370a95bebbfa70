"""The dashboard's screens: Pipeline, Results, the per-query diff, Runs, Config, Help and the quit
dialog. Each draws the app's RunView or the typed results view; none imports core internals."""
