//! `jineng backup` and `jineng restore` (docs/operations.md, "Backups and restore").
//!
//! Embedded mode: a consistent online copy of the SQLite database (`VACUUM INTO`, which
//! reads one snapshot while the server keeps writing), the uploaded files and the key
//! files, with a manifest of every file's size and SHA-256. The copy is opened and
//! checked (SQLite's integrity check and the audit chain) before the backup counts as
//! made; a restore checks the manifest first and puts the database in place last.
//!
//! PostgreSQL: a full base backup by `pg_basebackup` (checked by `pg_verifybackup`); the
//! incremental part is the server's WAL archive (`ops/postgres/archive-wal.sh`). A
//! restore lays the base backup out as a data directory set to replay the archive up to
//! its end or to a given time.

use anyhow::{Context, Result, bail};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::config::{Config, FilesBackend};

/// The manifest's format name; a restore refuses any other.
const FORMAT: &str = "jineng-backup/1";
const MANIFEST: &str = "manifest.json";
const DB_FILE: &str = "jineng.db";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    /// `sqlite` or `postgres`.
    kind: String,
    created_at: String,
    /// The newest migration applied in the copied database.
    schema_version: i64,
    /// Every file of an embedded backup but the manifest (a PostgreSQL base backup has
    /// its own `backup_manifest`).
    files: Vec<Entry>,
    /// What the backup does not hold and where it is instead.
    notes: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    path: String,
    bytes: u64,
    sha256: String,
}

/// What `jineng backup` prints.
pub struct Made {
    pub dir: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub audit_records: i64,
    pub notes: Vec<String>,
}

fn is_postgres(cfg: &Config) -> bool {
    cfg.database_url().starts_with("postgres")
}

/// The SQLite file behind the configured URL (`sqlite://PATH?…` or the default).
fn sqlite_path(cfg: &Config) -> PathBuf {
    let url = cfg.database_url();
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(&url);
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

/// A new, private directory for the backup; an existing one must be empty.
fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        let mut it =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if it.next().is_some() {
            bail!(
                "{} is not empty: a backup or a restore goes into a new directory",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    private(dir, 0o700)
}

#[cfg(unix)]
fn private(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the mode of {}", path.display()))
}

#[cfg(not(unix))]
fn private(_: &Path, _: u32) -> Result<()> {
    Ok(())
}

/// Copy a directory tree. Local file storage writes each object beside its place and
/// renames it in (`name#n`), so such half-written names are left out; a file that
/// vanishes while the tree is copied (a deleted upload) is skipped.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for item in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let item = item?;
        let name = item.file_name();
        let kind = item.file_type()?;
        let target = to.join(&name);
        if kind.is_dir() {
            copy_tree(&item.path(), &target)?;
        } else if kind.is_file() {
            if name.to_string_lossy().contains('#') {
                continue;
            }
            match std::fs::copy(item.path(), &target) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("copying {}", item.path().display()));
                }
            }
        }
    }
    Ok(())
}

fn sha256_of(path: &Path) -> Result<(u64, String)> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let read = f.read(&mut buf)?;
        if read == 0 {
            break;
        }
        h.update(&buf[..read]);
        n += read as u64;
    }
    Ok((n, hex::encode(h.finalize())))
}

/// Every file under `root` (but the manifest), by path relative to it, sorted.
fn list_files(root: &Path) -> Result<Vec<PathBuf>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        for item in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let item = item?;
            let path = item.path();
            if item.file_type()?.is_dir() {
                walk(root, &path, out)?;
            } else if let Ok(rel) = path.strip_prefix(root)
                && rel != Path::new(MANIFEST)
            {
                out.push(rel.to_path_buf());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out)?;
    out.sort();
    Ok(out)
}

/// A manifest path is relative and goes nowhere above the backup (a manifest is read
/// from a place someone else may have written).
fn safe_relative(p: &str) -> Option<PathBuf> {
    let path = PathBuf::from(p);
    let ok = !p.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    ok.then_some(path)
}

fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}?mode=rw", file.display())
}

async fn schema_version(db: &jineng_store::Db) -> Result<i64> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT MAX(version) AS v FROM schema_migrations",
        ))
        .await?
        .context("no schema_migrations table: not a jineng database")?;
    Ok(row.try_get::<Option<i64>>("", "v")?.unwrap_or(0))
}

