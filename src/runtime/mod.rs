//! ONNX Runtime: one environment per process, loaded from the fetched `libonnxruntime.so`,
//! the execution-provider choice (`cpu`, `cuda`, `cuda:N`, `auto`), and pools of sessions so
//! concurrent workers share each model (`Session::run` needs exclusive access, so a worker
//! checks a session out and returns it when done).
//!
//! An explicit CUDA request that cannot be met is an error, never a silent fall-back; `auto`
//! uses CUDA when this build has it and a device answers, and says so when it falls back.

mod optimized;

use crate::error::{Error, Result};
use crate::models::ModelStore;
use ort::environment::Environment;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::Session;
use ort::value::TensorRef;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use tracing::{debug, info, warn};

/// The ONNX Runtime provider for `provider`; CUDA is registered so that failing to start it
/// is an error.
fn execution_provider(
    provider: Provider,
    arena: bool,
) -> Result<ort::ep::ExecutionProviderDispatch> {
    match provider {
        // Without the arena, memory goes back after each page instead of staying at the
        // high-water mark of the largest input seen; models with small, regular inputs (the
        // embedder) keep it, which is faster.
        Provider::Cpu => Ok(ort::ep::CPU::default().with_arena_allocator(arena).build()),
        #[cfg(feature = "cuda")]
        Provider::Cuda(n) => Ok(ort::ep::CUDA::default().with_device_id(n).build().error_on_failure()),
        #[cfg(not(feature = "cuda"))]
        Provider::Cuda(_) => Err(Error::Runtime(
            "CUDA was requested but this folio was built without CUDA support: rebuild with \
             `cargo build --release --features cuda` on a machine with the CUDA runtime, or use --device cpu"
                .into(),
        )),
    }
}

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// Environment variable naming another ONNX Runtime library to load instead of the fetched
/// one: a GPU build (e.g. from the `onnxruntime-gpu` wheel, with its CUDA provider library next
/// to it). It is not in the manifest, so it is not verified.
pub const ORT_LIB_ENV: &str = "FOLIO_ORT_LIB";

/// The process-wide ONNX Runtime environment.
pub fn environment(models: &ModelStore) -> Result<&'static Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let lib = match std::env::var_os(ORT_LIB_ENV) {
            Some(path) => {
                let path = PathBuf::from(path);
                warn!(library = %path.display(), "ONNX Runtime from {ORT_LIB_ENV} (not verified against the manifest)");
                path
            }
            None => models.path("onnxruntime").map_err(|e| e.to_string())?,
        };
        ort::init_from(&lib)
            .map_err(|e| format!("cannot load {}: {e}", lib.display()))?
            .with_name("folio")
            .build()
            .map_err(|e| format!("cannot start ONNX Runtime: {e}"))
    });
    env.as_ref().map_err(|e| Error::Runtime(e.clone()))
}

/// Where a model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum Device {
    /// CUDA when available, else CPU (with a warning).
    Auto,
    Cpu,
    /// CUDA device N.
    Cuda(i32),
}

impl std::str::FromStr for Device {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Device::Auto),
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            other => other
                .strip_prefix("cuda:")
                .and_then(|n| n.parse::<i32>().ok())
                .filter(|n| *n >= 0)
                .map(Device::Cuda)
                .ok_or_else(|| {
                    Error::Runtime(format!(
                        "unknown device '{other}' (auto, cpu, cuda, cuda:N)"
                    ))
                }),
        }
    }
}

impl TryFrom<String> for Device {
    type Error = Error;

    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Auto => f.write_str("auto"),
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

/// The provider a session ended up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cpu,
    Cuda(i32),
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Provider::Cpu => f.write_str("CPUExecutionProvider"),
            Provider::Cuda(n) => write!(f, "CUDAExecutionProvider (device {n})"),
        }
    }
}

/// Up to `capacity` sessions of one model, created on first demand.
pub struct SessionPool {
    name: String,
    path: PathBuf,
    threads: usize,
    capacity: usize,
    /// Keep ONNX Runtime's CPU memory arena.
    arena: bool,
    provider: Provider,
    /// Where the graph optimised for this runtime and CPU is kept (see [`optimized`]).
    optimized: Option<PathBuf>,
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
    pub fn new(
        models: &ModelStore,
        name: &str,
        device: Device,
        threads: usize,
        capacity: usize,
    ) -> Result<Self> {
        Self::open(models, name, device, threads, capacity, false)
    }

    /// Like [`SessionPool::new`], keeping ONNX Runtime's CPU memory arena: faster for models
    /// whose inputs are bounded in size (the embedder: 15.7 → 22.1 chunks/s on 2 cores; OCR:
    /// 2.7 → 1.5 CPU s per page). The arena stays at the largest input's working memory.
    pub fn with_arena(
        models: &ModelStore,
        name: &str,
        device: Device,
        threads: usize,
        capacity: usize,
    ) -> Result<Self> {
        Self::open(models, name, device, threads, capacity, true)
    }

