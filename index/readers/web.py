"""Web pages (`.html` / `.htm`; trafilatura, Apache-2.0, chosen on the article-extraction benchmark:
`eval/html_benchmark.py`): the article with its title, headings, lists and tables, without related
links; its publication date is kept, and its author as a byline under the title ("By Mike Conley"; a
"Posted by ..." line the extractor leaves out counts too). Readers' comments follow under a "Comments"
heading, one a line after their author's name ("John Doe: Thank you for ..."), so a question about what a
commenter said is answered and the answer says where it stands. A wiki's infobox (a table of class "infobox")
stands under an "Infobox" heading of its own, so "what net income does the infobox report?" names its rows
over the article's tables. A table with a marked header (<th> rows) is read from the page's tree
(`html_tables`): under its caption, each cell under its column's header joined across header rows and spans.
A definition list's items are label lines ("Founded: 1901"), as an infobox's rows are. Pages too large for it, or where it finds nothing, are read
by linear rules on the standard library's parser (main content only)."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from functools import lru_cache
from html.parser import HTMLParser

from qa.index.blocks import TextBuilder
from qa.index.readers.extracted import Budget, ExtractedText, header_cells, label_line
from qa.index.readers.html_tables import element_text, own_table_lines

HTML_CHUNK = 65_536  # characters fed to the parser between two looks at the clock
MAX_EXTRACTOR_ELEMENTS = 20_000  # trafilatura takes ~0.1 ms an element; real pages have ~800 (at most 1,709 of 181)
MAX_EXTRACTOR_ATTRIBUTES = 60_000  # and copies the page's tree several times, attributes and all
MAX_TAG_CHARS = 16_384  # lxml's HTML parser is quadratic in one tag's attributes (80,000 of them: 40 s)
MAX_COMMENTS = 500  # readers' comments kept from one page
MAX_COMMENT_CHARS = 4_000  # of one comment
_POSTED_BY = re.compile(r"\b(?:Posted|Written|Published|Authored)\s+by\s+([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3})")
_COMMENT = re.compile(r"comment(?:-\d+)?")
_COMMENT_BODY = {"comment-content", "comment-body", "comment-text", "entry-content"}
_AUTHOR = {"author", "fn", "comment-author"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INFOBOX = "Infobox"  # the heading over a wiki's infobox, ours as "Comments" is
_BOX_LEVEL = 7  # below any heading a page can have, so the box stands under the section it is in


def html_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    return page_text(_decode_html(raw), budget)


_SKIPPED = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form",
            "button", "select", "iframe", "head", "menu", "dialog"}
_SKIPPED_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "dialog"}
_BOILERPLATE_NAMES = re.compile(r"(^|[\s_-])(nav|navbar|menu|footer|header|sidebar|breadcrumbs?|cookies?|banner|share|social)($|[\s_-])",
                                re.IGNORECASE)
_BLOCKS = {"p", "div", "section", "article", "main", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5",
           "h6", "blockquote", "pre", "br", "hr", "dd", "dt", "figcaption", "caption", "title"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
_TAG = re.compile(r"<[^<>]*")  # a tag up to its end (linear: no match can overlap another)
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _decode_html(raw: bytes) -> str:
    """HTML bytes as text: UTF-8, else the charset the page declares, else Windows-1252."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        declared = _CHARSET.search(raw[:4096])
        for encoding in ([declared.group(1).decode("ascii")] if declared else []) + ["cp1252"]:
            try:
                return raw.decode(encoding, errors="replace")
            except LookupError:
                continue
    return raw.decode("latin-1")


