//! Jineng's use cases. Every public operation takes the caller (`Principal`) first,
//! checks permission and scope, applies `core` rules, writes in one transaction and
//! appends an audit record in that same transaction. Pages, API and CLI all call these.
//!
//! The use cases are grouped in bounded contexts (`app.classes().file(&who, …)`): each
//! context is a module with a small public service and private helpers. Shared
//! machinery lives beside them: `scope` (what a caller may see), `write` (the one write
//! path), `review` (approve or return with a reason), `page` (paging).

/// Declare a bounded context: a cheap handle on the `App` that carries one domain's
/// use cases (`app.organizations().register(…)`).
macro_rules! bounded_context {
    ($(#[$meta:meta])* $name:ident, $accessor:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy)]
        pub struct $name<'a> {
            app: &'a $crate::App,
        }

        impl std::ops::Deref for $name<'_> {
            type Target = $crate::App;
            fn deref(&self) -> &$crate::App {
                self.app
            }
        }

        impl $crate::App {
            $(#[$meta])*
            pub fn $accessor(&self) -> $name<'_> {
                $name { app: self }
            }
        }
    };
}

pub mod accounts;
pub mod archive;
pub mod assessment;
pub mod attendance;
pub mod audit;
pub mod banks;
pub mod catalogue;
pub mod certificates;
pub mod classes;
pub mod clock;
pub mod config;
pub mod context;
pub mod courses;
pub mod crypto;
pub mod error;
pub mod exams;
pub mod exchange;
pub mod export;
pub mod inbox;
pub mod jobs;
pub mod learners;
pub mod ledger;
pub mod open_api;
pub mod ops;
pub mod orders;
pub mod organizations;
pub mod page;
pub mod qualifications;
pub mod replica;
pub mod review;
pub mod scope;
pub mod seals;
pub mod skills;
pub mod sms;
pub mod solicitation;
pub mod study;
pub mod subsidies;
pub mod teachers;
pub(crate) mod text;
pub mod tx;
pub(crate) mod write;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::SecurityConfig;
pub use context::{Grant, Principal, RequestCtx};
pub use error::{AppError, AppResult, FieldError};

use crypto::{PasswordHasher, pii::Keyring};
use jineng_store::Db;
use std::sync::Arc;

/// The province served unless configured otherwise (Guizhou, the demo province).
pub const DEFAULT_PROVINCE: jineng_core::RegionCode = jineng_core::RegionCode::known("520000");

/// Everything a use case needs. Cheap to clone; shared by all requests of a node.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub security: Arc<SecurityConfig>,
    pub keyring: Arc<Keyring>,
    pub hasher: Arc<PasswordHasher>,
    pub clock: Arc<dyn Clock>,
    /// Recently read sessions, by token hash (see `SecurityConfig::session_cache_seconds`).
    pub(crate) sessions: Arc<accounts::auth::SessionCache>,
    /// Where one-time codes go.
    pub sms: Arc<dyn sms::SmsSender>,
    /// Demo mode: hand one-time codes back to the page as well.
    pub reveal_sms_codes: bool,
    /// The threads that do password hashing (one per core).
    pub(crate) hashing: Arc<crypto::pool::HashPool>,
    /// Uploaded documents: local files (embedded) or an S3-compatible bucket.
    pub files: jineng_files::Files,
    /// Wakes this node's job workers when a change enqueues work.
    pub(crate) jobs_wake: Arc<tokio::sync::Notify>,
    /// Request counters: in process (embedded) or in Redis (several nodes).
    pub limiter: jineng_limits::Limiter,
    /// The province this deployment serves: registrations and region pickers stay in it.
    pub province: jineng_core::RegionCode,
    /// The evidence log's checkpoint signing key (none: checkpoints are refused).
    pub ledger_key: Option<Arc<jineng_evidence::checkpoint::LogKey>>,
    /// Verifier keys of signing keys retired by rotation: checkpoints they signed still
    /// verify.
    pub ledger_old_keys: Arc<Vec<String>>,
    /// Witnesses asked to cosign every checkpoint (C2SP tlog-witness), and the client
    /// that asks them.
    pub witnesses: Arc<Vec<ledger::witness::Witness>>,
    pub(crate) http: reqwest::Client,
    /// This node's course catalogue index (kept in step with the database at each search).
    pub(crate) course_index: Arc<courses::catalogue::CatalogueIndex>,
    /// Heartbeats judged in this node's memory and written in batches (one node, the
    /// embedded default); `None`: each heartbeat written in its own transaction (several
    /// nodes, until the buffer lives in Redis).
    pub study_buffer: Option<Arc<study::hot::Buffer>>,
    /// Several nodes sharing Redis: sessions' state held there for every node (then
    /// `study_buffer` is `None`).
    pub study_shared: Option<Arc<study::shared::Shared>>,
    /// Whether the database answered the last probe (`watch_database`); while it does
    /// not, requests are refused at once with 503 instead of waiting for a connection.
    pub(crate) database_up: Arc<tokio::sync::watch::Sender<bool>>,
    /// A streaming replica that lists and exports read from while it keeps up.
    pub(crate) replica: Option<Arc<replica::Replica>>,
    /// How long a claimed job is its worker's before another may take it
    /// (`jobs::LEASE_SECONDS` unless configured).
    pub(crate) job_lease: chrono::Duration,
}

