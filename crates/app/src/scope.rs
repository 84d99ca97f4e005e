//! The one place where "what may this caller see" becomes a query condition.
//!
//! `Principal::scope(permission)` turns who is asking into a `Scope`; every kind of
//! scoped record declares once, in the table at the end of this file, which of its
//! columns (or which parent record) carries its region, its organisation and its owner.
//! Use cases load and list scoped records only through `App::find_scoped` and
//! `App::list_scoped`; a record outside the caller's scope answers "not found", so its
//! existence does not leak. Never build a scope condition anywhere else.

use crate::App;
use crate::context::Principal;
use crate::error::{AppError, AppResult};
use jineng_core::accounts::Permission;
use jineng_store::accounts::{api_token, user};
use jineng_store::catalogue::declaration;
use jineng_store::classes::{application, class, enrollment, inspection, session};
use jineng_store::courses::{media as course_media, package, version as course_version};
use jineng_store::learners::{import_job, org_link, profile};
use jineng_store::organizations::{annual_review, document, organization, version};
use jineng_store::teachers::link as teacher_link;
use jineng_store::teachers::{booking, teacher};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, EntityTrait, IntoSimpleExpr, PrimaryKeyToColumn, PrimaryKeyTrait, QueryFilter,
    Select,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Platform administrators: everything.
    All,
    /// Regulators: records whose region code starts with one of these prefixes.
    Regions(Vec<String>),
    /// Only records belonging to this user.
    OwnUser(String),
    /// Institution or enterprise staff: records of these organisations.
    Orgs(Vec<String>),
}

impl Principal {
    /// The widest scope any of the caller's grants gives for `p`; `None` if none allows it.
    pub fn scope(&self, p: Permission) -> Option<Scope> {
        let allowed: Vec<_> = self.grants.iter().filter(|g| g.role.allows(p)).collect();
        if allowed.is_empty() {
            return None;
        }
        if allowed.iter().any(|g| g.role.is_admin()) {
            return Some(Scope::All);
        }
        // Only region-bound roles are scoped by region; a stray region on another grant is ignored.
        let prefixes: Vec<String> = allowed
            .iter()
            .filter(|g| g.role.needs_region())
            .filter_map(|g| g.region.map(|r| r.subtree_prefix().to_string()))
            .collect();
        let orgs: Vec<String> = allowed.iter().filter_map(|g| g.org_id.clone()).collect();
        if !prefixes.is_empty() {
            Some(Scope::Regions(prefixes))
        } else if !orgs.is_empty() {
            Some(Scope::Orgs(orgs))
        } else {
            Some(Scope::OwnUser(self.user_id.clone()))
        }
    }

    /// Whether a grant allows `p` for the whole province: any role that allows it, a
    /// regulator only with a province-level grant (province-wide settings — the catalogue,
    /// the expert pool and review flows — are not a county's to change).
    pub fn can_province_wide(&self, p: Permission) -> bool {
        self.grants.iter().any(|g| {
            g.role.allows(p)
                && (g.role != jineng_core::accounts::Role::Regulator
                    || g.region
                        .is_some_and(|r| r.level() == jineng_core::RegionLevel::Province))
        })
    }

    /// The organisations the caller works for (usually one).
    pub fn org_ids(&self) -> Vec<String> {
        self.grants
            .iter()
            .filter_map(|g| g.org_id.clone())
            .collect()
    }

    /// Whether the caller works for this organisation.
    pub fn works_for(&self, org_id: &str) -> bool {
        self.grants
            .iter()
            .any(|g| g.org_id.as_deref() == Some(org_id))
    }
}

/// How a kind of record is scoped: declared once per entity in the table below.
/// A dimension a record does not have admits nothing.
pub(crate) trait Scoped: EntityTrait {
    /// What the record is called in "…不存在或无权查看".
    const NOUN: &'static str;
    /// Regulators: records in these region subtrees.
    fn in_regions(_prefixes: &[String]) -> Option<Condition> {
        None
    }
    /// Institution and enterprise staff: records of these organisations.
    fn of_orgs(_orgs: &[String]) -> Option<Condition> {
        None
    }
    /// A person's own records.
    fn of_user(_user_id: &str) -> Option<Condition> {
        None
    }
}

impl Scope {
    /// The condition that admits exactly the records of kind `E` this scope may see.
    pub(crate) fn over<E: Scoped>(&self) -> Condition {
        match self {
            Scope::All => Some(Condition::all()),
            Scope::Regions(ps) => E::in_regions(ps),
            Scope::Orgs(ids) => E::of_orgs(ids),
            Scope::OwnUser(u) => E::of_user(u),
        }
        .unwrap_or_else(nothing)
    }
}

