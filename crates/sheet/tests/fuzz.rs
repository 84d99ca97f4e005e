//! Fuzzing the reader: generated workbooks, hand-made packages whose XML is mutated at
//! random with fragments an attacker would try, and damaged archives. Nothing may
//! panic, every read must end within the time limit, and the whole process runs under
//! a memory ceiling (an allocation beyond it aborts the test binary).
//!
//! By default each strategy runs a few dozen cases. For a longer run:
//! `FUZZ_SECONDS=600 cargo test -p jineng-sheet --release --test fuzz -- --nocapture`
//! (bench/fuzz-sheet.sh does that).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cap::Cap;
use common::*;
use jineng_sheet::{Limits, read_table};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::alloc::System;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Far above what one read needs (the limits keep it to tens of megabytes), far below
/// what the hostile files used to take (gigabytes).
const MEMORY_CEILING: usize = 768 * 1024 * 1024;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, MEMORY_CEILING);

/// Panics anywhere in the process, including ones the reader contains.
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

fn limits() -> Limits {
    Limits {
        max_rows: 200,
        time: Duration::from_secs(5),
        ..Limits::default()
    }
}

/// Runs `strategy` for FUZZ_SECONDS (or one round of `cases` when unset).
fn fuzz<S: Strategy>(name: &str, cases: u32, strategy: S)
where
    S::Value: AsRef<[u8]>,
{
    let secs: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    count_panics();
    let until = Instant::now() + Duration::from_secs(secs);
    let mut total = 0u64;
    loop {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |bytes| {
            let limits = limits();
            let started = Instant::now();
            let _ = read_table(bytes.as_ref(), &HEADERS, &limits);
            let took = started.elapsed();
            let panics = PANICS.load(Ordering::SeqCst);
            if panics > 0 {
                return Err(TestCaseError::fail(format!(
                    "{panics} panic(s) inside the reader"
                )));
            }
            if took > limits.time + Duration::from_secs(2) {
                return Err(TestCaseError::fail(format!("took {took:?}")));
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{name}: {e}");
        }
        total += u64::from(cases);
        if Instant::now() >= until {
            break;
        }
    }
    println!(
        "{name}: {total} cases, memory in use now {} KiB",
        ALLOCATOR.allocated() / 1024
    );
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\PC]{0,20}",
        "[0-9]{1,20}",
        Just("=A1&B1".to_string()),
        Just("\u{202e}\u{200b}\0".to_string()),
        (1usize..3000).prop_map(|n| "长".repeat(n)),
    ]
}

fn position() -> impl Strategy<Value = (u32, u16)> {
    (
        prop_oneof![0u32..30, 0u32..1_048_576],
        prop_oneof![0u16..8, 0u16..16_384],
    )
}

/// Workbooks as Excel would write them, with cells anywhere on the grid.
fn generated() -> impl Strategy<Value = Vec<u8>> {
    (
        0usize..4,
        prop::collection::vec((position(), value(), any::<bool>()), 0..40),
    )
        .prop_map(|(header_at, cells)| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (i, h) in HEADERS.iter().enumerate() {
                ws.write_string(header_at as u32, i as u16, *h).unwrap();
            }
            for ((r, c), v, number) in cells {
                if number {
                    ws.write_number(r, c, v.len() as f64 * 1e10).unwrap();
                } else if let Some(f) = v.strip_prefix('=') {
                    ws.write_formula(r, c, f).unwrap();
                } else {
                    ws.write_string(r, c, &v).unwrap();
                }
            }
            wb.save_to_buffer().unwrap()
        })
}

