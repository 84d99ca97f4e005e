//! The course catalogue's full-text index: listed course packages searched in Chinese
//! (jieba word segmentation over names, introductions, contents and lesson titles) and
//! narrowed by occupation (any level of the classification tree), training and course
//! type, skill level, price and hours. Knows nothing of the database: callers put
//! documents in and take package ids out; the database stays the record.

use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, Query as TQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

const TOKENIZER: &str = "jieba";

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index is busy")]
    Poisoned,
}

pub type SearchResult<T> = Result<T, SearchError>;

/// What the index knows of a listed package.
#[derive(Debug, Clone, Default)]
pub struct CourseDoc {
    pub id: String,
    pub name: String,
    pub org_name: String,
    pub intro: String,
    pub content: String,
    pub audience: String,
    /// Lesson and chapter titles, one per line.
    pub outline: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub training_type: String,
    pub course_type: String,
    pub level: i64,
    pub price_fen: i64,
    /// Class hours in tenths.
    pub hour_tenths: i64,
}

/// A search: words (any order, segmented), and filters that must all hold.
#[derive(Debug, Clone, Default)]
pub struct CourseQuery {
    pub text: Option<String>,
    /// An occupation code or a prefix of one: "4", "4-10", "4-10-01", "4-10-01-06".
    pub occupation: Option<String>,
    pub training_type: Option<String>,
    pub course_type: Option<String>,
    pub level: Option<i64>,
    pub free_only: bool,
    pub max_price_fen: Option<i64>,
    pub min_hour_tenths: Option<i64>,
    pub max_hour_tenths: Option<i64>,
}

/// One page of matching package ids, best first, and how many match in all.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    pub ids: Vec<String>,
    pub total: usize,
}

struct Fields {
    id: Field,
    name: Field,
    org_name: Field,
    intro: Field,
    content: Field,
    audience: Field,
    outline: Field,
    occupation_name: Field,
    occupation_path: Field,
    training_type: Field,
    course_type: Field,
    level: Field,
    price: Field,
    hours: Field,
}

pub struct CourseIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
}

/// "4-10-01-06" → ["4", "4-10", "4-10-01", "4-10-01-06"].
fn occupation_path(code: &str) -> Vec<String> {
    let parts: Vec<&str> = code.split('-').collect();
    (1..=parts.len()).map(|n| parts[..n].join("-")).collect()
}

impl CourseIndex {
    /// An index kept in memory (rebuilt from the database when the process starts).
    pub fn in_memory() -> SearchResult<CourseIndex> {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let f = Fields {
            id: b.add_text_field("id", STRING | STORED),
            name: b.add_text_field("name", text.clone()),
            org_name: b.add_text_field("org_name", text.clone()),
            intro: b.add_text_field("intro", text.clone()),
            content: b.add_text_field("content", text.clone()),
            audience: b.add_text_field("audience", text.clone()),
            outline: b.add_text_field("outline", text.clone()),
            occupation_name: b.add_text_field("occupation_name", text),
            occupation_path: b.add_text_field("occupation_path", STRING),
            training_type: b.add_text_field("training_type", STRING),
            course_type: b.add_text_field("course_type", STRING),
            level: b.add_i64_field("level", INDEXED | FAST),
            price: b.add_i64_field("price", INDEXED | FAST),
            hours: b.add_i64_field("hours", INDEXED | FAST),
        };
        let index = Index::create_in_ram(b.build());
        index
            .tokenizers()
            .register(TOKENIZER, tantivy_jieba::JiebaTokenizer::new());
        let writer = index.writer(32_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(CourseIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            f,
        })
    }