impl App {
    /// Load one record the caller may see with `p`: 403 without `p`, 404 outside the scope.
    pub(crate) async fn find_scoped<E>(
        &self,
        who: &Principal,
        p: Permission,
        id: &str,
    ) -> AppResult<E::Model>
    where
        E: Scoped,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
    {
        let scope = who.scope(p).ok_or(AppError::Forbidden)?;
        E::find_by_id(id.to_string())
            .filter(scope.over::<E>())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound(E::NOUN))
    }

    /// Load one record within an explicit scope (a learner's own records, say).
    pub(crate) async fn find_in_scope<E>(&self, scope: &Scope, id: &str) -> AppResult<E::Model>
    where
        E: Scoped,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
    {
        E::find_by_id(id.to_string())
            .filter(scope.over::<E>())
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound(E::NOUN))
    }

    /// All records of kind `E` the caller may see with `p`, to filter and page further.
    pub(crate) fn list_scoped<E: Scoped>(
        &self,
        who: &Principal,
        p: Permission,
    ) -> AppResult<Select<E>> {
        let scope = who.scope(p).ok_or(AppError::Forbidden)?;
        Ok(E::find().filter(scope.over::<E>()))
    }
}

/// A condition no row meets.
pub(crate) fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// Rows whose region code lies in one of the subtrees. A range, not LIKE: region codes
/// are digits, so [p, p+1) is exactly the subtree, and a range uses the index on both
/// SQLite and PostgreSQL.
pub(crate) fn region_range(col: impl ColumnTrait, prefixes: &[String]) -> Condition {
    let mut any = Condition::any();
    for (p, upper) in prefixes.iter().map(|p| (p, upper_bound(p))) {
        any = any.add(Condition::all().add(col.gte(p.clone())).add(col.lt(upper)));
    }
    any
}

/// The first code after a prefix's subtree: "5201" → "5202".
fn upper_bound(p: &str) -> String {
    p.parse::<u64>()
        .map(|n| format!("{:0width$}", n + 1, width = p.len()))
        .unwrap_or_else(|_| format!("{p}~"))
}

/// Rows whose `fk` names a record of `P` that `cond` admits (scoping through a parent).
fn via<P: EntityTrait>(fk: impl IntoSimpleExpr, cond: Option<Condition>) -> Option<Condition> {
    let cond = cond?;
    let pk = P::PrimaryKey::iter().next()?.into_column();
    let parents = Query::select()
        .column(pk)
        .from(P::default())
        .cond_where(cond)
        .to_owned();
    Some(Condition::all().add(fk.into_simple_expr().in_subquery(parents)))
}

fn is_in(col: impl ColumnTrait, ids: &[String]) -> Option<Condition> {
    Some(Condition::all().add(col.is_in(ids.iter().cloned())))
}

fn eq(col: impl ColumnTrait, v: &str) -> Option<Condition> {
    Some(Condition::all().add(col.eq(v)))
}

use sea_orm::Iterable;

// ---------------------------------------------------------------------------------------
// The scope of every kind of record. A new scoped entity is declared here, and only here.
// ---------------------------------------------------------------------------------------

/// Accounts: regulators see accounts of their region; everyone sees their own.
impl Scoped for user::Entity {
    const NOUN: &'static str = "账户";
    fn in_regions(ps: &[String]) -> Option<Condition> {
        Some(region_range(user::Column::RegionCode, ps))
    }
    fn of_user(u: &str) -> Option<Condition> {
        eq(user::Column::Id, u)
    }
}

impl Scoped for api_token::Entity {
    const NOUN: &'static str = "访问令牌";
    fn of_user(u: &str) -> Option<Condition> {
        eq(api_token::Column::UserId, u)
    }
}

/// Institutions and enterprises: by their county; staff see their own. Course providers
/// are the platform's (operators review them), so regulators do not see them here.
impl Scoped for organization::Entity {
    const NOUN: &'static str = "机构";
    fn in_regions(ps: &[String]) -> Option<Condition> {
        Some(
            Condition::all()
                .add(region_range(organization::Column::RegionCode, ps))
                .add(organization::Column::Kind.ne(jineng_core::organizations::OrgKind::Provider)),
        )
    }
    fn of_orgs(ids: &[String]) -> Option<Condition> {
        is_in(organization::Column::Id, ids)
    }
}

/// Everything that belongs to one organisation is seen with it.
macro_rules! scoped_by_org {
    ($($entity:path, $noun:literal, $org:path;)+) => {$(
        impl Scoped for $entity {
            const NOUN: &'static str = $noun;
            fn in_regions(ps: &[String]) -> Option<Condition> {
                via::<organization::Entity>($org, organization::Entity::in_regions(ps))
            }
            fn of_orgs(ids: &[String]) -> Option<Condition> {
                is_in($org, ids)
            }
        }
    )+};
}

