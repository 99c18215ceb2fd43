//! Source bytes: what they are (sniffed from the content, never from the file name), how big
//! they may be, and their content hash, which is the document's id.

use crate::error::{Error, Result};
use crate::models::{hex, sha256_hex};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Default upper bound on a source's size.
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;

/// The formats folio reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Pdf,
    Png,
    Jpeg,
    Tiff,
    Webp,
    Bmp,
}

impl MediaType {
    /// The IANA media type.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Tiff => "image/tiff",
            MediaType::Webp => "image/webp",
            MediaType::Bmp => "image/bmp",
        }
    }
}

/// Where the bytes are.
#[derive(Debug, Clone)]
pub enum Content {
    File(PathBuf),
    Memory(Arc<[u8]>),
}

/// A sniffed, hashed input document.
#[derive(Debug, Clone)]
pub struct Source {
    pub filename: Option<String>,
    pub media_type: MediaType,
    pub bytes: u64,
    pub sha256: String,
    pub content: Content,
}

impl Source {
    /// Opens a file: checks its size, sniffs its type and hashes it (streamed, not loaded).
    pub fn from_path(path: &Path, max_bytes: u64) -> Result<Self> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Err(Error::UnsupportedType("a directory".into()));
        }
        check_size(meta.len(), max_bytes)?;
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut hasher = Sha256::new();
        let mut head = Vec::with_capacity(1024);
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            if head.len() < 1024 {
                let take = n.min(1024 - head.len());
                head.extend_from_slice(&buf[..take]);
            }
            hasher.update(&buf[..n]);
            total += n as u64;
            check_size(total, max_bytes)?;
        }
        check_size(total, max_bytes)?;
        Ok(Self {
            filename: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            media_type: sniff(&head)?,
            bytes: total,
            sha256: hex(&hasher.finalize()),
            content: Content::File(path.to_path_buf()),
        })
    }

    /// Wraps bytes already in memory (an upload).
    pub fn from_bytes(bytes: Arc<[u8]>, filename: Option<String>, max_bytes: u64) -> Result<Self> {
        check_size(bytes.len() as u64, max_bytes)?;
        Ok(Self {
            filename,
            media_type: sniff(&bytes[..bytes.len().min(1024)])?,
            bytes: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
            content: Content::Memory(bytes),
        })
    }

    /// The document id: `doc_` and the first 32 hex digits of the SHA-256.
    pub fn document_id(&self) -> String {
        format!("doc_{}", &self.sha256[..32])
    }

    /// All the bytes, read into memory (images need them whole).
    pub fn read_all(&self) -> Result<Arc<[u8]>> {
        match &self.content {
            Content::Memory(b) => Ok(b.clone()),
            Content::File(p) => std::fs::read(p).map(Arc::from).map_err(|source| Error::Io {
                path: p.clone(),
                source,
            }),
        }
    }
}

fn check_size(size: u64, limit: u64) -> Result<()> {
    if size == 0 {
        return Err(Error::Empty);
    }
    if size > limit {
        return Err(Error::TooLarge { size, limit });
    }
    Ok(())
}

/// Recognises a format from the first bytes of a file.
pub fn sniff(head: &[u8]) -> Result<MediaType> {
    if head.is_empty() {
        return Err(Error::Empty);
    }
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Ok(MediaType::Png);
    }
    if starts(b"\xff\xd8\xff") {
        return Ok(MediaType::Jpeg);
    }
    if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        return Ok(MediaType::Tiff);
    }
    if head.len() >= 12 && starts(b"RIFF") && &head[8..12] == b"WEBP" {
        return Ok(MediaType::Webp);
    }
    if head.len() >= 14 && starts(b"BM") {
        return Ok(MediaType::Bmp);
    }
    // The PDF header may follow a little junk; readers accept it within the first kilobyte.
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Ok(MediaType::Pdf);
    }
    Err(Error::UnsupportedType(describe_unknown(head)))
}

fn describe_unknown(head: &[u8]) -> String {
    let printable = head
        .iter()
        .take(64)
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if printable {
        "looks like plain text".into()
    } else {
        let shown: Vec<String> = head.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!("unknown content starting with bytes {}", shown.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n").ok(), Some(MediaType::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nxxxx").ok(), Some(MediaType::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").ok(), Some(MediaType::Webp));
        assert!(matches!(
            sniff(b"hello world"),
            Err(Error::UnsupportedType(_))
        ));
        assert!(matches!(sniff(b""), Err(Error::Empty)));
    }
}