impl App {
    pub fn new(
        db: Db,
        security: SecurityConfig,
        keyring: Keyring,
        clock: Arc<dyn Clock>,
        files: jineng_files::Files,
    ) -> Self {
        let hasher = Arc::new(PasswordHasher::new(
            security.argon2_memory_kib,
            security.argon2_iterations,
        ));
        App {
            db,
            security: Arc::new(security),
            keyring: Arc::new(keyring),
            hashing: Arc::new(crypto::pool::HashPool::new(
                hasher.clone(),
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2),
            )),
            hasher,
            clock,
            sessions: Arc::new(Default::default()),
            sms: Arc::new(sms::LogSms),
            reveal_sms_codes: false,
            files,
            jobs_wake: Arc::new(tokio::sync::Notify::new()),
            limiter: jineng_limits::Limiter::memory(),
            province: DEFAULT_PROVINCE,
            ledger_key: None,
            ledger_old_keys: Arc::new(Vec::new()),
            witnesses: Arc::new(Vec::new()),
            course_index: Arc::new(courses::catalogue::CatalogueIndex::new()),
            study_buffer: Some(Arc::new(study::hot::Buffer::new())),
            study_shared: None,
            database_up: Arc::new(tokio::sync::watch::Sender::new(true)),
            replica: None,
            job_lease: chrono::Duration::seconds(jobs::LEASE_SECONDS),
            http: {
                jineng_files::install_tls();
                reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(10))
                    .connect_timeout(std::time::Duration::from_secs(5))
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap_or_default()
            },
        }
    }

    /// A claimed job is its worker's for `seconds` (at least 3), renewed every third of
    /// that while it runs; a node that dies leaves its jobs to the others after it.
    pub fn with_job_lease(mut self, seconds: u64) -> Self {
        self.job_lease = chrono::Duration::seconds(i64::try_from(seconds.max(3)).unwrap_or(3));
        self
    }

    /// Push every checkpoint to these witnesses for cosigning.
    pub fn with_witnesses(mut self, witnesses: Vec<ledger::witness::Witness>) -> Self {
        self.witnesses = Arc::new(witnesses);
        self
    }

    /// Also accept checkpoints signed by these retired keys (verifier keys).
    pub fn with_ledger_old_keys(mut self, keys: Vec<String>) -> Self {
        self.ledger_old_keys = Arc::new(keys);
        self
    }

    /// Sign the evidence log's checkpoints with this key.
    pub fn with_ledger_key(mut self, key: jineng_evidence::checkpoint::LogKey) -> Self {
        self.ledger_key = Some(Arc::new(key));
        self
    }

    /// Serve another province (a 6-digit province code, e.g. `520000`).
    pub fn with_province(mut self, province: jineng_core::RegionCode) -> Self {
        self.province = province;
        self
    }

    /// Several nodes: a sign-out, a password change or a disabled account drops the
    /// session copies of every node at once through `channel` (Redis publish/subscribe);
    /// while this node is not subscribed it trusts no copy.
    pub fn share_sessions(&self, channel: jineng_limits::broadcast::Channel) {
        self.sessions.share(channel);
    }

    /// Several nodes: keep each session view read from the database in Redis for
    /// `session_shared_seconds`, so that any node reads a session in one Redis round trip
    /// (dropped at once by a sign-out or an account change; see `jineng_limits::shared`).
    pub fn share_session_views(&self, views: jineng_limits::shared::Views) {
        let seconds = u64::try_from(self.security.session_shared_seconds).unwrap_or(0);
        self.sessions
            .share_views(views, std::time::Duration::from_secs(seconds));
    }

    /// Whether this node trusts its session copies now (always with one node).
    pub fn session_copies_trusted(&self) -> bool {
        self.sessions.hearing()
    }

    /// The same platform as a second node would see it: same database, files and keys,
    /// its own session copies.
    #[cfg(feature = "test-support")]
    pub fn another_node(&self) -> App {
        let mut a = self.clone();
        a.sessions = Arc::new(Default::default());
        a
    }

    /// Keep request counters elsewhere (Redis, shared by several nodes).
    pub fn with_limiter(mut self, limiter: jineng_limits::Limiter) -> Self {
        self.limiter = limiter;
        self
    }

    /// Use another SMS adapter; `reveal` also returns codes to the caller (demo only).
    pub fn with_sms(mut self, sms: Arc<dyn sms::SmsSender>, reveal: bool) -> Self {
        self.sms = sms;
        self.reveal_sms_codes = reveal;
        self
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Load the reference tables (regions, occupations) if they are empty; safe on every start.
    pub async fn seed_reference(&self) -> AppResult<(usize, usize)> {
        Ok(jineng_store::reference::load(&self.db).await?)
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> AppResult<()> {
        jineng_store::db::ping(&self.db).await?;
        Ok(())
    }

    /// Where a person or an organisation registers: a county of this deployment's
    /// province that exists in the reference data. `None` when it is one, else the message.
    pub(crate) async fn county_problem(
        &self,
        r: &jineng_core::RegionCode,
    ) -> AppResult<Option<&'static str>> {
        if !self.province.contains(r) {
            return Ok(Some("请选择本省的区县"));
        }
        Ok(
            match <jineng_store::reference::region::Entity as sea_orm::EntityTrait>::find_by_id(
                r.as_str().to_string(),
            )
            .one(&self.db)
            .await?
            {
                Some(m) if m.level == jineng_core::RegionLevel::County => None,
                Some(_) => Some("请选择所在区县"),
                None => Some("行政区划代码不存在"),
            },
        )
    }

    /// The names of a region and the regions above it, province first (贵州省, 贵阳市,
    /// 南明区); codes missing from the reference data are left out.
    pub async fn region_names(&self, r: &jineng_core::RegionCode) -> AppResult<Vec<String>> {
        use jineng_store::reference::region;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let prefix = r.subtree_prefix().to_string();
        let chain: Vec<String> = [2usize, 4, 6]
            .into_iter()
            .filter(|n| *n <= prefix.len())
            .map(|n| format!("{:0<6}", &prefix[..n]))
            .collect();
        let names = region::Entity::find()
            .filter(region::Column::Code.is_in(chain.clone()))
            .all(&self.db)
            .await?;
        Ok(chain
            .iter()
            .filter_map(|c| names.iter().find(|x| &x.code == c).map(|x| x.name.clone()))
            .collect())
    }

    /// Today's date in China (UTC+8 all year), as classes and sessions are dated.
    pub fn today(&self) -> chrono::NaiveDate {
        (self.now() + chrono::Duration::hours(8)).date_naive()
    }

    /// Organisations' names by id, for lists that show whose a record is.
    pub(crate) async fn org_names(
        &self,
        ids: impl IntoIterator<Item = String>,
    ) -> AppResult<std::collections::HashMap<String, String>> {
        use jineng_store::organizations::organization;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
        let ids: Vec<String> = ids.into_iter().collect();
        let mut out = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            out.extend(
                organization::Entity::find()
                    .select_only()
                    .column(organization::Column::Id)
                    .column(organization::Column::Name)
                    .filter(organization::Column::Id.is_in(chunk.to_vec()))
                    .into_tuple::<(String, String)>()
                    .all(&self.db)
                    .await?,
            );
        }
        Ok(out)
    }
}
