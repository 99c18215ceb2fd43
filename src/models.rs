//! Where the native libraries and model files live, and proof that they are the right ones.
//!
//! `models/manifest.toml` (compiled into the binary) names every file with its sha256;
//! `models/fetch` downloads and unpacks them. At run time the files are looked up in
//! `$FOLIO_MODELS_DIR`, else `./models`, else a `models/` folder above the executable, and each
//! is verified once against its sha256 before use. Nothing is ever downloaded at run time.

use crate::error::{Error, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The manifest as committed, compiled in so the binary knows the hashes it expects.
pub const MANIFEST_TOML: &str = include_str!("../models/manifest.toml");

/// One file of the manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct ModelFile {
    pub name: String,
    pub package: String,
    pub version: String,
    pub dest: String,
    pub sha256: String,
    pub licence: String,
    #[serde(default)]
    pub purpose: String,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    file: Vec<ModelFile>,
}

/// The state of one file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    Ok,
    Missing,
    HashMismatch { actual: String },
    Unreadable(String),
}

/// The fetched files, rooted at one directory.
#[derive(Debug)]
pub struct ModelStore {
    root: PathBuf,
    files: Vec<ModelFile>,
    verified: Mutex<HashMap<String, FileStatus>>,
}

#[derive(Debug, Deserialize)]
struct StampEntry {
    size: u64,
    mtime_ns: u128,
    sha256: String,
}

impl ModelStore {
    /// The store at the default location (see the module docs).
    pub fn locate() -> Result<Self> {
        Self::at(default_root())
    }

    /// The store rooted at `root`.
    pub fn at(root: PathBuf) -> Result<Self> {
        let manifest: Manifest = toml::from_str(MANIFEST_TOML).map_err(|e| Error::Model {
            what: "models/manifest.toml".into(),
            detail: e.to_string(),
        })?;
        Ok(Self {
            root,
            files: manifest.file,
            verified: Mutex::new(HashMap::new()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every file of the manifest.
    pub fn files(&self) -> &[ModelFile] {
        &self.files
    }

    /// The manifest entry called `name`.
    pub fn entry(&self, name: &str) -> Result<&ModelFile> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| Error::Model {
                what: name.to_string(),
                detail: "not in models/manifest.toml".into(),
            })
    }

    /// The verified path of the file called `name`, or an error saying how to fix it.
    pub fn path(&self, name: &str) -> Result<PathBuf> {
        let entry = self.entry(name)?;
        let path = self.root.join(&entry.dest);
        match self.status(entry) {
            FileStatus::Ok => Ok(path),
            FileStatus::Missing => Err(Error::Model {
                what: format!("{} ({})", entry.name, path.display()),
                detail: "not found".into(),
            }),
            FileStatus::HashMismatch { actual } => Err(Error::Model {
                what: format!("{} ({})", entry.name, path.display()),
                detail: format!("sha256 {actual}, expected {}", entry.sha256),
            }),
            FileStatus::Unreadable(e) => Err(Error::Model {
                what: format!("{} ({})", entry.name, path.display()),
                detail: e,
            }),
        }
    }

    /// Checks one file against its sha256 (cached for the life of the process).
    pub fn status(&self, entry: &ModelFile) -> FileStatus {
        if let Ok(cache) = self.verified.lock() {
            if let Some(s) = cache.get(&entry.name) {
                return s.clone();
            }
        }
        let status = self.check(entry);
        if let Ok(mut cache) = self.verified.lock() {
            cache.insert(entry.name.clone(), status.clone());
        }
        status
    }

    fn check(&self, entry: &ModelFile) -> FileStatus {
        let path = self.root.join(&entry.dest);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return FileStatus::Missing,
            Err(e) => return FileStatus::Unreadable(e.to_string()),
        };
        if self.stamp_vouches(entry, &meta) {
            return FileStatus::Ok;
        }
        match sha256_file(&path) {
            Ok(actual) if actual == entry.sha256 => FileStatus::Ok,
            Ok(actual) => FileStatus::HashMismatch { actual },
            Err(e) => FileStatus::Unreadable(e.to_string()),
        }
    }

    /// `models/fetch` records size, mtime and hash of what it verified in `.verified.json`;
    /// a file unchanged since then (same size and mtime) needs no re-hash.
    fn stamp_vouches(&self, entry: &ModelFile, meta: &std::fs::Metadata) -> bool {
        let Ok(text) = std::fs::read_to_string(self.root.join(".verified.json")) else {
            return false;
        };
        let Ok(stamps) = serde_json::from_str::<HashMap<String, StampEntry>>(&text) else {
            return false;
        };
        let Some(stamp) = stamps.get(&entry.dest) else {
            return false;
        };
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos());
        stamp.size == meta.len() && Some(stamp.mtime_ns) == mtime_ns && stamp.sha256 == entry.sha256
    }
}

/// `$FOLIO_MODELS_DIR`, else `./models` when it holds the fetched files, else the first
/// `models/` folder above the executable (so `target/release/folio` finds the checkout's).
pub fn default_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("FOLIO_MODELS_DIR") {
        return PathBuf::from(dir);
    }
    let cwd = PathBuf::from("models");
    if cwd.join("lib").is_dir() {
        return cwd;
    }
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1) {
            let candidate = dir.join("models");
            if candidate.join("manifest.toml").is_file() {
                return candidate;
            }
        }
    }
    cwd
}

/// Hex SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Lower-case hex SHA-256 of bytes in memory (content addresses, file checksums).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(bytes))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
