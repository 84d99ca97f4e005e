//! One background job. Enqueued in the transaction of the change that causes it; claimed
//! by one worker at a time under a lease; `idempotency_key` makes enqueueing twice a no-op.

use jineng_core::jobs::{JobKind, JobState};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: JobKind,
    /// What the handler needs, as JSON; never personal data in the clear.
    pub payload: String,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    /// Not before this time.
    pub run_at: DateTimeUtc,
    /// The worker holding the job and until when; another may take it after that.
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
