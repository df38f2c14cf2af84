"""Document text with extracted items as nested, escaped highlight marks."""

from __future__ import annotations

from markupsafe import Markup, escape

HIGHLIGHTED = ("entity", "quantity", "testimony")


def _tree(items: list[dict]) -> list[dict]:
    """Nest items contained in others; an item that only partly overlaps a kept one is left out."""
    roots: list[dict] = []
    stack: list[dict] = []
    for it in sorted(items, key=lambda i: (i["start"], -i["end"])):
        node = dict(it, children=[])
        while stack and stack[-1]["end"] <= node["start"]:
            stack.pop()
        if stack and node["end"] > stack[-1]["end"]:
            continue  # crosses its parent's end
        (stack[-1]["children"] if stack else roots).append(node)
        stack.append(node)
    return roots


def render(text: str, items: list[dict], extra: tuple[int, int] | None = None) -> Markup:
    """HTML for ``text`` with <mark> elements for items (and one extra span, e.g. a citation)."""
    marks = [i for i in items if i["item_type"] in HIGHLIGHTED and 0 <= i["start"] < i["end"] <= len(text)]
    if extra and 0 <= extra[0] < extra[1] <= len(text):
        a, b = extra  # the cited span always shows; marks crossing its edges give way
        marks = [m for m in marks if m["end"] <= a or m["start"] >= b
                 or (m["start"] <= a and b <= m["end"]) or (a <= m["start"] and m["end"] <= b)]
        marks.append({"id": None, "item_type": "cited", "label": "cited", "start": extra[0],
                      "end": extra[1]})

    def emit(nodes: list[dict], lo: int, hi: int) -> str:
        out, pos = [], lo
        for n in nodes:
            out.append(str(escape(text[pos:n["start"]])))
            cls = f"hl hl-{n['item_type']} hl-{n['label']}"
            data = f' data-item="{n["id"]}"' if n["id"] is not None else ""
            out.append(f'<mark class="{escape(cls)}" id="span-{n["start"]}-{n["end"]}"{data} '
                       f'tabindex="0">{emit(n["children"], n["start"], n["end"])}</mark>')
            pos = n["end"]
        out.append(str(escape(text[pos:hi])))
        return "".join(out)

    return Markup(emit(_tree(marks), 0, len(text)))
