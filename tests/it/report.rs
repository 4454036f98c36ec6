//! Reports: snapshots on a small simulated incident, byte-identical reruns, an injection fixture
//! with hostile strings in every field, batch over the simulator's scenarios, and the page
//! loaded in headless chromium (skipped when chromium is absent, except in CI where it fails).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use blastradius::simulate::{simulate, Scenario, SimOptions};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
}

/// Runs the binary in `dir` (relative paths keep the report free of temporary directory names).
fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).env("NO_COLOR", "1").args(args).output().unwrap()
}

fn sim(dir: &Path, name: &str, scenario: Scenario, seed: u64) -> PathBuf {
    let p = dir.join(name);
    simulate(&SimOptions { scenario, seed, scale: 0.02 }, &p).unwrap();
    // The truth is for scoring, not for reading.
    let _ = std::fs::remove_file(p.join("truth.json"));
    p
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `src=` and `href=` value of a page: none may point outside the report directory.
fn external_refs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    for attr in ["src=", "href=", "url("] {
        for (i, _) in lower.match_indices(attr) {
            let v: String = lower[i + attr.len()..].chars().take(80).collect();
            let v = v.trim_start_matches(['"', '\'', ' ']);
            if v.starts_with("http:") || v.starts_with("https:") || v.starts_with("//") || v.starts_with("data:text") {
                out.push(v.to_string());
            }
        }
    }
    out
}

const FILES: [&str; 8] = [
    "report.html",
    "report.md",
    "heatmap.svg",
    "propagation.svg",
    "signatures.svg",
    "timeline.json",
    "accounting.json",
    "events.parquet",
];

#[test]
fn report_snapshots_and_byte_identical_reruns() {
    let dir = tempfile::tempdir().unwrap();
    sim(dir.path(), "regional", Scenario::Regional, 7);
    let args = ["report", "regional", "--out", "out", "--quiet"];
    let first = run_in(dir.path(), &args);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let out = dir.path().join("out");
    let before: Vec<Vec<u8>> = FILES.iter().map(|f| std::fs::read(out.join(f)).unwrap()).collect();
    let second = run_in(dir.path(), &args);
    assert_eq!(second.status.code(), Some(0));
    for (f, b) in FILES.iter().zip(&before) {
        assert!(std::fs::read(out.join(f)).unwrap() == *b, "{f} differs between two runs");
    }

    let md = read(&out.join("report.md"));
    let html = read(&out.join("report.html"));
    assert!(md.contains("blastradius report regional --out out --quiet"), "the exact command line");
    for chart in ["heatmap.svg", "propagation.svg", "signatures.svg"] {
        assert!(md.contains(&format!("]({chart})")), "report.md links {chart}");
    }
    assert!(html.contains("<svg") && !html.contains("<script"), "charts inline, no scripts");
    assert!(external_refs(&html).is_empty(), "{:?}", external_refs(&html));
    // The version changes with releases; everything else is fixed by the input.
    let version = format!("blastradius {}", env!("CARGO_PKG_VERSION"));
    insta::assert_snapshot!("report_md", md.replace(&version, "blastradius [version]"));
    insta::assert_snapshot!("report_html", html.replace(&version, "blastradius [version]"));
}

