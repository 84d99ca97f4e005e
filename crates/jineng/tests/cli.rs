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

/// Issue 17: `jineng backup` copies a data directory and checks the copy; `jineng
/// restore` refuses a backup with a changed byte and a directory that holds a database,
/// and brings back one whose audit chain verifies.
#[test]
fn backup_then_restore_on_the_embedded_database() {
    let root = std::env::temp_dir().join(format!("jineng-cli-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (data, backup, restored) = (root.join("data"), root.join("b"), root.join("r"));
    let ok = |o: Output| {
        assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    ok(run(&data, &["migrate"]));
    let made = ok(Command::new(env!("CARGO_BIN_EXE_jineng"))
        .args([
            "admin",
            "create-user",
            "--username",
            "kept",
            "--name",
            "留存",
        ])
        .args(["--role", "operator", "--password", "Kept@2026x"])
        .env("JINENG_DATA_DIR", &data)
        .env_remove("JINENG_DATABASE_URL")
        .output()
        .unwrap());
    assert!(made.contains("created kept"), "{made}");
    let out = ok(run(&data, &["backup", "--to", backup.to_str().unwrap()]));
    assert!(out.contains("audit chain of"), "{out}");
    // A second backup into the same place is refused: nothing is overwritten.
    let again = run(&data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(!again.status.success());

    // One byte changed in the copied database: refused, nothing written.
    let tampered = root.join("t");
    std::fs::create_dir_all(tampered.join("keys")).unwrap();
    for f in [
        "manifest.json",
        "jineng.db",
        "keys/pii.toml",
        "keys/ledger.key",
    ] {
        std::fs::copy(backup.join(f), tampered.join(f)).unwrap();
    }
    let mut db = std::fs::read(tampered.join("jineng.db")).unwrap();
    let last = db.len() - 1;
    db[last] ^= 0x01;
    std::fs::write(tampered.join("jineng.db"), db).unwrap();
    let bad = run(
        &root.join("x"),
        &["restore", "--from", tampered.to_str().unwrap()],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("jineng.db differs from the manifest"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(!root.join("x").join("jineng.db").exists());

    // Not over a live data directory.
    let over = run(&data, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(!over.status.success());

    let out = ok(run(
        &restored,
        &["restore", "--from", backup.to_str().unwrap()],
    ));
    assert!(out.contains("audit chain of"), "{out}");
    let v = ok(run(&restored, &["audit", "verify"]));
    assert!(v.contains("audit chain intact"), "{v}");
    // The restored copy knows the account made before the backup.
    let known = Command::new(env!("CARGO_BIN_EXE_jineng"))
        .args(["admin", "unlock", "--username", "kept"])
        .env("JINENG_DATA_DIR", &restored)
        .env_remove("JINENG_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        known.status.success(),
        "{}",
        String::from_utf8_lossy(&known.stderr)
    );
    let _ = std::fs::remove_dir_all(&root);
}
