//! Generations of the embedded index: each one a keyword store and a vector store written by
//! one embedding model and one analysis revision, in `DATA/index/NAME/`. The file
//! `DATA/index/live` names the one searches use; `DATA/index/next` names the one being built
//! while it is built (a build a crash interrupted is discarded on the next writable open).
//! Switching is one atomic rename of `live`. A data directory written before generations
//! (`DATA/keyword`, `DATA/vectors`) becomes its first generation on the first writable open.

use super::keyword::{stored_analysis, ANALYSIS};
use super::{generation_label, EmbeddedStore, KeywordStore, EMBEDDING};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a generation was written with (`generation.json` in its folder).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Written {
    /// The embedding model of its vectors.
    embedding: String,
}

/// One generation, open.
pub(crate) struct Generation {
    pub name: String,
    /// The embedding model its vectors come from.
    pub embedding: String,
    pub keyword: KeywordStore,
    pub vectors: EmbeddedStore,
}

impl Generation {
    /// Opens the generation in `dir` (a folder of [`Layout`], or a data directory of the
    /// layout before generations).
    fn open(dir: &Path, name: &str, dim: usize, writable: bool) -> Result<Self> {
        let written = dir.join("generation.json");
        let embedding = match std::fs::read(&written) {
            Ok(bytes) => {
                serde_json::from_slice::<Written>(&bytes)
                    .map_err(|e| Error::Index(format!("{}: {e}", written.display())))?
                    .embedding
            }
            // Written before generations: the one model folio has shipped.
            Err(_) => EMBEDDING.into(),
        };
        let keyword = KeywordStore::open(&dir.join("keyword"), writable)?;
        let vectors = match writable {
            true => EmbeddedStore::open(&dir.join("vectors"), dim)?,
            false => EmbeddedStore::open_read_only(&dir.join("vectors"), dim)?,
        };
        Ok(Self {
            name: name.into(),
            embedding,
            keyword,
            vectors,
        })
    }

    /// Whether this build's model and analysis wrote it.
    pub fn current(&self) -> bool {
        self.embedding == EMBEDDING && self.keyword.analysis() == ANALYSIS
    }

    /// Whether its vectors can be searched with this build's query embeddings.
    pub fn same_embedding(&self) -> bool {
        self.embedding == EMBEDDING
    }
}

