"""The deterministic builder of the Code Mode training set (``phase25 data build``).

* ``direct_*``: conceptual, comparison and best-practice questions with hand-written answers;
* ``tasks_*``: tool tasks (a question, the execute_code program, and an answer written from
  the program's real output);
* ``execcache``: tool executions cached by (code, workspace content);
* ``builder``: assembles the rows from a seed, splits train/valid, writes the files.

Domain layer: imports the foundation, core.codemode (to run the programs) and core.data; never
core.stages, the runner or the CLI.
"""
