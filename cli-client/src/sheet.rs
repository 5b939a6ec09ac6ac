//! Spreadsheets as rows of text: the office's `.xlsx` (read with calamine, in pure Rust) or a
//! `.csv` export of it — UTF-8 (with or without Excel's byte-order mark) or GB18030, which is
//! what Excel on a Chinese Windows saves as "CSV". Each row keeps its number as the
//! spreadsheet shows it, so an error can name the row a person sees.

use std::path::{Path, PathBuf};

use calamine::Reader as _;
use firecheck_shared::i18n::Msg;
use firecheck_shared::msg;

/// A row's number (1-based, as the spreadsheet shows it) and its cells.
pub type Row = (usize, Vec<String>);

/// One sheet's rows, empty rows left out. Which row holds the headers is the reader's to
/// decide (an office's sheet often has a title row above them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The workbook's sheet it came from (none for CSV).
    pub name: Option<String>,
    /// Each row with its number (1-based, as the spreadsheet shows it), cells as text
    /// (trimmed).
    pub rows: Vec<Row>,
}

/// Why a file cannot be read as a spreadsheet.
#[derive(Debug)]
pub enum SheetError {
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    Format {
        path: PathBuf,
        detail: String,
    },
    NoSuchSheet {
        path: PathBuf,
        name: String,
        sheets: Vec<String>,
    },
    Empty {
        path: PathBuf,
    },
}

impl SheetError {
    /// What went wrong, to be rendered in the person's language.
    pub fn msg(&self) -> Msg {
        match self {
            SheetError::Unreadable { path, source } => msg!(
                "sheet-unreadable",
                path = path.display().to_string(),
                detail = source.to_string()
            ),
            SheetError::Format { path, detail } => msg!(
                "sheet-format",
                path = path.display().to_string(),
                detail = detail
            ),
            SheetError::NoSuchSheet { path, name, sheets } => msg!(
                "sheet-no-such-sheet",
                path = path.display().to_string(),
                name = name,
                sheets = sheets.join(", ")
            ),
            SheetError::Empty { path } => {
                msg!("sheet-empty", path = path.display().to_string())
            }
        }
    }
}

impl std::fmt::Display for SheetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.msg().fmt(f)
    }
}

impl std::error::Error for SheetError {}

/// Read `path`: `.csv` / `.txt` as CSV, anything else as a workbook (`.xlsx`, `.xlsm`,
/// `.xls`, `.ods`), its sheet `sheet` or else its first.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let (name, rows) = if matches!(ext.as_str(), "csv" | "txt") {
        let bytes = std::fs::read(path).map_err(|source| SheetError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        (None, csv_rows(path, &bytes)?)
    } else {
        let (name, rows) = workbook_rows(path, sheet)?;
        (Some(name), rows)
    };
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .collect();
    if rows.is_empty() {
        return Err(SheetError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(Sheet { name, rows })
}

/// The text of a CSV file: UTF-8 (a byte-order mark dropped), else GB18030.
fn csv_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn csv_rows(path: &Path, bytes: &[u8]) -> Result<Vec<Row>, SheetError> {
    let text = csv_text(bytes);
    // Excel in some locales separates with semicolons, exports of other tools with tabs.
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| SheetError::Format {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        // The line the record starts on, counted from its byte offset (the reader's own line
        // count skips blank lines, which a spreadsheet numbers; its offset is where it began
        // reading, before the blank lines it skipped).
        let line = record.position().map_or(rows.len() + 1, |p| {
            let bytes = text.as_bytes();
            let mut at = (p.byte() as usize).min(bytes.len());
            while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                at += 1;
            }
            bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
        });
        rows.push((line, record.iter().map(|c| c.trim().to_string()).collect()));
    }
    Ok(rows)
}

fn workbook_rows(path: &Path, sheet: Option<&str>) -> Result<(String, Vec<Row>), SheetError> {
    let format = |detail: String| SheetError::Format {
        path: path.to_path_buf(),
        detail,
    };
    if !path.exists() {
        return Err(SheetError::Unreadable {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let mut book = calamine::open_workbook_auto(path).map_err(|e| format(e.to_string()))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| SheetError::NoSuchSheet {
                path: path.to_path_buf(),
                name: s.to_string(),
                sheets: names.clone(),
            })?,
        None => names.first().cloned().ok_or_else(|| SheetError::Empty {
            path: path.to_path_buf(),
        })?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format(e.to_string()))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            // Columns before the used range are empty: keep positions as the sheet has them.
            let mut row = vec![String::new(); first_col];
            row.extend(cells.iter().map(|c| c.to_string().trim().to_string()));
            (first_row + i + 1, row)
        })
        .collect();
    Ok((name, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_utf8_with_a_bom_or_in_gb18030_reads_the_same() {
        let text =
            "场所名称,地址\n老王电动车维修,\"小木桥路 251号\"\n\n永久电动车行,小木桥路 187号\n";
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.csv");
        std::fs::write(&plain, text).unwrap();
        let bom = dir.path().join("b.csv");
        std::fs::write(&bom, [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap();
        let gbk = dir.path().join("c.csv");
        std::fs::write(&gbk, encoding_rs::GB18030.encode(text).0).unwrap();
        let expected = read(&plain, None).unwrap();
        assert_eq!(
            expected.rows,
            vec![
                (1, vec!["场所名称".to_string(), "地址".to_string()]),
                (
                    2,
                    vec!["老王电动车维修".to_string(), "小木桥路 251号".to_string()]
                ),
                (
                    4,
                    vec!["永久电动车行".to_string(), "小木桥路 187号".to_string()]
                ),
            ],
            "row numbers as the spreadsheet shows them; the empty row left out"
        );
        assert_eq!(read(&bom, None).unwrap(), expected);
        assert_eq!(read(&gbk, None).unwrap(), expected);
    }

    #[test]
    fn what_is_not_a_spreadsheet_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("venues.xlsx");
        std::fs::write(&bad, b"not a zip").unwrap();
        let e = read(&bad, None).unwrap_err().to_string();
        assert!(e.contains("not a spreadsheet"), "{e}");
        let e = read(&dir.path().join("missing.xlsx"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read"), "{e}");
        let empty = dir.path().join("empty.csv");
        std::fs::write(&empty, "\n\n").unwrap();
        assert!(matches!(read(&empty, None), Err(SheetError::Empty { .. })));
    }
}