    fn open(
        models: &ModelStore,
        name: &str,
        device: Device,
        threads: usize,
        capacity: usize,
        arena: bool,
    ) -> Result<Self> {
        let mut pool = Self::unbuilt(models, name, threads, capacity, arena)?;
        let first = match device {
            Device::Cpu => pool.build()?,
            Device::Cuda(n) => {
                pool.provider = Provider::Cuda(n);
                pool.build()?
            }
            Device::Auto => {
                pool.provider = Provider::Cuda(0);
                match pool.build() {
                    Ok(s) => s,
                    Err(e) => {
                        if cfg!(feature = "cuda") {
                            warn!(model = name, "CUDA unavailable, running on the CPU: {e}");
                        }
                        pool.provider = Provider::Cpu;
                        pool.build()?
                    }
                }
            }
        };
        if let Ok(mut idle) = pool.idle.lock() {
            idle.push(first);
        }
        if let Ok(mut n) = pool.created.lock() {
            *n = 1;
        }
        info!(model = name, provider = %pool.provider, threads = pool.threads, "model loaded");
        Ok(pool)
    }

    /// A pool for the manifest file `name` that builds its first session only when it is first
    /// used, on `like`'s provider with `like`'s threads and capacity: for a model most
    /// documents never need (the file is still verified now).
    pub fn deferred(models: &ModelStore, name: &str, like: &SessionPool) -> Result<Self> {
        let mut pool = Self::unbuilt(models, name, like.threads, like.capacity, like.arena)?;
        pool.provider = like.provider;
        Ok(pool)
    }

    /// A pool for `name` on the CPU with no session built yet.
    fn unbuilt(
        models: &ModelStore,
        name: &str,
        threads: usize,
        capacity: usize,
        arena: bool,
    ) -> Result<Self> {
        // The runtime first: without it no model loads, whichever is named.
        let env = environment(models)?;
        Ok(Self {
            name: name.to_string(),
            path: models.path(name)?,
            threads: threads.max(1),
            capacity: capacity.max(1),
            arena,
            provider: Provider::Cpu,
            optimized: optimized::copy_path(models, name),
            env,
            idle: Mutex::new(Vec::new()),
            created: Mutex::new(0),
            available: std::sync::Condvar::new(),
        })
    }

    /// The execution provider this pool's sessions run on.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// A session of this model. On the CPU it is built from the optimised copy of the graph
    /// where there is one, and the first build makes that copy (see [`optimized`]).
    fn build(&self) -> Result<Session> {
        let copy = match (&self.optimized, self.provider) {
            (Some(copy), Provider::Cpu) => copy,
            _ => return self.plain(),
        };
        if copy.exists() {
            match self.commit(self.builder(GraphOptimizationLevel::Disable)?, copy) {
                Ok(session) => return Ok(session),
                Err(e) => {
                    warn!(model = %self.name, copy = %copy.display(), "optimised copy unusable, making it again: {e}");
                    optimized::discard(copy);
                }
            }
        }
        let Some(scratch) = optimized::scratch(copy) else {
            debug!(model = %self.name, "models folder not writable: no optimised copy");
            return self.plain();
        };
        let saving = self
            .builder(GraphOptimizationLevel::Level3)?
            .with_optimized_model_path(&scratch)
            .map_err(|e| self.fail(e))
            // The runtime warns that such a graph fits only this environment: the copy's name
            // says which one it fits.
            .and_then(|b| {
                b.with_log_level(ort::logging::LogLevel::Error)
                    .map_err(|e| self.fail(e))
            });
        match saving.and_then(|b| self.commit(b, &self.path)) {
            Ok(session) => {
                optimized::keep(&scratch, copy);
                Ok(session)
            }
            Err(e) => {
                optimized::discard(&scratch);
                debug!(model = %self.name, "optimised copy not saved: {e}");
                self.plain()
            }
        }
    }

    /// A session built from the model file, optimised by the runtime as it loads.
    fn plain(&self) -> Result<Session> {
        self.commit(self.builder(GraphOptimizationLevel::Level3)?, &self.path)
    }

    fn fail(&self, e: impl std::fmt::Display) -> Error {
        Error::Runtime(format!("{}: {e}", self.name))
    }

