//! A fixed set of threads (one per core) that do all password hashing. Each keeps its
//! Argon2 work area between jobs; the number of threads bounds both CPU and memory
//! (threads × 19 MiB) however many sign-ins arrive at once. Jobs queue in order.

use super::PasswordHasher;
use crate::error::{AppError, AppResult};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce(&PasswordHasher) + Send>;

pub struct HashPool {
    tx: Sender<Job>,
}

impl HashPool {
    pub fn new(hasher: Arc<PasswordHasher>, threads: usize) -> Self {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let (rx, h) = (rx.clone(), hasher.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("jineng-hash-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is released as soon as a job is taken; it ends when the pool is dropped.
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&h),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a hashing thread");
            }
        }
        HashPool { tx }
    }

    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&PasswordHasher) -> T + Send + 'static,
    ) -> AppResult<T> {
        let (otx, orx) = tokio::sync::oneshot::channel();
        self.tx
            .send(Box::new(move |h| {
                let _ = otx.send(f(h));
            }))
            .map_err(|_| AppError::Internal("hashing threads are gone".into()))?;
        orx.await
            .map_err(|_| AppError::Internal("hashing job was dropped".into()))
    }
}
