//! This server's side of the job queue. The queue itself is the catalog's `jobs` table:
//! workers claim from it (so servers sharing a catalog share one queue). Here are the jobs
//! this server's workers are running, with their progress and cancel handles; the lease
//! keeper that renews their leases (and hears of cancellations asked on other servers); and
//! the signal that wakes idle workers when an upload arrives.

use crate::catalog::{Catalog, Lease};
use crate::pipeline::Progress;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tracing::{info, warn};

#[derive(Default)]
struct Inner {
    running: HashMap<String, Arc<Progress>>,
    /// Running here, but another worker holds the lease now.
    lost: HashSet<String>,
    /// Uploads since a worker last looked.
    pokes: u64,
    closed: bool,
}

/// The running jobs of this server and the wake-up signal of its workers.
#[derive(Default)]
pub struct JobQueue {
    inner: Mutex<Inner>,
    /// Workers wait on this for uploads.
    ready: Condvar,
    /// The lease keeper waits on this for the close.
    closing: Condvar,
}

impl JobQueue {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A job was queued: an idle worker looks now rather than at its next poll.
    pub fn poke(&self) {
        self.lock().pokes += 1;
        self.ready.notify_one();
    }

    /// Waits for a poke or `timeout`; false once the queue is closed.
    pub fn wait(&self, timeout: Duration) -> bool {
        let mut inner = self.lock();
        if inner.pokes == 0 && !inner.closed {
            inner = self
                .ready
                .wait_timeout(inner, timeout)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        inner.pokes = inner.pokes.saturating_sub(1);
        !inner.closed
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Sleeps `timeout` unless the queue closes meanwhile; false once it is closed.
    pub fn wait_closed(&self, timeout: Duration) -> bool {
        let inner = self.lock();
        if inner.closed {
            return false;
        }
        let inner = self
            .closing
            .wait_timeout_while(inner, timeout, |i| !i.closed)
            .map(|(g, _)| g)
            .unwrap_or_else(|p| p.into_inner().0);
        !inner.closed
    }

    /// Whether another worker has taken over `id`, which runs here.
    pub fn is_lost(&self, id: &str) -> bool {
        self.lock().lost.contains(id)
    }

    /// A worker starts `id`: its fresh progress handle.
    pub fn start(&self, id: &str) -> Arc<Progress> {
        let progress = Arc::new(Progress::default());
        let mut inner = self.lock();
        if inner.closed {
            progress.cancel();
        }
        inner.running.insert(id.to_string(), progress.clone());
        progress
    }

    /// A worker is done with `id`.
    pub fn done(&self, id: &str) {
        let mut inner = self.lock();
        inner.running.remove(id);
        inner.lost.remove(id);
    }

    /// Asks a job running here to stop; false when it does not run here.
    pub fn cancel(&self, id: &str) -> bool {
        match self.lock().running.get(id) {
            Some(progress) => {
                progress.cancel();
                true
            }
            None => false,
        }
    }

    /// Pages read so far and the page count, of a job running here.
    pub fn progress(&self, id: &str) -> Option<(u32, Option<u32>)> {
        self.lock().running.get(id).map(|p| p.pages())
    }

    /// Jobs running here.
    pub fn running(&self) -> usize {
        self.lock().running.len()
    }

    /// Stops the workers after their current job and asks running jobs to stop; the
    /// catalog keeps them queued for the next start (or another server).
    pub fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        for progress in inner.running.values() {
            progress.cancel();
        }
        self.ready.notify_all();
        self.closing.notify_all();
    }

    /// Renews the leases of the jobs running here until `lease_until_ms` and records their
    /// progress; stops jobs a client cancelled (on any server) and jobs whose lease another
    /// worker has taken over.
    pub fn renew(&self, catalog: &Catalog, owner: &str, lease_until_ms: i64) {
        let running: Vec<(String, Arc<Progress>)> = self
            .lock()
            .running
            .iter()
            .map(|(id, p)| (id.clone(), p.clone()))
            .collect();
        for (id, progress) in running {
            let (done, total) = progress.pages();
            match catalog.renew_job(&id, owner, lease_until_ms, done, total) {
                Ok(Lease::Held) => {}
                Ok(Lease::CancelRequested) if !progress.is_cancelled() => {
                    info!(job = %id, "a client cancelled the job");
                    progress.cancel();
                }
                Ok(Lease::CancelRequested) => {}
                Ok(Lease::Lost) => {
                    warn!(job = %id, "lease lost: another worker has the job");
                    self.lock().lost.insert(id);
                    progress.cancel();
                }
                Err(e) => warn!(job = %id, "lease not renewed: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pokes_wake_workers_and_close_stops_them() {
        let q = JobQueue::default();
        q.poke();
        assert!(q.wait(Duration::from_secs(60)), "a poke ends the wait");
        let progress = q.start("a");
        assert_eq!(q.running(), 1);
        assert!(q.cancel("a"));
        assert!(progress.is_cancelled());
        assert!(!q.is_lost("a"));
        q.done("a");
        assert!(!q.cancel("a"));
        q.close();
        assert!(!q.wait(Duration::from_secs(60)));
        assert!(q.start("b").is_cancelled(), "nothing starts after close");
    }
}
