//! 省级题库 pages: the list (with 新建题库 and 导入共享题库 for the province's keepers) and a
//! bank's page (its questions and answers, add, import from xlsx, retire, exports). Every
//! refusal answers the same page with the reasons, one per line.

use crate::AppState;
use crate::courses::questions::QuestionForm;
use crate::http::error::{PageError, fixable};
use crate::http::export::xlsx_response;
use crate::http::layout::Layout;
use crate::http::request::Ctx;
use crate::http::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jineng_app::AppError;
use jineng_app::banks::{BankDetail, BankInput, BankView};
use jineng_core::accounts::Permission;
use jineng_core::courses::questions::{Difficulty, MAX_OPTIONS, QuestionKind, letter};
use jineng_core::occupations::SKILL_LEVELS;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "banks/list.html")]
pub struct ListPage {
    layout: Layout,
    banks: Vec<BankView>,
    may_keep: bool,
    /// (id, "code 名称") of every work type, for the new-bank form.
    work_types: Vec<(String, String)>,
    levels: Vec<(i32, &'static str)>,
    form: NewBankForm,
    notice: Option<String>,
    errors: Vec<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewBankForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    occupation_code: String,
    #[serde(default)]
    work_type_id: String,
    #[serde(default)]
    level: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    done: String,
}

async fn list_page(
    s: &AppState,
    u: &PageUser,
    form: NewBankForm,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<ListPage, PageError> {
    let banks = s.app.banks().list(&u.principal).await?;
    let may_keep = u.principal.can_province_wide(Permission::ManageCatalogue);
    let work_types = if may_keep {
        s.app.banks().work_type_choices().await?
    } else {
        vec![]
    };
    Ok(ListPage {
        layout: Layout::new("省级题库", u, "/banks"),
        banks,
        may_keep,
        work_types,
        levels: SKILL_LEVELS
            .iter()
            .copied()
            .chain([(0, jineng_core::occupations::level_label(0))])
            .collect(),
        form,
        notice,
        errors,
    })
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    let notice = match q.done.as_str() {
        "imported" => Some("共享题库已导入。".to_string()),
        _ => None,
    };
    list_page(&s, &u, NewBankForm::default(), notice, vec![]).await
}

pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Form(f): Form<NewBankForm>,
) -> Result<Response, PageError> {
    let level = f.level.trim().parse::<i32>().unwrap_or(-1);
    match s
        .app
        .banks()
        .create(
            &u.principal,
            &ctx,
            BankInput {
                name: f.name.clone(),
                occupation_code: f.occupation_code.clone(),
                work_type_id: Some(f.work_type_id.clone()),
                level,
            },
        )
        .await
    {
        Ok(b) => Ok(Redirect::to(&format!("/banks/{}", b.id)).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((status, list_page(&s, &u, f, None, errors).await?).into_response())
        }
    }
}

/// The file of a multipart upload, or the reason it cannot be read (a body that is not a
/// well-formed form gets the page in words, not the extractor's own text).
async fn upload(
    mp: Result<Multipart, MultipartRejection>,
    what: &str,
) -> Result<Vec<u8>, AppError> {
    let read = match mp {
        Ok(mut mp) => crate::http::files::multipart_file(&mut mp, "file").await,
        Err(_) => Err(()),
    };
    match read {
        Err(()) => Err(AppError::field(
            "file",
            "上传的内容无法读取，文件不能超过8MB",
        )),
        Ok((_, bytes)) if bytes.is_empty() => {
            Err(AppError::field("file", format!("请选择要导入的{what}")))
        }
        Ok((_, bytes)) => Ok(bytes),
    }
}

pub async fn import_shared(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let r = match upload(mp, "共享题库文件（.json）").await {
        Ok(bytes) => {
            s.app
                .banks()
                .import_shared(&u.principal, &ctx, &bytes)
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(b) => Ok(Redirect::to(&format!("/banks/{}?done=imported", b.id)).into_response()),
        Err(e) => {
            let (status, errors) = fixable(e)?;
            Ok((
                status,
                list_page(&s, &u, NewBankForm::default(), None, errors).await?,
            )
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "banks/detail.html")]
pub struct DetailPage {
    layout: Layout,
    d: BankDetail,
    form: QuestionForm,
    /// The caller may export the shared document (a bank written here, its keepers).
    may_share: bool,
    notice: Option<String>,
    errors: Vec<String>,
}

impl DetailPage {
    fn letters(&self) -> Vec<char> {
        (0..MAX_OPTIONS).map(letter).collect()
    }

    fn option(&self, i: &usize) -> &str {
        self.form.options().get(*i).copied().unwrap_or("")
    }

    fn kinds(&self) -> &'static [QuestionKind] {
        QuestionKind::ALL
    }

    fn difficulties(&self) -> &'static [Difficulty] {
        Difficulty::ALL
    }
}

async fn detail_page(
    s: &AppState,
    u: &PageUser,
    id: &str,
    form: Option<QuestionForm>,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<DetailPage, PageError> {
    let d = s.app.banks().get(&u.principal, id).await?;
    let may_share = d.editable;
    Ok(DetailPage {
        layout: Layout::new(format!("省级题库 · {}", d.bank.name), u, "/banks"),
        d,
        form: form.unwrap_or_else(QuestionForm::blank),
        may_share,
        notice,
        errors,
    })
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
}

pub async fn detail(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<DetailPage, PageError> {
    let notice = match q.done.as_str() {
        "added" => Some("已添加。".to_string()),
        "retired" => Some("已移出题库；已抽到这道题的试卷不受影响。".to_string()),
        "imported" => Some("共享题库已导入，来源信息见上方。".to_string()),
        n if n.starts_with("imported-") => {
            Some(format!("已导入{}道题。", n.trim_start_matches("imported-")))
        }
        _ => None,
    };
    detail_page(&s, &u, &id, None, notice, vec![]).await
}

async fn refused(
    s: &AppState,
    u: &PageUser,
    id: &str,
    form: Option<QuestionForm>,
    e: AppError,
) -> Result<Response, PageError> {
    let (status, lines) = fixable(e)?;
    Ok((status, detail_page(s, u, id, form, None, lines).await?).into_response())
}

pub async fn add(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<QuestionForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .banks()
        .add_question(&u.principal, &ctx, &id, &f.raw())
        .await
    {
        Ok(q) => Ok(Redirect::to(&format!("/banks/{id}?done=added#q-{}", q.id)).into_response()),
        Err(e) => refused(&s, &u, &id, Some(f), e).await,
    }
}

pub async fn retire(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path((id, question)): Path<(String, String)>,
) -> Result<Response, PageError> {
    match s
        .app
        .banks()
        .retire_question(&u.principal, &ctx, &id, &question)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/banks/{id}?done=retired")).into_response()),
        Err(e) => refused(&s, &u, &id, None, e).await,
    }
}

pub async fn import_sheet(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let r = match upload(mp, "xlsx 文件").await {
        Ok(bytes) => {
            s.app
                .banks()
                .import_sheet(&u.principal, &ctx, &id, bytes)
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(n) => Ok(Redirect::to(&format!("/banks/{id}?done=imported-{n}")).into_response()),
        Err(e) => refused(&s, &u, &id, None, e).await,
    }
}

pub async fn export_sheet(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s.app.banks().export_sheet(&u.principal, &ctx, &id).await {
        Ok(bytes) => Ok(xlsx_response(bytes, "question-bank.xlsx")),
        Err(e) => refused(&s, &u, &id, None, e).await,
    }
}

pub async fn export_shared(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s.app.banks().export_shared(&u.principal, &ctx, &id).await {
        Ok((name, bytes)) => Ok(super::api::json_download(bytes, &name)),
        Err(e) => refused(&s, &u, &id, None, e).await,
    }
}
