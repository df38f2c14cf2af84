"""Extension points: a separate plugin package adds a file format and a screening rule.

The plugin is a real distribution on disk (a package and its ``.dist-info`` with
``entry_points.txt``, as ``pip install`` leaves them) put on ``PYTHONPATH``; the installed
``harvestwatch`` command then lists it and uses it, with no change to harvestwatch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harvestwatch.core import plugins
from harvestwatch.ingest.formats import FORMATS

HW = str(Path(sys.executable).with_name("harvestwatch"))

PLUGIN = '''
"""A research group's own formats and rules, shipped apart from harvestwatch."""
from harvestwatch.ingest.document import ParsedDocument
from harvestwatch.screen.flags import Evidence, Flag


def field_note(data, request):
    """Field notes: a 'TITLE:' line, then the note."""
    head, _, body = data.decode("utf-8").partition("\\n")
    return [ParsedDocument(text=body.strip(), raw=data, mime="text/x-field-note", language="en",
                           title=head.removeprefix("TITLE:").strip())]


field_note.extensions = (".fieldnote",)


def tagged_years(texts, languages):
    """An extractor: one marker per four-digit year (a real one returns items like the built-in)."""
    import re
    return [[("year", m.start(), m.end()) for m in re.finditer(r"\\b(19|20)\\d\\d\\b", t)] for t in texts]


def organ_broker(text, year):
    """Flags a record that names an organ broker."""
    i = text.lower().find("organ broker")
    if i < 0:
        return None
    return Flag("organ_broker", "the record names an organ broker", (Evidence.of(text, i, i + 12),))
