"""The category rules file: the shipped file, localised names, keyword semantics, and broken files.

A broken file is reported like sources.yaml (file:line:column, did-you-mean) and only the smallest broken
part is left out; a file that cannot be read gives no rules at all.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from config.categories import (
    DEFAULT_PATH,
    FALLBACK_NAMES,
    LoadedCategories,
    compile_keyword,
    fold,
    label,
    load_categories,
)
from config.loader import ConfigProblem, format_problems

ISSUE_SUB_TAGS = {
    "culture": ["music", "theatre", "dance", "art-and-exhibitions", "film", "talks", "family", "festival",
                "guided-tour"],
    "sport": ["football", "ice-hockey", "handball", "running", "water-sports", "other-sport"],
    "shopping": ["market", "late-night-shopping", "sale", "fair", "food-and-drink"],
}

HEAD = """\
categories:
  culture:
    names: {sv: Kultur, da: Kultur, en: Culture}
    tags:
"""
# The other two categories, so that a test's file has no "missing category" problem of its own.
TAIL = """\
  sport:
    names: {sv: Sport, da: Sport, en: Sport}
  shopping:
    names: {sv: Shopping, da: Shopping, en: Shopping}
"""


def load(tmp_path: Path, text: str) -> LoadedCategories:
    path = tmp_path / "categories.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_categories(path)


def rule_file(tmp_path: Path, tags: str) -> LoadedCategories:
    """A file with culture's sub-tags as given (indented as under 'tags:'), plus sport and shopping."""
    return load(tmp_path, HEAD + textwrap.indent(textwrap.dedent(tags), "      ") + TAIL)


def only_problem(loaded: LoadedCategories) -> ConfigProblem:
    assert len(loaded.problems) == 1, format_problems(loaded.problems)
    return loaded.problems[0]


def keywords(loaded: LoadedCategories, tag: str) -> list[str]:
    assert loaded.rules is not None
    return [m.keyword for rule in loaded.rules.rules if rule.tag == tag for m in rule.keywords]


# -- the shipped file ---------------------------------------------------------------------------------------


def test_shipped_file_loads_without_problems() -> None:
    loaded = load_categories(DEFAULT_PATH)
    assert loaded.ok, format_problems(loaded.problems)
    assert loaded.rules is not None


def test_shipped_file_has_every_category_and_sub_tag_of_the_issue() -> None:
    rules = load_categories(DEFAULT_PATH).rules
    assert rules is not None
    for category, tags in ISSUE_SUB_TAGS.items():
        assert list(rules.tags_of(category)) == tags  # type: ignore[arg-type]
    secondary = sorted(rule.tag for rule in rules.rules if rule.secondary)
    assert secondary == ["family", "festival"]


def test_shipped_file_has_names_in_three_languages_and_keywords_for_every_sub_tag() -> None:
    rules = load_categories(DEFAULT_PATH).rules
    assert rules is not None
    for rule in rules.rules:
        names = rules.names[rule.tag or rule.category]
        assert set(names) == {"sv", "da", "en"} and all(names.values()), rule.label
        if rule.tag:
            languages = {matcher.language for matcher in rule.keywords}
            assert languages == {"sv", "da", "en"}, f"{rule.label}: keywords only in {sorted(languages)}"


def test_label_gives_localised_names() -> None:
    rules = load_categories(DEFAULT_PATH).rules
    assert rules is not None
    assert rules.label("late-night-shopping", "sv") == "Köpkväll"
    assert rules.label("late-night-shopping", "da") == "Shoppingaften"
    assert rules.label("late-night-shopping", "en") == "Late-night shopping"
    assert rules.label("football", "da") == "Fodbold"
    assert rules.label("culture", "en") == "Culture"
    assert label("art-and-exhibitions", "da", rules) == "Kunst & udstillinger"


def test_label_of_a_source_tag_is_the_tag_itself() -> None:
    assert label("jazz", "sv", load_categories(DEFAULT_PATH).rules) == "jazz"


def test_label_without_rules_names_the_categories() -> None:
    assert label("shopping", "sv") == FALLBACK_NAMES["shopping"]["sv"] == "Shopping"
    assert label("music", "sv") == "music"


def test_label_unknown_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown language 'se'"):
        label("music", "se")  # type: ignore[arg-type]


