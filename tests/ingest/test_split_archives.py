"""A split 7z whose parts all lie together is read as one archive; a later part alone is named
and refused; a first part without the others keeps its one-line reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.store.models import Document, Source

FIXTURES = Path(__file__).with_name("fixtures")


def _split(folder: Path) -> bytes:
    """Aleph's 500_pages.7z cut as 7-Zip cuts volumes: .001 is the first 10,240 bytes (Aleph's
    own 500_pages.7z.001), .002 the rest."""
    data = (FIXTURES / "500_pages.7z").read_bytes()
    folder.mkdir()
    (folder / "500_pages.7z.001").write_bytes(data[:10240])
    (folder / "500_pages.7z.002").write_bytes(data[10240:])
    return data


def test_parts_in_one_folder_are_read_as_one_archive(sqlite_store, tmp_path):
    whole = _split(tmp_path / "leak")
    report = ingest_paths(sqlite_store, [str(tmp_path / "leak")])
    by_name = {Path(r.input).name: r for r in report.results}
    assert by_name["500_pages.7z.001"].status == "stored", by_name
    assert by_name["500_pages.7z.002"].status == "skipped"
    assert "a later part of the split archive" in by_name["500_pages.7z.002"].error
    assert by_name["500_pages.7z.001"].sha256 == hashlib.sha256(whole).hexdigest()
    with sqlite_store.session() as s:
        docs = list(s.scalars(select(Document).order_by(Document.id)))
        archive, pdf = docs[0], docs[1]
        assert archive.meta["joined_from"] == [{"name": "500_pages.7z.001", "size": 10240},
                                               {"name": "500_pages.7z.002", "size": len(whole) - 10240}]
        assert "500 pages.pdf" in archive.text and pdf.mime == "application/pdf"
        assert len(pdf.pages) == 500 and pdf.text.strip()
        src = s.scalar(select(Source))
        assert sqlite_store.blobs.read(src.blob_sha256) == whole  # the parts, joined in order


def test_a_later_part_alone_names_its_first_part_and_a_lone_first_part_says_join(sqlite_store, tmp_path):
    _split(tmp_path / "leak")
    later = ingest_paths(sqlite_store, [str(tmp_path / "leak" / "500_pages.7z.002")])
    assert later.results[0].status == "failed"
    assert "ingest its first part" in later.results[0].error and "500_pages.7z.001" in later.results[0].error
    (tmp_path / "leak" / "500_pages.7z.002").unlink()
    alone = ingest_paths(sqlite_store, [str(tmp_path / "leak" / "500_pages.7z.001")])
    assert alone.results[0].status == "failed"
    assert alone.results[0].error.startswith("first part of a split 7z archive: join the parts")
