//! File storage for uploaded documents (licences now; course packages and archives
//! later): local files in embedded mode, an S3-compatible bucket (MinIO, Aliyun OSS, AWS)
//! in production, behind one small type. It stores bytes under keys the caller chooses and
//! never decides who may read them: permission checks live in the use cases.

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("file storage misconfigured: {0}")]
    Config(String),
    #[error("file storage: {0}")]
    Store(#[from] object_store::Error),
}

pub type FilesResult<T> = Result<T, FilesError>;

/// Where an S3-compatible bucket is and how to sign in to it.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    /// e.g. `https://oss-cn-guiyang.aliyuncs.com` or `http://127.0.0.1:9000`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// Objects go under this prefix (lets several deployments share a bucket).
    pub prefix: String,
}

/// The storage a node writes uploads to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    kind: &'static str,
}

/// Install ring as rustls' process-wide crypto provider (HTTPS to the bucket). Safe to
/// call more than once.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Files {
    /// Files under a local directory (created if missing).
    pub fn local(dir: &std::path::Path) -> FilesResult<Files> {
        std::fs::create_dir_all(dir)
            .map_err(|e| FilesError::Config(format!("{}: {e}", dir.display())))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(Files {
            store: Arc::new(store),
            prefix: String::new(),
            kind: "local",
        })
    }

    /// An S3-compatible bucket. Plain HTTP is allowed only for loopback endpoints.
    pub fn s3(c: &S3Config) -> FilesResult<Files> {
        install_tls();
        if c.endpoint.is_empty() || c.bucket.is_empty() {
            return Err(FilesError::Config(
                "S3 needs an endpoint and a bucket".into(),
            ));
        }
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| c.endpoint.starts_with(p));
        if c.endpoint.starts_with("http://") && !loopback {
            return Err(FilesError::Config(
                "S3 endpoint must use https (plain http only on loopback)".into(),
            ));
        }
        let store = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(c.endpoint.clone())
            .with_bucket_name(c.bucket.clone())
            .with_region(if c.region.is_empty() {
                "us-east-1".to_string()
            } else {
                c.region.clone()
            })
            .with_access_key_id(c.access_key.clone())
            .with_secret_access_key(c.secret_key.clone())
            .with_virtual_hosted_style_request(false)
            // A person is waiting on an upload: fail within seconds, not minutes.
            .with_retry(object_store::RetryConfig {
                max_retries: 2,
                retry_timeout: std::time::Duration::from_secs(10),
                ..Default::default()
            })
            // Client options carry allow_http too: set them in one piece.
            .with_client_options(
                object_store::ClientOptions::new()
                    .with_allow_http(loopback)
                    .with_connect_timeout(std::time::Duration::from_secs(3))
                    .with_timeout(std::time::Duration::from_secs(60)),
            )
            .build()?;
        Ok(Files {
            store: Arc::new(store),
            prefix: c.prefix.trim_matches('/').to_string(),
            kind: "s3",
        })
    }

    /// `local` or `s3`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    fn path(&self, key: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        }
    }

    /// Store bytes under a key (overwrites: keys are unique per upload).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> FilesResult<()> {
        self.store
            .put(&self.path(key), PutPayload::from(Bytes::from(bytes)))
            .await?;
        Ok(())
    }

    /// The bytes under a key, or `None` if there is no such object.
    pub async fn get(&self, key: &str) -> FilesResult<Option<Bytes>> {
        match self.store.get(&self.path(key)).await {
            Ok(r) => Ok(Some(r.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Remove an object; removing one that is not there is not an error.
    pub async fn delete(&self, key: &str) -> FilesResult<()> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// For readiness checks: the store answers a listing (a missing bucket fails).
    pub async fn check(&self) -> FilesResult<()> {
        let prefix = (!self.prefix.is_empty()).then(|| Path::from(self.prefix.as_str()));
        self.store.list_with_delimiter(prefix.as_ref()).await?;
        Ok(())
    }
}