/// The `index` folder of a data directory.
pub(crate) struct Layout {
    data: PathBuf,
    root: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Layout {
    pub fn new(data: &Path) -> Self {
        Self {
            data: data.to_path_buf(),
            root: data.join("index"),
        }
    }

    /// The process-wide writer lock of the index (held by the writable [`super::EmbeddedIndex`]).
    pub fn lock(&self) -> Result<std::fs::File> {
        std::fs::create_dir_all(&self.root).map_err(io(&self.root))?;
        let path = self.root.join("writer.lock");
        let file = std::fs::File::create(&path).map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Busy(self.data.clone())),
            Err(std::fs::TryLockError::Error(source)) => Err(Error::Io { path, source }),
        }
    }

    fn pointer(&self, which: &str) -> Result<Option<String>> {
        let path = self.root.join(which);
        match std::fs::read_to_string(&path) {
            Ok(name) => Ok(Some(name.trim().to_string()).filter(|n| !n.is_empty())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { path, source }),
        }
    }

    /// Names the generation `which` (`live`, `next`) points at, durably and atomically
    /// (written beside it, synced, renamed over it).
    fn point(&self, which: &str, name: Option<&str>) -> Result<()> {
        let path = self.root.join(which);
        let Some(name) = name else {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&path)(e)),
                _ => Ok(()),
            };
        };
        let tmp = self.root.join(format!("{which}.tmp"));
        let write = || -> std::io::Result<()> {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(name.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&self.root)?.sync_all()
        };
        write().map_err(io(&path))
    }

    pub fn live(&self) -> Result<Option<String>> {
        self.pointer("live")
    }

    pub fn next(&self) -> Result<Option<String>> {
        self.pointer("next")
    }

    pub fn set_live(&self, name: &str) -> Result<()> {
        self.point("live", Some(name))
    }

    pub fn set_next(&self, name: Option<&str>) -> Result<()> {
        self.point("next", name)
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// A new generation's name: this build's label and the time.
    pub fn new_name() -> String {
        format!(
            "{}_{}",
            generation_label(EMBEDDING, ANALYSIS),
            crate::catalog::now_ms()
        )
    }

    /// Creates and opens a new, empty generation of this build's model and analysis.
    pub fn create(&self, name: &str, dim: usize) -> Result<Generation> {
        let dir = self.dir(name);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let written = serde_json::to_vec(&Written {
            embedding: EMBEDDING.into(),
        })
        .map_err(|e| Error::Index(e.to_string()))?;
        let path = dir.join("generation.json");
        std::fs::write(&path, written).map_err(io(&path))?;
        Generation::open(&dir, name, dim, true)
    }

    pub fn open(&self, name: &str, dim: usize, writable: bool) -> Result<Generation> {
        let dir = self.dir(name);
        if !dir.is_dir() {
            return Err(Error::Index(format!(
                "index generation '{name}' is missing from {} (named by {})",
                self.root.display(),
                self.root.join("live").display()
            )));
        }
        Generation::open(&dir, name, dim, writable)
    }

    /// Whether the data directory holds stores of the layout before generations.
    fn has_legacy(&self) -> bool {
        self.data.join("keyword").join("meta.json").exists()
    }

    /// The layout before generations, opened where it is (for readers of a data directory no
    /// writer has opened since).
    pub fn open_legacy(&self, dim: usize) -> Result<Option<Generation>> {
        if !self.has_legacy() {
            return Ok(None);
        }
        let name = legacy_name(&self.data.join("keyword"))?;
        Generation::open(&self.data, &name, dim, false).map(Some)
    }

    /// Moves stores of the layout before generations into their first generation: named
    /// live first, then moved (the vectors, then the keyword index, whose presence marks the
    /// old layout), so a move cut short is finished by the next open.
    pub fn migrate_legacy(&self) -> Result<()> {
        if !self.has_legacy() {
            return Ok(());
        }
        let name = match self.live()? {
            Some(name) => name,
            None => {
                let name = legacy_name(&self.data.join("keyword"))?;
                std::fs::create_dir_all(&self.root).map_err(io(&self.root))?;
                self.set_live(&name)?;
                name
            }
        };
        let dir = self.dir(&name);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        for part in ["vectors", "keyword"] {
            let (from, to) = (self.data.join(part), dir.join(part));
            if !from.exists() {
                continue;
            }
            // Made empty by a reader that opened the generation before it was moved.
            if to.exists() {
                std::fs::remove_dir_all(&to).map_err(io(&to))?;
            }
            std::fs::rename(&from, &to).map_err(io(&from))?;
        }
        tracing::info!(generation = %name, "index moved into its first generation");
        Ok(())
    }

    /// Generations on disk other than the live one and the one being built.
    pub fn others(&self) -> Result<Vec<String>> {
        let (live, next) = (self.live()?, self.next()?);
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(io(&self.root)(e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let known = Some(&name) == live.as_ref() || Some(&name) == next.as_ref();
            if entry.path().is_dir() && !known {
                out.push(name);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes a generation's folder.
    pub fn remove(&self, name: &str) -> Result<()> {
        let dir = self.dir(name);
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&dir)(e)),
            _ => Ok(()),
        }
    }
}

/// The folder of a data directory's live generation (its `keyword` and `vectors` stores).
pub fn live_dir(data: &Path) -> Result<PathBuf> {
    let layout = Layout::new(data);
    Ok(match layout.live()? {
        Some(name) => layout.dir(&name),
        None => data.to_path_buf(),
    })
}

/// The name of a generation written before generations had names.
fn legacy_name(keyword: &Path) -> Result<String> {
    let analysis = stored_analysis(keyword)?;
    Ok(format!("{}_0", generation_label(EMBEDDING, &analysis)))
}