/// Logpush lines with hostile strings in every text field: a healthy stretch, then 500s at the
/// hostile POP (so it is an affected POP, in the verdict, the timeline and the charts), plus
/// lines that are rejected for their hostile content.
fn injection_fixture(dir: &Path) -> PathBuf {
    const POP: &str = "<svg onload=alert(1)>\u{1b}[31m|`x`";
    const HOST: &str = "evil\u{1b}]0;pwned\u{7}.example.com</td><script>alert(2)</script>";
    const PATH: &str = "\"><img src=x onerror=alert(1)>";
    const UA: &str = "<script>alert(1)</script>";
    let mut s = String::new();
    let mut id = 0_u64;
    for minute in 0..40_i64 {
        for k in 0..30_i64 {
            for pop in [POP, "FRA"] {
                id += 1;
                let failing = pop == POP && (15..30).contains(&minute);
                let status = if failing { 500 } else { 200 };
                let line = serde_json::json!({
                    "EdgeStartTimestamp": 1_763_464_800 + minute * 60 + k * 2,
                    "EdgeColoCode": pop,
                    "EdgeResponseStatus": status,
                    "OriginResponseStatus": if failing { 0 } else { 200 },
                    "ClientRequestHost": HOST,
                    "ClientRequestURI": PATH,
                    "ClientRequestUserAgent": UA,
                    "ClientCountry": "<b>xx</b>",
                    "ZoneName": "| a | b | `c` [d](javascript:alert(1))",
                    "CacheCacheStatus": "\u{1b}[2J",
                    "RayID": format!("{id:016x}"),
                });
                writeln!(s, "{line}").unwrap();
            }
        }
    }
    s.push_str("<script>alert('rejected')</script>\n");
    s.push_str("{\"EdgeStartTimestamp\":\"<img src=x onerror=alert(3)>\",\"EdgeColoCode\":\"\u{1b}[31mX\"}\n");
    let d = dir.join("hostile");
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join("\"><img src=x onerror=alert(4)>.ndjson");
    std::fs::write(&p, s).unwrap();
    // What users captured, hostile too: a HAR whose error, URL, headers and body carry markup,
    // and a client log whose message does.
    let entry = |i: i64, status: u16, error: &str| {
        serde_json::json!({
            "startedDateTime": format!("2025-11-18T11:{:02}:{:02}Z", 35 + i / 30, (i * 2) % 60),
            "pageref": "<script>alert(5)</script>",
            "request": {"method": "GET", "url": format!("https://{HOST}/x?q=<script>alert(6)</script>&i={i}")},
            "response": {"status": status, "_error": error,
                "headers": [{"name": "cf-ray", "value": format!("{:016x}-FRA", i + 1)}, {"name": "server", "value": UA}],
                "content": {"mimeType": "text/html", "text": "<html><center>cloudflare</center><script>alert(7)</script></html>"}}
        })
    };
    let entries: Vec<serde_json::Value> = (0..20)
        .map(|i| {
            entry(i, if i % 2 == 0 { 500 } else { 0 }, "net::ERR_CERT_AUTHORITY_INVALID<img src=x onerror=alert(8)>")
        })
        .collect();
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "x"}, "entries": entries}});
    std::fs::write(d.join("<img src=x onerror=alert(11)>.har"), har.to_string()).unwrap();
    std::fs::write(
        d.join("sdk.log"),
        "2025-11-18T11:40:00Z ERROR <script>alert(9)</script> read ECONNRESET\n2025-11-18T11:41:00Z ERROR \u{1b}[31m<img src=x onerror=alert(10)> UNABLE_TO_GET_ISSUER_CERT_LOCALLY\n",
    )
    .unwrap();
    d
}

fn assert_inert(what: &str, text: &str) {
    let lower = text.to_lowercase();
    for bad in ["<script", "<img", "<svg onload", "<b>", "\u{1b}", "\u{7}", "</td><script", "javascript:"] {
        assert!(!lower.contains(bad), "{what} contains {bad:?}");
    }
}

#[test]
fn hostile_strings_render_inert_in_html_markdown_svg_and_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    injection_fixture(dir.path());
    let out = run_in(dir.path(), &["analyze", "hostile", "--out", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // On the terminal, markup is only text; escape sequences and control characters are gone.
    let terminal = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    // The POP (upper-cased as POP codes are) is printed as text; a table column may wrap it at
    // its space.
    assert!(
        terminal.contains("<SVG ONLOAD=ALERT(1)>")
            || (terminal.contains("<SVG") && terminal.contains("ONLOAD=ALERT(1)>")),
        "the POP is printed as text"
    );
    assert!(!terminal.chars().any(|c| c.is_control() && c != '\n'), "control characters on the terminal");
    let o = dir.path().join("out");
    let html = read(&o.join("report.html"));
    let md = read(&o.join("report.md"));
    for f in ["report.html", "report.md", "heatmap.svg", "propagation.svg", "signatures.svg"] {
        assert_inert(f, &read(&o.join(f)));
    }
    // The hostile strings are there, as text.
    assert!(html.contains("&lt;SVG ONLOAD=ALERT(1)&gt;"), "the POP is shown escaped");
    assert!(html.contains("&lt;&#x2f;td&gt;&lt;script&gt;alert(2)"), "the host is shown escaped");
    assert!(html.contains("&lt;img src=x onerror=alert(4)&gt;.ndjson"), "the file name is shown escaped");
    assert!(md.contains("&lt;SVG ONLOAD=ALERT(1)&gt;\\[31M\\|\\`X\\`"), "the POP in Markdown");
    assert!(read(&o.join("propagation.svg")).contains("&lt;SVG ONLOAD=ALERT(1)&gt;"));
    assert!(external_refs(&html).is_empty());
    // What users saw is shown, escaped.
    assert!(html.contains("What users saw") && md.contains("## What users saw"), "{md}");
    assert!(html.contains("&lt;img src=x onerror=alert(11)&gt;.har entry"), "a capture's name is shown as text");
    assert!(md.contains("&lt;img src=x onerror=alert(11)&gt;.har entry"), "a capture's name in Markdown");
    // Rejected lines are named by file, line and kind; their content is not reproduced.
    assert!(html.contains("Rejected lines") && md.contains("rejected because"));
    assert!(!html.contains("alert(3)") && !md.contains("alert(3)") && !html.contains("rejected&#x27;"));
    // Markdown tables keep their shape: every row has as many unescaped pipes as its header.
    let mut header_pipes = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header_pipes = None;
            continue;
        }
        let pipes = line.char_indices().filter(|(i, c)| *c == '|' && (*i == 0 || &line[i - 1..*i] != "\\")).count();
        match header_pipes {
            None => header_pipes = Some(pipes),
            Some(h) => assert_eq!(pipes, h, "broken table row: {line}"),
        }
    }
}

