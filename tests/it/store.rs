//! Reading from object storage over a real S3 API: an S3-compatible server (`s3s-fs`, serving a
//! temporary directory) runs on 127.0.0.1 inside the test, counting the objects it serves.
//! The answers over `s3://` must equal those over the same files on disk, and a time window
//! must read only the objects its names select.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use blastradius::ingest::{discover_in, parse_time, IngestOptions, Input, Window};
use blastradius::simulate::{Scenario, SimOptions};
use blastradius::store::StoreOptions;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};

const KEY: &str = "blastradius-test-key";
const SECRET: &str = "blastradius-test-secret";

/// Object GETs served: their keys, and how many.
#[derive(Clone, Default)]
struct Gets {
    keys: Arc<Mutex<Vec<String>>>,
    lists: Arc<AtomicU64>,
    /// Keys containing this are answered with half their bytes and the connection closed.
    cut: Arc<Mutex<Option<String>>>,
}

impl Gets {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.keys.lock().unwrap())
    }
}

/// The S3 service, counting object GETs (a listing is a GET of the bucket with a query).
#[derive(Clone)]
struct Counting {
    inner: s3s::service::S3Service,
    gets: Gets,
    root: PathBuf,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Counting {
    type Response = s3s::HttpResponse;
    type Error = s3s::HttpError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, req: hyper::Request<Incoming>) -> Self::Future {
        let path = req.uri().path().trim_start_matches('/').to_string();
        let is_object = req.method() == hyper::Method::GET && path.contains('/') && !path.ends_with('/');
        if req.method() == hyper::Method::GET && !is_object {
            self.gets.lists.fetch_add(1, Ordering::SeqCst);
        }
        if is_object {
            self.gets.keys.lock().unwrap().push(path.clone());
            let cut = self.gets.cut.lock().unwrap().clone();
            if cut.is_some_and(|c| path.contains(&c)) {
                let bytes = std::fs::read(self.root.join(&path)).unwrap();
                // Half the body, then the connection breaks.
                let half = bytes::Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
                let frames: Vec<Result<hyper::body::Frame<bytes::Bytes>, std::io::Error>> = vec![
                    Ok(hyper::body::Frame::data(half)),
                    Err(std::io::Error::other("connection reset by the test")),
                ];
                let frames = futures_util::StreamExt::then(futures_util::stream::iter(frames), |f| async move {
                    if f.is_err() {
                        // Let the headers and the first half reach the client first.
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                    f
                });
                let body = http_body_util::StreamBody::new(frames);
                let resp = hyper::Response::builder()
                    .status(200)
                    .header("content-length", bytes.len())
                    .header("etag", "\"cut\"")
                    .body(s3s::Body::http_body(body))
                    .unwrap();
                return Box::pin(async move { Ok(resp) });
            }
        }
        hyper::service::Service::call(&self.inner, req)
    }
}

/// A local S3 server over `root` (each folder a bucket), stopped when dropped.
struct Server {
    endpoint: String,
    gets: Gets,
    _rt: tokio::runtime::Runtime,
}

fn start(root: &Path) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single(KEY, SECRET));
    let service = Counting { inner: b.build(), gets: Gets::default(), root: root.to_path_buf() };
    let gets = service.gets.clone();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("the S3 server must start");
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let service = service.clone();
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    Server { endpoint, gets, _rt: rt }
}

fn store(server: &Server) -> StoreOptions {
    StoreOptions {
        endpoint: Some(server.endpoint.clone()),
        region: Some("us-east-1".to_string()),
        options: vec![("aws_access_key_id".into(), KEY.into()), ("aws_secret_access_key".into(), SECRET.into())],
        retries: 1,
    }
}

/// A simulated incident in bucket `incident` (its Logpush folders under `logs/`).
fn bucket() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let opts = SimOptions { scenario: Scenario::Nov18, seed: 7, scale: 0.03 };
    blastradius::simulate::simulate(&opts, &root.path().join("incident")).unwrap();
    let logs = root.path().join("incident/logs");
    // A day before the incident, which a window on the incident's day never lists.
    let day = std::fs::read_dir(&logs).unwrap().next().unwrap().unwrap().path();
    let first = std::fs::read_dir(&day).unwrap().next().unwrap().unwrap().path();
    std::fs::create_dir(logs.join("20251117")).unwrap();
    std::fs::copy(first, logs.join("20251117/20251117T112000Z_20251117T112100Z_0000beef.log.gz")).unwrap();
    (root, logs)
}

fn analyze(paths: &[PathBuf], opts: &IngestOptions) -> (serde_json::Value, blastradius::ingest::Accounting) {
    let out = tempfile::tempdir().unwrap();
    let meta = blastradius::report::Meta { name: "test".into(), command: "test".into(), version: String::new() };
    let run = blastradius::analyze::analyze(
        paths,
        out.path(),
        &blastradius::analyze::Method::default(),
        opts,
        &blastradius::ingest::NoProgress,
        meta,
    )
    .unwrap();
    let acc = run.full_accounting();
    assert!(run.report.is_some(), "{}", acc.why_nothing());
    let tl = serde_json::from_str(&std::fs::read_to_string(out.path().join("timeline.json")).unwrap()).unwrap();
    (tl, acc)
}

/// The counts of an accounting, without file names.
fn counts(acc: &blastradius::ingest::Accounting) -> [u64; 7] {
    [acc.files.len() as u64, acc.lines, acc.events, acc.rejected, acc.duplicates, acc.filtered, acc.pruned]
}