/// SQLite's own check of every page and index, then the audit chain with the keys.
async fn check_copy(file: &Path, keyring: &jineng_app::crypto::pii::Keyring) -> Result<i64> {
    let db = jineng_store::connect(&sqlite_url(file), 1)
        .await
        .with_context(|| format!("opening the copy {}", file.display()))?;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await?
        .context("no answer to the integrity check")?;
    let verdict: String = row.try_get_by_index(0)?;
    if verdict != "ok" {
        bail!("the copy fails SQLite's integrity check: {verdict}");
    }
    let report = jineng_app::audit::verify(&db, keyring.audit_key()).await?;
    if let Some((seq, why)) = report.broken_at {
        bail!("the copy's audit chain is broken at record {seq}: {why}");
    }
    db.close().await?;
    Ok(report.records)
}

/// The keyring that reads a copy in `dir`: the configured keys, or the copy's key file.
fn keyring_for(cfg: &Config, dir: &Path) -> Result<jineng_app::crypto::pii::Keyring> {
    let keys_in_env =
        cfg.pii_keys.is_some() && cfg.pii_blind_key.is_some() && cfg.audit_key.is_some();
    if !keys_in_env && !dir.join("keys/pii.toml").exists() {
        bail!(
            "{} holds no key file and no keys are configured: the copy cannot be read",
            dir.display()
        );
    }
    let mut c = cfg.clone();
    c.data_dir = dir.to_path_buf();
    c.keyring()
}

fn write_manifest(dir: &Path, m: &Manifest) -> Result<()> {
    let path = dir.join(MANIFEST);
    std::fs::write(&path, serde_json::to_vec_pretty(m)?)
        .with_context(|| format!("writing {}", path.display()))?;
    private(&path, 0o600)
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path)
        .with_context(|| format!("{}: not a jineng backup (no {MANIFEST})", dir.display()))?;
    let m: Manifest =
        serde_json::from_slice(&text).with_context(|| format!("reading {}", path.display()))?;
    if m.format != FORMAT {
        bail!("{}: unknown backup format {:?}", path.display(), m.format);
    }
    Ok(m)
}

/// `jineng backup --to DIR`.
pub async fn backup(cfg: &Config, to: &Path) -> Result<Made> {
    if is_postgres(cfg) {
        return backup_postgres(cfg, to);
    }
    let source = sqlite_path(cfg);
    if !source.exists() {
        bail!("no database at {}: nothing to back up", source.display());
    }
    fresh_dir(to)?;
    let db = jineng_store::connect(&sqlite_url(&source), 1)
        .await
        .with_context(|| format!("opening {}", source.display()))?;
    let schema = schema_version(&db).await?;
    let target = to.join(DB_FILE);
    // One read transaction: every table as of one instant, however busy the server is.
    let quoted = target.display().to_string().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{quoted}'"))
        .await
        .context("copying the database (VACUUM INTO)")?;
    db.close().await?;
    let mut notes = Vec::new();
    // Files after the database: everything the copy refers to was written before it.
    if cfg.files.backend == FilesBackend::Local {
        let files = cfg.data_dir.join("files");
        if files.exists() {
            copy_tree(&files, &to.join("files"))?;
        }
    } else {
        notes.push(
            "uploaded files are in the S3 bucket, not here: keep the bucket versioned or replicated".into(),
        );
    }
    let keys = cfg.data_dir.join("keys");
    if cfg.pii_keys.is_none() && keys.exists() {
        copy_tree(&keys, &to.join("keys"))?;
        private(&to.join("keys"), 0o700)?;
        notes.push(
            "holds the key files (keys/): store it as carefully as the keys themselves".into(),
        );
    } else {
        notes.push(
            "keys come from the environment and are not in the backup: keep them apart".into(),
        );
    }
    let keyring = keyring_for(cfg, to)?;
    let audit_records = check_copy(&target, &keyring).await?;
    // Opening the copy may leave SQLite's side files; the database is whole without them.
    for side in ["jineng.db-wal", "jineng.db-shm"] {
        let _ = std::fs::remove_file(to.join(side));
    }
    let mut entries = Vec::new();
    let mut bytes = 0;
    for rel in list_files(to)? {
        let (n, sum) = sha256_of(&to.join(&rel))?;
        bytes += n;
        entries.push(Entry {
            path: rel.to_string_lossy().replace('\\', "/"),
            bytes: n,
            sha256: sum,
        });
    }
    let files = entries.len();
    write_manifest(
        to,
        &Manifest {
            format: FORMAT.into(),
            kind: "sqlite".into(),
            created_at: chrono::Utc::now().to_rfc3339(),
            schema_version: schema,
            files: entries,
            notes: notes.clone(),
        },
    )?;
    Ok(Made {
        dir: to.to_path_buf(),
        files,
        bytes,
        audit_records,
        notes,
    })
}

