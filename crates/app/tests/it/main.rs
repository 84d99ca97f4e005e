//! Use-case tests without the web layer: the app against a fresh database — SQLite by
//! default, PostgreSQL when JINENG_TEST_DATABASE_URL is set (CI runs both). They build
//! without `jineng-web`, so a change in `app` is checked quickly.

mod common;
mod jobs;
