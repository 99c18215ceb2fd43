//! Paging shared by the listings: the asked page size checked against its bounds, and
//! OpenAI's cursor-shaped page (`data`, `first_id`, `last_id`, `has_more`).

use super::error::ApiError;
use serde::Serialize;
use utoipa::ToSchema;

/// The page size `given` (else `default`), or a 422 when it is not within 1..=`max`.
pub fn page_limit(given: Option<usize>, default: usize, max: usize) -> Result<usize, ApiError> {
    let limit = given.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and {max}"
        )));
    }
    Ok(limit)
}

/// A page of a list, in OpenAI's cursor shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListPage<T> {
    /// Always "list".
    pub object: String,
    pub data: Vec<T>,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    /// Pass `last_id` as `after` for the next page.
    pub has_more: bool,
}

impl<T> ListPage<T> {
    /// The page from `limit + 1` rows; `id` names a row.
    pub fn from_rows(mut rows: Vec<T>, limit: usize, id: impl Fn(&T) -> String) -> Self {
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        Self {
            object: "list".into(),
            first_id: rows.first().map(&id),
            last_id: rows.last().map(&id),
            data: rows,
            has_more,
        }
    }
}
