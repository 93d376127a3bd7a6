//! Loading real data from files: the GIAS extracts (every school and academy trust in
//! England) and deals (frameworks with their lots and suppliers). The command line (`becta import ...`) reads the files and
//! calls these services.
//!
//! Policy: a file is read and checked whole before anything is written; every bad row is
//! reported with its file, line and column, and the good rows are still imported unless the
//! caller asks to stop at the first error. An import is ONE transaction, with one audit event
//! for the import and one for each record it changed, so it is all there or not at all.
//! Importing the same files again changes nothing.

use std::collections::HashMap;
use std::fmt;

pub mod deals;
pub mod gias;
pub mod gias_apply;

/// A row (or a whole file) that could not be read: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Which file: `establishments`, `groups` or `links`.
    pub file: &'static str,
    /// The line in the file (1 is the header), when the problem is in a row.
    pub line: Option<u64>,
    /// The column, by its GIAS name, when one is at fault.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Tells a watcher how far an import has gone; the command line draws a progress bar with it.
pub trait Progress: Sync {
    /// A new stage of `total` steps begins.
    fn stage(&self, what: &str, total: u64);
    /// `n` more steps are done.
    fn advance(&self, n: u64);
}

/// No one is watching.
impl Progress for () {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// The text of a published extract. GIAS publishes Latin-1: each byte is the character of the
/// same number. A file that is valid UTF-8 (someone saved it again in a spreadsheet) is read
/// as UTF-8, and a byte-order mark is dropped: Latin-1 text with any accented letter is never
/// valid UTF-8, so the two cannot be confused.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// A CSV file with a header row, its columns found by name.
pub struct Table {
    file: &'static str,
    columns: HashMap<String, usize>,
    width: usize,
    /// Byte offsets where the file's lines start, to name a row's line.
    line_starts: Vec<usize>,
    reader: csv::Reader<std::io::Cursor<String>>,
}

/// One row of a [`Table`].
pub struct Row<'a> {
    pub file: &'static str,
    pub line: u64,
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
}

impl Table {
    /// Reads the header of `text`; `required` columns must all be there (a file-level error
    /// naming those missing).
    pub fn new(file: &'static str, text: String, required: &[&str]) -> Result<Table, RowError> {
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(std::io::Cursor::new(text));
        let headers = reader.headers().map_err(|e| RowError {
            file,
            line: Some(1),
            column: None,
            message: format!("the header row cannot be read: {e}"),
        })?;
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_owned(), i))
            .collect();
        let width = headers.len();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(RowError {
                file,
                line: Some(1),
                column: None,
                message: format!(
                    "the header lacks the column{} {} (is this the {file} extract?)",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
            });
        }
        Ok(Table {
            file,
            columns,
            width,
            line_starts,
            reader,
        })
    }

    /// The line (from 1) of a record CSV places at byte `offset`: the first line starting
    /// there or after it (CSV places a record at the end of the line before it).
    fn line_at(&self, offset: u64) -> u64 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        self.line_starts.partition_point(|&start| start < offset) as u64 + 1
    }

    /// Calls `each` for every row; a row with the wrong number of cells, or that CSV cannot
    /// read, is an error and not passed on. Returns how many rows the file has.
    pub fn for_each(
        mut self,
        errors: &mut Vec<RowError>,
        mut each: impl FnMut(Row<'_>, &mut Vec<RowError>),
    ) -> u64 {
        let mut record = csv::StringRecord::new();
        let mut rows = 0;
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| self.line_at(p.byte()));
                    if record.len() == 1 && record.get(0).is_some_and(|c| c.trim().is_empty()) {
                        continue;
                    }
                    rows += 1;
                    if record.len() != self.width {
                        errors.push(RowError {
                            file: self.file,
                            line: Some(line),
                            column: None,
                            message: format!(
                                "the row has {} cells where the header has {}",
                                record.len(),
                                self.width
                            ),
                        });
                        continue;
                    }
                    each(
                        Row {
                            file: self.file,
                            line,
                            columns: &self.columns,
                            record: &record,
                        },
                        errors,
                    );
                }
                Err(e) => {
                    let line = e.position().map(|p| self.line_at(p.byte()));
                    errors.push(RowError {
                        file: self.file,
                        line,
                        column: None,
                        message: format!("the row cannot be read as CSV: {e}"),
                    });
                    // Text in memory fails only on what cannot be resumed.
                    break;
                }
            }
        }
        rows
    }
}

impl Row<'_> {
    /// The trimmed cell of `column`, or `None` when it is empty or the file has no such column.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// An error about `column` of this row.
    pub fn error(&self, column: &str, message: impl Into<String>) -> RowError {
        RowError {
            file: self.file,
            line: Some(self.line),
            column: Some(column.to_owned()),
            message: message.into(),
        }
    }

    /// The cell of a column every row must fill.
    pub fn required(&self, column: &str) -> Result<&str, RowError> {
        self.get(column)
            .ok_or_else(|| self.error(column, "is empty; every row needs it"))
    }

    /// A whole number, or `None` when empty.
    pub fn number(&self, column: &str) -> Result<Option<i32>, RowError> {
        self.get(column)
            .map(|v| {
                v.parse::<i32>()
                    .map_err(|_| self.error(column, format!("{v:?} is not a whole number")))
            })
            .transpose()
    }

    /// A date as GIAS writes it (`31-08-2024`; `2024-08-31` is taken too), or `None` when
    /// empty.
    pub fn date(&self, column: &str) -> Result<Option<chrono::NaiveDate>, RowError> {
        self.get(column)
            .map(|v| {
                chrono::NaiveDate::parse_from_str(v, "%d-%m-%Y")
                    .or_else(|_| chrono::NaiveDate::parse_from_str(v, "%d/%m/%Y"))
                    .or_else(|_| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d"))
                    .map_err(|_| self.error(column, format!("{v:?} is not a date like 31-08-2024")))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_bytes_are_their_own_characters_and_utf8_stays_utf8() {
        assert_eq!(decode(b"Saint Andr\xe9's"), "Saint André's");
        assert_eq!(decode("Saint André's".as_bytes()), "Saint André's");
        assert_eq!(decode(b"\xef\xbb\xbfURN"), "URN");
    }

    #[test]
    fn a_short_row_is_named_by_its_line_in_the_file() {
        for end in ["\r\n", "\n"] {
            let text = format!("A,B{end}1,\"two{end}lines\"{end}3{end}4,5{end}");
            let mut errors = Vec::new();
            let mut lines = Vec::new();
            let rows = Table::new("t", text, &["A"])
                .map(|t| t.for_each(&mut errors, |row, _| lines.push(row.line)))
                .unwrap_or_default();
            assert_eq!(rows, 3);
            assert_eq!(lines, [2, 5], "{end:?}");
            assert_eq!(errors.len(), 1);
            assert_eq!(
                errors[0].to_string(),
                "t line 4: the row has 1 cells where the header has 2"
            );
        }
    }
}
