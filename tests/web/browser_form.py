"""What a browser sends when a form is submitted, read from the page's HTML: the successful
controls of one form, in document order (HTML Living Standard, "constructing the entry list").

Tests post exactly this, so a field the template forgets to render, to fill or to select is
lost here as it would be in a browser.
"""

from __future__ import annotations

from html.parser import HTMLParser

TEXT_INPUTS = {
    "",
    "text",
    "hidden",
    "number",
    "date",
    "datetime-local",
    "email",
    "tel",
    "password",
    "search",
}


class _FormParser(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.entries: list[tuple[str, str]] = []
        self._select: dict[str, object] | None = None
        self._option: dict[str, object] | None = None
        self._textarea: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and found.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "disabled" in found:
            return
        name = found.get("name")
        if tag == "input" and name:
            kind = (found.get("type") or "").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in found:
                    self.entries.append((name, found.get("value") or "on"))
            elif kind in TEXT_INPUTS:
                self.entries.append((name, found.get("value") or ""))
        elif tag == "select" and name:
            self._select = {"name": name, "options": [], "selected": None}
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": found.get("value"),
                "text": "",
                "selected": "selected" in found,
            }
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] = str(self._option["text"]) + data
        if self._textarea is not None:
            self._textarea["text"] = str(self._textarea["text"]) + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value = self._option["value"]
            chosen = str(value) if value is not None else str(self._option["text"]).strip()
            options = self._select["options"]
            assert isinstance(options, list)
            options.append(chosen)
            if self._option["selected"]:
                self._select["selected"] = chosen
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            assert isinstance(options, list)
            picked = self._select["selected"] or (options[0] if options else None)
            if picked is not None:
                self.entries.append((str(self._select["name"]), str(picked)))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = str(self._textarea["text"])
            self.entries.append((str(self._textarea["name"]), text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False


def submitted(html: str, form_id: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the browser would post for the form with this id."""
    parser = _FormParser(form_id)
    parser.feed(html)
    return parser.entries


def as_form_data(entries: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Entries as a test client's form data (repeated names as lists)."""
    data: dict[str, str | list[str]] = {}
    for name, value in entries:
        if name in data:
            previous = data[name]
            data[name] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            data[name] = value
    return data
