"""The documentation's examples work: every `sources:` YAML block in docs/ loads without a problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import REPO

from config.loader import format_problems, load_sources
from config.schema import SOURCE_TYPES

DOCS = REPO / "docs"
YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def source_examples():
    for doc in sorted(DOCS.glob("*.md")):
        for n, block in enumerate(YAML_BLOCK.findall(doc.read_text(encoding="utf-8"))):
            if block.lstrip().startswith("sources:"):
                yield pytest.param(block, id=f"{doc.name}#{n}")


@pytest.mark.parametrize("block", list(source_examples()))
def test_every_sources_example_in_the_docs_loads_cleanly(block: str, tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(block, encoding="utf-8")
    loaded = load_sources(path)
    assert loaded.ok, format_problems(loaded.problems)
    assert loaded.sources


def test_docs_sources_has_a_working_example_of_every_type(tmp_path: Path):
    types = set()
    for n, param in enumerate(source_examples()):
        path = tmp_path / f"{n}.yaml"
        path.write_text(param.values[0], encoding="utf-8")
        types.update(source.type for source in load_sources(path).sources)
    assert types == set(SOURCE_TYPES)


def test_readme_starts_with_the_two_newcomer_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```\w*\n(.*?)```", readme, re.DOTALL).group(1)
    assert "make demo" in first_block and "make test" in first_block
