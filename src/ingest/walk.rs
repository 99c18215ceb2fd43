//! Finding the files to ingest: paths given, folders walked recursively, filtered by include
//! and exclude globs. Symbolic links to files and folders are followed, each target once and
//! safe from link loops; hidden entries are skipped. What is left out is counted by reason.

use crate::error::{Error, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashSet;
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

/// Entries a walk left out, by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// Names starting with a dot.
    pub hidden: usize,
    /// Files the include/exclude patterns turned away.
    pub filtered: usize,
    /// Symbolic links whose target does not exist.
    pub broken_links: usize,
    /// Folders reached again through a link (a loop, or a second link to one folder).
    pub repeated_folders: usize,
    /// Files reached more than once (links to one file): ingested once.
    pub repeated_files: usize,
    /// Folders that could not be listed (permissions) and entries of other kinds (sockets,
    /// pipes, devices).
    pub unreadable: usize,
}

impl Skipped {
    pub fn total(&self) -> usize {
        self.hidden
            + self.filtered
            + self.broken_links
            + self.repeated_folders
            + self.repeated_files
            + self.unreadable
    }
}

impl std::fmt::Display for Skipped {
    /// "2 hidden, 1 broken link", the non-zero reasons only; "none" when nothing was skipped.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reasons = [
            (self.hidden, "hidden"),
            (self.filtered, "excluded by --include/--exclude"),
            (self.broken_links, "broken links"),
            (self.repeated_folders, "folders reached twice (link loops)"),
            (self.repeated_files, "files reached twice (links)"),
            (self.unreadable, "unreadable or not regular files"),
        ];
        let parts: Vec<String> = reasons
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// The files a walk found, sorted and each once (by its real path), and what it left out.
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<PathBuf>,
    pub skipped: Skipped,
}

/// Walks `roots`. A root that does not exist or cannot be read is an error; inside a folder,
/// what cannot be read is counted and skipped.
pub fn files(roots: &[PathBuf], filter: &Filter) -> Result<Walk> {
    let mut walk = Walk::default();
    let mut found: Vec<PathBuf> = Vec::new();
    let mut seen_dirs: HashSet<PathBuf> = HashSet::new();
    for root in roots {
        let io = |source| Error::Io {
            path: root.clone(),
            source,
        };
        let meta = std::fs::metadata(root).map_err(io)?;
        if meta.is_file() {
            found.push(root.clone());
            continue;
        }
        let real = std::fs::canonicalize(root).map_err(io)?;
        if !seen_dirs.insert(real) {
            continue;
        }
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if dir == *root => return Err(io(e)),
                Err(_) => {
                    walk.skipped.unreadable += 1;
                    continue;
                }
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if entry.file_name().to_string_lossy().starts_with('.') {
                    walk.skipped.hidden += 1;
                    continue;
                }
                // Follows links: the kind of what the entry names, not of the entry itself.
                let Ok(meta) = std::fs::metadata(&path) else {
                    let link = entry.file_type().is_ok_and(|t| t.is_symlink());
                    if link {
                        walk.skipped.broken_links += 1;
                    } else {
                        walk.skipped.unreadable += 1;
                    }
                    continue;
                };
                if meta.is_dir() {
                    match std::fs::canonicalize(&path).map(|real| seen_dirs.insert(real)) {
                        Ok(true) => stack.push(path),
                        Ok(false) => walk.skipped.repeated_folders += 1,
                        Err(_) => walk.skipped.unreadable += 1,
                    }
                } else if meta.is_file() {
                    let relative = path.strip_prefix(root).unwrap_or(&path);
                    if filter.accepts(relative) {
                        found.push(path);
                    } else {
                        walk.skipped.filtered += 1;
                    }
                } else {
                    walk.skipped.unreadable += 1;
                }
            }
        }
    }
    let mut canonical: Vec<PathBuf> = found
        .into_iter()
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
        .collect();
    canonical.sort();
    let before = canonical.len();
    canonical.dedup();
    walk.skipped.repeated_files = before - canonical.len();
    walk.files = canonical;
    Ok(walk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_are_followed_once_and_what_is_left_out_is_counted() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = tmp.path().join("store");
        let docs = tmp.path().join("docs");
        std::fs::create_dir_all(store.join("deep")).expect("mkdir");
        std::fs::create_dir_all(&docs).expect("mkdir");
        for name in ["a.pdf", "b.pdf", "deep/c.pdf", "notes.tmp"] {
            std::fs::write(store.join(name), b"x").expect("write");
        }
        // A folder of links only: to files, to a folder, twice to one file, to nothing,
        // and back up to its own parent (a loop).
        symlink(store.join("a.pdf"), docs.join("a.pdf")).expect("link");
        symlink(store.join("a.pdf"), docs.join("again.pdf")).expect("link");
        symlink(store.join("b.pdf"), docs.join("b.pdf")).expect("link");
        symlink(store.join("deep"), docs.join("deep")).expect("link");
        symlink(store.join("gone.pdf"), docs.join("gone.pdf")).expect("link");
        symlink(tmp.path(), docs.join("up")).expect("link");
        std::fs::write(docs.join(".hidden.pdf"), b"x").expect("write");
        let filter = Filter::new(&[], &["*.tmp".to_string()]).expect("filter");

        let walk = files(std::slice::from_ref(&docs), &filter).expect("walk");
        let real = |p: &str| std::fs::canonicalize(store.join(p)).expect("real");
        assert_eq!(
            walk.files,
            vec![real("a.pdf"), real("b.pdf"), real("deep/c.pdf")]
        );
        // Through "up": docs again (a loop) and store/deep again; a.pdf and b.pdf again, with
        // again.pdf a third a.pdf; store's .tmp file.
        assert_eq!(
            walk.skipped,
            Skipped {
                hidden: 1,
                filtered: 1,
                broken_links: 1,
                repeated_folders: 2,
                repeated_files: 3,
                unreadable: 0,
            },
            "{}",
            walk.skipped
        );
    }

    #[test]
    fn a_missing_root_is_an_error_and_an_empty_walk_says_none() {
        let filter = Filter::new(&[], &[]).expect("filter");
        assert!(files(&[PathBuf::from("/no/such/folder")], &filter).is_err());
        let tmp = tempfile::tempdir().expect("tempdir");
        let walk = files(&[tmp.path().to_path_buf()], &filter).expect("walk");
        assert!(walk.files.is_empty());
        assert_eq!(walk.skipped.to_string(), "none");
    }
}
