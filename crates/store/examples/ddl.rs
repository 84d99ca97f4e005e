//! Print the DDL SeaORM would generate for the current entities, per backend:
//! `cargo run -p jineng-store --example ddl -- sqlite|postgres [table…]`.
//! Used to draft a new migration file; migrations themselves are fixed SQL files.

use jineng_store::{
    accounts, assessment, audit, catalogue, certificates, classes, courses, exams, exchange, jobs,
    learners, ledger, organizations, reference, reviews, settings, teachers,
};
use sea_orm::{DbBackend, EntityTrait, Schema};

fn print<E: EntityTrait>(b: DbBackend, e: E, only: &[String]) {
    let name = e.table_name().to_string();
    if !only.is_empty() && !only.contains(&name) {
        return;
    }
    let s = Schema::new(b);
    println!("{};", b.build(&s.create_table_from_entity(e)));
    for i in s.create_index_from_entity(e) {
        println!("{};", b.build(&i));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let b = match args.first().map(String::as_str) {
        Some("postgres") => DbBackend::Postgres,
        _ => DbBackend::Sqlite,
    };
    let only = &args[1.min(args.len())..];
    print(b, reference::region::Entity, only);
    print(b, certificates::certificate::Entity, only);
    print(b, certificates::skill::Entity, only);
    print(b, assessment::sheet::Entity, only);
    print(b, assessment::score::Entity, only);
    print(b, assessment::change::Entity, only);
    print(b, reference::occupation::Entity, only);
    print(b, accounts::user::Entity, only);
    print(b, accounts::role_grant::Entity, only);
    print(b, accounts::session::Entity, only);
    print(b, accounts::api_token::Entity, only);
    print(b, audit::record::Entity, only);
    print(b, audit::head::Entity, only);
    print(b, settings::Entity, only);
    print(b, organizations::organization::Entity, only);
    print(b, organizations::version::Entity, only);
    print(b, reviews::decision::Entity, only);
    print(b, jobs::job::Entity, only);
    print(b, organizations::annual_review::Entity, only);
    print(b, reference::work_type::Entity, only);
    print(b, catalogue::project::Entity, only);
    print(b, catalogue::declaration::Entity, only);
    print(b, learners::profile::Entity, only);
    print(b, learners::org_link::Entity, only);
    print(b, learners::link_request::Entity, only);
    print(b, learners::sms_code::Entity, only);
    print(b, learners::import_job::Entity, only);
    print(b, classes::class::Entity, only);
    print(b, classes::enrollment::Entity, only);
    print(b, teachers::teacher::Entity, only);
    print(b, teachers::link::Entity, only);
    print(b, teachers::booking::Entity, only);
    print(b, exchange::client::Entity, only);
    print(b, exchange::nonce::Entity, only);
    print(b, classes::inspection::Entity, only);
    print(b, classes::session::Entity, only);
    print(b, courses::package::Entity, only);
    print(b, courses::version::Entity, only);
    print(b, courses::chapter::Entity, only);
    print(b, courses::lesson::Entity, only);
    print(b, courses::expert::Entity, only);
    print(b, courses::expert_group::Entity, only);
    print(b, courses::review::Entity, only);
    print(b, courses::question::Entity, only);
    print(b, courses::media::Entity, only);
    print(b, courses::media_chunk::Entity, only);
    print(b, classes::attendance::Entity, only);
    print(b, classes::application::Entity, only);
    print(b, organizations::document::Entity, only);
    print(b, ledger::entry::Entity, only);
    print(b, ledger::hash::Entity, only);
    print(b, ledger::head::Entity, only);
    print(b, ledger::checkpoint::Entity, only);
    print(b, exams::exam::Entity, only);
    print(b, exams::attempt::Entity, only);
    print(b, exams::answer::Entity, only);
}