/// A PostgreSQL program: on the PATH, or else from the newest server installation in
/// Debian's place (`pg_verifybackup` is not linked onto the PATH there).
fn pg_tool(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    if on_path {
        return PathBuf::from(name);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let p = e.path().join("bin").join(name);
            p.is_file().then_some((v, p))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, p)| p)
        .unwrap_or_else(|| PathBuf::from(name))
}

fn run_tool(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("running {what} (is the PostgreSQL client installed?)"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn backup_postgres(cfg: &Config, to: &Path) -> Result<Made> {
    fresh_dir(to)?;
    let base = to.join("base");
    let url = cfg.database_url();
    run_tool(
        Command::new(pg_tool("pg_basebackup"))
            .arg("--dbname")
            .arg(&url)
            .arg("--pgdata")
            .arg(&base)
            .args(["--format=plain", "--wal-method=stream", "--checkpoint=fast"])
            .arg("--no-password"),
        "pg_basebackup",
    )?;
    run_tool(
        Command::new(pg_tool("pg_verifybackup")).arg(&base),
        "pg_verifybackup",
    )?;
    let notes = vec![
        "a PostgreSQL base backup (base/, checked by pg_verifybackup); changes after it are in the WAL archive".into(),
        "keys come from the environment and are not in the backup: keep them apart".into(),
    ];
    write_manifest(
        to,
        &Manifest {
            format: FORMAT.into(),
            kind: "postgres".into(),
            created_at: chrono::Utc::now().to_rfc3339(),
            schema_version: jineng_store::migrate::LATEST,
            files: Vec::new(),
            notes: notes.clone(),
        },
    )?;
    let files = list_files(&base)?;
    let bytes = files
        .iter()
        .filter_map(|f| std::fs::metadata(base.join(f)).ok())
        .map(|m| m.len())
        .sum();
    Ok(Made {
        dir: to.to_path_buf(),
        files: files.len(),
        bytes,
        audit_records: -1,
        notes,
    })
}

/// Where a PostgreSQL restore goes and how far it replays.
pub struct PgTarget {
    pub pgdata: PathBuf,
    pub wal_archive: Option<PathBuf>,
    pub until: Option<String>,
}

/// What `jineng restore` prints.
pub struct Restored {
    pub files: usize,
    pub schema_version: i64,
    pub next_steps: Vec<String>,
}

/// `jineng restore --from DIR`: into the configured data directory (embedded), or with
/// `--pgdata` into a new PostgreSQL data directory.
pub fn restore(cfg: &Config, from: &Path, pg: Option<PgTarget>) -> Result<Restored> {
    let m = read_manifest(from)?;
    match (m.kind.as_str(), pg) {
        ("sqlite", None) => restore_sqlite(cfg, from, m),
        ("postgres", Some(t)) => restore_postgres(from, t),
        ("sqlite", Some(_)) => bail!("an embedded (SQLite) backup is restored without --pgdata"),
        ("postgres", None) => bail!("a PostgreSQL backup needs --pgdata (a new data directory)"),
        (other, _) => bail!("unknown backup kind {other:?}"),
    }
}

fn restore_sqlite(cfg: &Config, from: &Path, m: Manifest) -> Result<Restored> {
    if is_postgres(cfg) || cfg.database_url.is_some() {
        bail!(
            "an embedded backup is restored into a data directory (--data-dir or JINENG_DATA_DIR), without JINENG_DATABASE_URL"
        );
    }
    if m.schema_version > jineng_store::migrate::LATEST {
        bail!(
            "the backup's database is at schema version {}, newer than this program's {}: restore with a newer jineng",
            m.schema_version,
            jineng_store::migrate::LATEST
        );
    }
    // Every byte as written, before anything is put in place.
    let mut listed = std::collections::BTreeSet::new();
    for e in &m.files {
        let rel = safe_relative(&e.path)
            .with_context(|| format!("the manifest names an unsafe path {:?}", e.path))?;
        let (n, sum) = sha256_of(&from.join(&rel))
            .with_context(|| format!("{} is listed but cannot be read", e.path))?;
        if n != e.bytes || sum != e.sha256 {
            bail!(
                "{} differs from the manifest (damaged or altered backup)",
                e.path
            );
        }
        listed.insert(rel);
    }
    if !listed.contains(Path::new(DB_FILE)) {
        bail!("the backup holds no database");
    }
    let target = &cfg.data_dir;
    if target.join(DB_FILE).exists() {
        bail!(
            "{} already holds a database: restore into a new data directory",
            target.display()
        );
    }
    // Refuses a directory that is not empty.
    fresh_dir(target)?;
    for rel in &listed {
        if rel == Path::new(DB_FILE) {
            continue;
        }
        let dest = target.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from.join(rel), &dest)
            .with_context(|| format!("copying {}", rel.display()))?;
    }
    if target.join("keys").exists() {
        private(&target.join("keys"), 0o700)?;
        for f in std::fs::read_dir(target.join("keys"))? {
            private(&f?.path(), 0o600)?;
        }
    }
    // The database last, under its name only once whole: a restore cut off midway leaves
    // no database behind to be served by mistake.
    let partial = target.join("jineng.db.restoring");
    std::fs::copy(from.join(DB_FILE), &partial).context("copying the database")?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, target.join(DB_FILE)).context("putting the database in place")?;
    Ok(Restored {
        files: listed.len(),
        schema_version: m.schema_version,
        next_steps: vec![format!(
            "check it: JINENG_DATA_DIR={} jineng audit verify && JINENG_DATA_DIR={} jineng ledger verify",
            target.display(),
            target.display()
        )],
    })
}

