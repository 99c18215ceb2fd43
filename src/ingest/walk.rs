//! Finding the files to ingest: paths given, folders walked recursively (symbolic links not
//! followed, hidden entries skipped), filtered by include and exclude globs.

use crate::error::{Error, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

/// Include/exclude patterns, matched against the path relative to the folder given (and
/// against the file name alone).
pub struct Filter {
    include: Option<GlobSet>,
    exclude: GlobSet,
}

fn set(patterns: &[String]) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| Error::Pipeline(format!("bad glob '{p}': {e}")))?);
    }
    b.build()
        .map_err(|e| Error::Pipeline(format!("bad glob: {e}")))
}

impl Filter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self> {
        Ok(Self {
            include: if include.is_empty() {
                None
            } else {
                Some(set(include)?)
            },
            exclude: set(exclude)?,
        })
    }

    fn accepts(&self, relative: &Path) -> bool {
        let name = relative.file_name().map(Path::new).unwrap_or(relative);
        let hit = |s: &GlobSet| s.is_match(relative) || s.is_match(name);
        !hit(&self.exclude) && self.include.as_ref().is_none_or(hit)
    }
}

/// Every file under `roots` that the filter accepts, sorted, without duplicates.
pub fn files(roots: &[PathBuf], filter: &Filter) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|source| Error::Io {
            path: root.clone(),
            source,
        })?;
        if meta.is_file() {
            out.push(root.clone());
            continue;
        }
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    stack.push(path);
                } else if kind.is_file() {
                    let relative = path.strip_prefix(root).unwrap_or(&path);
                    if filter.accepts(relative) {
                        out.push(path);
                    }
                }
            }
        }
    }
    let mut canonical: Vec<PathBuf> = out
        .into_iter()
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
        .collect();
    canonical.sort();
    canonical.dedup();
    Ok(canonical)
}
