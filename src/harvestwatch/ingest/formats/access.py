"""Microsoft Access databases (.mdb, .accdb): every table as CSV text, read with ``mdb-tables``
and ``mdb-export`` (Debian mdbtools).

Each table becomes a ``Table: name`` heading, then its header row and one tab-separated line a
record, as workbook sheets do. A table that cannot be exported is named in
``metadata["skipped"]``; the others are kept.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from harvestwatch.core.errors import EmptyInput
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.language import detect_language
from harvestwatch.ingest.tools import failure, require, run_tool

MAX_TABLES = 1000


def parse_access(data: bytes, source: str) -> list[ParsedDocument]:
    """One document holding every user table's rows."""
    tables_bin = require("mdb-tables", source, "Microsoft Access database")
    export_bin = require("mdb-export", source, "Microsoft Access database")
    with tempfile.TemporaryDirectory(prefix="hw-mdb-") as tmp:
        path = Path(tmp) / "input.mdb"
        path.write_bytes(data)
        listed = run_tool([tables_bin, "-1", str(path)], source)
        if listed.returncode != 0:
            raise failure(listed, source, "Microsoft Access database")
        names = [n for n in listed.stdout.decode("utf-8", "replace").splitlines() if n.strip()]
        blocks, tables, skipped = [], [], []
        for name in names[:MAX_TABLES]:
            exported = run_tool([export_bin, str(path), name], source)
            if exported.returncode != 0:
                skipped.append(f"{name}: {failure(exported, source, 'table').reason}")
                continue
            rows = list(csv.reader(io.StringIO(exported.stdout.decode("utf-8", "replace"))))
            lines = ["\t".join(" ".join(c.split()) for c in row).rstrip("\t") for row in rows]
            lines = [ln for ln in lines if ln.strip()]
            tables.append({"name": name, "rows": max(len(rows) - 1, 0)})
            if lines:
                blocks.append(f"Table: {name}\n" + "\n".join(lines))
    if len(names) > MAX_TABLES:
        skipped.append(f"{len(names) - MAX_TABLES} more tables past the first {MAX_TABLES}")
    text = normalise_text("\n\n".join(blocks))
    if not text:
        raise EmptyInput(source, "Microsoft Access database has no tables with rows"
                         + (f" ({skipped[0]})" if skipped else ""))
    return [ParsedDocument(text=text, raw=data, mime="application/x-msaccess",
                           language=detect_language(text),
                           metadata={"tables": tables, "skipped": skipped,
                                     "converter": "mdbtools"})]
