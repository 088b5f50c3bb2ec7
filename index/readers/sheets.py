"""Excel (`.xlsx`, openpyxl, MIT): each sheet named first, then its rows with their header row (found
below any title rows, see `index.readers.extracted`); sheets apart like pages."""

from __future__ import annotations

import datetime as dt
import io

from qa.errors import CorpusError
from qa.index.readers.archive import PAGE_BREAK, check_archive
from qa.index.readers.extracted import Budget, ExtractedText, table_lines


def xlsx_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from openpyxl import load_workbook

    check_archive(raw, name, "Excel")
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheets = []
        for sheet in workbook.worksheets:
            budget.check()
            sheet.reset_dimensions()  # rows as long as their last cell, not padded to a declared (or forged) width
            rows = ([_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True))
            lines = table_lines((row for row in rows if any(row)), budget=budget, merged=False)
            if lines:
                sheets.append("\n".join([sheet.title, *lines]))
        workbook.close()
    except CorpusError:
        raise
    except Exception as error:
        raise CorpusError(f"{name}: a damaged Excel file ({type(error).__name__})") from None
    return ExtractedText(text=PAGE_BREAK.join(sheets))


def _cell_text(value) -> str:
    """A cell's value as the sheet shows it: a whole number without ".0", a date without a midnight time."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value).strip()
