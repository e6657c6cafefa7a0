"""Policy unit tests (`proscribe policy test`): the shipped cases pass, failures point at their case."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from proscribe.policy.cases import run_file, shipped_cases
from proscribe.policy.profile import SHIPPED

FIXTURES = Path(__file__).parent / "fixtures" / "policy"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_cases_pass(name: str) -> None:
    profile, results = run_file(shipped_cases(name))
    assert profile.name == name
    failed = [(r.name, r.failures) for r in results if not r.passed]
    assert not failed
    assert len(results) >= 5


@pytest.mark.parametrize("name", SHIPPED)
def test_cli_runs_shipped_cases(name: str) -> None:
    result = run_cli("policy", "test", name, str(shipped_cases(name)))
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output


def test_a_user_profile_with_its_own_cases() -> None:
    result = run_cli("policy", "test", str(FIXTURES / "custom.yaml"), str(FIXTURES / "custom-cases.yaml"), "-v")
    assert result.exit_code == 0, result.output
    assert result.output.count("PASS") == 3


def test_a_failing_case_names_its_line_and_what_differs() -> None:
    result = run_cli("policy", "test", "meta", str(FIXTURES / "failing-cases.yaml"))
    assert result.exit_code == 1
    assert f"FAIL  {FIXTURES / 'failing-cases.yaml'}:6  wrong on purpose" in result.output
    assert "action: expected 'allow', got 'remove'" in result.output
    assert "account.action: expected 'disable', got 'warn'" in result.output
    assert "1 passed, 1 failed" in result.output


def test_a_bad_cases_file_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - name: x\n    assessment: {category: praise, score: 0.9}\n    expect: {action: allow}\n")
    result = run_cli("policy", "test", "meta", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:3: cases.0.assessment.category: not an allowed value" in result.output