#[test]
fn s3_prefix_gives_the_local_directorys_answer() {
    let (root, logs) = bucket();
    let server = start(root.path());
    let local = IngestOptions::default();
    let remote = IngestOptions { store: store(&server), ..IngestOptions::default() };
    let (tl_local, acc_local) = analyze(std::slice::from_ref(&logs), &local);
    let (tl_s3, acc_s3) = analyze(&[PathBuf::from("s3://incident/logs/")], &remote);
    assert_eq!(tl_s3, tl_local);
    assert_eq!(counts(&acc_s3), counts(&acc_local));
    assert!(acc_s3.balanced());
    assert!(acc_s3.files.iter().all(|f| f.file.starts_with("s3://incident/logs/2025") && f.error.is_none()));
    // Every object was read once, by its key.
    let got: BTreeSet<String> = server.gets.take().into_iter().collect();
    assert_eq!(got.len(), acc_s3.files.len());
    assert!(got.iter().all(|k| k.starts_with("incident/logs/")));
}

#[test]
fn a_window_reads_only_the_objects_it_selects_and_answers_as_locally() {
    let (root, logs) = bucket();
    let server = start(root.path());
    let window = Window {
        since: Some(parse_time("2025-11-18T11:30:00Z").unwrap()),
        until: Some(parse_time("2025-11-18T12:10:00Z").unwrap()),
    };
    let local = IngestOptions { window, ..IngestOptions::default() };
    let remote = IngestOptions { window, store: store(&server), ..IngestOptions::default() };
    let all = discover_in(std::slice::from_ref(&logs), &IngestOptions::default()).inputs.len();
    let selected: BTreeSet<String> = discover_in(std::slice::from_ref(&logs), &local)
        .inputs
        .iter()
        .map(|i| match i {
            Input::File { path, .. } => path.strip_prefix(root.path()).unwrap().display().to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(!selected.is_empty() && selected.len() < all / 2, "{} of {all} selected", selected.len());

    let (tl_local, acc_local) = analyze(std::slice::from_ref(&logs), &local);
    let lists_before = server.gets.lists.load(Ordering::SeqCst);
    let (tl_s3, acc_s3) = analyze(&[PathBuf::from("s3://incident/logs/")], &remote);
    assert_eq!(tl_s3, tl_local);
    assert_eq!(counts(&acc_s3), counts(&acc_local));
    assert!(acc_s3.filtered > 0 && acc_s3.pruned > 0, "{:?}", counts(&acc_s3));
    assert!(acc_s3.balanced(), "lines = events + rejected + duplicates + filtered");
    // Only the selected objects were downloaded, each once.
    let mut got = server.gets.take();
    got.sort();
    assert_eq!(got, selected.into_iter().collect::<Vec<_>>());
    // The listing walked the day folders in the window only: the root, then one day.
    assert_eq!(server.gets.lists.load(Ordering::SeqCst) - lists_before, 2);
    assert!(tl_s3["input"]["filtered"].as_u64() > Some(0), "the timeline's input counts the filtered events");
}

#[test]
fn missing_and_cut_off_objects_are_their_own_errors_and_the_rest_is_read() {
    let (root, logs) = bucket();
    let server = start(root.path());
    let opts = IngestOptions { store: store(&server), ..IngestOptions::default() };
    let day = "20251118";
    let mut names: Vec<String> = std::fs::read_dir(logs.join(day))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let cut = names[3].clone();
    *server.gets.cut.lock().unwrap() = Some(cut.clone());
    let paths = [
        PathBuf::from(format!("s3://incident/logs/{day}/")),
        PathBuf::from("s3://incident/logs/no-such-object.log.gz"),
    ];
    let (_, acc) = analyze(&paths, &opts);
    let failed: Vec<(&str, &str)> =
        acc.failed_files().map(|f| (f.file.as_str(), f.error.as_deref().unwrap_or(""))).collect();
    assert_eq!(failed.len(), 2, "{failed:#?}");
    let (cut_file, cut_error) = failed.iter().find(|(f, _)| f.ends_with(&cut)).unwrap();
    assert!(cut_file.starts_with("s3://incident/logs/"));
    assert!(cut_error.contains("cut off") || cut_error.contains("truncated"), "{cut_error}");
    let (_, missing) = failed.iter().find(|(f, _)| f.ends_with("no-such-object.log.gz")).unwrap();
    assert!(missing.contains("no such object"), "{missing}");
    assert_eq!(acc.files.iter().filter(|f| f.error.is_none() && f.events > 0).count(), names.len() - 1);
    assert!(acc.balanced());
}

#[test]
fn the_binary_reads_s3_with_a_window_and_exits_1_on_a_failed_object() {
    let (root, logs) = bucket();
    let server = start(root.path());
    let out = tempfile::tempdir().unwrap();
    let run = |paths: &[&str], dir: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_blastradius"))
            .args(["analyze", "--quiet", "--since", "2025-11-18 11:30", "--until", "2025-11-18T12:10:00Z", "--out"])
            .arg(out.path().join(dir))
            .args(paths)
            .args(["--endpoint", &server.endpoint, "--region", "us-east-1"])
            .env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    };
    let s3 = run(&["s3://incident/logs/"], "s3");
    assert!(s3.status.success(), "{}", String::from_utf8_lossy(&s3.stderr));
    let local = run(&[logs.to_str().unwrap()], "local");
    assert!(local.status.success(), "{}", String::from_utf8_lossy(&local.stderr));
    assert_eq!(String::from_utf8_lossy(&s3.stdout), String::from_utf8_lossy(&local.stdout));
    let read = |d: &str| std::fs::read_to_string(out.path().join(d).join("timeline.json")).unwrap();
    assert_eq!(read("s3"), read("local"));
    let failed = run(&["s3://incident/logs/", "s3://incident/nothing-here.log"], "failed");
    assert_eq!(failed.status.code(), Some(1), "{}", String::from_utf8_lossy(&failed.stderr));
}
