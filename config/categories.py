"""Load ``categories.yaml``: the three categories, their sub-tags, localised names and keyword rules.

The file is validated with the same machinery as ``sources.yaml`` (positions, did-you-mean; see
config/loader.py) and, like it, never fails as a whole for one mistake: the smallest part that holds a
mistake (one keyword, one sub-tag, one category) is reported and left out, the rest loads. Only a file that
cannot be read or has no ``categories`` mapping gives no rules at all; the categorise pipeline then keeps
each source's own category. See docs/categories.md for the file format and the matching rules.

Matching semantics live here because they are what the YAML means: a keyword is compiled into a regular
expression over *folded* text (:func:`fold`: case, accents and Danish/Swedish letters folded). The
precedence between matches is the pipeline's business (pipelines/categorise.py).
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from yaml.nodes import MappingNode, Node, SequenceNode

from config.loader import (  # the sources loader's machinery; wrapped below, never copied
    ConfigProblem,
    _did_you_mean,
    _friendly,
    _Loader,
    _locate,
    _lookup,
    _show,
)
from hhevents.model import CATEGORIES, LANGUAGES, Category, Language

DEFAULT_PATH = Path(__file__).with_name("categories.yaml")

# Names used when no rules file could be read, so a feed is never left untitled (the file's own names win).
FALLBACK_NAMES: dict[str, dict[Language, str]] = {
    "culture": {"sv": "Kultur", "da": "Kultur", "en": "Culture"},
    "sport": {"sv": "Sport", "da": "Sport", "en": "Sport"},
    "shopping": {"sv": "Shopping", "da": "Shopping", "en": "Shopping"},
}

# -- public wrappers around config/loader.py's private helpers ----------------------------------------------
# The helpers are generic (nothing in them is about sources); these wrappers give them a public name here so
# this module does not depend on their spelling. If loader.py ever makes them public, only these lines change.


@dataclass
class YamlDocument:
    """A YAML file read like ``sources.yaml``: the composed node tree (for positions) next to the data."""

    file: str
    root: Node | None = None
    data: Any = None
    problems: list[ConfigProblem] = field(default_factory=list)
    _loader: Any = field(default=None, repr=False)

    @property
    def readable(self) -> bool:
        return self._loader is not None and not self.problems

    def problem(self, node_or_mark: Any, message: str) -> None:
        """Record ``message`` at the node's (or mark's) 1-based line and column; None for the whole file."""
        self._loader.problem(node_or_mark, message)

    def duplicate_key_problems(self, node: Node, where: str = "") -> None:
        """Report keys written twice in one mapping anywhere inside ``node`` (plain YAML keeps the last)."""
        self._loader.duplicate_problems(node, where)


def read_yaml(path: str | os.PathLike[str]) -> YamlDocument:
    """Read and parse a YAML file; an unreadable file, bad UTF-8 or a syntax error is a positioned problem."""
    loader = _Loader(os.fspath(path))
    document = YamlDocument(file=loader.file, problems=loader.problems, _loader=loader)
    text = loader.read()
    parsed = loader.parse(text) if text is not None else None
    if parsed is not None:
        document.root, document.data = parsed
    return document


def locate(node: Node, loc: Iterable[Any]) -> Node:
    """The deepest node that a pydantic error ``loc`` (keys and list indexes) reaches from ``node``."""
    return _locate(node, tuple(loc))


def lookup(mapping: Node | None, key: str) -> tuple[Node | None, Node | None]:
    """(key node, value node) of ``key`` in a mapping node, (None, None) when absent or not a mapping."""
    if not isinstance(mapping, MappingNode):
        return None, None
    return _lookup(mapping, key)


def did_you_mean(value: Any, choices: Iterable[Any], cutoff: float = 0.6) -> str:
    """`` — did you mean 'x'?`` for the closest choice, or an empty string."""
    return _did_you_mean(value, list(choices), cutoff)


def show(value: Any) -> str:
    """A value as the operator wrote it in YAML (``'text'``, ``true``, ``null (empty)``, ``a list``)."""
    return _show(value)


def friendly(model: type[BaseModel], error: Mapping[str, Any]) -> str:
    """The sources loader's operator-facing wording of one pydantic error (without the position)."""
    return _friendly(model, dict(error))


# -- folding and keywords -----------------------------------------------------------------------------------

