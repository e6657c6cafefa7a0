"""The command itself: version, help."""

import subprocess
import sys

from conftest import run_cli


def test_version() -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.output.startswith("proscribe ")


def test_help_lists_command_groups() -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    assert "bench" in result.output


def test_console_script_runs() -> None:
    out = subprocess.run([sys.executable, "-m", "proscribe", "--version"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "proscribe" in out.stdout
