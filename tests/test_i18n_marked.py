"""Every string a person reads on a page is marked for translation: literal text in templates and
the texts Python hands to pages (flash messages, form labels and messages). Data reaches templates
through expressions, so any letters left in a template's own HTML are an unmarked string."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
#: Attributes people read (tooltips, screen readers, empty fields).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
#: The product's name, units and an algorithm's name are written the same in both languages.
NAMES = {"Coverdesk", "KB", "SHA-256"}
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
#: Jinja: comments, {% trans %} blocks (marked), other statements, expressions.
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
COMMENT = re.compile(r"{#.*?#}", re.S)
STATEMENT = re.compile(r"{%.*?%}", re.S)
EXPRESSION = re.compile(r"{{.*?}}", re.S)


class Texts(HTMLParser):
    """The text content and read attributes of an HTML page, outside script and style."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.found.append(f'{name}="{value}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.found.append(data.strip())


def unmarked_in_template(source: str) -> list[str]:
    source = TRANS_BLOCK.sub(" ", COMMENT.sub(" ", source))
    source = EXPRESSION.sub(" ", STATEMENT.sub(" ", source))
    parser = Texts()
    parser.feed(source)
    texts = []
    for text in parser.found:
        rest = text
        for name in NAMES:
            rest = rest.replace(name, "")
        if LETTERS.search(rest.split("=", 1)[1] if rest.startswith(tuple(READ_ATTRIBUTES)) else rest):
            texts.append(text)
    return texts


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_unmarked_text(path: Path):
    unmarked = unmarked_in_template(path.read_text())

    assert not unmarked, f"{path.relative_to(PROJECT_ROOT)}: not marked for translation: {unmarked}"


def test_the_check_finds_unmarked_text_and_lets_marked_text_and_data_pass():
    source = """<h1>{{ _('Orders') }}</h1><p title="Hint">{{ order.order_no }} · {{ n }}</p>
    {% trans count=n %}one case{% pluralize %}{{ count }} cases{% endtrans %}
    <button aria-label="{{ _('Close') }}">Save</button><script>var a = "x";</script> Coverdesk"""

    assert unmarked_in_template(source) == ['title="Hint"', "Save"]


#: WTForms fields and validators whose first argument (label or message) is shown on pages.
FIELDS = re.compile(r"^[A-Z]\w*Field$")
MESSAGE_CALLS = {"flash", "ValidationError"}


def literal_text(node) -> bool:
    """A plain or f-string literal with letters: text that was not passed through gettext."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(LETTERS.search(node.value))
    return isinstance(node, ast.JoinedStr)


def unmarked_in_python(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        shown = name in MESSAGE_CALLS or FIELDS.match(name)
        label = next((k.value for k in node.keywords if k.arg in ("label", "message")), None)
        for argument in [node.args[0], *([label] if label is not None else [])]:
            if shown and literal_text(argument):
                found.append(f"line {node.lineno}: {name}({ast.unparse(argument)[:60]})")
    return found


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (PROJECT_ROOT / "portal").rglob("*.py") if "migrations" not in p.parts),
    ids=lambda p: str(p.relative_to(PROJECT_ROOT)),
)
def test_flash_messages_and_form_labels_are_marked(path: Path):
    unmarked = unmarked_in_python(path.read_text())

    assert not unmarked, f"{path.relative_to(PROJECT_ROOT)}: not marked for translation: {unmarked}"


def test_the_python_check_finds_unmarked_messages():
    source = """
flash("Saved.", "success")
flash(_("Saved."), "success")
name = StringField("Name", validators=[])
code = StringField(_l("Code"))
raise ValidationError(f"too long: {n}")
"""
    assert unmarked_in_python(source) == [
        "line 2: flash('Saved.')",
        "line 4: StringField('Name')",
        "line 6: ValidationError(f'too long: {n}')",
    ]
