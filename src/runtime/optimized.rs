//! Optimised copies of model graphs. ONNX Runtime rewrites a model's graph each time it builds
//! a session (fused operators, a blocked memory layout for convolutions): for the OCR models
//! that was ~125 ms of every process, about a tenth of a one-page scan's CPU. The first build
//! saves the rewritten graph under `<models>/.optimized/`, and later ones load it as it is
//! (~50 ms for the same four models).
//!
//! A copy is only valid for the graph, runtime and processor it was made with (the blocked
//! layout depends on the CPU's vector width), so its name carries the model's and the
//! runtime's sha256 and the CPU's features. It is written under a temporary name and renamed,
//! so a copy that exists is complete; one that cannot be loaded is removed and made again; a
//! models folder that cannot be written to simply gets no copies.

use crate::models::ModelStore;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Bumped when the session options that shape the optimised graph change.
const FORMAT: u32 = 1;

/// Where the optimised copy of the manifest file `name` lives for this runtime and processor;
/// `None` where the runtime is not the manifest's (`FOLIO_ORT_LIB`: its version is unknown).
pub fn copy_path(models: &ModelStore, name: &str) -> Option<PathBuf> {
    if std::env::var_os(super::ORT_LIB_ENV).is_some() {
        return None;
    }
    let model = models.entry(name).ok()?;
    let runtime = models.entry("onnxruntime").ok()?;
    let file = format!(
        "{name}-{}-ort{}-{}-v{FORMAT}.onnx",
        &model.sha256[..model.sha256.len().min(16)],
        &runtime.sha256[..runtime.sha256.len().min(8)],
        cpu_features(),
    );
    Some(models.root().join(".optimized").join(file))
}

/// A file the runtime may write the optimised graph to, next to `copy`: created now, so a
/// folder that cannot be written to is known before the runtime spends a build on it.
pub fn scratch(copy: &Path) -> Option<PathBuf> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let dir = copy.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let name = format!(
        ".{}.{}.{}.tmp",
        copy.file_name()?.to_string_lossy(),
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let path = dir.join(name);
    std::fs::File::create(&path).ok()?;
    Some(path)
}

/// Moves a written scratch file to `copy`; a copy another process put there first is as good.
pub fn keep(scratch: &Path, copy: &Path) {
    if std::fs::rename(scratch, copy).is_err() {
        discard(scratch);
    }
}

/// Removes a scratch file or an unusable copy (already gone is fine).
pub fn discard(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// The processor features an optimised graph may depend on, as a short tag.
fn cpu_features() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        let features = [
            ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
            ("avx512bw", std::arch::is_x86_feature_detected!("avx512bw")),
            (
                "avx512vnni",
                std::arch::is_x86_feature_detected!("avx512vnni"),
            ),
            ("avx2", std::arch::is_x86_feature_detected!("avx2")),
            ("fma", std::arch::is_x86_feature_detected!("fma")),
            ("f16c", std::arch::is_x86_feature_detected!("f16c")),
        ];
        let mut bits = 0u32;
        for (i, (_, on)) in features.iter().enumerate() {
            bits |= u32::from(*on) << i;
        }
        format!("x86_64.{bits:02x}")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::env::consts::ARCH.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_file_is_kept_under_the_copy_name_or_removed() {
        let dir = std::env::temp_dir().join(format!("folio-optimized-{}", std::process::id()));
        let copy = dir.join("sub").join("m-abc.onnx");
        let tmp = scratch(&copy).expect("a writable folder gets a scratch file");
        assert!(tmp.exists() && tmp.parent() == copy.parent());
        std::fs::write(&tmp, b"graph").unwrap();
        keep(&tmp, &copy);
        assert_eq!(std::fs::read(&copy).unwrap(), b"graph");
        assert!(!tmp.exists());
        // Two scratch files for one copy never share a name.
        let (a, b) = (scratch(&copy).unwrap(), scratch(&copy).unwrap());
        assert_ne!(a, b);
        discard(&a);
        discard(&b);
        assert!(!a.exists() && !b.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_scratch_file_where_the_folder_cannot_be_made() {
        let file =
            std::env::temp_dir().join(format!("folio-optimized-file-{}", std::process::id()));
        std::fs::write(&file, b"").unwrap();
        // A folder under a plain file cannot be created.
        assert!(scratch(&file.join("x").join("m.onnx")).is_none());
        std::fs::remove_file(&file).unwrap();
    }
}