# -- what a keyword matches ---------------------------------------------------------------------------------


def matches(keyword: str, text: str, language: str = "sv") -> list[str]:
    folded_text = fold(text)[0]
    return [found.group() for found in compile_keyword(keyword, language).finditer(folded_text)]  # type: ignore[arg-type]


def test_keyword_plain_matches_the_word_and_its_endings() -> None:
    assert matches("konsert", "Konsert, konserten, konserter, konserterna") == [
        "konsert", "konserten", "konserter", "konserterna"]
    assert matches("koncert", "Koncerterne", "da") == ["koncerterne"]


def test_keyword_plain_does_not_match_inside_or_at_the_start_of_a_compound() -> None:
    assert matches("konsert", "Julkonsert i Konserthuset") == []
    assert matches("match", "Matchning") == []


def test_keyword_leading_hyphen_matches_the_end_of_a_compound() -> None:
    assert matches("-konsert", "Julkonsert, lunchkonserten och konsert") == [
        "julkonsert", "lunchkonserten", "konsert"]
    assert matches("-konsert", "Konserthuset") == []


def test_keyword_trailing_hyphen_matches_the_start_of_a_compound() -> None:
    assert matches("fotboll-", "Fotbollsmatch och fotboll") == ["fotbollsmatch", "fotboll"]
    assert matches("fotboll-", "Damfotboll") == []


def test_keyword_both_hyphens_match_anywhere_in_a_word() -> None:
    assert matches("-utställning-", "Konstutställningsöppning") == ["konstutstallningsoppning"]


def test_keyword_english_takes_english_endings_only() -> None:
    assert matches("concert", "Concerts and concerten", "en") == ["concerts"]


def test_keyword_short_word_takes_no_endings() -> None:
    assert matches("kor", "Kor, koret, kort") == ["kor"]
    assert matches("rea", "Rea! Area, Korea, rear") == ["rea"]


def test_keyword_several_words_match_across_punctuation() -> None:
    assert matches("late night shopping", "Late-night shopping / late night-shopping", "en") == [
        "late-night shopping", "late night-shopping"]


def test_keyword_case_and_accents_folded() -> None:
    assert matches("köpkväll", "KÖPKVÄLL och Kopkvall") == ["kopkvall", "kopkvall"]
    assert matches("-udstilling-", "Udstillingsåbning i Værftet", "da") == ["udstillingsabning"]
    assert fold("Værftet")[0] == "vaerftet"


def test_fold_keeps_positions_of_the_original_text() -> None:
    text = "Øl & Æbler"
    folded_text, origin = fold(text)
    assert folded_text == "ol & aebler"
    start = folded_text.index("aebler")
    assert text[origin[start] : origin[len(folded_text) - 1] + 1] == "Æbler"


# -- broken files -------------------------------------------------------------------------------------------


def test_broken_yaml_syntax_reported_with_line_and_column_and_no_rules(tmp_path: Path) -> None:
    loaded = load(tmp_path, """\
        categories:
          culture:
            names: {sv: "Kultur, da: Kultur, en: Culture}
        """)
    assert loaded.rules is None
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (4, 1)
    assert problem.message.startswith("YAML syntax error: found unexpected end of stream")


def test_broken_tab_indentation_gets_the_loaders_hint(tmp_path: Path) -> None:
    loaded = load(tmp_path, "categories:\n\tculture: {}\n")
    assert loaded.rules is None
    assert only_problem(loaded).message.endswith("indent with spaces; YAML does not allow tabs there")


def test_broken_missing_file(tmp_path: Path) -> None:
    loaded = load_categories(tmp_path / "nope.yaml")
    assert loaded.rules is None
    assert str(only_problem(loaded)) == f"{tmp_path / 'nope.yaml'}: file not found"


def test_broken_empty_file(tmp_path: Path) -> None:
    loaded = load(tmp_path, "")
    assert loaded.rules is None
    assert only_problem(loaded).message == (
        "expected a mapping with a 'categories' key at the top level, got an empty file")


def test_broken_top_level_key_misspelt(tmp_path: Path) -> None:
    loaded = load(tmp_path, "categorys:\n  culture: {}\n")
    assert loaded.rules is None
    assert [(p.line, p.column, p.message) for p in loaded.problems] == [
        (1, 1, "top level: missing required key 'categories'"),
        (1, 1, "categorys: unknown key 'categorys' — did you mean 'categories'?"),
    ]


