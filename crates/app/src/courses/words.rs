//! The sensitive-word list (敏感词, seed 000 §2.3) that every course text passes: kept in
//! the platform settings, maintained by operators and system admins, read on each check
//! (a list of a few thousand words builds its matcher in well under a millisecond).

use super::Courses;
use crate::audit::Entry;
use crate::context::{Principal, RequestCtx};
use crate::error::{AppError, AppResult};
use jineng_core::accounts::Permission;
use jineng_core::courses::WordFilter;
use jineng_store::settings;
use sea_orm::{EntityTrait, Set};

const KEY: &str = "courses.sensitive_words";
/// Most words the list may hold, and the longest word.
const MAX_WORDS: usize = 20_000;
const MAX_WORD_CHARS: usize = 50;

impl Courses<'_> {
    /// The list as stored: one word or phrase per line.
    pub async fn words(&self, who: &Principal) -> AppResult<String> {
        if !who.can(Permission::ReviewProviders) {
            return Err(AppError::Forbidden);
        }
        self.words_text().await
    }

    async fn words_text(&self) -> AppResult<String> {
        Ok(settings::get(&self.db, KEY)
            .await?
            .and_then(|j| serde_json::from_str::<String>(&j).ok())
            .unwrap_or_default())
    }

    pub(crate) async fn words_filter(&self) -> AppResult<WordFilter> {
        Ok(WordFilter::new(&self.words_text().await?))
    }

    /// Replace the list. Returns how many distinct words it holds.
    pub async fn set_words(
        &self,
        who: &Principal,
        ctx: &RequestCtx,
        text: &str,
    ) -> AppResult<usize> {
        if !who.can(Permission::ReviewProviders) {
            return Err(AppError::Forbidden);
        }
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() > MAX_WORDS {
            return Err(AppError::field(
                "words",
                format!("敏感词不能超过{MAX_WORDS}个"),
            ));
        }
        // The message names the word by its first characters only: a pasted essay is not
        // sent back whole.
        let shown = |l: &str| -> String {
            let head: String = l.chars().take(MAX_WORD_CHARS).collect();
            if head.chars().count() < l.chars().count() {
                format!("{head}…")
            } else {
                head
            }
        };
        if let Some(l) = lines.iter().find(|l| l.chars().count() > MAX_WORD_CHARS) {
            return Err(AppError::field(
                "words",
                format!(
                    "敏感词“{}”过长（每个不超过{MAX_WORD_CHARS}个字符）",
                    shown(l)
                ),
            ));
        }
        if let Some(l) = lines
            .iter()
            .find(|l| jineng_core::text::plain_text_problem(l).is_some())
        {
            return Err(AppError::field(
                "words",
                format!("敏感词“{}”含有不允许的字符", shown(l)),
            ));
        }
        let stored = lines.join("\n");
        let n = WordFilter::new(&stored).len();
        let before = WordFilter::new(&self.words_text().await?).len();
        let w = self.write(who, ctx).await?;
        settings::Entity::insert(settings::ActiveModel {
            key: Set(KEY.into()),
            value: Set(serde_json::Value::String(stored).to_string()),
            updated_at: Set(w.now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(settings::Column::Key)
                .update_columns([settings::Column::Value, settings::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(&w.txn)
        .await?;
        w.commit(Entry::ok(
            "course.words_set",
            "setting",
            KEY,
            serde_json::json!({"words": [before, n]}),
        ))
        .await?;
        Ok(n)
    }
}
