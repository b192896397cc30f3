"""A page read the way MyST reads it, for the rules: blocks of inline content with their lines.

The page is tokenized by MyST's own Markdown parser with the extensions of
``conf.py``; the bodies of directives (``:::{key-points}``, ``{list-table}``...)
are parsed in turn, so every paragraph, heading, table cell and directive
option knows its line in the file and the directives it sits in.
"""

import functools
import re
import runpy
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

# Directives whose body is not Markdown: code, raw text, lists of names, generated content.
NOT_MARKDOWN = {
    "code",
    "code-block",
    "sourcecode",
    "literalinclude",
    "math",
    "raw",
    "index",
    "toctree",
    "include",
    "bibliography",
    "footbibliography",
    "dose-table",
    "dose-example",
    "csv-table",
    "eval-rst",
    "mermaid",
    "graphviz",
}
PROSE_OPTIONS = {"sources", "alt"}  # directive options whose value is prose
_DIRECTIVE = re.compile(r"^\{([\w:.-]+)\}\s*(.*)$")
_OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")


@dataclass
class Span:
    """One piece of inline content."""

    kind: str  # text | break (a line break) | role | link | image | html | code
    line: int
    text: str  # the text, role content, link address, image address or raw HTML
    name: str = ""  # the role's name ("cite:p", "dose") or the image's alt text
    autolink: bool = False  # a <https://...> link that shows its own address


@dataclass
class Block:
    """The inline content of one paragraph, heading, table cell, caption or directive option."""

    line: int
    spans: list[Span]
    within: tuple[str, ...]  # the directives it sits in, outermost first ("list-table", "key-points")
    unit: int  # the paragraph, table row or list item it belongs to
    part: str = "paragraph"  # paragraph | heading | caption | option
    level: int = 0  # heading level
    header: bool = False  # in a header row of a table
    table: int = 0  # the table it is a cell of (0: none)
    column: int = 0  # its column in that table, from 1

    def text(self) -> str:
        return "".join(
            span.text if span.kind == "text" else "\n" if span.kind == "break" else " " for span in self.spans
        )


@dataclass
class Directive:
    name: str
    argument: str
    options: dict[str, str]
    line: int
    within: tuple[str, ...]
    body: str
    body_line: int  # line of the body's first line


@dataclass
class Page:
    path: Path
    text: str
    meta: dict = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    html: list[tuple[int, str]] = field(default_factory=list)  # raw HTML blocks: (line, content)
    targets: list[tuple[int, str]] = field(default_factory=list)  # (label)= lines
    code_lines: set[int] = field(default_factory=set)  # lines inside code blocks
    first_line: int = 1  # the first line after the front matter

    @property
    def kind(self) -> str:
        return str(self.meta.get("kind", ""))

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def myst_extensions(confdir: Path) -> set[str]:
    """The MyST extensions conf.py enables (the linter parses exactly as the build does)."""
    return set(runpy.run_path(str(confdir / "conf.py")).get("myst_enable_extensions", []))


@functools.lru_cache(maxsize=4)
def parser(extensions: frozenset[str]) -> MarkdownIt:
    md = create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)
    md.validateLink = lambda url: True  # keep javascript: and data: links, to report them
    return md


