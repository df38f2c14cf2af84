"""Split archives (``name.7z.001``, ``name.7z.002``, …): read as one when every part lies beside
the first. The parts' bytes are joined in order (as ``cat name.7z.0*`` would) and stored as the
source; the document says which parts it was joined from. A later part met on its own is
refused with a reason naming its first part; in a folder walk it is skipped, being read with it.
"""

from __future__ import annotations

import os
import re

from harvestwatch.core.errors import InputError, InputTooLarge

_PART = re.compile(r"^(?P<stem>.+\.(?:7z|zip|rar|tar|tgz|gz|bz2|xz))\.(?P<n>\d{3})$", re.IGNORECASE)


def _part(path: str) -> tuple[str, int] | None:
    m = _PART.match(os.path.basename(path))
    return (path[: -4], int(m.group("n"))) if m else None


def parts_of(path: str) -> list[str] | None:
    """Every part, in order, when ``path`` is the first (``.001``) and ``.002`` lies beside it."""
    found = _part(path)
    if found is None or found[1] != 1:
        return None
    stem, parts = found[0], [path]
    while os.path.isfile(f"{stem}.{len(parts) + 1:03d}"):
        parts.append(f"{stem}.{len(parts) + 1:03d}")
    return parts if len(parts) > 1 else None


def first_part_of(path: str) -> str | None:
    """The first part beside ``path`` when ``path`` is a later part (``.002`` …) of one."""
    found = _part(path)
    if found is None or found[1] < 2:
        return None
    first = f"{found[0]}.001"
    return first if os.path.isfile(first) else None


def read_parts(parts: list[str], name: str, max_bytes: int) -> tuple[bytes, list[dict]]:
    """The parts' bytes joined, and each part's name and size (for the document's metadata)."""
    sizes = [os.path.getsize(p) for p in parts]
    if sum(sizes) > max_bytes:
        raise InputTooLarge(name, f"the {len(parts)} parts of this split archive make "
                                  f"{sum(sizes):,} bytes, over the {max_bytes:,}-byte cap")
    chunks = []
    for p in parts:
        try:
            with open(p, "rb") as fh:
                chunks.append(fh.read())
        except OSError as exc:
            raise InputError(name, f"part {os.path.basename(p)} cannot be read "
                                   f"({exc.strerror})") from None
    return b"".join(chunks), [{"name": os.path.basename(p), "size": s}
                              for p, s in zip(parts, sizes, strict=True)]
