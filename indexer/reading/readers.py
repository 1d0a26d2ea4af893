"""Turn one corpus file (text, Markdown, HTML, PDF, Word, OpenDocument, e-mail) into a `Document`.

Every reader ends with the same tidying, so the rest of the indexer sees one shape of text:
NFC, `\\n` line ends, no trailing spaces, at most one blank line between paragraphs; then
mojibake is repaired (`mojibake`) in the text, the title and front matter strings,
before any date or title is read. Word and OpenDocument files are read by `office`,
e-mails by `mail` (their HTML part, when they have no plain one, by the HTML extractor).
A file that cannot be indexed raises `SkipFile` with a short reason instead of any other error,
so that one bad file never stops an indexing run.

Decoding: UTF-16 when the file starts with its BOM, else UTF-8 (BOM or not), else the charset an
HTML `<meta>` declares, else Windows-1252 as browsers read it (its five undefined bytes become
the Latin-1 code points, so decoding never fails). NUL bytes or many control characters mean a
binary file. Control characters left in the text are dropped; everything else stays as written.

HTML: the text of `<main>` and `<article>` when they hold text, else of `<body>`, else of the
whole page. Never kept: `<script>`, `<style>`, `<noscript>`, `<template>`, `<svg>`, `<canvas>`,
`<iframe>`, `<object>` (not prose), `<nav>`, `<footer>`, `<aside>`, `<form>` (site chrome and
boilerplate that would match every query). `<header>` is kept: inside `<main>`/`<article>` it
holds the headline and date; outside them it only matters on pages without `<main>`/`<article>`,
where it often holds the `<h1>`, and its menus sit in `<nav>`, which is dropped anyway.
A full page (with `<body>`) then loses the site chrome trafilatura recognises, and its headline
the site's name (`webpage`). Markdown is rendered to HTML by markdown-it-py and read by
the same extractor (whole page).
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import io
import logging
import math
import os
import re
import stat
import warnings
from collections.abc import Callable
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from indexer.analysis.normalize import fold, nfc
from indexer.reading.skip import SkipFile
from indexer.release import Document

# The parsers of each format (markdown-it, pypdf, python-docx, odfpy, trafilatura, ftfy) are
# imported when a file that needs them is read, not with this module: `orbite index` with
# nothing changed reads no file, and their imports were most of its time.

# libyaml's loader when PyYAML has it (10x faster), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 50 * 2**20

# Broken PDFs become SkipFile reasons; pypdf's own warnings about them would only be noise.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# Characters that are neither text nor line breaks (tab, LF, VT, FF and CR are allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_BINARY_SHARE = 0.1
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?\n)??(?:---|\.\.\.)[ \t]*(?:\n|$)", re.DOTALL)
_WINDOWS_1252 = "".join(
    bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(256)
)


def decode_text(data: bytes) -> str:
    """Decode a text file whatever editor wrote it, refusing binary data."""
    return _decode(data, None)


def _decode(data: bytes, declared: str | None) -> str:
    """Decode like `decode_text`, trying an HTML page's declared charset before Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data:
        raise SkipFile("binary file")
    else:
        text = _decode_8bit(data, declared)
    if len(_CONTROL.findall(text)) > _BINARY_SHARE * len(text):
        raise SkipFile("binary file")
    return nfc(text.replace("\r\n", "\n").replace("\r", "\n"))


def _decode_8bit(data: bytes, declared: str | None) -> str:
    for encoding in ("utf-8-sig", declared):
        if encoding:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    damaged = data.decode("utf-8-sig", errors="replace")
    if _mostly_utf8(damaged):  # a few bad bytes must not turn every accent into mojibake
        return damaged
    return codecs.charmap_decode(data, "strict", _WINDOWS_1252)[0]


def _mostly_utf8(text: str) -> bool:
    """Whether UTF-8 with replacements read more real accented characters than bad bytes.

    Windows-1252 text almost never holds valid multi-byte UTF-8 sequences (each of its
    accents is one bad byte), so a file with a fair share of them is damaged UTF-8.
    """
    bad = text.count("\ufffd")
    valid = sum(1 for c in text if not c.isascii()) - bad
    return valid * 4 >= bad


def _declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a `<meta>` tag, if Python knows it."""
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    # As in browsers: a page that can be read from its own bytes is never UTF-16 or UTF-32.
    return None if name.startswith(("utf-16", "utf-32")) else name


def _tidy(text: str) -> str:
    """Give every reader's output the same shape: NFC, no trailing spaces, single blank lines."""
    lines = nfc(text).splitlines()
    text = "\n".join(_CONTROL.sub("", line).rstrip() for line in lines)
    return _BLANK_LINES.sub("\n\n", text).strip("\n")


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Separate YAML front matter from the body; anything that is not a mapping stays body."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        front_matter = yaml.load(match.group(1) or "", Loader=_YAML_LOADER)
    except (yaml.YAMLError, ValueError):  # ValueError: an impossible date such as 2020-02-30
        return {}, text
    if front_matter is None:
        front_matter = {}
    if not isinstance(front_matter, dict):
        return {}, text
    return front_matter, text[match.end() :]


