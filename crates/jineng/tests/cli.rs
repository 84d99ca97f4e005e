//! The server binary as an operator runs it (docs/operations.md): `jineng migrate` on an
//! empty data directory creates the database, `jineng audit verify` then finds the trail
//! intact, and a command that does not exist is refused with the usage error. (Building
//! this test also leaves the binary at target/debug/jineng, built with the rest of the
//! suite, which `.ci/run` starts for its browser checks.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jineng"))
        .args(args)
        .env("JINENG_DATA_DIR", dir)
        .env_remove("JINENG_DATABASE_URL")
        .output()
        .expect("run jineng")
}

#[test]
fn migrate_then_verify_on_a_fresh_data_directory() {
    let dir = std::env::temp_dir().join(format!("jineng-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let m = run(&dir, &["migrate"]);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    assert!(
        dir.join("jineng.db").exists(),
        "no database in {}",
        dir.display()
    );
    let again = run(&dir, &["migrate"]);
    assert!(again.status.success(), "migrating twice is harmless");
    let v = run(&dir, &["audit", "verify"]);
    assert!(
        v.status.success(),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    let bad = run(&dir, &["no-such-command"]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
