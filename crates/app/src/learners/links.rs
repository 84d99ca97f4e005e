//! A person already on the platform joins an organisation's learners only by their own
//! answer: a bulk import that finds them (ID number and name matching their record) asks,
//! and they accept or decline in 我的培训.

use super::Learners;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use jineng_core::learners::LinkRequestStatus;
use jineng_store::learners::{link_request, org_link};
use jineng_store::organizations::organization;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

/// An organisation waiting for the caller's answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkRequestView {
    pub org_id: String,
    pub org_name: String,
    pub org_kind_label: &'static str,
    pub created_at: DateTime<Utc>,
}

impl Learners<'_> {
    /// The organisations asking to count the caller among their learners.
    pub async fn link_requests(&self, who: &Principal) -> AppResult<Vec<LinkRequestView>> {
        who.require(jineng_core::accounts::Role::Learner)?;
        let rows = link_request::Entity::find()
            .filter(link_request::Column::UserId.eq(who.user_id.clone()))
            .filter(link_request::Column::Status.eq(LinkRequestStatus::Pending))
            .order_by_asc(link_request::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(o) = organization::Entity::find_by_id(r.org_id.clone())
                .one(&self.db)
                .await?
            {
                out.push(LinkRequestView {
                    org_id: o.id,
                    org_name: o.name,
                    org_kind_label: o.kind.label(),
                    created_at: r.created_at,
                });
            }
        }
        Ok(out)
    }

    /// Accept or decline an organisation's request. Only the person asked can answer,
    /// and only once.
    pub async fn answer_link_request(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        org_id: &str,
        accept: bool,
    ) -> AppResult<()> {
        who.require(jineng_core::accounts::Role::Learner)?;
        let status = if accept {
            LinkRequestStatus::Accepted
        } else {
            LinkRequestStatus::Declined
        };
        let w = self.write(who, ctx).await?;
        let res = link_request::Entity::update_many()
            .col_expr(link_request::Column::Status, Expr::value(status))
            .col_expr(link_request::Column::DecidedAt, Expr::value(Some(w.now)))
            .filter(link_request::Column::OrgId.eq(org_id))
            .filter(link_request::Column::UserId.eq(who.user_id.clone()))
            .filter(link_request::Column::Status.eq(LinkRequestStatus::Pending))
            .exec(&w.txn)
            .await?;
        if res.rows_affected == 0 {
            return Err(AppError::NotFound("待确认的机构邀请"));
        }
        if accept {
            org_link::Entity::insert(org_link::ActiveModel {
                org_id: Set(org_id.into()),
                user_id: Set(who.user_id.clone()),
                created_at: Set(w.now),
            })
            .on_conflict_do_nothing()
            .exec(&w.txn)
            .await?;
        }
        w.commit(Entry::ok(
            if accept {
                "learner.link_accept"
            } else {
                "learner.link_decline"
            },
            "organization",
            org_id,
            serde_json::json!({}),
        ))
        .await
    }
}