/// Pieces of worksheet and shared-strings XML an attacker would try.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>"#.to_string()),
        Just(r#"<row r="4294967295">"#.to_string()),
        Just(r#"<row r="0">"#.to_string()),
        Just(r#"<c r="A0"><v>1</v></c>"#.to_string()),
        Just(r#"<c r="ZZZZZZZZ99999999999"><v>1</v></c>"#.to_string()),
        Just(r#"<c t="s"><v>4294967295</v></c>"#.to_string()),
        Just(r#"<c t="s"><v>-1</v></c>"#.to_string()),
        Just(r#"<c r="B2" t="d"><v>9999-99-99T99:99:99</v></c>"#.to_string()),
        Just(r#"<c r="B2" s="99999999"><v>45000</v></c>"#.to_string()),
        Just(r#"<c r="C2"><f t="shared" si="4000000000" ref="C2:C9"/></c>"#.to_string()),
        Just(r#"<c r="C3"><f t="shared" si="4000000000"/></c>"#.to_string()),
        Just(r#"<dimension ref="A1:XFD1048576"/>"#.to_string()),
        Just(r#"<sst uniqueCount="18446744073709551615">"#.to_string()),
        Just(r#"<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>"#.to_string()),
        Just("&b;&#0;&#xFFFFFFFF;".to_string()),
        Just("</sheetData>".to_string()),
        Just("<sheetData>".to_string()),
        Just("<row>".to_string()),
        Just("</row>".to_string()),
        Just("</c>".to_string()),
        "[\\PC<>&\"/=]{0,12}",
        (1usize..200_000).prop_map(|n| " ".repeat(n)),
        (1usize..2_000).prop_map(|n| c("A2", "张三").repeat(n)),
    ]
}

fn mutated(base: String) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<prop::sample::Index>(), fragment(), 0usize..3), 1..12).prop_map(
        move |edits| {
            let mut s = base.clone();
            for (at, piece, op) in edits {
                let mut i = at.index(s.len() + 1);
                while !s.is_char_boundary(i) {
                    i -= 1;
                }
                match op {
                    0 => s.insert_str(i, &piece),
                    1 => {
                        let mut end = (i + piece.len()).min(s.len());
                        while !s.is_char_boundary(end) {
                            end -= 1;
                        }
                        s.replace_range(i..end, &piece);
                    }
                    _ => {
                        let mut end = (i + 1 + piece.len() % 40).min(s.len());
                        while !s.is_char_boundary(end) {
                            end -= 1;
                        }
                        s.replace_range(i..end, "");
                    }
                }
            }
            s
        },
    )
}

/// Hand-made packages with mutated sheet and shared-strings XML.
fn hostile_packages() -> impl Strategy<Value = Vec<u8>> {
    let sheet = String::from_utf8(sheet_xml(&format!(
        r#"{}<row r="2">{}<c r="B2" t="s"><v>0</v></c><c r="C2"><v>13800000000</v></c></row>"#,
        header_row(),
        c("A2", "张三")
    )))
    .unwrap();
    let shared = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>11010519491231002X</t></si></sst>"#.to_string();
    (mutated(sheet), mutated(shared), any::<bool>()).prop_map(|(sheet, shared, with_shared)| {
        package(sheet.as_bytes(), with_shared.then_some(shared.as_bytes()))
    })
}

/// Real archives with bytes flipped, cut or appended.
fn damaged() -> impl Strategy<Value = Vec<u8>> {
    let base = workbook(&[&HEADERS, &["张三", "11010519491231002X", "13800000000"]]);
    prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..16).prop_map(
        move |edits| {
            let mut b = base.clone();
            for (at, byte, op) in edits {
                if b.is_empty() {
                    break;
                }
                let i = at.index(b.len());
                match op {
                    0 => b[i] = byte,
                    1 => b.truncate(i),
                    _ => b.insert(i, byte),
                }
            }
            b
        },
    )
}

#[test]
fn generated_workbooks() {
    fuzz("generated", 24, generated());
}

#[test]
fn hostile_xml() {
    fuzz("hostile xml", 96, hostile_packages());
}

#[test]
fn damaged_archives() {
    fuzz("damaged", 128, damaged());
}

#[test]
fn random_bytes() {
    fuzz("random", 128, prop::collection::vec(any::<u8>(), 0..4096));
}