_CODE = frozenset({"script", "style", "noscript", "template"})
_EMBEDS = frozenset({"svg", "canvas", "iframe", "object"})
_CHROME = frozenset({"nav", "footer", "aside", "form"})
_DROPPED = _CODE | _EMBEDS | _CHROME
_CONTENT = frozenset({"main", "article"})
_LINE_BREAKS = frozenset({"br", "li", "dt", "dd", "tr", "thead", "tbody", "tfoot", "option"})
_SECTIONS = frozenset({"html", "body", "main", "article", "section", "header", "div", "address"})
_BLOCKS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "hr", "blockquote"})
_GROUPS = frozenset({"ul", "ol", "dl", "table", "caption", "figure", "figcaption"})
_PARAGRAPH_BREAKS = _SECTIONS | _BLOCKS | _GROUPS | {"details", "summary"}
_CELLS = frozenset({"td", "th"})
_META = frozenset({"og:title", "og:site_name", "article:published_time"})
_ISO_DATE = re.compile(r"\s*((?:19|20)\d\d)-(\d\d)-(\d\d)")
_VOID = frozenset({"br", "hr"})


class _TextExtractor(HTMLParser):
    """Collect the visible text of a page, each piece tagged with how central it is.

    Levels: 2 inside `<main>`/`<article>`, 1 elsewhere in `<body>`, 0 outside `<body>`.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[int, str]] = []
        self.headlines: list[tuple[int, str]] = []
        self.page_title: str | None = None
        self.meta: dict[str, str] = {}  # og:title, og:site_name, article:published_time
        self.times: list[str] = []  # the datetime of each <time> in <main>/<article>
        self._dropped: list[str] = []
        self._content = 0
        self._body = 0
        self._pre = 0
        self._headline: list[str] | None = None
        self._title: list[str] | None = None
        self._newlines = 0
        self._space = False

    @property
    def _level(self) -> int:
        return 2 if self._content else 1 if self._body else 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self._dropped.append(tag)
        if self._dropped:
            return
        self._enter(tag, 1)
        if tag == "meta":
            self._meta(dict(attrs))
        elif tag == "time" and self._content:
            self.times.append(dict(attrs).get("datetime") or "")
        elif tag == "h1":
            self._headline = []
        elif tag == "title" and self.page_title is None:
            self._title = []
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._dropped:
            del self._dropped[self._dropped.index(tag) :]
            return
        if self._dropped:
            return
        self._enter(tag, -1)
        if tag == "h1" and self._headline is not None:
            self.headlines.append((self._level, _collapse("".join(self._headline))))
            self._headline = None
        elif tag == "title" and self._title is not None:
            self.page_title = _collapse("".join(self._title))
            self._title = None
        if tag not in _VOID:
            self._break(tag)

    def handle_data(self, data: str) -> None:
        if self._dropped:
            return
        if self._title is not None:
            self._title.append(data)
            return
        if self._headline is not None:
            self._headline.append(data)
        if not self._pre:
            data = _HTML_SPACE.sub(" ", data)
            if self._space_is_redundant():
                data = data.lstrip(" ")
        if data:
            separator = "\n" * self._newlines or " " * self._space
            self.pieces.append((self._level, separator + data))
            self._newlines, self._space = 0, False

    def text(self, level: int) -> str:
        """The tidied text of the pieces at least as central as `level`."""
        return _tidy("".join(piece for piece_level, piece in self.pieces if piece_level >= level))

    def content_level(self) -> int:
        """The most central level that holds any text, so empty `<main>` elements are ignored."""
        return next((level for level in (2, 1) if self.text(level)), 0)

    def title(self, level: int) -> str | None:
        """First `<h1>` of the content, else the `og:title`, else the page's first `<h1>`, else
        the `<title>`; never the site's name (`og:site_name`), removed from the titles too."""
        site = self.meta.get("og:site_name")
        headings = [text for _, text in self.headlines if text and fold(text) != fold(site or "")]
        in_content = [
            text for text_level, text in self.headlines if text in headings and text_level >= level
        ]
        og_title = self.meta.get("og:title")
        from indexer.reading.webpage import without_site_name

        declared = [without_site_name(og_title, site, headings)] if og_title else []
        page_title = self.page_title and without_site_name(self.page_title, site, headings)
        return next(iter(in_content + declared + headings), None) or page_title or None

    def published(self) -> dt.date | None:
        """The publication date the page declares: `article:published_time` (or itemprop
        `datePublished`), else the first `<time datetime>` of `<main>`/`<article>`."""
        for value in (self.meta.get("article:published_time"), *self.times):
            match = _ISO_DATE.match(value or "")
            if match:
                try:
                    return dt.date(*map(int, match.groups()))
                except ValueError:
                    continue
        return None

    def _meta(self, attrs: dict[str, str | None]) -> None:
        name = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        content = attrs.get("content")
        if name == "datePublished":
            name = "article:published_time"
        if name in _META and content and content.strip():
            self.meta.setdefault(name, _collapse(content))

    def _enter(self, tag: str, step: int) -> None:
        if tag in _CONTENT:
            self._content = max(0, self._content + step)
        elif tag == "body":
            self._body = max(0, self._body + step)
        elif tag == "pre":
            self._pre = max(0, self._pre + step)

    def _break(self, tag: str) -> None:
        if tag == "br":
            self._newlines = min(2, self._newlines + 1)
        elif tag in _LINE_BREAKS:
            self._newlines = max(1, self._newlines)
        elif tag in _PARAGRAPH_BREAKS:
            self._newlines = 2
        elif tag in _CELLS:
            self._space = True

    def _space_is_redundant(self) -> bool:
        """HTML shows no space at a line start or after another space."""
        if self._newlines or self._space or not self.pieces:
            return True
        return self.pieces[-1][1][-1].isspace()


