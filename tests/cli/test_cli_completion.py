"""Shell completion through click's protocol, in a new process as the shell runs it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess]
LAB = str(Path(__file__).resolve().parents[2] / "sample_clusters" / "lab.yaml")


def complete(run: Run, line: str, shell: str = "bash") -> list[str]:
    """What Tab offers at the end of `line` (bash protocol: `type,value` per line)."""
    words = line.split(" ")
    env = {"_CLUSTERTUI_COMPLETE": f"{shell}_complete", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    if shell == "zsh":
        env = {"_CLUSTERTUI_COMPLETE": "zsh_complete", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    done = run(env=env)
    assert done.returncode == 0, done.stderr
    return [item.split(",", 1)[1] for item in done.stdout.splitlines() if "," in item]


def test_commands_and_options(run: Run) -> None:
    assert complete(run, "clustertui c") == ["check", "chaos", "coverage", "completion"]
    assert "--offline" in complete(run, "clustertui check --")


def test_node_names_from_the_file_on_the_line(run: Run) -> None:
    assert complete(run, f"clustertui chaos {LAB} apply kill --node web") == ["web1", "web2", "web3"]
    assert complete(run, f"clustertui chaos {LAB} apply kill --node ") == [
        "lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3"]


def test_peers_complete_the_last_name_of_the_list(run: Run) -> None:
    assert complete(run, f"clustertui chaos {LAB} apply partition --node web1 --peers web2,d") == [
        "web2,db1", "web2,db2", "web2,db3"]
    assert "web2,web2" not in complete(run, f"clustertui chaos {LAB} apply partition --node web1 --peers web2,")


def test_node_names_from_pdsh_ranges_and_imports(run: Run, tmp_path: Path) -> None:
    (tmp_path / "inventory.ini").write_text("[db]\ndb01 ansible_host=127.0.0.21\ndb02 ansible_host=127.0.0.22\n")
    (tmp_path / "c.yaml").write_text(
        "name: c\ntype: majority\nnodes: [{name: 'web[01-02,07]', host: '127.0.0.[1-2,7]'}]\n"
        "import: {ansible: inventory.ini}\n"
    )
    assert complete(run, "clustertui chaos c.yaml apply kill --node ") == ["web01", "web02", "web07", "db01", "db02"]


def test_drill_and_theme_names(run: Run) -> None:
    assert complete(run, f"clustertui drill {LAB} web") == ["web-node-loss", "web1-direct-no-redundancy"]
    assert complete(run, f"clustertui monitor {LAB} --theme ") == ["default", "gruvbox", "high-contrast", "light", "nord"]


def test_user_themes_complete_too(run: Run, tmp_path: Path) -> None:
    (tmp_path / ".config" / "clustertui" / "themes").mkdir(parents=True)
    (tmp_path / ".config" / "clustertui" / "themes" / "night-shift.toml").write_text("")
    assert complete(run, "clustertui demo --theme n") == ["night-shift", "nord"]


@pytest.mark.parametrize("file", ["missing.yaml", "broken.yaml"])
def test_a_bad_file_completes_nothing_and_fails_nothing(run: Run, tmp_path: Path, file: str) -> None:
    (tmp_path / "broken.yaml").write_text("nodes: [{name: web1\n")
    assert complete(run, f"clustertui chaos {file} apply kill --node ") == []
    assert complete(run, f"clustertui drill {file} ") == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(run: Run, shell: str) -> None:
    done = run("completion", shell)
    assert done.returncode == 0 and "_CLUSTERTUI_COMPLETE" in done.stdout


def test_completion_imports_no_heavy_package(run: Run) -> None:
    """A Tab must start fast: no textual, asyncssh or pydantic (see docs/performance.md)."""
    code = (
        "import os, sys; os.environ.update(_CLUSTERTUI_COMPLETE='bash_complete', "
        f"COMP_WORDS='clustertui chaos {LAB} apply kill --node w', COMP_CWORD='6')\n"
        "from clustertui.cli.main import cli\n"
        "try:\n    cli.main(prog_name='clustertui')\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('textual', 'asyncssh', 'pydantic') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    import os
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(Path(LAB).parents[1])})
    assert "HEAVY []" in done.stderr, done.stderr
