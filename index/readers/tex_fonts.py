"""What TeX's fonts draw, for PDFs that embed them without a Unicode mapping (common in papers made by
pdfLaTeX): Computer Modern's math italic (OML: Greek letters), symbols (OMS: arrows, relations,
operators), large symbols (OMX: sums, integrals, big delimiters, wide accents), the AMS symbols (MSAM:
the end-of-proof square, angles) and the text fonts' OT1 codes that are not ASCII (upright Greek
capitals, ligatures, accents, dashes) by character code. Codes map as the glyphs' names do in the Adobe
Glyph List (phi1: ϕ, openbullet: ◦, Delta: ∆); a name it lacks as unicode-math maps the glyph's command
(epsilon1, \varepsilon: ε). An accent is the spacing character (tilde: ˜), or a combining one where the
font has no spacing form (CMEX's wide tilde), for the reader to set on its letter. Without this a reader
sees their codes as ASCII ("8" for the universal quantifier ∀, "!" for →, "~" for an accent)."""

from __future__ import annotations

import re

_OML = dict(enumerate("ΓΔΘΛΞΠΣΥΦΨΩαβγδεζηθικλμνξπρστυφχψωεϑϖϱςϕ↼↽⇀⇁‘’▷◁0123456789.,</>⋆∂"))
_OML.update({code: chr(code) for code in range(0x41, 0x5B)} | {code: chr(code) for code in range(0x61, 0x7B)})
_OML.update({0x5B: "♭", 0x5C: "♮", 0x5D: "♯", 0x60: "ℓ", 0x7B: "ı", 0x7C: "ȷ", 0x7D: "℘", 0x7E: "\u20d7"})  # 7E: \vec
_OMS = dict(enumerate("−·×∗÷⋄±∓⊕⊖⊗⊘⊙○◦•≍≡⊆⊇≤≥⪯⪰∼≈⊂⊃≪≫≺≻←→↑↓↔↗↘≃⇐⇒⇑⇓⇔↖↙∝′∞∈∋△▽/\0∀∃¬∅ℜℑ⊤⊥ℵ"))
_OMS[0x37] = ""  # the bar of ↦, drawn before its arrow
_OMS.update({code: chr(code) for code in range(0x41, 0x5B)})  # calligraphic capitals
_OMS.update(dict(zip(range(0x5B, 0x80), "∪∩⊎∧∨⊢⊣⌊⌋⌈⌉{}⟨⟩|‖↕⇕\\≀√⨿∇∫⊔⊓⊑⊒§†‡¶♣♢♡♠")))
_OMX = {**dict(zip(range(0x00, 0x0E), "()[]⌊⌋⌈⌉{}⟨⟩|‖")), **dict(zip(range(0x10, 0x22), "()()[]⌊⌋⌈⌉{}⟨⟩//\\\\()")),
        **dict(zip(range(0x22, 0x30), "[]⌊⌋⌈⌉{}⟨⟩//\\\\")), **dict(zip(range(0x30, 0x38), "⎛⎞⎡⎤⎣⎦⎢⎥")),
        **dict(zip(range(0x38, 0x44), "⎧⎫⎩⎭⎨⎬⎪⎪⎝⎠⎜⎟")), **dict(zip(range(0x46, 0x62), "⨆⨆∮∮⨀⨀⨁⨁⨂⨂∑∏∫⋃⋂⨄⋀⋁∑∏∫⋃⋂⨄⋀⋁∐∐")),
        **dict(zip(range(0x62, 0x70), "\u0302\u0302\u0302\u0303\u0303\u0303[]⌊⌋⌈⌉{}")),  # wide hat and tilde: combining
        **dict.fromkeys(range(0x70, 0x75), "√"), **dict.fromkeys(range(0x75, 0x80), "")}  # pieces of radicals, arrows, braces
_MSAM = {0x03: "□", 0x04: "■", 0x29: "∴", 0x2A: "∵", 0x36: "⩽", 0x3E: "⩾", 0x58: "✓", 0x5C: "∠", 0x5D: "∡"}
_OT1 = {**dict(enumerate("Γ∆ΘΛΞΠΣΥΦΨΩﬀﬁﬂﬃﬄıȷ`´ˇ˘¯˚¸ßæœøÆŒØ")), 0x20: "", 0x22: "”", 0x27: "’", 0x3C: "¡", 0x3E: "¿",
        0x5C: "“", 0x5E: "ˆ", 0x5F: "˙", 0x60: "‘", 0x7B: "–", 0x7C: "—", 0x7D: "˝", 0x7E: "˜", 0x7F: "¨"}  # 20: the bar of ł
_FONTS = {"CMMI": _OML, "CMMIB": _OML, "CMSY": _OMS, "CMBSY": _OMS, "CMEX": _OMX, "MSAM": _MSAM}
_FONTS |= dict.fromkeys(("CMR", "CMBX", "CMSL", "CMTI", "CMBXTI", "CMBXSL", "CMSS", "CMSSBX", "CMSSI", "CMCSC", "CMU"), _OT1)
_NAME = re.compile(r"(?:[A-Z]{6}\+)?(%s)\d+$" % "|".join(sorted(_FONTS, key=len, reverse=True)))


def tex_math_text(fontname: str, code: int) -> str | None:
    """What a TeX font draws at `code` ("" for a part of a glyph drawn with others, as the bar of ↦), or
    None for another font or a code it draws as ASCII."""
    found = _NAME.match(fontname or "")
    if found is None:
        return None
    return _FONTS[found.group(1)].get(code)