# Letters that Unicode does not decompose into a base letter plus accent (ä is a + ¨, but ø and æ are letters
# of their own), spelled the way they are usually written without them.
_OWN_LETTERS = {"æ": "ae", "ø": "o", "œ": "oe", "ð": "d", "þ": "th", "ł": "l", "đ": "d"}
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` case- and accent-folded (``Köpkväll`` -> ``kopkvall``, ``Værftet`` -> ``vaerftet``).

    Also returns, for every character of the folded text, the index of the character of ``text`` it came
    from, so that a match in folded text can be shown as the source wrote it.
    """
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for lower in char.casefold():  # may grow: "ß" -> "ss"
            for piece in unicodedata.normalize("NFKD", _OWN_LETTERS.get(lower, lower)):
                if not unicodedata.combining(piece):
                    out.append(piece)
                    origin.append(index)
    return "".join(out), origin


def folded(text: str) -> str:
    return fold(text)[0]


# Endings a Swedish or Danish keyword may take and still be the same word: definite forms, plurals,
# genitives (konsert -> konserten, konserter, konserterna; koncert -> koncerten, koncerterne; marked ->
# markedet). Deliberately no derivational endings: "match" must not match "matchning", nor "konsert"
# "konserthus" (a venue type, listed as such).
NORDIC_ENDINGS = (
    "", "s", "e", "n", "r", "t", "en", "et", "er", "ar", "or", "na", "ne", "ns", "ts", "ens", "ets", "ene",
    "rna", "rne", "erna", "arna", "orna", "erne", "ernas", "arnas", "ernes",
)  # fmt: skip
ENGLISH_ENDINGS = ("", "s", "es")
MIN_COMPOUND_PART = 4  # letters: "-rea" would also match "Korea", "-bio" "Ambio"
_NOT_PLAIN = re.compile(r"[*?\[\](){}|\\^$+=<>\"]")


def split_keyword(keyword: str) -> tuple[bool, str, bool]:
    """(may end a compound, the words, may start a compound) of a keyword as written: ``-konsert`` is
    (True, "konsert", False), ``fotboll-`` (False, "fotboll", True), ``-udstilling-`` (True, ..., True)."""
    text = keyword.strip()
    head = text.startswith("-")
    tail = text.endswith("-") and len(text) > 1
    return head, text.strip("-").strip(), tail


def check_keyword(value: str) -> str:
    """``value`` stripped if it is a usable keyword, else a ValueError written for operators."""
    text = value.strip()
    if not text:
        raise ValueError("an empty keyword matches nothing; remove it")
    bad = _NOT_PLAIN.search(text)
    if bad:
        raise ValueError(
            f"keywords are plain words, not patterns: {text!r} contains {bad.group()!r}; write '-' in front "
            "to also match it at the end of a compound ('-konsert' matches 'julkonsert') and '-' at the end "
            "to also match its start ('fotboll-' matches 'fotbollsmatch')"
        )
    head, core, tail = split_keyword(text)
    words = _WORD.findall(folded(core))
    if not words:
        raise ValueError(f"{text!r} has no letters or digits to match")
    if head and len(words[0]) < MIN_COMPOUND_PART or tail and len(words[-1]) < MIN_COMPOUND_PART:
        raise ValueError(
            f"{text!r}: a compound part needs at least {MIN_COMPOUND_PART} letters, or it matches inside "
            f"unrelated words ('-rea' matches 'Korea'); drop the '-' and list the compounds you mean "
            f"(e.g. 'julrea', 'mellandagsrea')"
        )
    return text


def compile_keyword(keyword: str, language: Language, line: int | None = None) -> Matcher:
    """The :class:`Matcher` that a valid keyword stands for.

    Words are matched whole: the match starts at a word start and ends at a word end, where a Swedish or
    Danish keyword may take an inflection ending (:data:`NORDIC_ENDINGS`), an English one ``s``/``es``, and a
    keyword shorter than four letters none (list "rean" next to "rea"). A leading ``-`` lets the keyword end
    a compound (any letters before it); a trailing ``-`` lets it start one (any letters after it). Several
    words match across any spaces or punctuation between them.
    """
    head, core, tail = split_keyword(keyword)
    words = _WORD.findall(folded(core))
    # Greedy before the keyword: in a compound the keyword is the last part. The rest of the word is captured
    # and checked against the allowed endings, which keeps the expressions small and quick to compile.
    start = r"(?<![^\W_])" + (r"[^\W_]*" if head else "")
    body = r"[\W_]+".join(re.escape(word) for word in words)
    if tail:
        endings = None
    elif len(words[-1]) < MIN_COMPOUND_PART:
        endings = frozenset({""})  # short words take none: "kor" (choir) is not "kort", "rea" not "rear"
    else:
        endings = frozenset(ENGLISH_ENDINGS if language == "en" else NORDIC_ENDINGS)
    return Matcher(
        keyword=keyword, word=core, language=language, line=line,
        pattern=re.compile(start + body + r"(?P<end>[^\W_]*)"), endings=endings, needle=max(words, key=len),
    )


# -- the file's schema --------------------------------------------------------------------------------------

TAG_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_tag_id(value: str) -> str:
    if not TAG_ID.match(value):
        suggestion = "-".join(_WORD.findall(folded(value))) or "music"
        raise ValueError(f"sub-tag id {value!r} must be lowercase letters, digits and single hyphens, "
                         f"e.g. {suggestion!r} (it becomes an event tag and part of feed names)")
    if value in CATEGORIES:
        raise ValueError(f"{value!r} is a category; a sub-tag needs an id of its own (e.g. 'other-{value}')")
    return value


def _many(value: Any) -> Any:
    """A single keyword may be written without a list; an empty value is an empty list."""
    if value is None:
        return ()
    return [value] if isinstance(value, str) else value


def _text(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("empty; write the name")
    return value.strip() if isinstance(value, str) else value


Keyword = Annotated[str, AfterValidator(check_keyword)]
KeywordList = Annotated[tuple[Keyword, ...], BeforeValidator(_many)]
TagId = Annotated[str, AfterValidator(check_tag_id)]
Name = Annotated[str, AfterValidator(_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_default(cls, data: Any) -> Any:
        # "keywords:" with nothing after it is YAML null: treat an empty optional key as not written.
        if isinstance(data, dict):
            optional = {name for name, info in cls.model_fields.items() if not info.is_required()}
            return {key: value for key, value in data.items() if not (value is None and key in optional)}
        return data


class Names(_Strict):
    """The name in each language, as feeds show it."""

    sv: Name
    da: Name
    en: Name


class Words(_Strict):
    """Keywords per language; the language decides which inflection endings a keyword may take."""

    sv: KeywordList = ()
    da: KeywordList = ()
    en: KeywordList = ()

    def items(self) -> Iterable[tuple[Language, str]]:
        for language in LANGUAGES:
            for keyword in getattr(self, language):
                yield language, keyword


class SubTagRule(_Strict):
    names: Names
    secondary: bool = Field(default=False, description="adds its tag but never chooses the category")
    keywords: Words = Words()  # matched in the source's categories (the event's tags) and the title
    venues: Words = Words()  # matched in the venue's name and the organizer
    exclude: Words = Words()  # words that contain a keyword but do not mean it (högmässa, eftermiddag)


class CategoryRule(_Strict):
    names: Names
    keywords: Words = Words()  # say the category but no sub-tag ("kultur", "idrott", "match")
    exclude: Words = Words()
    tags: dict[TagId, SubTagRule] = Field(default_factory=dict)


class CategoriesFile(_Strict):
    categories: dict[Category, CategoryRule]


# -- what the loader returns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    """One keyword, compiled (:func:`compile_keyword`); it searches :func:`fold`-ed text."""

    keyword: str  # as written in the file, e.g. "-konsert"
    word: str  # without the compound marks, e.g. "konsert"
    language: Language
    pattern: re.Pattern[str] = field(compare=False, repr=False)
    endings: frozenset[str] | None = field(compare=False, repr=False)  # None: any (a compound's start)
    needle: str = field(compare=False, repr=False)  # folded text every match contains: a cheap pre-check
    line: int | None = field(default=None, compare=False)

    @property
    def identity(self) -> tuple[str, frozenset[str] | None]:
        """Equal for two keywords that match exactly the same words."""
        return self.pattern.pattern, self.endings

    def finditer(self, folded_text: str) -> Iterator[re.Match[str]]:
        if self.needle not in folded_text:
            return
        for found in self.pattern.finditer(folded_text):
            if self.endings is None or found.group("end") in self.endings:
                yield found

    def search(self, folded_text: str) -> bool:
        return next(self.finditer(folded_text), None) is not None


@dataclass(frozen=True)
class Rule:
    """The keywords of one sub-tag (``tag`` set) or of a category itself (``tag`` None), in file order."""

    order: int
    category: Category
    tag: str | None
    secondary: bool
    keywords: tuple[Matcher, ...]  # source categories and titles
    venues: tuple[Matcher, ...]  # venue names and organizers
    exclude: tuple[Matcher, ...]
    id_matcher: Matcher  # the id itself, matched in the source's categories (so "music" tags mean music)

    @property
    def label(self) -> str:
        return f"{self.category}/{self.tag}" if self.tag else self.category


Scope = Literal["source categories", "titles", "venues"]  # the kinds of text keywords are matched against


@dataclass(frozen=True)
class CategoryRules:
    rules: tuple[Rule, ...]
    names: Mapping[str, Mapping[Language, str]]  # category ids and sub-tag ids -> names per language

    def matchers(self, scope: Scope) -> tuple[tuple[Rule, Matcher], ...]:
        """Every (rule, keyword) pair that applies to one kind of text, in file order."""
        cache = self.__dict__.setdefault("_matchers", {})  # frozen, but a cache is no state anyone sees
        if scope not in cache:
            cache[scope] = tuple(
                (rule, matcher)
                for rule in self.rules
                for matcher in (rule.venues if scope == "venues" else rule.keywords)
                + ((rule.id_matcher,) if scope == "source categories" else ())
            )
        return cache[scope]

    @property
    def tag_categories(self) -> dict[str, Category]:
        return {rule.tag: rule.category for rule in self.rules if rule.tag}

    def tags_of(self, category: Category) -> tuple[str, ...]:
        """The sub-tag ids of ``category``, in file order."""
        return tuple(rule.tag for rule in self.rules if rule.tag and rule.category == category)

    def label(self, tag_id: str, language: Language) -> str:
        """The name of a category or sub-tag in ``language``; any other tag (a source's own) as it is."""
        return label(tag_id, language, self)


def label(tag_id: str, language: Language, rules: CategoryRules | None = None) -> str:
    """Localised name of a category or sub-tag id; with no rules, the built-in category names.

    A tag that is neither (a source's own tag, e.g. "jazz") is returned unchanged.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    names = rules.names if rules is not None else FALLBACK_NAMES
    found = names.get(tag_id) or FALLBACK_NAMES.get(tag_id)
    return found[language] if found else tag_id


@dataclass
class LoadedCategories:
    path: Path
    rules: CategoryRules | None  # None: nothing usable (unreadable file, no 'categories' mapping)
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_categories(path: str | os.PathLike[str] = DEFAULT_PATH) -> LoadedCategories:
    """Read and validate a categories file. Never raises for bad content: each problem is in ``problems``."""
    document = read_yaml(path)
    rules = _Builder(document).build() if document.readable else None
    problems = sorted(document.problems, key=lambda p: (p.line or 0, p.column or 0))
    return LoadedCategories(path=Path(path), rules=rules, problems=problems)


# -- validation with positions ------------------------------------------------------------------------------

_WORD_FIELDS = ("keywords", "venues", "exclude")
# The usual slip: a country code where a language code belongs.
_LANGUAGE_HINTS = {"se": "sv", "sw": "sv", "swe": "sv", "dk": "da", "dan": "da", "dansk": "da", "gb": "en",
                   "uk": "en", "eng": "en", "svenska": "sv", "english": "en"}


def _where(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _unwrap(annotation: Any) -> Any:
    while True:
        args = get_args(annotation)
        if get_origin(annotation) is Annotated:
            annotation = args[0]
        elif args and type(None) in args and len(args) == 2:  # X | None
            annotation = next(arg for arg in args if arg is not type(None))
        else:
            return annotation


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema model that the value at ``loc`` must be (None when it is a plain value)."""
    annotation: Any = CategoriesFile
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if part not in annotation.model_fields:
                return None
            annotation = annotation.model_fields[part].annotation
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        elif get_origin(annotation) in (tuple, list):
            annotation = get_args(annotation)[0]
        else:
            return None
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _is_optional_key(loc: tuple[Any, ...]) -> bool:
    parent = _model_at(loc[:-1])
    info = parent.model_fields.get(loc[-1]) if parent is not None else None
    return info is not None and not info.is_required()


def _droppable(loc: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The smallest part around ``loc`` that can be left out: a keyword, an optional key (its default then
    applies), a sub-tag or a category. None when the mistake is in the file's frame itself."""
    for size in range(len(loc), 0, -1):
        prefix = loc[:size]
        if isinstance(prefix[-1], int) or _is_optional_key(prefix):
            return prefix
        if size == 2 and prefix[0] == "categories" or size == 4 and prefix[2] == "tags":
            return prefix
    return None


def _remove(data: Any, path: tuple[Any, ...]) -> None:
    container = data
    for part in path[:-1]:
        container = container[part]
    if isinstance(container, dict):
        container.pop(path[-1], None)
    elif isinstance(container, list) and isinstance(path[-1], int):
        container[path[-1]] = _DROPPED


_DROPPED = object()  # list items are marked first and removed afterwards, so the other indexes stay valid


def _purge(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _purge(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_purge(item) for item in value if item is not _DROPPED]
    return value


class _Builder:
    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        self.root = document.root
        self._used_nodes: set[int] = set()

    def problem(self, node: Node | None, message: str) -> None:
        self.document.problem(node, message)

    def build(self) -> CategoryRules | None:
        data = self.document.data
        if not isinstance(self.root, MappingNode) or not isinstance(data, dict):
            got = "an empty file" if self.root is None else f"{_describe(data)}"
            self.problem(self.root, f"expected a mapping with a 'categories' key at the top level, got {got}")
            return None
        self.document.duplicate_key_problems(self.root)
        data = copy.deepcopy(data)
        model = None
        for _ in range(3):  # after leaving out what is broken, the rest validates; 3 rounds is ample
            try:
                model = CategoriesFile.model_validate(data)
                break
            except ValidationError as exc:
                if not self.report_and_drop(exc, data):
                    return None
                data = _purge(data)
        if model is None:
            return None
        return self.compile(model)

    # -- errors ---------------------------------------------------------------------------------------------

    def report_and_drop(self, exc: ValidationError, data: dict[str, Any]) -> bool:
        """Report every error; leave out the part each is in. False when the file's frame itself is wrong."""
        drops: list[tuple[Any, ...]] = []
        fatal = False
        for error in exc.errors():
            loc = tuple(error["loc"])
            self.report(error, loc)
            if error["type"] == "extra_forbidden":
                drop: tuple[Any, ...] | None = loc  # an unknown key is ignored; its neighbours still count
            else:
                drop = _droppable(loc[:-1] if loc and loc[-1] == "[key]" else loc)
            if drop is None:
                fatal = True
            else:
                drops.append(drop)
        if fatal:
            return False
        for path in drops:
            with contextlib.suppress(KeyError, IndexError, TypeError):  # already gone with a larger part
                _remove(data, path)
        return True

    def report(self, error: Mapping[str, Any], loc: tuple[Any, ...]) -> None:
        kind = error["type"]
        value = error.get("input")
        if loc and loc[-1] == "[key]":
            key_loc = loc[:-1]
            key_node = lookup(locate(self.root, key_loc[:-1]), str(key_loc[-1]))[0]
            if kind == "literal_error":  # a category name
                self.problem(key_node, f"{_where(key_loc[:-1])}: unknown category {show(key_loc[-1])}; the "
                             f"categories are {', '.join(map(repr, CATEGORIES))}"
                             f"{did_you_mean(str(key_loc[-1]), CATEGORIES, 0.5)}")
            else:
                message = (error.get("ctx") or {}).get("error", error["msg"])
                self.problem(key_node, f"{_where(key_loc)}: {message}")
            return
        where = _where(loc)
        if kind == "extra_forbidden":
            parent = _model_at(loc[:-1])
            key = str(loc[-1])
            allowed = list(parent.model_fields) if parent else []
            hint = ""
            if parent is Words or parent is Names:
                if key.lower() in _LANGUAGE_HINTS:
                    hint = (" — languages are written 'sv', 'da', 'en': did you mean "
                            f"{_LANGUAGE_HINTS[key.lower()]!r}?")
                else:
                    hint = did_you_mean(key, allowed, 0.5)
            else:
                hint = did_you_mean(key, allowed)
            hint = hint or f"; allowed keys: {', '.join(allowed)}"
            self.problem(lookup(locate(self.root, loc[:-1]), key)[0], f"{where}: unknown key {key!r}{hint}")
            return
        if kind == "missing":
            what = {"names": " (the name in sv, da and en)", "sv": " (the Swedish name)",
                    "da": " (the Danish name)", "en": " (the English name)"}.get(str(loc[-1]), "")
            where = _where(loc[:-1]) or "top level"
            self.problem(locate(self.root, loc[:-1]), f"{where}: missing required key {str(loc[-1])!r}{what}")
            return
        node = locate(self.root, loc)
        model = _model_at(loc)
        if kind in ("model_type", "dict_type", "model_attributes_type"):
            shape = ("a mapping of languages to lists of keywords (sv: [...], da: [...], en: [...])"
                     if model is Words else "a mapping")
            self.problem(node, f"{where}: expected {shape}, got {_describe(value)}")
            return
        if kind in ("tuple_type", "list_type"):
            self.problem(node, f"{where}: expected a list of keywords ([konsert, -konsert]), "
                         f"got {_describe(value)}")
            return
        message = friendly(CategoriesFile, error)
        if kind == "string_type" and isinstance(value, bool | int | float):
            message += " (YAML reads yes/no/on/off and numbers as values); quote it"
        self.problem(node, f"{where}: {message}")

    # -- cross-checks and compiling -------------------------------------------------------------------------

    def compile(self, model: CategoriesFile) -> CategoryRules:
        categories_node = lookup(self.root, "categories")[0]
        for category in CATEGORIES:
            if category not in model.categories:
                self.problem(categories_node, f"categories: no entry for {category!r}; its events keep their "
                             "source's category and have no sub-tags")
        rules: list[Rule] = []
        names: dict[str, dict[Language, str]] = {}
        seen_tags: dict[str, str] = {}  # sub-tag id -> category that has it
        seen_words: dict[tuple[str, Any], tuple[str, int | None]] = {}  # (scope, pattern) -> (rule, line)
        for category, entry in model.categories.items():
            names[category] = entry.names.model_dump()
            base = ("categories", category)
            parts: list[tuple[str | None, tuple[Any, ...], Any]] = [(None, base, entry)]
            for tag, sub in entry.tags.items():
                if tag in seen_tags:
                    self.problem(lookup(locate(self.root, (*base, "tags")), tag)[0],
                                 f"{_where((*base, 'tags', tag))}: sub-tag {tag!r} is already a sub-tag of "
                                 f"{seen_tags[tag]!r}; an id can belong to one category only — left out")
                    continue
                seen_tags[tag] = category
                names[tag] = sub.names.model_dump()
                parts.append((tag, (*base, "tags", tag), sub))
            for tag, loc, part in parts:
                rule_label = f"{category}/{tag}" if tag else category
                matchers = {scope: self.matchers(part, loc, scope, rule_label, seen_words)
                            for scope in _WORD_FIELDS}
                ident = tag or category
                rules.append(Rule(
                    order=len(rules), category=category, tag=tag,
                    secondary=bool(getattr(part, "secondary", False)),
                    keywords=matchers["keywords"], venues=matchers["venues"], exclude=matchers["exclude"],
                    id_matcher=compile_keyword(ident, "en"),
                ))
        return CategoryRules(rules=tuple(rules), names=names)

    def matchers(self, part: Any, loc: tuple[Any, ...], scope: str, rule_label: str,
                 seen: dict[tuple[str, Any], tuple[str, int | None]]) -> tuple[Matcher, ...]:
        """The compiled keywords of one scope of one rule; a keyword another rule already has is left out."""
        words: Words | None = getattr(part, scope, None)
        found: list[Matcher] = []
        for language, keyword in words.items() if words is not None else ():
            node, index = self.keyword_node((*loc, scope, language), keyword)
            line = node.start_mark.line + 1 if node is not None else None
            matcher = compile_keyword(keyword, language, line)
            if scope != "exclude":
                owner = seen.get((scope, matcher.identity))
                if owner is not None and owner[0] != rule_label:
                    where = _where((*loc, scope, language) + ((index,) if index is not None else ()))
                    self.problem(node, f"{where}: {keyword!r} is already a "
                                 f"{scope[:-1]} of {owner[0]} (line {owner[1]}); a keyword can point one way "
                                 "only — left out here")
                    continue
                if owner is not None:
                    continue  # the same word in two languages of one rule: once is enough
                seen[scope, matcher.identity] = (rule_label, line)
            found.append(matcher)
        return tuple(found)

    def keyword_node(self, loc: tuple[Any, ...], keyword: str) -> tuple[Node | None, int | None]:
        """The node of ``keyword`` in the list at ``loc`` and its index there: found by its text, because
        keywords that were left out shifted the indexes of the validated list."""
        node = locate(self.root, loc)
        items = node.value if isinstance(node, SequenceNode) else [node]
        for index, item in enumerate(items):
            text = item.value if isinstance(item.value, str) else None
            if id(item) not in self._used_nodes and text is not None and text.strip() == keyword:
                self._used_nodes.add(id(item))
                return item, (index if isinstance(node, SequenceNode) else None)
        return node, None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing (null)"
    return f"{'text' if isinstance(value, str) else 'the value'} {show(value)}"
