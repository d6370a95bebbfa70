"""Code Mode: typed tools, the ``execute_code`` sandbox, the prompt and tool schema, output parsing.

Submodules (import them directly; this package imports nothing heavy so the
sandbox child starts fast):

* ``core.codemode.models``: the Pydantic result models of the tools
* ``core.codemode.tools``: ``typecheck``, ``ruff_check``, ``pytest_run``, ``read_file``, ``run_command``
* ``core.codemode.broker``: the executor's side of each tool call: run it confined, record it
* ``core.codemode._stubs``: the snippet's side: stubs that send each call to the executor
* ``core.codemode.results``: ``ExecutionLimits``, ``ExecutionResult``, ``ToolCallRecord``, ``FieldRead``
* ``core.codemode.executor``: ``execute_code``, ``ExecutionLimits``, ``ExecutionResult``, ``ToolCallRecord``
* ``core.codemode.sandbox``: ``sandbox_info()``, which confinement engine this machine allows
* ``core.codemode.policy``: ``SandboxPolicy``, its Linux mount plan and its macOS Seatbelt profile
* ``core.codemode.confine``: ``require_confinement``, ``UnconfinedError``, how a run is confined
* ``core.codemode.prompt``: ``execute_code_tool_schema``, ``tool_stubs``, ``system_prompt``, ``render_chat``
* ``core.codemode.parse``: ``parse_tool_call`` -> ``ParsedCall``
* ``core.codemode.workspaces``: the fixture workspaces in data/workspaces

Domain layer: imports only the standard library, pydantic and the foundation.
"""