def _collapse(text: str) -> str:
    return _HTML_SPACE.sub(" ", text).strip(" ")


def _parse_html(html: str) -> _TextExtractor:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return parser


def _read_text(data: bytes) -> Document:
    return Document(text=_tidy(decode_text(data)))


@functools.cache
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def _read_markdown(data: bytes) -> Document:
    front_matter, body = _split_front_matter(decode_text(data))
    page = _parse_html(_markdown().render(body))
    return Document(text=page.text(0), front_matter=front_matter)


def _read_html(data: bytes) -> Document:
    front_matter, body = _split_front_matter(_decode(data, _declared_charset(data)))
    text, title, published = _page(body)
    return Document(text=text, front_matter=front_matter, title=title, date=published)


def _page(html: str) -> tuple[str, str | None, dt.date | None]:
    """The main text, the headline and the declared publication date of a web page (or of an
    e-mail's HTML part); a fragment without `<body>` has no site around it and is read whole."""
    from indexer.reading.webpage import main_text

    page = _parse_html(html)
    level = page.content_level()
    title, text = page.title(level), page.text(level)
    return (_tidy(main_text(text, html, title)) if level else text), title, page.published()


def _read_eml(data: bytes) -> Document:
    from indexer.reading.mail import parse_eml

    mail = parse_eml(data)
    if mail.plain is not None:
        text, title = _tidy(mail.plain), None
    else:
        text, title, _ = _page(mail.html or "")
    return Document(
        text=text, title=mail.subject or title, date=mail.date, attachments=mail.attachments
    )


def _read_pdf(data: bytes) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    except FileNotDecryptedError as exc:
        raise SkipFile("encrypted PDF (password required)") from exc
    except Exception as exc:  # pypdf raises many types on broken files, not only PdfReadError
        raise SkipFile(f"PDF could not be parsed: {str(exc) or type(exc).__name__}") from exc
    text = _tidy("\n\n".join(pages))
    if not text:
        raise SkipFile("no text (scanned PDF?)")
    return Document(text=text)


def _tidied(document: Document) -> Document:
    return replace(document, text=_tidy(document.text))


_READERS: dict[str, Callable[[bytes], Document]] = {
    ".txt": _read_text,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": lambda data: _tidied(_office().read_docx(data)),
    ".odt": lambda data: _tidied(_office().read_odt(data)),
    ".eml": _read_eml,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_READERS)


def read_document(path: Path, data: bytes | None = None) -> Document:
    """Read one corpus file (or its `data`, already read) into a Document, or raise SkipFile
    saying why it cannot be indexed."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported file type {suffix or '(no extension)'}")
    try:
        document = _READERS[suffix](read_bytes(path) if data is None else data)
    except SkipFile:
        raise
    except Exception as exc:  # one file's bug in a parser must not stop an indexing run
        raise SkipFile(f"unexpected error: {type(exc).__name__}: {exc}") from exc
    document = _repaired(document)
    if not document.text:
        raise SkipFile("no text")
    return document


def _office():
    from indexer.reading import office

    return office


def _repaired(document: Document) -> Document:
    """The document with mojibake repaired in its text, title and front matter strings."""
    from indexer.reading import mojibake

    front_matter = {
        key: mojibake.repair(value) if isinstance(value, str) else value
        for key, value in document.front_matter.items()
    }
    return replace(
        document,
        text=mojibake.repair(document.text),
        title=mojibake.repair(document.title) if document.title else document.title,
        front_matter=front_matter,
    )


def check_status(status: os.stat_result) -> None:
    """Refuse, before any read, what is not a regular file (a FIFO blocks) or is too large."""
    if not stat.S_ISREG(status.st_mode):
        raise SkipFile("not a regular file")
    if status.st_size > MAX_BYTES:
        raise SkipFile(f"file too large ({math.ceil(status.st_size / 2**20)} MB)")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what is not a regular file before opening it (a FIFO blocks)
    or what is too large before loading it."""
    try:
        check_status(path.stat())
        data = path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"unreadable: {exc.strerror or exc}") from exc
    if not data:
        raise SkipFile("empty file")
    return data
