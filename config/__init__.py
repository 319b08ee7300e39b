"""Source configuration: which publishers to crawl, how, and how often (``sources.yaml``).

``load_sources`` reads the file and never raises for bad content; see docs/config.md for every key.
"""

from config.loader import ConfigProblem, LoadedConfig, format_problems, load_sources
from config.schema import (
    SOURCE_CLASSES,
    SOURCE_TYPES,
    IcsSource,
    JsonLdSource,
    SourceBase,
    SourceConfig,
    SourcesFile,
)

__all__ = [
    "SOURCE_CLASSES",
    "SOURCE_TYPES",
    "ConfigProblem",
    "IcsSource",
    "JsonLdSource",
    "LoadedConfig",
    "SourceBase",
    "SourceConfig",
    "SourcesFile",
    "format_problems",
    "load_sources",
]