def test_broken_categories_as_a_list(tmp_path: Path) -> None:
    loaded = load(tmp_path, "categories:\n  - culture\n")
    assert loaded.rules is None
    assert str(only_problem(loaded)).endswith(":2:3: categories: expected a mapping, got a list")


def test_broken_unknown_key_with_did_you_mean_is_ignored(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        music:
          names: {sv: Musik, da: Musik, en: Music}
          keywords: {sv: [-konsert]}
          venue: {sv: [-konserthus]}
        """)
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (8, 9)
    assert problem.message == ("categories.culture.tags.music.venue: unknown key 'venue' — did you mean "
                               "'venues'?")
    assert keywords(loaded, "music") == ["-konsert"]  # the sub-tag still loads


def test_broken_country_code_instead_of_language_code(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        music:
          names: {sv: Musik, da: Musik, en: Music}
          keywords:
            se: [konsert]
            dk: [koncert]
        """)
    assert [(p.line, p.column, p.message) for p in loaded.problems] == [
        (8, 11, "categories.culture.tags.music.keywords.se: unknown key 'se' — languages are written 'sv', "
                "'da', 'en': did you mean 'sv'?"),
        (9, 11, "categories.culture.tags.music.keywords.dk: unknown key 'dk' — languages are written 'sv', "
                 "'da', 'en': did you mean 'da'?"),
    ]


def test_broken_unknown_category_did_you_mean(tmp_path: Path) -> None:
    loaded = load(tmp_path, HEAD.replace("    tags:\n", "") + TAIL + """\
          sports:
            names: {sv: Sport, da: Sport, en: Sport}
        """.replace("          ", "  ", 1).replace("            ", "    "))
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (8, 3)
    assert problem.message == ("categories: unknown category 'sports'; the categories are 'culture', "
                               "'sport', 'shopping' — did you mean 'sport'?")
    assert loaded.rules is not None and loaded.rules.names["sport"]["en"] == "Sport"


def test_broken_sub_tag_id_not_a_slug(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        Late night:
          names: {sv: Köpkväll, da: Shoppingaften, en: Late-night shopping}
        music:
          names: {sv: Musik, da: Musik, en: Music}
        """)
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (5, 7)
    assert problem.message == (
        "categories.culture.tags.Late night: sub-tag id 'Late night' must be lowercase letters, digits and "
        "single hyphens, e.g. 'late-night' (it becomes an event tag and part of feed names)")
    assert loaded.rules is not None and loaded.rules.tags_of("culture") == ("music",)


def test_broken_compound_mark_on_a_short_keyword_leaves_out_only_that_keyword(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        sale:
          names: {sv: Rea, da: Udsalg, en: Sale}
          keywords:
            sv: [rea, -rea, julrea]
        """)
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (8, 21)
    assert problem.message.startswith(
        "categories.culture.tags.sale.keywords.sv[1]: '-rea': a compound part needs at least 4 letters, "
        "or it matches inside unrelated words ('-rea' matches 'Korea')")
    assert keywords(loaded, "sale") == ["rea", "julrea"]


def test_broken_pattern_characters_in_a_keyword(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        music:
          names: {sv: Musik, da: Musik, en: Music}
          keywords: {sv: ["konsert*"]}
        """)
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (7, 25)
    assert "keywords are plain words, not patterns: 'konsert*' contains '*'" in problem.message


def test_broken_unquoted_no_is_a_boolean(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        music:
          names: {sv: Musik, da: Musik, en: Music}
          keywords: {sv: [-konsert, no]}
        """)
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (7, 35)
    assert problem.message == ("categories.culture.tags.music.keywords.sv[1]: expected text, got false "
                               "(YAML reads yes/no/on/off and numbers as values); quote it")


