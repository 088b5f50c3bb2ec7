"""What TeX's math fonts draw, for PDFs that embed them without a Unicode mapping (common in papers
made by pdfLaTeX): Computer Modern's math italic (OML: Greek letters), symbols (OMS: arrows,
relations, operators) and large symbols (OMX: sums, integrals, big delimiters) by character code.
Codes map as the glyphs' names do in the Adobe Glyph List (phi1: ϕ). Without this a reader sees their codes as ASCII ("8" for the universal quantifier ∀, "!" for →)."""

from __future__ import annotations

import re

_OML = dict(enumerate("ΓΔΘΛΞΠΣΥΦΨΩαβγδεζηθικλμνξπρστυφχψωϵϑϖϱςϕ↼↽⇀⇁‘’▷◁0123456789.,</>⋆∂"))
_OML.update({code: chr(code) for code in range(0x41, 0x5B)} | {code: chr(code) for code in range(0x61, 0x7B)})
_OML.update({0x5B: "♭", 0x5C: "♮", 0x5D: "♯", 0x60: "ℓ", 0x7B: "ı", 0x7C: "ȷ", 0x7D: "℘"})
_OMS = dict(enumerate("−·×∗÷⋄±∓⊕⊖⊗⊘⊙○∘•≍≡⊆⊇≤≥⪯⪰∼≈⊂⊃≪≫≺≻←→↑↓↔↗↘≃⇐⇒⇑⇓⇔↖↙∝′∞∈∋△▽/\0∀∃¬∅ℜℑ⊤⊥ℵ"))
_OMS[0x37] = ""  # the bar of ↦, drawn before its arrow
_OMS.update({code: chr(code) for code in range(0x41, 0x5B)})  # calligraphic capitals
_OMS.update(dict(zip(range(0x5B, 0x80), "∪∩⊎∧∨⊢⊣⌊⌋⌈⌉{}⟨⟩|‖↕⇕\\≀√⨿∇∫⊔⊓⊑⊒§†‡¶♣♢♡♠")))
_OMX = {**dict(zip(range(0x00, 0x0E), "()[]⌊⌋⌈⌉{}⟨⟩|‖")), **dict(zip(range(0x10, 0x22), "()()[]⌊⌋⌈⌉{}⟨⟩//\\\\()")),
        **dict(zip(range(0x22, 0x30), "[]⌊⌋⌈⌉{}⟨⟩//\\\\")), **dict(zip(range(0x30, 0x38), "⎛⎞⎡⎤⎣⎦⎢⎥")),
        **dict(zip(range(0x38, 0x44), "⎧⎫⎩⎭⎨⎬⎪⎪⎝⎠⎜⎟")), **dict(zip(range(0x46, 0x62), "⨆⨆∮∮⨀⨀⨁⨁⨂⨂∑∏∫⋃⋂⨄⋀⋁∑∏∫⋃⋂⨄⋀⋁∐∐")),
        0x70: "√", 0x71: "√", 0x72: "√", 0x73: "√", 0x74: "√"}
_FONTS = {"CMMI": _OML, "CMMIB": _OML, "CMSY": _OMS, "CMBSY": _OMS, "CMEX": _OMX}
_NAME = re.compile(r"(?:[A-Z]{6}\+)?(CMMIB|CMMI|CMBSY|CMSY|CMEX)\d+$")


def tex_math_text(fontname: str, code: int) -> str | None:
    """What a TeX math font draws at `code` ("" for a part of a glyph drawn with the next one, as the
    bar of ↦), or None for another font."""
    found = _NAME.match(fontname or "")
    if found is None:
        return None
    return _FONTS[found.group(1)].get(code)