scoped_by_org! {
    version::Entity, "登记版本", version::Column::OrgId;
    annual_review::Entity, "年审记录", annual_review::Column::OrgId;
    document::Entity, "登记材料", document::Column::OrgId;
    import_job::Entity, "导入任务", import_job::Column::OrgId;
}

/// Records that carry their organisation's region and id (copied in, so no join).
macro_rules! scoped_by_region_and_org {
    ($($entity:path, $noun:literal, $region:path, $org:path;)+) => {$(
        impl Scoped for $entity {
            const NOUN: &'static str = $noun;
            fn in_regions(ps: &[String]) -> Option<Condition> {
                Some(region_range($region, ps))
            }
            fn of_orgs(ids: &[String]) -> Option<Condition> {
                is_in($org, ids)
            }
        }
    )+};
}

scoped_by_region_and_org! {
    class::Entity, "培训班", class::Column::RegionCode, class::Column::OrgId;
    declaration::Entity, "工种申报", declaration::Column::RegionCode, declaration::Column::OrgId;
    teacher_link::Entity, "师资", teacher_link::Column::RegionCode, teacher_link::Column::OrgId;
    inspection::Entity, "检查记录", inspection::Column::RegionCode, inspection::Column::OrgId;
    package::Entity, "课程包", package::Column::RegionCode, package::Column::OrgId;
    course_version::Entity, "课程包版本", course_version::Column::RegionCode, course_version::Column::OrgId;
    course_media::Entity, "视频", course_media::Column::RegionCode, course_media::Column::OrgId;
    jineng_store::subsidies::claim::Entity, "补贴申请", jineng_store::subsidies::claim::Column::RegionCode, jineng_store::subsidies::claim::Column::OrgId;
}

/// A class's sessions are seen with the class, by the learners enrolled in it and by
/// the teachers booked into it (a teacher account is matched to its pool record by the
/// ID number's blind index).
impl Scoped for session::Entity {
    const NOUN: &'static str = "课次";
    fn in_regions(ps: &[String]) -> Option<Condition> {
        via::<class::Entity>(session::Column::ClassId, class::Entity::in_regions(ps))
    }
    fn of_orgs(ids: &[String]) -> Option<Condition> {
        via::<class::Entity>(session::Column::ClassId, class::Entity::of_orgs(ids))
    }
    fn of_user(u: &str) -> Option<Condition> {
        let enrolled = Query::select()
            .column(enrollment::Column::ClassId)
            .from(enrollment::Entity)
            .and_where(enrollment::Column::UserId.eq(u))
            .to_owned();
        let my_index = Query::select()
            .column(user::Column::IdNumberBidx)
            .from(user::Entity)
            .and_where(user::Column::Id.eq(u))
            .to_owned();
        let me_as_teacher = Query::select()
            .column(teacher::Column::Id)
            .from(teacher::Entity)
            .and_where(teacher::Column::IdNumberBidx.in_subquery(my_index))
            .to_owned();
        let teaching = Query::select()
            .column(booking::Column::ClassId)
            .from(booking::Entity)
            .and_where(booking::Column::TeacherId.in_subquery(me_as_teacher))
            .to_owned();
        Some(
            Condition::any()
                .add(session::Column::ClassId.in_subquery(enrolled))
                .add(session::Column::ClassId.in_subquery(teaching)),
        )
    }
}

/// Applications: the class's organisation and regulators, and the applicant.
impl Scoped for application::Entity {
    const NOUN: &'static str = "报名";
    fn in_regions(ps: &[String]) -> Option<Condition> {
        via::<class::Entity>(application::Column::ClassId, class::Entity::in_regions(ps))
    }
    fn of_orgs(ids: &[String]) -> Option<Condition> {
        via::<class::Entity>(application::Column::ClassId, class::Entity::of_orgs(ids))
    }
    fn of_user(u: &str) -> Option<Condition> {
        eq(application::Column::UserId, u)
    }
}

/// Learners: by the county they registered in; organisations see the learners linked
/// to them (imported, or accepted into their classes); a learner sees themself.
impl Scoped for profile::Entity {
    const NOUN: &'static str = "学员";
    fn in_regions(ps: &[String]) -> Option<Condition> {
        Some(region_range(profile::Column::RegionCode, ps))
    }
    fn of_orgs(ids: &[String]) -> Option<Condition> {
        let linked = Query::select()
            .column(org_link::Column::UserId)
            .from(org_link::Entity)
            .and_where(org_link::Column::OrgId.is_in(ids.iter().cloned()))
            .to_owned();
        Some(Condition::all().add(profile::Column::UserId.in_subquery(linked)))
    }
    fn of_user(u: &str) -> Option<Condition> {
        eq(profile::Column::UserId, u)
    }
}

