//! Local storage always. The S3 test needs an S3-compatible server, so it is marked
//! ignored (shown as such, never as passed); CI starts one on loopback and runs it with
//! `--include-ignored`, where a missing JINENG_TEST_S3_ENDPOINT fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jineng_files::{Files, S3Config};

async fn round_trip(f: &Files) {
    let key = format!("test/{}.pdf", uuid::Uuid::now_v7());
    assert_eq!(f.get(&key).await.unwrap(), None);
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    f.put(&key, body.clone()).await.unwrap();
    assert_eq!(f.get(&key).await.unwrap().unwrap().to_vec(), body);
    f.delete(&key).await.unwrap();
    assert_eq!(f.get(&key).await.unwrap(), None);
    f.delete(&key).await.unwrap();
    f.check().await.unwrap();
}

#[tokio::test]
async fn local_files() {
    let dir = std::env::temp_dir().join(format!("jineng-files-{}", uuid::Uuid::now_v7()));
    let f = Files::local(&dir).unwrap();
    assert_eq!(f.kind(), "local");
    round_trip(&f).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[ignore = "needs an S3-compatible server: set JINENG_TEST_S3_ENDPOINT, run with --include-ignored"]
async fn s3_bucket() {
    let endpoint = std::env::var("JINENG_TEST_S3_ENDPOINT")
        .expect("JINENG_TEST_S3_ENDPOINT must name the S3-compatible server to test against");
    let bucket = std::env::var("JINENG_TEST_S3_BUCKET").unwrap_or_else(|_| "jineng-test".into());
    let c = S3Config {
        endpoint,
        bucket,
        region: "us-east-1".into(),
        access_key: "test".into(),
        secret_key: "test".into(),
        prefix: format!("files-test-{}", uuid::Uuid::now_v7()),
    };
    let f = Files::s3(&c).unwrap();
    assert_eq!(f.kind(), "s3");
    round_trip(&f).await;
    // A bucket that does not exist is an error, not an empty answer.
    let missing = Files::s3(&S3Config {
        bucket: "no-such-bucket-here".into(),
        ..c
    })
    .unwrap();
    assert!(missing.put("x", vec![1]).await.is_err());
    assert!(missing.check().await.is_err());
}

#[test]
fn plain_http_only_on_loopback() {
    let err = Files::s3(&S3Config {
        endpoint: "http://oss.example.com".into(),
        bucket: "b".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("https"));
}
