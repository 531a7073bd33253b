"""The README documents every command and the two set-up commands come first."""
from pathlib import Path

from repaudit.cli import cli, load_all

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented():
    undocumented = [name for name in load_all() if f"repaudit {name}" not in README]
    assert undocumented == []


def test_make_demo_and_make_test_are_the_first_commands():
    first_code = README.index("    make demo")
    assert first_code < README.index("    make test") < README.index("$ repaudit")


def test_every_command_help_has_an_example(runner):
    for name in load_all():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert f"repaudit {name}" in result.output, f"`repaudit {name} --help` shows no example"