def test_broken_missing_name_leaves_out_only_that_sub_tag(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        dance:
          names: {sv: Dans, da: Dans}
          keywords: {sv: [-dans]}
        music:
          names: {sv: Musik, da: Musik, en: Music}
          keywords: {sv: [-konsert]}
        """)
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (6, 16)
    assert problem.message == ("categories.culture.tags.dance.names: missing required key 'en' "
                               "(the English name)")
    assert loaded.rules is not None and loaded.rules.tags_of("culture") == ("music",)


def test_broken_bad_optional_value_falls_back_to_its_default(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        family:
          names: {sv: Familj, da: Familie, en: Family}
          secondary: maybe
          keywords: {sv: [familj-]}
        """)
    assert only_problem(loaded).message == ("categories.culture.tags.family.secondary: expected true or "
                                            "false, got 'maybe'")
    assert loaded.rules is not None
    assert [rule.secondary for rule in loaded.rules.rules if rule.tag == "family"] == [False]


def test_broken_same_keyword_in_two_sub_tags_is_left_out_the_second_time(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        music:
          names: {sv: Musik, da: Musik, en: Music}
          keywords: {sv: [-konsert, jazz]}
        film:
          names: {sv: Film, da: Film, en: Film}
          keywords:
            sv: [-film-, -konsert]
        """)
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (11, 24)
    assert problem.message == ("categories.culture.tags.film.keywords.sv[1]: '-konsert' is already a keyword "
                               "of culture/music (line 7); a keyword can point one way only — left out here")
    assert keywords(loaded, "film") == ["-film-"]


def test_same_keyword_in_two_languages_of_one_sub_tag_is_fine(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        music:
          names: {sv: Musik, da: Musik, en: Music}
          keywords: {sv: [-musik], da: [-musik]}
        """)
    assert loaded.ok, format_problems(loaded.problems)
    assert keywords(loaded, "music") == ["-musik"]


def test_broken_sub_tag_in_two_categories(tmp_path: Path) -> None:
    loaded = load(tmp_path, HEAD + """\
      music:
        names: {sv: Musik, da: Musik, en: Music}
  sport:
    names: {sv: Sport, da: Sport, en: Sport}
    tags:
      music:
        names: {sv: Musik, da: Musik, en: Music}
  shopping:
    names: {sv: Shopping, da: Shopping, en: Shopping}
""")
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (10, 7)
    assert "sub-tag 'music' is already a sub-tag of 'culture'" in problem.message


def test_broken_duplicate_yaml_key(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        music:
          names: {sv: Musik, da: Musik, en: Music}
          keywords: {sv: [-konsert]}
          keywords: {sv: [-koncert]}
        """)
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (8, 9)
    assert problem.message == "duplicate key 'keywords' (first at line 7); keep only one of them"


def test_broken_missing_category_reported_the_others_load(tmp_path: Path) -> None:
    loaded = load(tmp_path, HEAD.replace("    tags:\n", ""))
    assert [p.message for p in loaded.problems] == [
        "categories: no entry for 'sport'; its events keep their source's category and have no sub-tags",
        "categories: no entry for 'shopping'; its events keep their source's category and have no sub-tags",
    ]
    assert loaded.rules is not None and loaded.rules.names["culture"]["sv"] == "Kultur"


def test_problems_are_in_file_order(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        music:
          names: {sv: Musik, da: Musik}
        film:
          names: {sv: Film, da: Film, en: Film}
          keywords: {sv: [-bio]}
        """)
    assert [p.line for p in loaded.problems] == [6, 9]


def test_single_keyword_without_a_list_and_empty_lists_are_accepted(tmp_path: Path) -> None:
    loaded = rule_file(tmp_path, """\
        music:
          names: {sv: Musik, da: Musik, en: Music}
          keywords:
            sv: -konsert
            da:
          venues:
        """)
    assert loaded.ok, format_problems(loaded.problems)
    assert keywords(loaded, "music") == ["-konsert"]


# -- the documentation ---------------------------------------------------------------------------------


def test_docs_yaml_examples_load_without_problems(tmp_path: Path) -> None:
    docs = (Path(__file__).parent.parent / "docs" / "categories.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", docs, flags=re.S)
    assert blocks
    for index, block in enumerate(blocks):
        loaded = load(tmp_path, block)
        assert loaded.ok, f"block {index}:\n" + format_problems(loaded.problems)


def test_docs_table_lists_every_shipped_id_with_its_names() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "categories.md").read_text(encoding="utf-8")
    rules = load_categories(DEFAULT_PATH).rules
    assert rules is not None
    for ident, names in rules.names.items():
        assert f"| `{ident}` | {names['sv']} | {names['da']} | {names['en']} |" in docs, ident
