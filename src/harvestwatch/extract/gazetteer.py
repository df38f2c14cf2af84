"""Domain gazetteers (YAML data files): canonical names, labels and cross-language aliases."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from harvestwatch.core.errors import ValidationError
from harvestwatch.core.folding import fold_chinese


@dataclass(frozen=True)
class Entry:
    name: str
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def surface_forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass
class Gazetteer:
    entries: list[Entry] = field(default_factory=list)
    hospital_suffixes_en: list[str] = field(default_factory=list)
    hospital_suffixes_zh: list[str] = field(default_factory=list)
    victim_heads_en: list[str] = field(default_factory=list)
    victim_modifiers_en: list[str] = field(default_factory=list)

    def lookup(self, surface: str) -> Entry | None:
        """The entry whose name or alias equals ``surface`` (case-insensitive)."""
        return self._index().get(_key(surface))

    @functools.cache  # noqa: B019 - gazetteers live for the process
    def _index(self) -> dict[str, Entry]:
        index: dict[str, Entry] = {}
        for entry in self.entries:
            for form in entry.surface_forms:
                index.setdefault(_key(form), entry)
        return index

    def __hash__(self) -> int:
        return id(self)


def _key(s: str) -> str:
    s = fold_chinese(s.strip().lower())  # one key for both Chinese scripts
    return s[4:] if s.startswith("the ") else s


def load_file(path: Path | str, text: str | None = None) -> tuple[list[Entry], dict]:
    """Entries of one gazetteer file; raises ValidationError naming the file and entry."""
    data = yaml.safe_load(text if text is not None else Path(path).read_text(encoding="utf-8")) or {}
    label = data.get("label")
    if not label:
        raise ValidationError(str(path), "missing top-level 'label'")
    entries = []
    for i, raw in enumerate(data.get("entries") or []):
        if not isinstance(raw, dict) or not raw.get("name"):
            raise ValidationError(f"{path} entry {i + 1}", "each entry needs a 'name'")
        aliases = tuple(str(a) for a in (raw.get("aliases") or []))
        entries.append(Entry(str(raw["name"]), raw.get("label", label), aliases))
    return entries, data


@functools.cache
def load_gazetteer(extra_dir: str | None = None) -> Gazetteer:
    """The bundled gazetteers, plus every ``*.yaml`` in ``extra_dir`` (a researcher's additions)."""
    gaz = Gazetteer()
    files = [(f.name, f.read_text(encoding="utf-8"))
             for f in resources.files("harvestwatch.extract").joinpath("gazetteers").iterdir()
             if f.name.endswith(".yaml")]
    if extra_dir:
        files += [(str(p), p.read_text(encoding="utf-8")) for p in sorted(Path(extra_dir).glob("*.yaml"))]
    for name, text in sorted(files):
        entries, data = load_file(name, text)
        gaz.entries.extend(entries)
        gaz.hospital_suffixes_en.extend(data.get("suffixes_en") or [])
        gaz.hospital_suffixes_zh.extend(data.get("suffixes_zh") or [])
        gaz.victim_heads_en.extend(data.get("heads_en") or [])
        gaz.victim_modifiers_en.extend(data.get("modifiers_en") or [])
    return gaz
