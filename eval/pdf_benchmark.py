"""How PDFs are read: the share of indexed sentences that are fragments, on a two-column paper with
hyphenated line ends, a running header and page numbers that the tests make themselves (prints
figures; asserts nothing).

    python -m qa.eval.pdf_benchmark

A fragment is an indexed sentence that does not start with a capital letter or does not end with
. ! or ?. Readers: `ours` (index.readers.pdf: pdfminer.six layout, paragraphs rebuilt), pypdf's plain text
(what was indexed before) and pypdfium2's, where installed. The PDF makers here serve the tests too.
"""

from __future__ import annotations

import io
import time

from qa.index.readers.extracted import Budget
from qa.index.readers.pdf import pdf_text
from qa.index.sentences import answerable_sentences


def make_layout_pdf(pages: list[list[tuple]]) -> bytes:
    """A PDF whose pages carry text lines at the given (x, y) positions in points, each (x, y, text) in
    Helvetica 10 or (x, y, text, size[, bold]), for layouts such as two columns, running headers,
    page numbers and headings."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>"]
    kids = []
    for lines in pages:
        shown = []
        for x, y, line, *style in lines:
            size, bold = (style + [10, False][len(style):])[:2]
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            shown.append(f"BT /F{2 if bold else 1} {size} Tf {x} {y} Td ({escaped}) Tj ET")
        stream = "\n".join(shown)
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{content}\nendobj\n".encode("latin-1")
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body


def wrapped(text: str, width: int) -> list[str]:
    """The text in lines of at most `width` characters, a long word hyphenated across a line end."""
    lines, line = [], ""
    for word in text.split():
        while len(line) + 1 + len(word) > width and len(word) > 8 and width - len(line) - 2 > 3:
            cut = width - len(line) - 2
            lines.append(f"{line} {word[:cut]}-".strip())
            line, word = "", word[cut:]
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


ARTICLE = [
    "The harbour authority measured the tides every morning for three consecutive years. Their records show "
    "a steady rise of the mean water level near the northern breakwater.",
    "Engineers proposed strengthening the breakwater with reinforced concrete elements. The construction "
    "programme would start after the winter storms and last eighteen months.",
    "Fishermen expressed concerns about restricted access during construction. The authority promised "
    "temporary moorings on the southern quay for every registered vessel.",
    "An independent commission reviewed the environmental consequences thoroughly. It concluded that "
    "seagrass meadows near the entrance required particular protection.",
]


def two_column_paper() -> bytes:
    """Three pages of two columns, words hyphenated at line ends, a running header and page numbers."""
    pages = []
    for number in range(1, 4):
        lines = [(72, 760, "Journal of Harbour Studies, Volume 12"), (300, 40, str(number))]
        for column, x in enumerate((72, 320)):
            y = 700
            for paragraph in ARTICLE[column * 2 : column * 2 + 2]:
                for line in wrapped(f"Page {number}: {paragraph}", 44):
                    lines.append((x, y, line))
                    y -= 12
                y -= 18
        pages.append(lines)
    return make_layout_pdf(pages)


def fragments(text: str) -> tuple[int, int]:
    sentences = [text[span.start : span.end] for span in answerable_sentences(text)]
    return sum(1 for s in sentences if not (s[:1].isupper() and s.endswith((".", "!", "?")))), len(sentences)


def readers() -> dict:
    from pypdf import PdfReader

    found = {"ours": lambda raw: pdf_text(raw, "paper.pdf", Budget("paper.pdf", None)).text,
             "pypdf": lambda raw: "\n\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)}
    try:
        import pypdfium2

        found["pypdfium2"] = lambda raw: "\n\n".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(raw))
    except ImportError:
        pass
    return found


def main() -> None:
    raw = two_column_paper()
    for name, read in readers().items():
        started = time.perf_counter()
        text = read(raw)
        broken, total = fragments(text)
        header = "running header kept" if "Journal of Harbour Studies" in text else "running header dropped"
        print(f"{name:<10} {broken} of {total} sentences are fragments ({broken / max(total, 1):.0%}); {header}; "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