class _Reader:
    def __init__(self, page: Page, md: MarkdownIt):
        self.page, self.md, self.units = page, md, 0

    def new_unit(self) -> int:
        self.units += 1
        return self.units

    def read(self, text: str, offset: int, within: tuple[str, ...], header_rows: int = 0) -> None:
        """Walk the tokens of ``text``, whose first line is line ``offset + 1`` of the file."""
        row, rows, unit, level, pending, head, column = None, -1, None, 0, None, False, 0
        table = self.new_unit() if within[-1:] == ("list-table",) else 0
        for token in self.md.parse(text):
            line = offset + token.map[0] + 1 if token.map else None
            if token.type == "front_matter":
                try:
                    self.page.meta = yaml.safe_load(token.content) or {}
                except yaml.YAMLError:
                    self.page.meta = {}  # the build reports it, with the file
                self.page.first_line = token.map[1] + 1
            elif token.type == "myst_target":
                self.page.targets.append((line, token.content))
            elif token.type == "html_block":
                self.page.html.append((line, token.content))
            elif token.type in ("fence", "colon_fence"):
                self._fence(token, line, within)
            elif token.type == "code_block":
                self.page.code_lines.update(range(line, offset + token.map[1] + 1))
            elif token.type == "heading_open":
                pending, level = "heading", int(token.tag[1])
            elif token.type == "list_item_open" and table and token.level == 1:
                row, rows, column = self.new_unit(), rows + 1, 0
            elif token.type == "list_item_open" and table and token.level == 3:
                column += 1
            elif token.type == "table_open":
                table = self.new_unit()
            elif token.type == "tr_open":
                unit, column = self.new_unit(), 0
            elif token.type in ("th_open", "td_open"):
                column += 1
            elif token.type in ("thead_open", "thead_close"):
                head = token.type == "thead_open"
            elif token.type == "table_close":
                unit, table = None, 0
            elif token.type == "inline":
                spans = self.spans(token.children or [], line)
                in_row = row if row is not None else unit
                self.page.blocks.append(
                    Block(
                        line,
                        spans,
                        within,
                        in_row or self.new_unit(),
                        pending or "paragraph",
                        level if pending else 0,
                        head or (row is not None and rows < header_rows),
                        table,
                        column,
                    )
                )
                pending = None

    def _fence(self, token: Token, line: int, within: tuple[str, ...]) -> None:
        match = _DIRECTIVE.match(token.info.strip())
        if not match:
            self.page.code_lines.update(range(line, line + len(token.content.splitlines()) + 2))
            return
        name, argument = match.groups()
        body = token.content.splitlines()
        options, used = {}, 0
        if body[:1] == ["---"] and "---" in body[1:]:
            used = body.index("---", 1) + 1
            try:
                options = {k: str(v) for k, v in (yaml.safe_load("\n".join(body[1 : used - 1])) or {}).items()}
            except (yaml.YAMLError, AttributeError):
                pass  # the build reports the directive's options
        else:
            while used < len(body) and (option := _OPTION.match(body[used])):
                options[option.group(1)] = option.group(2)
                used += 1
        self.page.directives.append(
            Directive(name, argument, options, line, within, "\n".join(body[used:]), line + 1 + used)
        )
        inside = (*within, name)
        if argument and name not in NOT_MARKDOWN | {"image", "figure"}:
            self._inline(argument, line, inside, "caption")
        for number, (key, value) in enumerate(options.items()):
            if key in PROSE_OPTIONS:
                self._inline(value, line + 1 + number, (*inside, f":{key}"), "option")
        if name in NOT_MARKDOWN:
            if name != "raw":
                self.page.code_lines.update(range(line + 1, line + 1 + len(body)))
            return
        rows = str(options.get("header-rows", "0")).strip()
        header_rows = int(rows) if name == "list-table" and rows.isdigit() else 0
        self.read("\n".join(body[used:]), line + used, inside, header_rows)

    def _inline(self, text: str, line: int, within: tuple[str, ...], part: str) -> None:
        tokens = self.md.parseInline(text)
        spans = self.spans(tokens[0].children or [], line) if tokens else []
        self.page.blocks.append(Block(line, spans, within, self.new_unit(), part))

    @staticmethod
    def spans(children: list[Token], line: int) -> list[Span]:
        found = []
        for child in children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
                found.append(Span("break", line, "\n"))
            elif child.type == "text":
                found.append(Span("text", line, child.content))
            elif child.type == "myst_role":
                found.append(Span("role", line, child.content, child.meta.get("name", "")))
            elif child.type == "link_open":
                found.append(Span("link", line, str(child.attrs.get("href", "")), autolink=child.markup == "autolink"))
            elif child.type == "image":
                found.append(Span("image", line, str(child.attrs.get("src", "")), child.content))
            elif child.type == "html_inline":
                found.append(Span("html", line, child.content))
                line += child.content.count("\n")
            elif child.type == "code_inline":
                found.append(Span("code", line, child.content))
        return found


def read(path: Path, extensions: frozenset[str]) -> Page:
    """The page at ``path``, parsed."""
    page = Page(path, path.read_text(encoding="utf-8"))
    _Reader(page, parser(extensions)).read(page.text, 0, ())
    return page