class _MainText(HTMLParser):
    """Collects the visible text of a page, block by block, outside boilerplate elements, checking
    the time budget at every element.

    Linear in the page: open elements are counted by tag, so an end tag that matches nothing is
    dropped without scanning the stack, and each line is gathered as pieces joined once.
    """

    def __init__(self, budget: Budget) -> None:
        super().__init__(convert_charrefs=True)
        self.budget = budget
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, main)
        self.open_tags: Counter[str] = Counter()
        self.all_lines: list[list[str]] = [[]]
        self.main_lines: list[list[str]] = [[]]
        self.title: list[str] = []
        self._in_title = False
        self._space = False  # whitespace (or a cell boundary) since the last words

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.budget.check()
        attributes = {key: value or "" for key, value in attrs}
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            if tag in ("br", "hr"):
                self._break()
            return
        skipped = self._skipping() or tag in _SKIPPED or attributes.get("role", "") in _SKIPPED_ROLES \
            or bool(_BOILERPLATE_NAMES.search(f"{attributes.get('class', '')} {attributes.get('id', '')}")) \
            or "hidden" in attributes or attributes.get("aria-hidden") == "true"
        main = self._in_main() or tag in ("main", "article") or attributes.get("role") == "main"
        self.stack.append((tag, skipped, main))
        self.open_tags[tag] += 1
        if tag in _BLOCKS:
            self._break()
        elif tag in ("td", "th"):
            self._space = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self.open_tags[tag]:  # close up to the matching tag (forgiving bad nesting); each element is closed once
            while self.stack:
                closed = self.stack.pop()[0]
                self.open_tags[closed] -= 1
                if closed == tag:
                    break
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
            return
        if self._skipping():
            return
        words = " ".join(data.split())
        if words:
            spaced = self._space or data[:1].isspace()
            for lines in (self.all_lines, self.main_lines) if self._in_main() else (self.all_lines,):
                if lines[-1] and spaced:
                    lines[-1].append(" ")
                lines[-1].append(words)
        self._space = data[-1:].isspace() if words else self._space or bool(data)

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _in_main(self) -> bool:
        return bool(self.stack) and self.stack[-1][2]

    def _break(self) -> None:
        for lines in (self.all_lines, self.main_lines):
            if lines[-1]:
                lines.append([])

    def text_lines(self) -> tuple[list[str], list[str]]:
        """The main content's lines and all lines."""
        return [line for pieces in self.main_lines if (line := "".join(pieces))], \
            [line for pieces in self.all_lines if (line := "".join(pieces))]


def page_text(markup: str, budget: Budget) -> ExtractedText:
    """The page's article: by trafilatura (chosen by measurement, eval/html_benchmark.py), its title
    first and its publication date kept; by our linear rules when trafilatura finds nothing or the
    page is too large for it to read in reasonable time (too many elements or attributes, a huge tag)."""
    article = _article(markup, budget)
    if article is not None:
        return article
    parser = _MainText(budget)
    for start in range(0, len(markup), HTML_CHUNK):
        budget.check()
        parser.feed(markup[start : start + HTML_CHUNK])
    parser.close()
    main, every = parser.text_lines()
    return ExtractedText(text=_titled(" ".join("".join(parser.title).split()), main or every))


def _article(markup: str, budget: Budget) -> ExtractedText | None:
    """trafilatura's reading of the page (tables as rows with their headers), or None.

    Favouring precision scored best on the benchmark pages (F1 0.964 against 0.960 by default), and
    a low minimum size keeps a short page's text rather than falling back to every line of it.
    """
    import trafilatura
    from lxml import etree
    from trafilatura.utils import load_html

    budget.check()
    if max((found.end() - found.start() for found in _TAG.finditer(markup)), default=0) > MAX_TAG_CHARS:
        return None
    tree = load_html(markup)
    if tree is None or sum(1 for _ in tree.iter()) > MAX_EXTRACTOR_ELEMENTS \
            or sum(len(element.attrib) for element in tree.iter()) > MAX_EXTRACTOR_ATTRIBUTES:
        return None
    for cell in tree.iter("th", "td"):  # a table cell whose words are a link ("Net income") loses them to trafilatura
        etree.strip_tags(cell, "a")
    marks = _Marks(tree, budget)
    found = trafilatura.bare_extraction(tree, include_comments=False, include_tables=True, with_metadata=True,
                                        favor_precision=True, config=_extractor_config())
    budget.check()
    lines = _rows_with_headers(marks.with_own_reading([line.strip() for line in (found.text or "").splitlines()])) if found else []
    if not any(line and line not in marks.box for line in lines):
        return None
    title, lines = " ".join((found.title or "").split()), [line for line in lines if line]
    author = found.author or _posted_by(tree)
    if _is_byline(author or "", markup, lines):  # under the title, wherever the title stands
        at = 1 if title and title in lines[0] else 0
        lines = lines[:at] + [f"By {author}"] + lines[at:]
    built = _with_headings(title, lines, _heading_levels(found.body), marks)
    comments = _comments(tree, budget)
    if comments:
        built.heading("Comments", 2, aside=True)
        built.lines(comments)
    return ExtractedText(text=built.text, headings=built.headings,
                         date=found.date if found.date and _ISO_DATE.fullmatch(found.date) and _stated(found.date, markup) else None,
                         date_source="the page's publication date")


_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _stated(date: str, markup: str) -> bool:
    """Does the page write the date trafilatura found, day included (2022-02-01, 2022/02/01, 20220201,
    "February 1, 2022", "1 Feb 2022")? It makes a missing or impossible day the 1st (2022-02-30 is read
    as 2022-02-01), and that is no date the page gives."""
    year, month, day = date.split("-")
    if re.search(rf"(?<!\d){year}(?P<sep>[-/.]?){month}(?P=sep){day}(?!\d)", markup):
        return True
    name, number = _MONTH_NAMES[int(month) - 1], int(day)
    return re.search(rf"(?i)\b{name}[a-z]*\.?\s+0?{number}(?:st|nd|rd|th)?,?\s+{year}\b"
                     rf"|\b0?{number}(?:st|nd|rd|th)?\s+{name}[a-z]*\.?,?\s+{year}\b", markup) is not None


