//! The learner's lifelong e-archive (电子档案, seed 000 §1.4, seed 001 §15): one archive
//! across institutions — classes with offline attendance and online hours, courses
//! studied on their own, clearings — and the evidence-log proof of its online totals
//! (the learner's newest study summary, `study::evidence`), and the best result of each
//! exam taken with its own evidence entry, and the certificates issued to the learner
//! (revoked ones marked), each with its evidence entry.
//!
//! Who may read it is who may read the learner: the learner, and the roles whose scope
//! holds the learner (`Learners::get`). Documents made from it show the ID number masked
//! whoever asks: they travel.

use crate::classes::{ClassView, EnrolledLearner};
use crate::context::Principal;
use crate::error::AppResult;
use crate::learners::LearnerView;
use chrono::{DateTime, Utc};
use jineng_core::archive::Summary;
use jineng_store::classes::{class, enrollment};
use jineng_store::courses::package;
use jineng_store::study::{clearing, progress};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

bounded_context!(
    /// The learner's lifelong e-archive.
    Archives,
    archives
);

/// A class the learner was in, with what they earned in it.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveClass {
    pub class: ClassView,
    pub me: Option<EnrolledLearner>,
}

/// Online study of one course, in a class or on the learner's own (class empty).
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveCourse {
    pub class_id: String,
    /// "自主学习" for a public-welfare course studied on one's own.
    pub class_name: String,
    pub package_id: String,
    pub course_name: String,
    /// Credited and standing now (after any clearing), milliseconds.
    pub credited_ms: u64,
    pub lessons_completed: u32,
    pub lessons_started: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArchiveClearing {
    pub at: DateTime<Utc>,
    pub class_name: String,
    pub course_name: String,
    pub reason: &'static str,
    pub nth: u32,
    pub cleared_ms: u64,
}

/// One line of the entered summary, with names.
#[derive(Debug, Clone, Serialize)]
pub struct ProofLine {
    pub class_name: String,
    pub course_name: String,
    pub days: usize,
    pub clearings: usize,
    pub credited_ms: u64,
    pub cleared_ms: u64,
    pub net_ms: u64,
}

/// The online totals as the evidence log holds them.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveProof {
    /// The last closed day covered, YYYY-MM-DD.
    pub as_of: String,
    pub total_ms: u64,
    pub lines: Vec<ProofLine>,
    /// The summary's entry in the log.
    pub index: u64,
    pub record_id: String,
    /// The summary's canonical text and its SHA-256: anyone can hash the text and compare
    /// it with the entry a proof bundle shows.
    pub canonical: String,
    pub sha256: String,
    /// The proof bundle (JSON) once a signed checkpoint covers the entry.
    pub bundle: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Archive {
    pub learner: LearnerView,
    pub classes: Vec<ArchiveClass>,
    pub courses: Vec<ArchiveCourse>,
    pub clearings: Vec<ArchiveClearing>,
    /// Exams with a marked attempt: the best result of each, with its evidence entry.
    pub exams: Vec<crate::exams::ArchiveExam>,
    /// Certificates issued to the learner, newest first (revoked ones included, marked).
    pub certificates: Vec<crate::certificates::CertificateView>,
    /// Skill-level certificates reported by appraisal organisations, newest first.
    pub skill_certificates: Vec<crate::skills::SkillCertificateView>,
    /// Online time credited now, over all courses (what stands), milliseconds.
    pub online_ms: u64,
    /// Offline class hours attended over all classes.
    pub offline_hours: u32,
    pub proof: Option<ArchiveProof>,
    pub issued_at: DateTime<Utc>,
}

/// The name shown for study outside any class.
pub const SELF_STUDY: &str = "自主学习（公益课程）";

impl Archives<'_> {
    /// `user_id`'s archive, for the learner and whoever may read the learner.
    pub async fn get(&self, who: &Principal, user_id: &str) -> AppResult<Archive> {
        let mut learner = self.learners().get(who, user_id).await?;
        if jineng_core::IdNumber::parse(&learner.id_number).is_ok() {
            learner.id_number = jineng_core::mask::id_number(&learner.id_number);
        }
        let user_id = learner.id.clone();
        // What this node still holds in memory for the learner, first.
        self.study().settle(Some(&user_id)).await?;
        let members = enrollment::Entity::find()
            .filter(enrollment::Column::UserId.eq(user_id.clone()))
            .order_by_asc(enrollment::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut rows: HashMap<String, class::Model> = class::Entity::find()
            .filter(class::Column::Id.is_in(members.iter().map(|m| m.class_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let mut names = Default::default();
        let mut classes = Vec::with_capacity(members.len());
        let mut class_names: HashMap<String, String> = HashMap::new();
        for m in &members {
            let Some(c) = rows.remove(&m.class_id) else {
                continue;
            };
            let me = self
                .classes()
                .roster(&c.id)
                .await?
                .into_iter()
                .find(|l| l.user_id == user_id);
            let view = self.classes().view_with(c, &mut names).await?;
            class_names.insert(view.id.clone(), view.name.clone());
            classes.push(ArchiveClass { class: view, me });
        }
        let class_name = |id: &str| -> String {
            if id.is_empty() {
                SELF_STUDY.to_string()
            } else {
                class_names.get(id).cloned().unwrap_or_default()
            }
        };

        let progress = progress::Entity::find()
            .filter(progress::Column::UserId.eq(user_id.clone()))
            .all(&self.db)
            .await?;
        let clearings = clearing::Entity::find()
            .filter(clearing::Column::UserId.eq(user_id.clone()))
            .order_by_asc(clearing::Column::At)
            .all(&self.db)
            .await?;
        let entered = self.study().entered_summary(&user_id).await?;
        let package_ids: Vec<String> = progress
            .iter()
            .map(|p| p.package_id.clone())
            .chain(clearings.iter().map(|k| k.package_id.clone()))
            .chain(entered.iter().flat_map(|s| {
                s.summary
                    .lines
                    .iter()
                    .map(|l| l.package_id.clone())
                    .collect::<Vec<_>>()
            }))
            .collect();
        let course_names: HashMap<String, String> = package::Entity::find()
            .filter(package::Column::Id.is_in(package_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let course_name = |id: &str| course_names.get(id).cloned().unwrap_or_default();

        let mut by_course: BTreeMap<(String, String), ArchiveCourse> = BTreeMap::new();
        for p in &progress {
            let c = by_course
                .entry((p.class_id.clone(), p.package_id.clone()))
                .or_insert_with(|| ArchiveCourse {
                    class_id: p.class_id.clone(),
                    class_name: class_name(&p.class_id),
                    package_id: p.package_id.clone(),
                    course_name: course_name(&p.package_id),
                    credited_ms: 0,
                    lessons_completed: 0,
                    lessons_started: 0,
                });
            c.credited_ms += p.credited_ms.max(0) as u64;
            c.lessons_started += 1;
            c.lessons_completed += p.completed_at.is_some() as u32;
        }
        let courses: Vec<ArchiveCourse> = by_course.into_values().collect();
        let clearings: Vec<ArchiveClearing> = clearings
            .iter()
            .map(|k| ArchiveClearing {
                at: k.at,
                class_name: class_name(&k.class_id),
                course_name: course_name(&k.package_id),
                reason: k.code.label(),
                nth: k.nth.max(0) as u32,
                cleared_ms: k.cleared_ms.max(0) as u64,
            })
            .collect();
        let proof = match entered {
            None => None,
            Some(s) => {
                let record_id = Summary::record_id(&user_id);
                let bundle = match self.ledger().bundle(&record_id).await {
                    Ok(b) if b.index == s.index => Some(b.to_json()),
                    // Not yet under a signed checkpoint (or a newer one is being made).
                    Ok(_) | Err(crate::AppError::Conflict(_)) => None,
                    Err(e) => return Err(e),
                };
                Some(ArchiveProof {
                    as_of: s.summary.as_of.clone(),
                    total_ms: s.summary.total_ms(),
                    lines: s
                        .summary
                        .lines
                        .iter()
                        .map(|l| ProofLine {
                            class_name: class_name(&l.class_id),
                            course_name: course_name(&l.package_id),
                            days: l.day_entries.len(),
                            clearings: l.clearing_entries.len(),
                            credited_ms: l.credited_ms,
                            cleared_ms: l.cleared_ms,
                            net_ms: l.net_ms(),
                        })
                        .collect(),
                    index: s.index,
                    record_id,
                    canonical: s.canonical,
                    sha256: s.sha256_hex,
                    bundle,
                })
            }
        };
        let exams = self.exams().of_learner(&user_id).await?;
        let certificates = self.certificates().of_learner(&user_id).await?;
        let skill_certificates = self.skill_certificates().of_learner(&user_id).await?;
        Ok(Archive {
            exams,
            certificates,
            skill_certificates,
            online_ms: courses.iter().map(|c| c.credited_ms).sum(),
            offline_hours: classes
                .iter()
                .filter_map(|c| c.me.as_ref())
                .map(|m| m.offline_hours)
                .sum(),
            learner,
            classes,
            courses,
            clearings,
            proof,
            issued_at: self.now(),
        })
    }
}