fn restore_postgres(from: &Path, t: PgTarget) -> Result<Restored> {
    let base = from.join("base");
    run_tool(
        Command::new(pg_tool("pg_verifybackup")).arg(&base),
        "pg_verifybackup",
    )?;
    fresh_dir(&t.pgdata)?;
    copy_tree(&base, &t.pgdata)?;
    // The base backup's manifest describes the backup, not the new cluster.
    let _ = std::fs::remove_file(t.pgdata.join("backup_manifest"));
    let mut next = Vec::new();
    if let Some(archive) = &t.wal_archive {
        if !archive.is_dir() {
            bail!("no WAL archive at {}", archive.display());
        }
        let archive = archive
            .canonicalize()
            .with_context(|| format!("resolving {}", archive.display()))?;
        let a = archive.display().to_string().replace('\'', "''");
        let mut conf = format!("\n# jineng restore\nrestore_command = 'cp \"{a}/%f\" \"%p\"'\n");
        match &t.until {
            Some(time) => {
                if time.contains('\'') || time.contains('\n') {
                    bail!("--until: a time such as \"2026-12-07 13:00:00+08\"");
                }
                conf.push_str(&format!(
                    "recovery_target_time = '{time}'\nrecovery_target_action = 'promote'\n"
                ));
            }
            None => conf.push_str("recovery_target_timeline = 'latest'\n"),
        }
        let auto = t.pgdata.join("postgresql.auto.conf");
        let mut text = std::fs::read_to_string(&auto).unwrap_or_default();
        text.push_str(&conf);
        std::fs::write(&auto, text).with_context(|| format!("writing {}", auto.display()))?;
        std::fs::write(t.pgdata.join("recovery.signal"), b"")?;
        next.push(format!(
            "the server replays the WAL archive {} when it starts{}",
            archive.display(),
            t.until
                .as_ref()
                .map(|u| format!(" up to {u}"))
                .unwrap_or_else(|| " to its end".into())
        ));
    } else if t.until.is_some() {
        bail!("--until needs --wal-archive");
    }
    next.insert(
        0,
        format!(
            "as root: chown -R postgres: {}; then start PostgreSQL on it (pg_ctl -D {} start)",
            t.pgdata.display(),
            t.pgdata.display()
        ),
    );
    next.push(
        "then check it: JINENG_DATABASE_URL=… jineng audit verify && jineng ledger verify".into(),
    );
    Ok(Restored {
        files: list_files(&t.pgdata)?.len(),
        schema_version: -1,
        next_steps: next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_path_stays_inside_the_backup() {
        assert!(safe_relative("files/ab/cd.pdf").is_some());
        assert!(safe_relative("jineng.db").is_some());
        for bad in ["", "../etc/passwd", "/etc/passwd", "files/../../x", "./x"] {
            assert!(safe_relative(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_sqlite_file_is_read_off_the_url() {
        let mut c = Config {
            data_dir: PathBuf::from("/srv/jineng"),
            ..Config::default()
        };
        assert_eq!(sqlite_path(&c), PathBuf::from("/srv/jineng/jineng.db"));
        c.database_url = Some("sqlite:///var/db/x.db?mode=rwc".to_string().into());
        assert_eq!(sqlite_path(&c), PathBuf::from("/var/db/x.db"));
    }
}