@lru_cache(maxsize=1)
def _extractor_config():
    """trafilatura's settings with a low minimum size, read once per process."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "10")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")  # the page's own dates only, never a year of its text ("© 2009")
    return config


def _is_byline(author: str, markup: str, lines: list[str]) -> bool:
    """Is the author trafilatura found a person's name the page shows ("Mike Conley": two to four
    capitalised words, in its markup) that the article's text does not already give?"""
    words = author.split()
    return (2 <= len(words) <= 4 and all(word[:1].isupper() and word[1:].replace(".", "").replace("-", "").isalpha()
                                          for word in words)
            and author in markup and not any(author in line for line in lines))


def _posted_by(tree) -> str | None:
    """The name of a "Posted by Alon Zakai" line in the page's own text (a footer the extractor leaves out)."""
    for element in tree.iter("p", "span", "div", "footer", "address"):
        found = _POSTED_BY.search(" ".join((element.text or "").split()))
        if found:
            return found.group(1).rstrip(".")
    return None


def _comments(tree, budget: Budget) -> list[str]:
    """Readers' comments, "Author: text", from elements marked as one comment (class "comment" or id
    "comment-7588", as blog engines write them); a reply inside a comment is its own. Each element is
    looked at once for the comment it belongs to, so nested threads are read in linear time."""
    found = []
    for element in tree.iter("li", "div", "article", "section"):
        if not _is_comment(element):
            continue
        budget.check()
        own = list(_own_elements(element))
        author = next((_words(e) for e in own if e.tag == "cite" or _AUTHOR & _classes(e)), "")
        body = next((_words(e) for e in own if e.tag == "blockquote" or _COMMENT_BODY & _classes(e)), "")
        if body:
            found.append(f"{author}: {body[:MAX_COMMENT_CHARS]}" if author else body[:MAX_COMMENT_CHARS])
        if len(found) == MAX_COMMENTS:
            break
    return found


def _own_elements(comment):
    """The elements inside a comment, those of the replies nested in it left out."""
    pending = list(reversed(comment))
    while pending:
        element = pending.pop()
        if not isinstance(element.tag, str) or _is_comment(element):
            continue
        yield element
        pending.extend(reversed(element))


def _is_comment(element) -> bool:
    return any(_COMMENT.fullmatch(mark) for mark in [*_classes(element), element.get("id") or ""])


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _words(element) -> str:
    return " ".join(" ".join(element.itertext()).split())


def _heading_levels(body) -> dict[str, int]:
    """The text of each heading trafilatura kept (its <head> elements, "h2" -> 2), as its lines read."""
    levels: dict[str, int] = {}
    for head in body.iter("head") if body is not None else ():
        level = re.fullmatch(r"h([1-6])", head.get("rend") or "")
        levels.setdefault(" ".join("".join(head.itertext()).split()), int(level.group(1)) if level else 2)
    return levels


class _Marks:
    """Paragraphs put into the page's tree before trafilatura reads it, found again in its lines; their words,
    new for each page, no page holds. Before and after each infobox (a table with a class word holding
    "infobox": "infobox vcard", "infobox_v2"): where the box opens and closes (`box`). Before each table read here
    (`html_tables`: a marked header, or labelled rows) and each definition list: where the lines read here go in
    place of trafilatura's (`with_own_reading`), a table's caption between the `caption` marks."""

    def __init__(self, tree, budget: Budget) -> None:
        token = secrets.token_hex(8)
        self._token = re.compile(rf"{token}-\S*")
        self.box = (f"{token}-open", f"{token}-close")
        self.caption = (f"{token}-caption", f"{token}-caption-end")  # the next line heads the lines up to the end
        self._tables: dict[str, list[str]] = {}
        self._lists: dict[str, tuple[list[str], int]] = {}
        for table in list(tree.iter("table")):
            if any("infobox" in word.lower() for word in (table.get("class") or "").split()):
                _put(table.addprevious, self.box[0])
                _put(table.addnext, self.box[1])
            if (read := own_table_lines(table, budget)) is not None:
                mark, (caption, lines) = f"{token}-table-{len(self._tables)}", read
                self._tables[mark] = [self.caption[0], caption, *lines, self.caption[1]] if caption else lines
                _put(table.addprevious, mark)
        for listing in [dl for dl in tree.iter("dl") if next(dl.iterancestors("dl"), None) is None]:  # a list inside is its words
            budget.check()
            mark = f"{token}-list-{len(self._lists)}"
            self._lists[mark] = _definitions(listing)
            _put(listing.addprevious, mark)

    def with_own_reading(self, lines: list[str]) -> list[str]:
        """The extractor's lines with each marked table's Markdown rows, and each definition list's items (when it
        wrote one a line, "- Founded", "- 1901"), replaced by their lines read here; what it left out stays out."""
        kept, at = [], 0
        while at < len(lines):
            line, at = lines[at], at + 1
            if line in self._tables:
                rows = next((n for n, row in enumerate(lines[at:]) if not row.startswith("|")), len(lines) - at)
                kept += self._tables[line] if rows else []
                at += rows
            elif line in self._lists:
                own, items = self._lists[line]
                if len(lines[at : at + items]) == items and all(item.startswith("- ") for item in lines[at : at + items]):
                    kept += own
                    at += items
            else:
                kept.append(line)
        return kept

    def unmarked(self, line: str) -> str:
        """A line without any mark run into it (none seen)."""
        return self._token.sub("", line).strip()


