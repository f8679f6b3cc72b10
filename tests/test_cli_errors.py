"""The CLI's one error path (issue #31): every command turns the project's errors into
``error: <message>`` on stderr and its exit code through ``unggulan.cli.exit_on_error``."""

from __future__ import annotations

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from unggulan import cli as cli_module
from unggulan.base.errors import DatasetError, InvalidWeights

runner = CliRunner()


def _commands(group=None, prefix=()):
    """(words, click command) of every leaf command, sub-commands included."""
    group = group if group is not None else get_command(cli_module.cli)
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


COMMANDS = sorted(_commands())
#: what each command needs besides --data to reach the dataset
REQUIRED = {("backtest",): ["--until", "2020"], ("brief",): ["--area", "73.08"],
            ("scenario", "compare"): ["standar"]}


def test_every_command_goes_through_the_one_error_path():
    names = [" ".join(words) for words, _ in COMMANDS]
    assert len(names) >= 16, names  # the commands of the README
    codes = {}
    for words, cmd in COMMANDS:
        # typer wraps the registered function in turn; exit_on_error marks its wrapper
        func, code = cmd.callback, None
        while func is not None and code is None:
            code = vars(func).get("exit_code")
            func = getattr(func, "__wrapped__", None)
        codes[" ".join(words)] = code
    # exit 1 where the command documents it for a refusal, 2 everywhere else
    assert codes == {name: 1 if name == "scenario check" else 2 for name in names}


@pytest.mark.parametrize("words", [w for w, _ in COMMANDS
                                   if w not in (("init",), ("scenario", "check"),
                                                ("scenario", "list"))],
                         ids=" ".join)
def test_a_missing_dataset_is_one_line_and_exit_2(words, tmp_path, monkeypatch):
    # serve writes these into the environment for its workers: restored after the test
    monkeypatch.setenv("UNGGULAN_DATA", str(tmp_path))
    monkeypatch.setenv("UNGGULAN_PREPARE_ON_START", "0")
    missing = tmp_path / "nowhere"
    res = runner.invoke(cli_module.cli, [*words, "--data", str(missing),
                                         *REQUIRED.get(words, [])])
    assert res.exit_code == 2, (res.output, res.exception)
    assert res.stderr.startswith("error: "), res.stderr
    assert str(missing) in res.stderr
    assert "Traceback" not in res.output


def test_the_code_and_the_message_come_from_the_error(monkeypatch):
    calls = []

    @cli_module.exit_on_error()
    def fails(exc):
        calls.append(exc)
        raise exc

    with pytest.raises(typer.Exit) as out:
        fails(InvalidWeights("weights must be numbers [x]"))
    assert out.value.exit_code == 2

    with pytest.raises(typer.Exit) as out, cli_module.exit_on_error(1):
        raise DatasetError("refused")
    assert out.value.exit_code == 1
    # anything else is a bug: it keeps its traceback
    with pytest.raises(KeyError), cli_module.exit_on_error():
        raise KeyError("x")
    assert len(calls) == 1


def test_init_and_scenario_check_keep_their_codes(tmp_path):
    res = runner.invoke(cli_module.cli, ["init", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and res.stderr.startswith("error: "), res.output
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[weights]\nsuitability = "much"\n', encoding="utf-8")
    res = runner.invoke(cli_module.cli, ["scenario", "check", str(bad)])
    assert res.exit_code == 1 and res.stderr.startswith("error: "), res.output
