"""The extractors in force: every entry point of the ``harvestwatch.extractors`` group, the
built-in pipeline (``builtin``, registered in pyproject.toml) first, then any plugin's.

An extractor takes a batch, ``extract(texts: list[str], languages: list[str])``, and returns one
list of items per text, the same kind of items the built-in pipeline returns (offsets into the
text it was given). The extractor version recorded on what was extracted names every extractor
and its package version, so installing or upgrading one re-extracts on the next run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from harvestwatch.core import plugins

GROUP = "harvestwatch.extractors"
Extractor = Callable[[Sequence[str], Sequence[str]], list[list]]


def builtin(texts: Sequence[str], languages: Sequence[str]) -> list[list]:
    """The built-in pipeline: entities, quantities, testimony and stance (``extract.pipeline``)."""
    from harvestwatch.extract.pipeline import extract_many

    return [result.to_items() for result in extract_many(list(texts), list(languages))]


@functools.cache
def extractors() -> tuple[tuple[str, Extractor, str], ...]:
    """(name, function, version) of every extractor, built-in first."""
    from harvestwatch.extract.pipeline import EXTRACTOR_VERSION as BUILTIN_VERSION

    found = []
    for plugin in plugins.active(GROUP).values():
        version = BUILTIN_VERSION if plugin.builtin else f"{plugin.name}@{plugin.distribution}-{plugin.version}"
        found.append((plugin.name, plugins.load(GROUP, plugin.name), version))
    return tuple(found)


def extract_all(texts: Sequence[str], languages: Sequence[str]) -> list[list]:
    """Items per text from every extractor, in extractor order."""
    out: list[list] = [[] for _ in texts]
    for _, extract, _ in extractors():
        for k, items in enumerate(extract(texts, languages)):
            out[k].extend(items)
    return out


def __getattr__(name: str):
    """``EXTRACTOR_VERSION``: the built-in pipeline's version, plus each plugin and its version."""
    if name == "EXTRACTOR_VERSION":
        return "+".join(version for _, _, version in extractors())
    raise AttributeError(name)
