//! The upload-to-playable benchmark: a SECONDS-long 1280×720 clip with sound (made by
//! ffmpeg's test sources, at a lecture video's bitrate) goes through the platform as a
//! provider's page would send it — the upload started, 4 MiB chunks stored, completed,
//! the media job (probe, encrypted 360p + 720p HLS, poster) run by a job worker — timed
//! from the first call until the lesson plays. Reference in the same run: one plain
//! ffmpeg command making the same two renditions as HLS from the same file.

use jineng_app::context::RequestCtx;
use jineng_core::courses::MediaStatus;
use std::path::Path;
use std::time::Instant;

pub fn run(seconds: u32) -> Result<(), String> {
    crate::block_on(run_async(seconds))
}

fn ffmpeg(args: &[String]) -> Result<(), String> {
    let out = std::process::Command::new("ffmpeg")
        .args(args)
        .output()
        .map_err(|e| format!("ffmpeg could not run (apt-get install ffmpeg): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// The reference: the same renditions as the platform makes (H.264 at the same bitrates,
/// AAC, 6-second HLS segments), without encryption, plus the poster frame.
fn plain_renditions(clip: &Path, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let mut a = strings(&["-hide_banner", "-loglevel", "error", "-y", "-i"]);
    a.push(clip.display().to_string());
    a.extend(strings(&[
        "-filter_complex",
        "[0:v]split=2[a][b];[a]scale=-2:360[o0];[b]scale=-2:720[o1]",
        "-map",
        "[o0]",
        "-c:v:0",
        "libx264",
        "-b:v:0",
        "800k",
        "-map",
        "0:a:0",
        "-c:a:0",
        "aac",
        "-b:a:0",
        "96k",
        "-map",
        "[o1]",
        "-c:v:1",
        "libx264",
        "-b:v:1",
        "2500k",
        "-map",
        "0:a:0",
        "-c:a:1",
        "aac",
        "-b:a:1",
        "96k",
        "-preset",
        "veryfast",
        "-g",
        "48",
        "-sc_threshold",
        "0",
        "-f",
        "hls",
        "-hls_time",
        "6",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_filename",
    ]));
    a.push(out.join("%v_%03d.ts").display().to_string());
    a.extend(strings(&["-var_stream_map", "v:0,a:0 v:1,a:1"]));
    a.push(out.join("%v.m3u8").display().to_string());
    ffmpeg(&a)?;
    let mut p = strings(&["-hide_banner", "-loglevel", "error", "-y", "-ss", "2", "-i"]);
    p.push(clip.display().to_string());
    p.extend(strings(&["-frames:v", "1", "-vf", "scale=-2:360"]));
    p.push(out.join("poster.jpg").display().to_string());
    ffmpeg(&p)
}

async fn run_async(seconds: u32) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let check = jineng_core::courses::RENDITIONS;
    if check.len() != 2 || check[0].2 != 800 || check[1].2 != 2500 {
        return Err(format!(
            "the platform's renditions changed ({check:?}); update the reference command"
        ));
    }
    let dir = std::env::temp_dir().join(format!("jineng-bench-media-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).map_err(|x| e(&x))?;
    let clip = dir.join("lecture.mp4");
    let t = Instant::now();
    let mut g = strings(&[
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
    ]);
    g.push(format!("testsrc2=size=1280x720:rate=25:duration={seconds}"));
    g.extend(strings(&["-f", "lavfi", "-i"]));
    g.push(format!("sine=frequency=440:duration={seconds}"));
    g.extend(strings(&[
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-b:v",
        "3000k",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
    ]));
    g.push(clip.display().to_string());
    ffmpeg(&g)?;
    let bytes = std::fs::read(&clip).map_err(|x| e(&x))?;
    println!(
        "clip: {seconds} s, 1280x720, {:.1} MB (made in {:.0} s, not counted)",
        bytes.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    plain_renditions(&clip, &dir.join("plain"))?;
    let reference = t.elapsed().as_secs_f64();
    println!("reference: plain ffmpeg, 360p + 720p HLS + poster      {reference:8.1} s");

    let (app, file) = crate::fresh_app(8).await?;
    app.seed_reference().await.map_err(|x| e(&x))?;
    jineng_demo::accounts(&app).await.map_err(|x| e(&x))?;
    app.start_workers(1);
    let uid = app
        .accounts()
        .user_id_by_login("provider")
        .await
        .map_err(|x| e(&x))?
        .ok_or("no demo provider")?;
    let who = app.accounts().principal_of(&uid).await.map_err(|x| e(&x))?;
    let ctx = RequestCtx::internal("bench", "jineng-bench");
    let courses = app.courses();
    let d = courses
        .create(
            &who,
            &ctx,
            jineng_app::courses::PackageInput {
                name: "讲座视频基准".into(),
                intro: "基准测试".into(),
                audience: "家政服务员".into(),
                content: "基准测试".into(),
                declared_hours: 1,
                occupation_code: "4-10-01-06".into(),
                work_type_id: None,
                skill_level: 5,
                training_type: jineng_core::courses::CourseTrainingType::VocationalSkill,
                course_type: jineng_core::courses::CourseType::Skill,
                price: jineng_core::Fen(0),
                offline: false,
                free_seek: false,
            },
        )
        .await
        .map_err(|x| e(&x))?;
    let v = courses
        .add_chapter(&who, &ctx, &d.current.id, "第一章")
        .await
        .map_err(|x| e(&x))?;
    let t = Instant::now();
    let m = courses
        .start_upload(
            &who,
            &ctx,
            &v.id,
            jineng_app::courses::media::UploadInput {
                chapter_id: v.chapters[0].id.clone(),
                title: "讲座".into(),
                filename: "lecture.mp4".into(),
                size: bytes.len() as u64,
                preview: false,
            },
        )
        .await
        .map_err(|x| e(&x))?;
    let size = usize::try_from(m.chunk_bytes).unwrap_or(usize::MAX);
    for (n, piece) in bytes.chunks(size).enumerate() {
        courses
            .put_chunk(
                &who,
                &m.id,
                i32::try_from(n).unwrap_or(i32::MAX),
                piece.to_vec(),
            )
            .await
            .map_err(|x| e(&x))?;
    }
    courses
        .complete_upload(&who, &ctx, &m.id)
        .await
        .map_err(|x| e(&x))?;
    let uploaded = t.elapsed().as_secs_f64();
    loop {
        let now = courses.media(&who, &m.id).await.map_err(|x| e(&x))?;
        match now.status {
            MediaStatus::Ready => break,
            MediaStatus::Failed => return Err(format!("processing failed: {}", now.reason)),
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    let platform = t.elapsed().as_secs_f64();
    println!(
        "platform: upload ({:.1} s) + job until playable           {platform:8.1} s  = {:.2} x reference  (target <= 1.3)",
        uploaded,
        platform / reference
    );
    let _ = std::fs::remove_dir_all(&dir);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    Ok(())
}
