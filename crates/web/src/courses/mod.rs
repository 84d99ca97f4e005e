//! Course packages (课程包): providers and institutions write them, submit them for
//! review, with their question banks; operators keep the sensitive-word list and the
//! minimum number of questions.

pub mod api;
pub mod catalogue;
pub mod documents;
pub mod media;
pub mod pages;
pub mod questions;
pub mod ratings;
pub mod review_api;
pub mod review_pages;

use crate::routes::Routes;
use crate::routes::limited;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{post, put};
use utoipa_axum::routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/courses", pages::list)
        .post("/courses", pages::create)
        .get("/courses/new", pages::new_page)
        .get("/courses/{id}", pages::detail)
        .post("/courses/{id}/versions", pages::new_version)
        .get("/course-versions/{id}/edit", pages::edit_page)
        .post("/course-versions/{id}/edit", pages::edit)
        .post("/course-versions/{id}/chapters", pages::add_chapter)
        .post(
            "/course-versions/{id}/chapters/{chapter}/remove",
            pages::remove_chapter,
        )
        .post("/course-versions/{id}/lessons", pages::add_lesson)
        .post(
            "/course-versions/{id}/lessons/{lesson}/remove",
            pages::remove_lesson,
        )
        .post("/course-versions/{id}/submit", pages::submit)
        .page_with(
            Method::POST,
            "/course-versions/{id}/files/{kind}",
            post(pages::upload_file).layer(DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .get("/course-versions/{id}/files/{kind}", pages::file)
        .get("/course-versions/{id}/questions", questions::page)
        .post("/course-versions/{id}/questions", questions::page_add)
        .post(
            "/course-versions/{id}/questions/{question}",
            questions::page_update,
        )
        .post(
            "/course-versions/{id}/questions/{question}/remove",
            questions::page_remove,
        )
        .page_with(
            Method::POST,
            "/course-versions/{id}/questions/import",
            post(questions::page_import).layer(DefaultBodyLimit::max(crate::DOCUMENT_LIMIT)),
        )
        .get(
            "/course-versions/{id}/questions.xlsx",
            questions::page_export,
        )
        .get("/course-question-template.xlsx", questions::page_template)
        .post("/admin/course-settings", questions::page_settings)
        .api(routes!(questions::bank, questions::add))
        .api(routes!(questions::update, questions::remove))
        .api(limited(routes!(questions::import), crate::DOCUMENT_LIMIT))
        .api(routes!(questions::export))
        .api(routes!(questions::template))
        .api(routes!(questions::settings, questions::set_settings))
        .get("/admin/words", pages::words_page)
        .post("/admin/words", pages::save_words)
        .api(routes!(api::list, api::create))
        .api(routes!(api::get))
        .api(routes!(api::new_version))
        .api(routes!(api::version, api::update))
        .api(routes!(api::add_chapter))
        .api(routes!(api::remove_chapter))
        .api(routes!(api::add_lesson))
        .api(routes!(api::remove_lesson))
        .api(routes!(api::submit))
        .api(limited(
            routes!(api::upload_file, api::file),
            crate::DOCUMENT_LIMIT,
        ))
        .api(routes!(api::words, api::set_words))
        .post("/course-versions/{id}/uploads", media::page_start)
        .get("/uploads/{id}", media::page_status)
        .page_with(
            Method::PUT,
            "/uploads/{id}/chunks/{n}",
            put(media::page_chunk).layer(DefaultBodyLimit::max(crate::CHUNK_LIMIT)),
        )
        .post("/uploads/{id}/complete", media::page_complete)
        .post("/uploads/{id}/retry", media::page_retry)
        .post("/uploads/{id}/abandon", media::page_abandon)
        .page_with(
            Method::POST,
            "/course-versions/{id}/documents",
            post(documents::page_upload).layer(DefaultBodyLimit::max(crate::LESSON_PDF_LIMIT)),
        )
        .get("/lessons/{id}/read", documents::read)
        .get("/doc/{media}/{lesson}/{n}", documents::page_image)
        .api(limited(routes!(documents::upload), crate::LESSON_PDF_LIMIT))
        .api(routes!(documents::api_read))
        .get("/lessons/{id}/watch", media::watch)
        .get("/hls/{media}/{lesson}/{name}", media::hls)
        .get("/hls-auth", media::hls_auth)
        .api(routes!(media::start))
        .api(routes!(media::status, media::abandon))
        .api(limited(routes!(media::chunk), crate::CHUNK_LIMIT))
        .api(routes!(media::complete))
        .api(routes!(media::retry))
        .api(routes!(media::play))
        .get("/course-catalogue", catalogue::page)
        .get("/course-catalogue/{id}", catalogue::detail)
        .get("/course-catalogue/{id}/cover", catalogue::cover)
        .get("/course-catalogue/{id}/ratings", ratings::page)
        .post("/course-catalogue/{id}/ratings", ratings::rate)
        .post("/course-ratings/{id}/reply", ratings::reply)
        .post("/course-ratings/{id}/moderation", ratings::moderate)
        .post("/course-suggestions", ratings::suggest)
        .get("/course-quality", ratings::quality)
        .get("/course-quality.xlsx", ratings::export_quality)
        .api(routes!(ratings::api_ratings))
        .api(routes!(ratings::api_rate))
        .api(routes!(ratings::api_reply))
        .api(routes!(ratings::api_moderate))
        .api(routes!(ratings::api_suggest, ratings::api_suggestions))
        .api(routes!(ratings::api_quality))
        .post("/courses/{id}/listing", catalogue::listing)
        .api(routes!(catalogue::api_search))
        .api(routes!(catalogue::api_detail))
        .api(routes!(catalogue::api_listing))
        .api(routes!(catalogue::reindex))
        .get("/course-reviews", review_pages::queue)
        .get("/course-reviews/export", review_pages::export)
        .get("/course-reviews/{id}", review_pages::item)
        .post("/course-reviews/{id}", review_pages::decide)
        .get("/experts", review_pages::experts)
        .post("/experts", review_pages::add_expert)
        .post("/experts/{id}/group", review_pages::assign)
        .post("/expert-groups", review_pages::add_group)
        .post("/expert-groups/{id}", review_pages::update_group)
        .post("/expert-groups/{id}/remove", review_pages::remove_group)
        .post("/experts/{id}/remove", review_pages::remove_expert)
        .post("/course-flows/{course_type}", review_pages::set_flow)
        .api(routes!(review_api::queue))
        .api(routes!(review_api::item, review_api::decide))
        .api(routes!(review_api::package_reviews))
        .api(routes!(review_api::experts, review_api::add_expert))
        .api(routes!(review_api::assign))
        .api(routes!(review_api::remove_expert))
        .api(routes!(review_api::update_group, review_api::remove_group))
        .api(routes!(review_api::groups, review_api::add_group))
        .api(routes!(review_api::flows))
        .api(routes!(review_api::set_flow))
}
