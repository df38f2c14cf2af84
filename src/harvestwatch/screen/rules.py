"""The screening rules in force: every rule set registered in the ``harvestwatch.screen_rules``
entry-point group (the built-in six from ``screen.detectors``, then any plugin's).

A plugin registers either a ``RuleSet`` (batch screening, several rules) or one function
``rule(text, year) -> Flag | None`` whose rule name is its entry-point name. A rule set with
``reads_facts`` is also given each record's ``Facts`` (affiliations, language, journal, whether
a full text follows the abstract). The screening
version names every rule set and its version, so installing or upgrading a plugin re-screens
records screened without it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harvestwatch.core import plugins
from harvestwatch.screen.flags import Flag
from harvestwatch.screen.records import Facts

GROUP = "harvestwatch.screen_rules"


@dataclass(frozen=True)
class RuleSet:
    """Rules screened together: their names, the batch function, and a version to record."""

    rules: tuple[str, ...]
    screen: Callable[..., list[list[Flag]]]  # (texts, years[, facts]) -> flags per record
    version: str
    reads_facts: bool = False


def _one_rule(name: str, rule: Callable[[str, int | None], Flag | None], version: str) -> RuleSet:
    def screen(texts: Sequence[str], years: Sequence[int | None]) -> list[list[Flag]]:
        out = []
        for text, year in zip(texts, years, strict=True):
            flag = rule(text, year)
            out.append([flag] if flag is not None else [])
        return out
    return RuleSet(rules=(name,), screen=screen, version=f"{name}@{version}")


@functools.cache
def rule_sets() -> tuple[RuleSet, ...]:
    """Every registered rule set, built-ins first; a rule name already taken is dropped."""
    found: list[RuleSet] = []
    for plugin in plugins.active(GROUP).values():
        obj = plugins.load(GROUP, plugin.name)
        if isinstance(obj, RuleSet):
            found.append(obj if plugin.builtin else RuleSet(obj.rules, obj.screen,
                                                            f"{obj.version}@{plugin.version}", obj.reads_facts))
        elif callable(obj):
            found.append(_one_rule(plugin.name, obj, plugin.version))
        else:
            raise TypeError(f"screening rule entry point {plugin.value} is neither a RuleSet nor a function")
    return tuple(found)


def screen_texts(texts: Sequence[str], years: Sequence[int | None],
                 facts: Sequence[Facts] | None = None) -> list[list[Flag]]:
    """Flags per record from every rule set, in rule-set order."""
    out: list[list[Flag]] = [[] for _ in texts]
    for rule_set in rule_sets():
        found = rule_set.screen(texts, years, facts) if rule_set.reads_facts else rule_set.screen(texts, years)
        for k, flags in enumerate(found):
            out[k].extend(f for f in flags if f.rule in rule_set.rules)
    return out


def __getattr__(name: str):
    """``RULES`` (every rule name in force) and ``VERSION`` (what screened a record), computed
    from the registered rule sets on first use."""
    if name == "RULES":
        return tuple(dict.fromkeys(r for rs in rule_sets() for r in rs.rules))
    if name == "VERSION":
        return "+".join(rs.version for rs in rule_sets())
    raise AttributeError(name)