#[test]
fn batch_writes_one_report_per_incident_and_an_index_and_reports_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("incidents");
    for (name, sc) in [
        ("nov18", Scenario::Nov18),
        ("origin", Scenario::Origin),
        ("quiet", Scenario::Quiet),
        ("regional", Scenario::Regional),
    ] {
        sim(&root, name, sc, 3);
    }
    let broken = root.join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("notes.txt"), "not a log\nat all\n").unwrap();
    let out = run_in(dir.path(), &["batch", "incidents", "--out", "out", "--jobs", "2", "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "a broken incident makes the exit code 1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("broken") && stdout.contains("failed"), "{stdout}");
    let o = dir.path().join("out");
    let md = read(&o.join("index.md"));
    let all: Vec<&str> = md.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| incident")).collect();
    let rows: Vec<&str> = all.iter().copied().filter(|l| !l.starts_with("| ↳")).collect();
    assert_eq!(rows.len(), 5, "{md}");
    // Every incident of a directory is listed, largest first: the origin scenario has two
    // (one host each), listed under the directory's row.
    let origin = all.iter().position(|r| r.starts_with("| [origin]")).unwrap();
    assert!(all[origin + 1].starts_with("| ↳ I") && all[origin + 1].contains("Origin"), "{md}");
    assert!(rows[0].starts_with("| broken | **failed**: nothing could be read"), "{}", rows[0]);
    for name in ["nov18", "origin", "quiet", "regional"] {
        assert!(o.join(name).join("report.html").is_file(), "{name} has its report");
        assert!(md.contains(&format!("[{name}]({name}/report.md)")), "{name} is linked");
    }
    assert!(!o.join("broken").join("report.html").exists());
    assert!(
        rows.iter().any(|r| r.starts_with("| [nov18]") && r.contains("Edge (CDN)") && r.contains("global")),
        "{md}"
    );
    assert!(rows.iter().any(|r| r.starts_with("| [origin]") && r.contains("Origin")), "{md}");
    let html = read(&o.join("index.html"));
    assert!(html.contains("<a href=\"nov18/report.html\">nov18</a>"));
    assert!(external_refs(&html).is_empty());

    let json = run_in(dir.path(), &["batch", "incidents", "--out", "out2", "--quiet", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["rows"].as_array().map(Vec::len), Some(5));
    assert_eq!(v["failed"], 1);
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(s.contains("blastradius") && s.contains("batch"), "{shell}");
    }
}

/// The chromium binary; without one the test is skipped on a developer's machine and fails in CI
/// (`CI` set: `.ci/run` installs chromium, so a missing browser is a broken CI, not a pass).
fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "chromium is not installed and CI is set: the pages were not loaded");
        eprintln!("SKIPPED: chromium is not installed (apt-get install chromium); the page was not loaded");
    }
    found
}

/// The chromium binary, if there is one.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        let ok = Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
        ok.then(|| PathBuf::from(name))
    })
}

/// Loads a page in headless chromium and returns its DOM and the browser's log.
fn load(chromium: &Path, page: &Path) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn pages_load_in_headless_chromium_without_console_errors_or_requests() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    sim(dir.path(), "nov18", Scenario::Nov18, 5);
    injection_fixture(dir.path());
    for (input, out) in [("nov18", "a"), ("hostile", "b")] {
        let st = run_in(dir.path(), &["report", input, "--out", out, "--quiet"]);
        assert_eq!(st.status.code(), Some(0), "{}", String::from_utf8_lossy(&st.stderr));
        let page = dir.path().join(out).join("report.html").canonicalize().unwrap();
        let (dom, log) = load(&chromium, &page);
        assert!(dom.contains("Incident report"), "the page rendered: {log}");
        assert_eq!(dom.matches("<svg").count(), 3, "three inline charts");
        assert!(!dom.contains("<img") && !dom.contains("<script"), "no element came from log content");
        assert_eq!(problems(&log), Vec::<String>::new(), "console messages or requests");
    }
}

/// Console messages (chromium logs them as `INFO:CONSOLE`) and blocked or failed requests.
fn problems(log: &str) -> Vec<String> {
    log.lines()
        .filter(|line| {
            let l = line.to_ascii_lowercase();
            l.contains(":console") || l.contains("content security policy") || l.contains("net::err")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_headless_check_sees_console_errors_and_blocked_requests() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("probe.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\"><title>p</title></head>\
         <body><img src=\"https://example.com/x.png\"><script>console.error('probe')</script></body></html>",
    )
    .unwrap();
    let (_, log) = load(&chromium, &page);
    let found = problems(&log);
    assert!(found.iter().any(|l| l.contains("probe")), "a console error is seen: {log}");
    assert!(found.iter().any(|l| l.contains("example.com")), "a blocked request is seen: {log}");
}