/// Certificates: the issuer's staff, regulators of the issuer's region, the holder.
impl Scoped for jineng_store::certificates::certificate::Entity {
    const NOUN: &'static str = "证书";
    fn in_regions(ps: &[String]) -> Option<Condition> {
        use jineng_store::certificates::certificate::Column;
        Some(region_range(Column::RegionCode, ps))
    }
    fn of_orgs(ids: &[String]) -> Option<Condition> {
        is_in(jineng_store::certificates::certificate::Column::OrgId, ids)
    }
    fn of_user(u: &str) -> Option<Condition> {
        eq(jineng_store::certificates::certificate::Column::UserId, u)
    }
}

/// Training vouchers: regulators of the holder's county, the organisation of the class a
/// voucher was used for, the holder.
impl Scoped for jineng_store::subsidies::voucher::Entity {
    const NOUN: &'static str = "培训券";
    fn in_regions(ps: &[String]) -> Option<Condition> {
        use jineng_store::subsidies::voucher::Column;
        Some(region_range(Column::RegionCode, ps))
    }
    fn of_orgs(ids: &[String]) -> Option<Condition> {
        is_in(jineng_store::subsidies::voucher::Column::OrgId, ids)
    }
    fn of_user(u: &str) -> Option<Condition> {
        eq(jineng_store::subsidies::voucher::Column::UserId, u)
    }
}

/// Skill-level certificates: regulators of the holder's county, the organisations the
/// holder is a learner of, the holder.
impl Scoped for jineng_store::certificates::skill::Entity {
    const NOUN: &'static str = "职业技能等级证书";
    fn in_regions(ps: &[String]) -> Option<Condition> {
        use jineng_store::certificates::skill::Column;
        Some(region_range(Column::RegionCode, ps))
    }
    fn of_orgs(ids: &[String]) -> Option<Condition> {
        let linked = Query::select()
            .column(org_link::Column::UserId)
            .from(org_link::Entity)
            .and_where(org_link::Column::OrgId.is_in(ids.iter().cloned()))
            .to_owned();
        Some(
            Condition::all()
                .add(jineng_store::certificates::skill::Column::UserId.in_subquery(linked)),
        )
    }
    fn of_user(u: &str) -> Option<Condition> {
        eq(jineng_store::certificates::skill::Column::UserId, u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Grant;
    use jineng_core::RegionCode;
    use jineng_core::accounts::Role;
    use sea_orm::{DbBackend, QueryTrait};

    fn who(role: Role, region: Option<&str>) -> Principal {
        Principal {
            user_id: "u".into(),
            username: "u".into(),
            display_name: "u".into(),
            grants: vec![Grant {
                role,
                region: region.map(|r| RegionCode::parse(r).unwrap()),
                org_id: None,
            }],
        }
    }

    #[test]
    fn scopes_by_role_and_region() {
        let county = who(Role::Regulator, Some("520102"))
            .scope(Permission::ViewAccounts)
            .unwrap();
        assert_eq!(county, Scope::Regions(vec!["520102".into()]));
        assert_eq!(
            who(Role::Viewer, None).scope(Permission::ViewAccounts),
            Some(Scope::All)
        );
        assert_eq!(
            who(Role::Learner, None).scope(Permission::ViewAccounts),
            None
        );
        assert_eq!(
            who(Role::Regulator, Some("520102")).scope(Permission::ViewAudit),
            None
        );
    }

    fn sql<E: Scoped>(s: &Scope) -> String {
        E::find()
            .filter(s.over::<E>())
            .build(DbBackend::Sqlite)
            .to_string()
    }

    #[test]
    fn conditions_follow_the_declarations() {
        let city = Scope::Regions(vec!["5201".into()]);
        let q = sql::<class::Entity>(&city);
        assert!(q.contains(r#""classes"."region_code" >= '5201'"#), "{q}");
        assert!(q.contains(r#""classes"."region_code" < '5202'"#), "{q}");
        // A document is seen through its organisation's region.
        let q = sql::<document::Entity>(&city);
        assert!(q.contains("IN (SELECT"), "{q}");
        assert!(
            q.contains(r#""organizations"."region_code" >= '5201'"#),
            "{q}"
        );
        // Organisation staff see their own organisation's rows only.
        let own = Scope::Orgs(vec!["o1".into()]);
        assert!(sql::<class::Entity>(&own).contains(r#""classes"."org_id" IN ('o1')"#));
        // A dimension a record does not have admits nothing.
        assert!(sql::<organization::Entity>(&Scope::OwnUser("u".into())).contains("1 = 0"));
        let all = sql::<class::Entity>(&Scope::All);
        assert!(
            !all.contains("region_code\" >=") && !all.contains("1 = 0"),
            "{all}"
        );
    }
}
