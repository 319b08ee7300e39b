"""The `hhevents` command line: help, check-config, and its exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import REPO, run_hhevents


@pytest.mark.parametrize("command", ["check-config", "crawl", "publish", "export", "serve", "demo"])
def test_every_command_has_help(command):
    result = subprocess.run(
        [sys.executable, "-m", "hhevents", command, "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert f"usage: hhevents {command}" in result.stdout and "--config" in result.stdout


def test_production_config_is_valid():
    result = run_hhevents("check-config", config=REPO / "config" / "sources.yaml")
    assert result.returncode == 0, result.stdout
    assert "OK, 23 source(s), 23 enabled" in result.stdout


def test_check_config_prints_every_problem_with_its_position_and_exits_1(tmp_path):
    config = tmp_path / "sources.yaml"
    config.write_text(
        "sources:\n"
        "  - id: dunkers\n"
        "    name: Dunkers kulturhus\n"
        "    city: helsingborgs\n"
        "    type: ics\n"
        "    url: https://dunkerskulturhus.se/kalender.ics\n"
        "    category: culture\n"
        "    language: sv\n"
        "  - id: vaerftet\n"
        "    name: Kulturværftet\n"
        "    city: helsingor\n"
        "    type: jsonld\n"
        "    url: https://kulturvaerftet.dk/\n"
        "    category: culture\n"
        "    language: da\n"
        "    detial_links: a.card\n",
        encoding="utf-8",
    )
    # The PATH argument wins over --config.
    result = run_hhevents("check-config", str(config), config=REPO / "config" / "sources.yaml")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{config}:4:11: sources[0] (dunkers).city:" in lines[0] and "'helsingborg'" in lines[0]
    assert f"{config}:16:5: sources[1] (vaerftet): unknown key 'detial_links'" in lines[1]
    assert "did you mean 'detail_links'?" in lines[1]
    assert lines[2] == f"{config}: 2 problem(s); 0 source(s) valid"


def test_check_config_reports_a_yaml_syntax_error_with_its_line(tmp_path):
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - id: x\n    name: 'unclosed\n", encoding="utf-8")
    result = run_hhevents("check-config", config=config)
    assert result.returncode == 1
    assert f"{config}:" in result.stdout and "YAML syntax error" in result.stdout


def test_global_options_work_after_the_command_too(tmp_path):
    result = run_hhevents("export", "--data-dir", str(tmp_path / "empty"))
    assert result.returncode == 0 and result.stdout.strip() == "[]"
    assert (tmp_path / "empty" / "hhevents.sqlite").exists()