    fn writer(&self) -> SearchResult<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer.lock().map_err(|_| SearchError::Poisoned)
    }

    /// Put packages in (replacing earlier documents of the same ids) and take others out,
    /// then make the change visible to searches.
    pub fn apply(&self, upserts: &[CourseDoc], removals: &[String]) -> SearchResult<()> {
        self.stage(upserts, removals)?;
        self.publish()
    }

    /// Make what was staged visible to searches (one commit for any number of stages).
    pub fn publish(&self) -> SearchResult<()> {
        let mut w = self.writer()?;
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// Put packages in and take others out without making the change visible yet.
    pub fn stage(&self, upserts: &[CourseDoc], removals: &[String]) -> SearchResult<()> {
        let w = self.writer()?;
        for id in removals.iter().chain(upserts.iter().map(|d| &d.id)) {
            w.delete_term(Term::from_field_text(self.f.id, id));
        }
        for d in upserts {
            let mut doc = doc!(
                self.f.id => d.id.clone(),
                self.f.name => d.name.clone(),
                self.f.org_name => d.org_name.clone(),
                self.f.intro => d.intro.clone(),
                self.f.content => d.content.clone(),
                self.f.audience => d.audience.clone(),
                self.f.outline => d.outline.clone(),
                self.f.occupation_name => d.occupation_name.clone(),
                self.f.training_type => d.training_type.clone(),
                self.f.course_type => d.course_type.clone(),
                self.f.level => d.level,
                self.f.price => d.price_fen,
                self.f.hours => d.hour_tenths,
            );
            for p in occupation_path(&d.occupation_code) {
                doc.add_text(self.f.occupation_path, p);
            }
            w.add_document(doc)?;
        }
        Ok(())
    }

    /// Empty the index.
    pub fn clear(&self) -> SearchResult<()> {
        let mut w = self.writer()?;
        w.delete_all_documents()?;
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// How many packages the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Matching package ids, best first (by relevance when there are words, else by the
    /// index's order).
    pub fn search(&self, q: &CourseQuery, offset: usize, limit: usize) -> SearchResult<Hits> {
        let mut parts: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            // What a person typed is words, never query syntax: it is cut into words by the
            // same tokenizer as the documents, and every word must appear in one of the
            // fields (a course's name and occupation weigh more).
            let mut tokenizer = self
                .index
                .tokenizer_for_field(self.f.name)
                .map_err(SearchError::Index)?;
            let mut words: Vec<String> = Vec::new();
            let mut stream = tokenizer.token_stream(text);
            while let Some(t) = stream.next() {
                let w = t.text.trim().to_string();
                if !w.is_empty() && w.chars().any(char::is_alphanumeric) && !words.contains(&w) {
                    words.push(w);
                }
            }
            if words.is_empty() {
                return Ok(Hits::default());
            }
            let fields = [
                (self.f.name, 3.0),
                (self.f.occupation_name, 2.0),
                (self.f.outline, 1.0),
                (self.f.intro, 1.0),
                (self.f.content, 1.0),
                (self.f.audience, 1.0),
                (self.f.org_name, 1.0),
            ];
            for w in words.iter().take(32) {
                let any: Vec<(Occur, Box<dyn TQuery>)> = fields
                    .iter()
                    .map(|(f, boost)| {
                        let t: Box<dyn TQuery> = Box::new(TermQuery::new(
                            Term::from_field_text(*f, w),
                            IndexRecordOption::WithFreqs,
                        ));
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(t, *boost)) as Box<dyn TQuery>,
                        )
                    })
                    .collect();
                parts.push((Occur::Must, Box::new(BooleanQuery::new(any))));
            }
        }
        let term = |field: Field, v: &str| -> Box<dyn TQuery> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        if let Some(o) = q.occupation.as_deref().filter(|o| !o.is_empty()) {
            parts.push((Occur::Must, term(self.f.occupation_path, o)));
        }
        if let Some(t) = q.training_type.as_deref().filter(|t| !t.is_empty()) {
            parts.push((Occur::Must, term(self.f.training_type, t)));
        }
        if let Some(t) = q.course_type.as_deref().filter(|t| !t.is_empty()) {
            parts.push((Occur::Must, term(self.f.course_type, t)));
        }
        let range = |field: Field, lo: Option<i64>, hi: Option<i64>| -> Box<dyn TQuery> {
            use std::ops::Bound;
            let b = |v: Option<i64>| match v {
                Some(v) => Bound::Included(Term::from_field_i64(field, v)),
                None => Bound::Unbounded,
            };
            Box::new(RangeQuery::new(b(lo), b(hi)))
        };
        if let Some(l) = q.level {
            parts.push((Occur::Must, range(self.f.level, Some(l), Some(l))));
        }
        if q.free_only {
            parts.push((Occur::Must, range(self.f.price, Some(0), Some(0))));
        } else if let Some(max) = q.max_price_fen {
            parts.push((Occur::Must, range(self.f.price, None, Some(max))));
        }
        if q.min_hour_tenths.is_some() || q.max_hour_tenths.is_some() {
            parts.push((
                Occur::Must,
                range(self.f.hours, q.min_hour_tenths, q.max_hour_tenths),
            ));
        }
        let query: Box<dyn TQuery> = if parts.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(parts))
        };
        let searcher = self.reader.searcher();
        let (top, total) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(limit.max(1))
                    .and_offset(offset)
                    .order_by_score(),
                Count,
            ),
        )?;
        let mut ids = Vec::with_capacity(top.len());
        for (_score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = d.get_first(self.f.id).and_then(|v| v.as_str()) {
                ids.push(id.to_string());
            }
        }
        if limit == 0 {
            ids.clear();
        }
        Ok(Hits { ids, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(id: &str, name: &str, occ: &str, level: i64, price: i64) -> CourseDoc {
        CourseDoc {
            id: id.into(),
            name: name.into(),
            org_name: "黔课数字课程中心".into(),
            intro: format!("{name}的课程简介"),
            outline: "第一章 基础\n新生儿洗澡".into(),
            occupation_code: occ.into(),
            occupation_name: "家政服务员".into(),
            training_type: "vocational_skill".into(),
            course_type: "skill".into(),
            level,
            price_fen: price,
            hour_tenths: 40,
            ..Default::default()
        }
    }

    #[test]
    fn finds_by_chinese_words_and_filters() {
        let ix = CourseIndex::in_memory().unwrap();
        ix.apply(
            &[
                course("a", "家政服务员母婴护理", "4-10-01-06", 5, 19900),
                course("b", "中式烹调师刀工与火候", "4-03-02-01", 5, 0),
                course("c", "养老护理员生活照料", "4-10-01-05", 4, 25900),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(ix.len(), 3);
        let find = |q: CourseQuery| ix.search(&q, 0, 10).unwrap().ids;
        // Words inside a longer run of characters are found (segmentation, not substrings).
        assert_eq!(
            find(CourseQuery {
                text: Some("母婴".into()),
                ..Default::default()
            }),
            ["a"]
        );
        assert_eq!(
            find(CourseQuery {
                text: Some("护理".into()),
                ..Default::default()
            })
            .len(),
            2
        );
        assert_eq!(
            find(CourseQuery {
                text: Some("刀工".into()),
                ..Default::default()
            }),
            ["b"]
        );
        // The occupation tree at any level.
        assert_eq!(
            find(CourseQuery {
                occupation: Some("4-10".into()),
                ..Default::default()
            })
            .len(),
            2
        );
        assert_eq!(
            find(CourseQuery {
                occupation: Some("4-03-02-01".into()),
                ..Default::default()
            }),
            ["b"]
        );
        assert_eq!(
            find(CourseQuery {
                free_only: true,
                ..Default::default()
            }),
            ["b"]
        );
        assert_eq!(
            find(CourseQuery {
                level: Some(4),
                ..Default::default()
            }),
            ["c"]
        );
        assert_eq!(
            find(CourseQuery {
                max_price_fen: Some(20000),
                text: Some("护理".into()),
                ..Default::default()
            }),
            ["a"]
        );
        // What a person types stray is not an error.
        assert!(
            ix.search(
                &CourseQuery {
                    text: Some("\"护理:(".into()),
                    ..Default::default()
                },
                0,
                10
            )
            .is_ok()
        );
        // Replaced and removed.
        ix.apply(
            &[course("a", "家政服务员居家保洁", "4-10-01-06", 5, 0)],
            &["c".into()],
        )
        .unwrap();
        assert_eq!(ix.len(), 2);
        assert!(
            find(CourseQuery {
                text: Some("母婴".into()),
                ..Default::default()
            })
            .is_empty()
        );
        let page = ix.search(&CourseQuery::default(), 1, 1).unwrap();
        assert_eq!((page.ids.len(), page.total), (1, 2));
        ix.clear().unwrap();
        assert!(ix.is_empty());
    }
}
