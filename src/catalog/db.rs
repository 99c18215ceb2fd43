//! The two engines the catalog runs on, behind one small interface: statements written once
//! with `$1`-style parameters, values of four kinds, rows as lists of values. SQLite (a file
//! in the data directory) is the default; PostgreSQL is shared by many folio processes.

use super::postgres::Pool;
use crate::error::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use std::sync::{Mutex, MutexGuard};

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Bytes(v.to_vec())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Statement parameters: `vals![a, b]`.
macro_rules! vals {
    ($($v:expr),* $(,)?) => { &[$($crate::catalog::db::Value::from($v)),*][..] };
}
pub(crate) use vals;

/// One result row.
#[derive(Debug)]
pub struct Row(pub Vec<Value>);

fn column_err(i: usize, want: &str, got: &Value) -> Error {
    Error::Catalog(format!("column {i}: expected {want}, found {got:?}"))
}

impl Row {
    pub fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?
            .ok_or_else(|| column_err(i, "text", &Value::Null))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.0.get(i) {
            Some(Value::Text(s)) => Ok(Some(s.clone())),
            Some(Value::Null) => Ok(None),
            other => Err(column_err(i, "text", other.unwrap_or(&Value::Null))),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?
            .ok_or_else(|| column_err(i, "an integer", &Value::Null))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.0.get(i) {
            Some(Value::Int(n)) => Ok(Some(*n)),
            Some(Value::Null) => Ok(None),
            other => Err(column_err(i, "an integer", other.unwrap_or(&Value::Null))),
        }
    }

    pub fn u32(&self, i: usize) -> Result<u32> {
        Ok(u32::try_from(self.int(i)?.max(0)).unwrap_or(u32::MAX))
    }

    pub fn opt_bytes(&self, i: usize) -> Result<Option<Vec<u8>>> {
        match self.0.get(i) {
            Some(Value::Bytes(b)) => Ok(Some(b.clone())),
            Some(Value::Null) => Ok(None),
            other => Err(column_err(i, "bytes", other.unwrap_or(&Value::Null))),
        }
    }
}

/// The engine behind a catalog.
pub enum Db {
    Sqlite(Mutex<Connection>),
    /// Shared by every [`super::Catalog::another`] of one process.
    Postgres(std::sync::Arc<Pool>),
}

fn sqlite_err(e: rusqlite::Error) -> Error {
    Error::Catalog(e.to_string())
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput::Borrowed;
        Ok(match self {
            Value::Null => Borrowed(ValueRef::Null),
            Value::Int(n) => Borrowed(ValueRef::Integer(*n)),
            Value::Text(s) => Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl Db {
    /// What a queue's claim adds so that concurrent claimers pass over each other's rows
    /// (SQLite has one writer at a time and needs nothing).
    pub fn skip_locked(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        match self {
            Db::Sqlite(c) => {
                let db = lock(c);
                let mut stmt = db.prepare_cached(&sqlite_sql(sql)).map_err(sqlite_err)?;
                let n = stmt
                    .execute(rusqlite::params_from_iter(params))
                    .map_err(sqlite_err)?;
                Ok(n as u64)
            }
            Db::Postgres(pool) => pool.execute(sql, params),
        }
    }

    /// Runs a query; its rows.
    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        match self {
            Db::Sqlite(c) => {
                let db = lock(c);
                let mut stmt = db.prepare_cached(&sqlite_sql(sql)).map_err(sqlite_err)?;
                let width = stmt.column_count();
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(params))
                    .map_err(sqlite_err)?;
                let mut out = Vec::new();
                while let Some(r) = rows.next().map_err(sqlite_err)? {
                    let mut values = Vec::with_capacity(width);
                    for i in 0..width {
                        values.push(match r.get_ref(i).map_err(sqlite_err)? {
                            ValueRef::Null => Value::Null,
                            ValueRef::Integer(n) => Value::Int(n),
                            ValueRef::Real(f) => Value::Int(f as i64),
                            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into()),
                            ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
                        });
                    }
                    out.push(Row(values));
                }
                Ok(out)
            }
            Db::Postgres(pool) => pool.query(sql, params),
        }
    }

    /// Runs `guard`, then, only when it changed a row, every statement of `rest`, all in one
    /// transaction; false (and nothing changed) when the guard changed no row.
    pub fn transaction(
        &self,
        guard: (&str, &[Value]),
        rest: &[(&str, Vec<Value>)],
    ) -> Result<bool> {
        match self {
            Db::Sqlite(c) => {
                let mut db = lock(c);
                let tx = db
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(sqlite_err)?;
                let run = |sql: &str, params: &[Value]| -> Result<usize> {
                    tx.prepare_cached(&sqlite_sql(sql))
                        .and_then(|mut st| st.execute(rusqlite::params_from_iter(params)))
                        .map_err(sqlite_err)
                };
                if run(guard.0, guard.1)? == 0 {
                    return Ok(false);
                }
                for (sql, params) in rest {
                    run(sql, params)?;
                }
                tx.commit().map_err(sqlite_err)?;
                Ok(true)
            }
            Db::Postgres(pool) => pool.transaction(guard, rest),
        }
    }

    /// The first row of a query, if any.
    pub fn query_opt(&self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

fn lock(c: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    c.lock().unwrap_or_else(|p| p.into_inner())
}

/// `$1` → `?1`: SQLite numbers its parameters with `?`.
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}