    /// Session options shared by every build of this model, at optimisation `level`.
    fn builder(&self, level: GraphOptimizationLevel) -> Result<SessionBuilder> {
        Session::builder(self.env)
            .map_err(|e| self.fail(e))?
            .with_optimization_level(level)
            .map_err(|e| self.fail(e))?
            .with_intra_threads(self.threads)
            .map_err(|e| self.fail(e))?
            .with_inter_threads(1)
            .map_err(|e| self.fail(e))?
            // Weight-only int8 models (the embedder) dequantise constant weights: treated as
            // plain operators, they are folded to f32 once at load instead of on every run.
            .with_config_entry("session.disable_quant_qdq", "1")
            .map_err(|e| self.fail(e))?
            .with_execution_providers([execution_provider(self.provider, self.arena)?])
            .map_err(|e| self.fail(e))
    }

    fn commit(&self, mut builder: SessionBuilder, model: &std::path::Path) -> Result<Session> {
        builder.commit_from_file(model).map_err(|e| self.fail(e))
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

    /// Runs the model on one f32 tensor and returns its first output (shape, values).
    pub fn run_f32(&self, shape: &[usize], input: &[f32]) -> Result<(Vec<i64>, Vec<f32>)> {
        self.run_f32_then(shape, input, |out_shape, data| {
            Ok((out_shape.to_vec(), data.to_vec()))
        })
    }

    /// Runs the model on one f32 tensor and hands its first output (shape, values) to `read`
    /// where the runtime holds it. Large outputs (a recogniser's step × class scores, a
    /// detector's probability map) are read in place instead of copied into fresh memory
    /// on every run.
    pub fn run_f32_then<T>(
        &self,
        shape: &[usize],
        input: &[f32],
        read: impl FnOnce(&[i64], &[f32]) -> Result<T>,
    ) -> Result<T> {
        self.run_f32_outputs(shape, input, |outputs, fail| {
            let Some(first) = outputs.values().next() else {
                return Err(fail("the model has no output".into()));
            };
            let (out_shape, data) = first
                .try_extract_tensor::<f32>()
                .map_err(|e| fail(e.to_string()))?;
            read(out_shape, data)
        })
    }

    /// Runs the model on one f32 tensor and returns every output (shape, values), in the
    /// model's output order.
    pub fn run_f32_all(&self, shape: &[usize], input: &[f32]) -> Result<Vec<(Vec<i64>, Vec<f32>)>> {
        self.run_f32_outputs(shape, input, |outputs, fail| {
            outputs
                .values()
                .map(|value| {
                    let (out_shape, data) = value
                        .try_extract_tensor::<f32>()
                        .map_err(|e| fail(e.to_string()))?;
                    Ok((out_shape.to_vec(), data.to_vec()))
                })
                .collect()
        })
    }

    /// Runs the model on one f32 tensor and hands `read` its outputs, with the function that
    /// turns a runtime message into this model's error.
    fn run_f32_outputs<T>(
        &self,
        shape: &[usize],
        input: &[f32],
        read: impl FnOnce(&ort::session::SessionOutputs<'_>, &dyn Fn(String) -> Error) -> Result<T>,
    ) -> Result<T> {
        let fail = |e: String| Error::Runtime(format!("{}: {e}", self.name));
        self.with(|session| {
            let tensor = TensorRef::from_array_view((shape.to_vec(), input))
                .map_err(|e| fail(e.to_string()))?;
            let outputs = session
                .run(ort::inputs![tensor])
                .map_err(|e| fail(e.to_string()))?;
            read(&outputs, &fail)
        })
    }

    /// Runs the model on named i64 tensors (token ids and masks) and returns its first output
    /// as f32 (shape, values).
    pub fn run_i64_named(
        &self,
        inputs: &[(&str, &[usize], &[i64])],
    ) -> Result<(Vec<i64>, Vec<f32>)> {
        let fail = |e: String| Error::Runtime(format!("{}: {e}", self.name));
        self.with(|session| {
            let mut values: Vec<(
                std::borrow::Cow<'_, str>,
                ort::session::SessionInputValue<'_>,
            )> = Vec::with_capacity(inputs.len());
            for (name, shape, data) in inputs {
                let tensor = TensorRef::from_array_view((shape.to_vec(), *data))
                    .map_err(|e| fail(e.to_string()))?;
                values.push(((*name).into(), tensor.into()));
            }
            let outputs = session.run(values).map_err(|e| fail(e.to_string()))?;
            let (out_shape, data) = outputs[0]
                .try_extract_tensor::<f32>()
                .map_err(|e| fail(e.to_string()))?;
            Ok((out_shape.to_vec(), data.to_vec()))
        })
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
                let built = self.build();
                if built.is_err() {
                    // A session that failed to build does not count against the capacity.
                    if let Ok(mut created) = self.created.lock() {
                        *created = created.saturating_sub(1);
                    }
                }
                return built;
            }
            idle = self.available.wait(idle).map_err(|_| poisoned())?;
        }
    }
}