'''

ENTRY_POINTS = """[harvestwatch.formats]
field_note = hw_fieldwork:field_note
html = hw_fieldwork:field_note

[harvestwatch.screen_rules]
organ_broker = hw_fieldwork:organ_broker

[harvestwatch.extractors]
tagged_years = hw_fieldwork:tagged_years
"""

RIS = """TY  - JOUR
TI  - Kidney transplantation outcomes in a regional centre
AB  - We report outcomes of 40 kidney transplants. An organ broker arranged several of the grafts.
PY  - 2012
ER  -
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    (site / "hw_fieldwork").mkdir()
    (site / "hw_fieldwork" / "__init__.py").write_text(PLUGIN)
    info = site / "hw_fieldwork-0.3.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hw-fieldwork\nVersion: 0.3.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    (info / "top_level.txt").write_text("hw_fieldwork\n")
    return site


def _hw(args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([HW, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def env(plugin_path, tmp_path) -> dict:
    return os.environ | {"PYTHONPATH": str(plugin_path), "HARVESTWATCH_STORE": str(tmp_path / "store"),
                         "HARVESTWATCH_ACTOR": "test"}


def test_builtins_are_registered_as_entry_points():
    names = {p.name for p in plugins.registered("harvestwatch.formats") if p.builtin}
    assert names == set(FORMATS)
    rules = [p for p in plugins.registered("harvestwatch.screen_rules") if p.builtin]
    assert [p.value for p in rules] == ["harvestwatch.screen.detectors:BUILTIN"]


def test_plugins_lists_builtins_and_an_installed_plugin(env, tmp_path):
    bare = _hw(["plugins", "--json"], os.environ | {"HARVESTWATCH_STORE": str(tmp_path / "s")}, tmp_path)
    assert bare.returncode == 0, bare.stderr
    assert not [p for p in json.loads(bare.stdout) if p["distribution"] == "hw-fieldwork"]
    out = _hw(["plugins", "--json"], env, tmp_path)
    assert out.returncode == 0, out.stderr
    listed = {(p["group"], p["name"], p["distribution"]): p for p in json.loads(out.stdout)}
    note = listed[("harvestwatch.formats", "field_note", "hw-fieldwork")]
    assert note["module"] == "hw_fieldwork" and note["version"] == "0.3.1" and note["active"]
    assert listed[("harvestwatch.screen_rules", "organ_broker", "hw-fieldwork")]["active"]
    # a plugin cannot take a built-in's name: it is listed, and shown as not used
    assert not listed[("harvestwatch.formats", "html", "hw-fieldwork")]["active"]
    assert listed[("harvestwatch.formats", "html", "harvestwatch")]["active"]
    table = _hw(["plugins"], env | {"COLUMNS": "200"}, tmp_path).stdout
    assert "hw-fieldwork" in table and "shadowed by the built-in" in table


def test_a_plugin_format_is_used_to_ingest(env, tmp_path):
    note = tmp_path / "interview.fieldnote"
    note.write_text("TITLE: Interview with a former surgeon\nHe said kidneys were matched within days.\n")
    ingest = _hw(["ingest", str(note), "--no-extract"], env, tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    shown = json.loads(_hw(["show", "1", "--json"], env, tmp_path).stdout)
    assert shown["title"] == "Interview with a former surgeon"
    assert shown["text"] == "He said kidneys were matched within days."
    assert "field_note" in json.dumps(shown)
    # without the plugin the same file is plain text, title line included
    plain = _hw(["--store", str(tmp_path / "plain"), "ingest", str(note), "--no-extract"],
                env | {"PYTHONPATH": ""}, tmp_path)
    assert plain.returncode == 0, plain.stderr
    text = json.loads(_hw(["--store", str(tmp_path / "plain"), "show", "1", "--json"],
                          env | {"PYTHONPATH": ""}, tmp_path).stdout)["text"]
    assert text.startswith("TITLE:")


def test_a_plugin_rule_flags_records(env, tmp_path):
    ris = tmp_path / "records.ris"
    ris.write_text(RIS)
    assert _hw(["screen", "import", str(ris)], env, tmp_path).returncode == 0
    run = _hw(["screen", "run"], env, tmp_path)
    assert run.returncode == 0, run.stderr
    flags = json.loads(_hw(["screen", "flags", "--rule", "organ_broker", "--json"], env, tmp_path).stdout)
    assert len(flags) == 1 and "organ broker" in json.dumps(flags)
    # without the plugin the rule is unknown, and a rerun re-screens under the built-in rules only
    refused = _hw(["screen", "flags", "--rule", "organ_broker"], env | {"PYTHONPATH": ""}, tmp_path)
    assert refused.returncode == 2 and "unknown rule" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_broken_plugin_is_named_not_a_traceback(plugin_path, tmp_path):
    site = tmp_path / "broken-site"
    info = site / "hw_broken-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hw-broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[harvestwatch.screen_rules]\nghost = hw_missing_module:rule\n")
    env = os.environ | {"PYTHONPATH": str(site), "HARVESTWATCH_STORE": str(tmp_path / "store")}
    listed = _hw(["plugins", "--json"], env, tmp_path)  # listing does not import plugins
    assert listed.returncode == 0 and "hw-broken" in listed.stdout
    run = _hw(["screen", "run"], env, tmp_path)  # screening needs every rule: it stops, saying why
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "hw_missing_module:rule of hw-broken 1.0 cannot be loaded" in run.stderr


def test_a_plugin_extractor_runs_after_the_builtin(plugin_path, monkeypatch):
    import importlib

    from harvestwatch.extract import registry

    monkeypatch.syspath_prepend(str(plugin_path))
    importlib.invalidate_caches()
    plugins.reset()
    registry.extractors.cache_clear()
    try:
        names = [name for name, _, _ in registry.extractors()]
        assert names == ["builtin", "tagged_years"]
        assert registry.EXTRACTOR_VERSION.endswith("+tagged_years@hw-fieldwork-0.3.1")
        text = "Dr. Wang said 120 kidney transplants were done in 2015."
        items = registry.extract_all([text], ["en"])[0]
        assert items[-1] == ("year", text.index("2015"), text.index("2015") + 4)
        assert len(items) > 1  # the built-in pipeline's items come first
    finally:
        monkeypatch.undo()
        plugins.reset()
        registry.extractors.cache_clear()
    assert [name for name, _, _ in registry.extractors()] == ["builtin"]
