//! Cursor pagination: `first` (1..=100, default 20) and an opaque `after` cursor.
//!
//! A cursor is the sort key and the id of the last row seen, so pages are keyset queries
//! (`(key, id) > (cursor.key, cursor.id)`): no gaps or repeats when rows are added between pages.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{ColumnTrait, Condition};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Error, Result};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort key of the row, as text.
    #[serde(rename = "k")]
    pub key: String,
    pub id: Uuid,
}

impl Cursor {
    pub fn new(key: impl Into<String>, id: Uuid) -> Self {
        Cursor {
            key: key.into(),
            id,
        }
    }

    pub fn encode(&self) -> String {
        // Serialising a struct of a string and a UUID cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(field: &str, text: &str) -> Result<Self> {
        let malformed = || {
            Error::bad_input(
                field,
                format!("`{field}` is not a cursor returned by this API"),
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| malformed())?;
        serde_json::from_slice(&bytes).map_err(|_| malformed())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: u64,
    pub after: Option<Cursor>,
}

impl PageArgs {
    /// Validates GraphQL `first` and `after` arguments.
    pub fn new(first: Option<i32>, after: Option<&str>) -> Result<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n >= 1 && (n as u64) <= MAX_PAGE_SIZE => n as u64,
            Some(n) => {
                return Err(Error::bad_input(
                    "first",
                    format!("`first` must be between 1 and {MAX_PAGE_SIZE}, got {n}"),
                ));
            }
        };
        let after = after.map(|a| Cursor::decode("after", a)).transpose()?;
        Ok(PageArgs { first, after })
    }
}

/// Rows after `cursor` in (`key`, `id`) order: the keyset condition of a next page.
pub fn after(key: impl ColumnTrait, id: impl ColumnTrait, cursor: &Cursor) -> Condition {
    Condition::any().add(key.gt(cursor.key.as_str())).add(
        Condition::all()
            .add(key.eq(cursor.key.as_str()))
            .add(id.gt(cursor.id)),
    )
}

/// One page of rows, each with its cursor.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

/// An empty first page.
impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            has_next_page: false,
            has_previous_page: false,
        }
    }
}

impl<T> Page<T> {
    /// Builds a page from up to `first + 1` rows fetched in order.
    pub fn from_rows(mut rows: Vec<T>, args: &PageArgs, cursor: impl Fn(&T) -> Cursor) -> Self {
        let has_next_page = rows.len() as u64 > args.first;
        rows.truncate(args.first as usize);
        Page {
            items: rows.into_iter().map(|r| (cursor(&r), r)).collect(),
            has_next_page,
            has_previous_page: args.after.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() -> Result<()> {
        let c = Cursor::new("Numberwise Maths", Uuid::now_v7());
        assert_eq!(Cursor::decode("after", &c.encode())?, c);
        Ok(())
    }

    #[test]
    fn garbage_cursors_and_page_sizes_name_the_argument() {
        for bad in ["", "not base64!", "bm90IGpzb24"] {
            match Cursor::decode("after", bad) {
                Err(Error::BadInput { field, .. }) => assert_eq!(field, "after"),
                other => panic!("expected BadInput, got {other:?}"),
            }
        }
        for n in [0, -1, 101] {
            match PageArgs::new(Some(n), None) {
                Err(Error::BadInput { field, .. }) => assert_eq!(field, "first"),
                other => panic!("expected BadInput, got {other:?}"),
            }
        }
    }
}