def _definitions(listing) -> tuple[list[str], int]:
    """A definition list's lines, each definition after its term as a label line ("Founded: 1901"; a term without
    one alone; a list inside a definition is its words), and how many terms and definitions it holds, those of a
    list inside counted (the extractor writes each a line)."""
    lines, term, defined, items = [], "", True, 0
    for element in listing.iter("dt", "dd"):
        items += 1
        if next(element.iterancestors("dl")) is not listing:
            continue
        text = element_text(element)
        if element.tag == "dt":
            if not defined and term:
                lines.append(term)
            term, defined = text.rstrip(": "), False
        else:
            lines.append(label_line(term, text))
            defined = True
    if not defined and term:
        lines.append(term)
    return [line for line in lines if line], items


def _put(place, words: str) -> None:
    from lxml import etree

    mark = etree.Element("p")
    mark.text = words
    place(mark)


def _with_headings(title: str, lines: list[str], levels: dict[str, int], marks: _Marks) -> TextBuilder:
    """The page's title (a heading above all) unless the first line already holds it, then its lines, those
    that are headings marked as such; an infobox (between the `marks.box` lines) under an INFOBOX heading, a table
    read here under its caption (between the `marks.caption` lines)."""
    built, box, caption = TextBuilder(), marks.box, marks.caption
    first = next((line for line in lines if line not in (*box, *caption)), "")
    if title and title not in first:
        built.heading(title, 1)
    boxed = captioned = False
    for number, line in enumerate(lines):
        if line == box[0]:
            boxed = True
            if lines[number + 1 : number + 2] != [box[1]]:  # a box the extractor kept
                built.heading(INFOBOX, _BOX_LEVEL)
        elif line == box[1]:
            boxed = False
            built.end_headings(_BOX_LEVEL)
        elif line in caption:
            captioned = line == caption[0]
            if not captioned:
                built.end_headings(_BOX_LEVEL + 1)
        elif captioned:  # a table's caption heads its rows alone, inside a box too ("Infobox › Microsoft Corporation")
            built.heading(marks.unmarked(line), _BOX_LEVEL + 1)
            captioned = False
        else:
            line = marks.unmarked(line)
            level = None if boxed else levels.get(" ".join(line.split()))  # a box's label ("Subsidiaries") heads nothing
            built.heading(line, level + 1) if level else built.line(line)
    return built


def _titled(title: str, lines: list[str]) -> str:
    """The lines, the page's title first unless the first line already holds it."""
    if title and (not lines or title not in lines[0]):
        lines = [title, *lines]
    return "\n".join(lines)


def _rows_with_headers(lines: list[str]) -> list[str]:
    """Markdown tables (as trafilatura writes them) as one line per row, each cell with its column's
    header: "Milestone: Public launch | Date: 1 November 2024"; a table without a header (its first
    row one cell over the columns: a title, kept as a line) gives a two-cell row as "Label: value"."""
    kept, header = [], None
    for number, line in enumerate(lines):
        if not (line.startswith("|") and line.endswith("|")):
            kept.append(line)
            header = None
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if all(set(cell) <= set("-: ") for cell in cells):
            continue  # the separator under a header row
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if header is None and following.startswith("|") and set(following) <= set("|-: "):
            named = [cell for cell in cells if cell]
            header = cells if len(named) >= 2 else []  # one cell over the columns is the table's title, no header
            kept += named if not header else []
            continue
        filled = [cell for cell in cells if cell]
        if header:
            kept.append(header_cells(header, cells))
        else:  # a label and its value (an infobox) read as one named cell; other rows as they are
            kept.append(label_line(*filled) if len(filled) == 2 and ": " not in filled[0] else " | ".join(filled))
    return kept
