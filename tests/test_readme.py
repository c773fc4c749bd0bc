"""The README's usage section must stay true to the CLI."""

from __future__ import annotations

import typer.main

from casecheck.cli import app

from conftest import ROOT


def _commands(group, prefix: str = ""):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", cmd


def test_every_command_and_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    group = typer.main.get_command(app)
    for name, cmd in _commands(group):
        assert f"casecheck {name}" in readme, f"README does not show 'casecheck {name}'"
        for param in cmd.params:
            if param.param_type_name == "option":
                for opt in param.opts:
                    if opt.startswith("--") and opt != "--help":
                        assert opt in readme, f"README does not mention {opt} of 'casecheck {name}'"


def test_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
