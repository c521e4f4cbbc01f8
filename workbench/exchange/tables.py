"""Safe readers for the tables in imported files: CSV, XLSX and Markdown tables found anywhere in a text file.

Every reader bounds what it reads (file size, rows, columns, cell length; for XLSX the zip's member count and
uncompressed size, checked before openpyxl opens it) and never evaluates anything: an XLSX formula stays the text
of the formula. Each problem is an InputError naming the file and what is wrong.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import InputError
from workbench.text import strip_controls

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
#: XLSX (a zip): more members than a workbook has, or more XML than any matrix needs, is refused unopened.
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_UNCOMPRESSED = 100 * 1024 * 1024
MAX_ZIP_RATIO = 200
_RATIO_APPLIES_ABOVE = 8 * 1024 * 1024

TEXT_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".md": "markdown", ".markdown": "markdown", ".txt": "markdown"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}

Row = tuple[int, tuple[str, ...]]


@dataclass(frozen=True)
class Table:
    """One table: its rows of string cells, each with the row's number in the source (line or sheet row)."""

    name: str
    rows: tuple[Row, ...]


@dataclass
class TableSource:
    """Everything read from one file."""

    path: Path
    kind: str  # csv | markdown | xlsx
    tables: list[Table]
    #: how the text was decoded (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``); empty for XLSX
    encoding: str = ""
    #: what the user should know about how the file was read (a fallback encoding, formulas kept as text)
    notes: list[str] = field(default_factory=list)


