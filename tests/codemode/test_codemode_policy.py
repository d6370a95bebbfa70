"""The confinement policy and what it becomes: the Linux mount plan and the macOS Seatbelt profile.

The Seatbelt profile has never been run here (no Mac): these tests pin its exact text for a given
policy, so any change to it is deliberate and reviewed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from core.codemode import sandbox
from core.codemode.confine import describe
from core.codemode.policy import SandboxPolicy, build_policy, mount_plan, seatbelt_argv, seatbelt_profile

MAC = SandboxPolicy(
    writable=["/private/var/folders/ab/cd/T/codemode-41-x1"],
    readonly=["/Users/me/.pyenv/versions/3.11.7", "/Users/me/src/phase25", "/usr"],
    hidden=["/Users/me", "/private/var/folders/ab/cd/T"],
)


def test_the_seatbelt_profile_for_a_typical_mac_layout() -> None:
    assert seatbelt_profile(MAC) == (
        "(version 1)\n"
        "(allow default)\n"
        "(deny network*)\n"
        "(deny file-write*)\n"
        '(allow file-write* (subpath "/private/var/folders/ab/cd/T/codemode-41-x1") (literal "/dev/null") '
        '(literal "/dev/zero") (literal "/dev/dtracehelper"))\n'
        '(deny file-read* (subpath "/Users/me") (subpath "/private/var/folders/ab/cd/T"))\n'
        "(allow file-read-metadata)\n"
        '(allow file-read* (subpath "/Users/me/.pyenv/versions/3.11.7") (subpath "/Users/me/src/phase25") '
        '(subpath "/private/var/folders/ab/cd/T/codemode-41-x1"))\n'
    )


def test_the_seatbelt_profile_follows_the_policy() -> None:
    open_net = MAC.model_copy(update={"network": True, "hidden": []})
    text = seatbelt_profile(open_net)
    assert "network" not in text and "file-read" not in text
    assert text.splitlines()[:3] == ["(version 1)", "(allow default)", "(deny file-write*)"]
    # A copy inside the home folder is readable again, as the interpreter and the project are.
    in_home = MAC.model_copy(update={"writable": ["/Users/me/tmp/codemode-1-a"], "hidden": ["/Users/me"]})
    assert seatbelt_profile(in_home).splitlines()[-1] == (
        '(allow file-read* (subpath "/Users/me/.pyenv/versions/3.11.7") (subpath "/Users/me/src/phase25") '
        '(subpath "/Users/me/tmp/codemode-1-a"))'
    )


def test_seatbelt_strings_are_escaped() -> None:
    odd = SandboxPolicy(writable=['/tmp/a "quoted" \\ dir'], readonly=[], hidden=[])
    assert '(subpath "/tmp/a \\"quoted\\" \\\\ dir")' in seatbelt_profile(odd)
    argv = seatbelt_argv(odd, ["python", "-c", "pass"])
    assert argv[:2] == ["/usr/bin/sandbox-exec", "-p"] and argv[3:] == ["python", "-c", "pass"]


def test_the_linux_plan_binds_only_the_policys_paths(tmp_path: Path) -> None:
    (tmp_path / "usr").mkdir()
    (tmp_path / "bin").symlink_to("usr/bin")
    policy = SandboxPolicy(writable=["/tmp/codemode-1-x"], readonly=[str(tmp_path / "bin"), str(tmp_path / "usr")])
    plan = mount_plan(policy, Path("/tmp/codemode-1-x/newroot"))
    assert plan == {
        "new_root": "/tmp/codemode-1-x/newroot",
        "readonly": [str(tmp_path / "usr")],
        "links": {str(tmp_path / "bin"): "usr/bin"},
        "writable": ["/tmp/codemode-1-x"],
        "tmpfs": ["/tmp"],
        "size": "64m",
    }


def test_the_policy_hides_the_home_folder_but_keeps_what_lives_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home" / "me"
    (home / "project").mkdir(parents=True)
    (home / ".pyenv").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr("core.codemode.policy.pwd.getpwuid", lambda uid: type("E", (), {"pw_dir": str(home)}))
    needed = [str(home / "project"), str(home / ".pyenv"), str(home), str(tmp_path.parent), "/"]
    policy = build_policy(tmp_path / "run", needed, system=("/usr", "/no-such-folder"))
    assert policy.hidden == [str(home), str(tmp_path)]  # the home folder, the folder holding the run
    # a hidden folder itself (a working directory in sys.path) and what holds one are left out
    assert policy.readonly == sorted(["/usr", str(home / ".pyenv"), str(home / "project")])
    assert policy.writable == [str(tmp_path / "run")] and not policy.network
    assert policy.summary().startswith(f"network denied; writes only in the run folder {tmp_path / 'run'}; "
                                       f"3 read-only paths")


def _mac(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, exists: bool) -> Any:
    tool = tmp_path / ("sandbox-exec" if exists else "missing-sandbox-exec")
    if exists:
        tool.write_text("")
    monkeypatch.setattr(sandbox.sys, "platform", "darwin")
    monkeypatch.setattr(sandbox, "SANDBOX_EXEC", str(tool))
    sandbox.sandbox_info.cache_clear()
    try:
        return sandbox.sandbox_info()
    finally:
        monkeypatch.undo()
        sandbox.sandbox_info.cache_clear()


def test_sandbox_info_on_a_mac_says_the_profile_was_never_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    info = _mac(monkeypatch, tmp_path, exists=True)
    assert info.engine == "seatbelt" and info.confined and not info.pid_namespace
    assert any("never been run on a Mac" in note for note in info.notes)
    assert "never run on a Mac" in describe(info, MAC)
    missing = _mac(monkeypatch, tmp_path, exists=False)
    assert not missing.confined and "sandbox-exec is not available" in (missing.unconfined_reason or "")


def test_this_machine_reports_its_engine() -> None:
    info = sandbox.sandbox_info()
    if info.confined:
        assert info.engine in ("namespaces-root", "namespaces-user", "seatbelt") and info.unconfined_reason is None
    else:
        assert info.unconfined_reason and any(info.unconfined_reason in n for n in info.notes)
    assert os.path.isabs(sandbox.SANDBOX_EXEC)


def test_the_child_program_defines_each_name_once() -> None:
    """The harness runs as one source (the mount helpers, then the harness): a name defined in both
    would silently replace the first one."""
    import ast

    from core.codemode import _harness, _mounts

    def top_level(module: Any) -> set[str]:
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        names = set()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        return names

    assert top_level(_mounts) & top_level(_harness) == set()
