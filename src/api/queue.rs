//! The in-memory side of the job queue: ids waiting (bounded: a full queue is the client's
//! 429, never an unbounded backlog), and the progress handle of each running job. The
//! catalog holds the durable side; on start-up its unfinished jobs are queued again.

use crate::pipeline::Progress;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

#[derive(Default)]
struct Inner {
    waiting: VecDeque<String>,
    running: HashMap<String, Arc<Progress>>,
    closed: bool,
}

/// Job ids in arrival order, taken by the worker threads.
pub struct JobQueue {
    inner: Mutex<Inner>,
    ready: Condvar,
    capacity: usize,
}

/// The queue is full; retry later.
#[derive(Debug)]
pub struct Full;

impl JobQueue {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            ready: Condvar::new(),
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a new job, unless `capacity` jobs are already waiting.
    pub fn push(&self, id: String) -> Result<(), Full> {
        let mut inner = self.lock();
        if inner.waiting.len() >= self.capacity {
            return Err(Full);
        }
        inner.waiting.push_back(id);
        self.ready.notify_one();
        Ok(())
    }

    /// Re-queues a job found unfinished at start-up (not bounded: it was accepted before).
    pub fn restore(&self, id: String) {
        self.lock().waiting.push_back(id);
        self.ready.notify_one();
    }

    /// The next job for a worker, registered as running with a fresh progress handle;
    /// `None` once the queue is closed.
    pub fn take(&self) -> Option<(String, Arc<Progress>)> {
        let mut inner = self.lock();
        loop {
            if inner.closed {
                return None;
            }
            if let Some(id) = inner.waiting.pop_front() {
                let progress = Arc::new(Progress::default());
                inner.running.insert(id.clone(), progress.clone());
                return Some((id, progress));
            }
            inner = self.ready.wait(inner).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// A worker is done with `id`.
    pub fn done(&self, id: &str) {
        self.lock().running.remove(id);
    }

    /// Removes a waiting job (true), or asks a running one to stop (true); false when the
    /// queue does not hold it.
    pub fn cancel(&self, id: &str) -> bool {
        let mut inner = self.lock();
        if let Some(pos) = inner.waiting.iter().position(|w| w == id) {
            inner.waiting.remove(pos);
            return true;
        }
        match inner.running.get(id) {
            Some(progress) => {
                progress.cancel();
                true
            }
            None => false,
        }
    }

    /// Pages read so far and the page count, of a running job.
    pub fn progress(&self, id: &str) -> Option<(u32, Option<u32>)> {
        self.lock().running.get(id).map(|p| p.pages())
    }

    /// Jobs waiting, and running.
    pub fn depth(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.waiting.len(), inner.running.len())
    }

    /// Stops handing out jobs and asks running ones to stop; waiting ones stay queued in the
    /// catalog for the next start.
    pub fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        for progress in inner.running.values() {
            progress.cancel();
        }
        self.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_cancellable() {
        let q = JobQueue::new(2);
        q.push("a".into()).expect("room");
        q.push("b".into()).expect("room");
        assert!(q.push("c".into()).is_err(), "full");
        assert!(q.cancel("b"));
        let (id, progress) = q.take().expect("a job");
        assert_eq!(id, "a");
        assert_eq!(q.depth(), (0, 1));
        assert!(q.cancel("a"));
        assert!(progress.is_cancelled());
        q.done("a");
        assert!(!q.cancel("a"));
        q.close();
        assert!(q.take().is_none());
    }
}
