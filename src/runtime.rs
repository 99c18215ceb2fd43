//! ONNX Runtime: one environment per process, loaded from the fetched `libonnxruntime.so`,
//! and pools of sessions so concurrent workers share each model (`Session::run` needs
//! exclusive access, so a worker checks a session out and returns it when done).

use crate::error::{Error, Result};
use crate::models::ModelStore;
use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use tracing::info;

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// The process-wide ONNX Runtime environment.
pub fn environment(models: &ModelStore) -> Result<&'static Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let lib = models.path("onnxruntime").map_err(|e| e.to_string())?;
        ort::init_from(&lib)
            .map_err(|e| format!("cannot load {}: {e}", lib.display()))?
            .with_name("folio")
            .build()
            .map_err(|e| format!("cannot start ONNX Runtime: {e}"))
    });
    env.as_ref().map_err(|e| Error::Runtime(e.clone()))
}

/// Up to `capacity` sessions of one model, created on first demand.
pub struct SessionPool {
    name: String,
    path: PathBuf,
    threads: usize,
    capacity: usize,
    env: &'static Environment,
    idle: Mutex<Vec<Session>>,
    created: Mutex<usize>,
    available: std::sync::Condvar,
}

impl std::fmt::Debug for SessionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionPool")
            .field("name", &self.name)
            .finish()
    }
}

impl SessionPool {
    /// A pool for the manifest file `name`; the file is verified now, sessions are built lazily
    /// (one is built at once so a broken model fails here, not mid-document).
    pub fn new(models: &ModelStore, name: &str, threads: usize, capacity: usize) -> Result<Self> {
        let env = environment(models)?;
        let pool = Self {
            name: name.to_string(),
            path: models.path(name)?,
            threads: threads.max(1),
            capacity: capacity.max(1),
            env,
            idle: Mutex::new(Vec::new()),
            created: Mutex::new(0),
            available: std::sync::Condvar::new(),
        };
        let first = pool.build()?;
        if let Ok(mut idle) = pool.idle.lock() {
            idle.push(first);
        }
        if let Ok(mut n) = pool.created.lock() {
            *n = 1;
        }
        info!(
            model = name,
            provider = "cpu",
            threads = pool.threads,
            "model loaded"
        );
        Ok(pool)
    }

    fn build(&self) -> Result<Session> {
        let fail = |e: String| Error::Runtime(format!("{}: {e}", self.name));
        Session::builder(self.env)
            .map_err(|e| fail(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| fail(e.to_string()))?
            .with_intra_threads(self.threads)
            .map_err(|e| fail(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| fail(e.to_string()))?
            .commit_from_file(&self.path)
            .map_err(|e| fail(e.to_string()))
    }

    /// Runs `f` with a session of this model, waiting for one when all are busy.
    pub fn with<T>(&self, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        let mut session = self.checkout()?;
        let result = f(&mut session);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(session);
        }
        self.available.notify_one();
        result
    }

    fn checkout(&self) -> Result<Session> {
        let poisoned = || Error::Runtime(format!("{}: session pool poisoned", self.name));
        let mut idle = self.idle.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(s) = idle.pop() {
                return Ok(s);
            }
            let grow = {
                let mut created = self.created.lock().map_err(|_| poisoned())?;
                let grow = *created < self.capacity;
                if grow {
                    *created += 1;
                }
                grow
            };
            if grow {
                drop(idle);
                return self.build();
            }
            idle = self.available.wait(idle).map_err(|_| poisoned())?;
        }
    }
}