def read_tables(path: Path) -> TableSource:
    """Read every table in ``path``, choosing the reader by the file's suffix and checking the content agrees.

    Raises:
        InputError: a missing, oversize or unreadable file, a file that is not what its name says, an encoding
            that cannot be decoded, or a table beyond the bounds.
    """
    name = path.name
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputError(f"{name}: old binary Excel (.xls) files are not read; save it as .xlsx or .csv")
    if suffix not in TEXT_SUFFIXES and suffix not in XLSX_SUFFIXES:
        raise InputError(f"{name}: unsupported file type {suffix or '(none)'}; use .csv, .xlsx or .md")
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError(f"{name}: not a file")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise InputError(f"{name}: {size:,} bytes is over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit for imports")
    if size == 0:
        raise InputError(f"{name}: the file is empty")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    is_zip = head.startswith(b"PK\x03\x04")
    if suffix in XLSX_SUFFIXES:
        if not is_zip:
            raise InputError(f"{name}: not an XLSX workbook (an .xlsx file is a zip archive; this one is not)")
        return TableSource(path, "xlsx", *_read_xlsx(path))
    if is_zip:
        raise InputError(f"{name}: not a text file: it is a zip archive (an XLSX workbook? then name it .xlsx)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    text, encoding, notes = decode_text(name, data)
    kind = TEXT_SUFFIXES[suffix]
    tables = _read_csv(name, text, delimiter="\t" if suffix == ".tsv" else None) if kind == "csv" else []
    if kind == "markdown":
        tables = markdown_tables(name, text)
    return TableSource(path, kind, tables, encoding, notes)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (an import is recognised by it when the same file comes again)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def decode_text(name: str, data: bytes) -> tuple[str, str, list[str]]:
    """Decode a text file: UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1252 (said so).

    Raises:
        InputError: binary content, or bytes that no supported encoding decodes.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(name, data[3:], "utf-8", "utf-8-sig"), "utf-8-sig", []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(name, data, "utf-16", "utf-16")
        if "\x00" in text:
            raise InputError(f"{name}: not a text file (binary content)")
        return text, "utf-16", []
    if b"\x00" in data:
        raise InputError(f"{name}: not a text file (binary content; UTF-16 text needs its byte-order mark)")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as exc:
        offset = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(
            f"{name}: not UTF-8 text (byte {offset:,} cannot be decoded) and not Windows-1252 either; save it as UTF-8"
        ) from None
    return text, "cp1252", [f"{name} is not UTF-8 (byte {offset:,}); it was read as Windows-1252 (cp1252)"]


def _decode(name: str, data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: starts with a {label} byte-order mark but byte {exc.start:,} is not {label}"
        ) from None


def _cell(name: str, where: int, value: str) -> str:
    if len(value) > MAX_CELL_CHARS:
        raise InputError(f"{name}: row {where}: a cell of {len(value):,} characters (at most {MAX_CELL_CHARS:,})")
    return " ".join(strip_controls(value).split())  # no escape sequence or character XML forbids is kept


def _bounded(name: str, rows: Iterable[Row]) -> tuple[Row, ...]:
    """Normalise cells (whitespace), drop empty rows and trailing empty cells, and enforce the bounds."""
    kept: list[Row] = []
    for number, cells in rows:
        if len(cells) > MAX_COLUMNS and any(c.strip() for c in cells[MAX_COLUMNS:]):
            raise InputError(f"{name}: row {number} has more than {MAX_COLUMNS} columns")
        values = [_cell(name, number, c) for c in cells[:MAX_COLUMNS]]
        while values and not values[-1]:
            values.pop()
        if not values:
            continue
        if len(kept) >= MAX_ROWS:
            raise InputError(f"{name}: more than {MAX_ROWS:,} rows; split the file")
        kept.append((number, tuple(values)))
    return tuple(kept)


def _read_csv(name: str, text: str, *, delimiter: str | None) -> list[Table]:
    if delimiter is None:
        # the header line decides (csv.Sniffer guesses from cell contents, and guesses wrong on marks and brackets)
        first = next((line for line in text.splitlines() if line.strip()), "")
        counts = {candidate: first.count(candidate) for candidate in (",", ";", "\t", "|")}
        best = max(counts.values())
        delimiter = next(c for c, n in counts.items() if n == best) if best else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def numbered() -> Iterator[Row]:
        try:
            for record in reader:
                yield reader.line_num, tuple(record)
        except csv.Error as exc:
            raise InputError(f"{name}: line {reader.line_num}: not valid CSV ({exc})") from None

    return [Table(name, _bounded(name, numbered()))]


_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def split_markdown_row(line: str) -> tuple[str, ...]:
    """Split one Markdown table line into cells: outer pipes dropped, ``\\|`` kept as a literal pipe."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return tuple(cell.strip().replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(body))


def markdown_tables(name: str, text: str) -> list[Table]:
    """Find every Markdown (GFM) table in a text: a header line, a ``|---|`` separator line, then its rows."""
    lines = text.splitlines()
    tables: list[Table] = []
    index = 1
    while index < len(lines):
        if _SEPARATOR.match(lines[index]) and "|" in lines[index - 1] and "-" in lines[index]:
            start = index - 1
            rows: list[Row] = [(start + 1, split_markdown_row(lines[start]))]
            index += 1
            while index < len(lines) and "|" in lines[index] and lines[index].strip():
                rows.append((index + 1, split_markdown_row(lines[index])))
                index += 1
            tables.append(Table(f"{name}: table at line {start + 1}", _bounded(name, rows)))
        index += 1
    return tables


def check_zip_bounds(path: Path) -> None:
    """Refuse a zip whose member count or uncompressed size (total, or ratio to its size) is out of bounds.

    Read from the central directory only, before anything is decompressed; zipfile never inflates a member past
    the size recorded there, so these bounds hold for what openpyxl reads afterwards.

    Raises:
        InputError: a damaged zip or one beyond the bounds.
    """
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a readable XLSX workbook (damaged zip: {exc})") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise InputError(f"{name}: {len(members):,} files inside the workbook (at most {MAX_ZIP_MEMBERS:,}); refused")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > MAX_ZIP_UNCOMPRESSED:
        raise InputError(
            f"{name}: the workbook unpacks to {total:,} bytes (at most {MAX_ZIP_UNCOMPRESSED // (1024 * 1024)} MiB); "
            "refused as a possible zip bomb"
        )
    if total > _RATIO_APPLIES_ABOVE and total / packed > MAX_ZIP_RATIO:
        raise InputError(
            f"{name}: the workbook unpacks to {total / packed:,.0f} times its size (at most {MAX_ZIP_RATIO}); "
            "refused as a possible zip bomb"
        )


def _read_xlsx(path: Path) -> tuple[list[Table], str, list[str]]:
    check_zip_bounds(path)
    # Imported here: only XLSX imports pay for openpyxl. With defusedxml installed openpyxl refuses entity bombs.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # noqa: BLE001 - a hostile workbook may raise anything from the XML layer
        raise InputError(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from None
    tables: list[Table] = []
    formulas = 0
    try:
        for sheet in book.worksheets:
            rows: list[Row] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1):
                if number > MAX_ROWS + 100:
                    raise InputError(f"{name}: sheet {sheet.title!r} has more than {MAX_ROWS:,} rows; split the file")
                cells = []
                for value in values:
                    text = "" if value is None else str(value)
                    if text.startswith("=") and isinstance(value, str):
                        formulas += 1
                    cells.append(text)
                rows.append((number, tuple(cells)))
            tables.append(Table(f"{name}: sheet {sheet.title!r}", _bounded(name, rows)))
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - see above: a message, never a traceback
        raise InputError(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from None
    finally:
        book.close()
    notes = [f"{formulas:,} cells hold formulas: read as their text, never evaluated"] if formulas else []
    return tables, "", notes
