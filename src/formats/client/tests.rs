use super::*;

fn events(text: &str) -> Vec<Event<'static>> {
    let mut f = ClientFramer::new(Box::new(io::Cursor::new(text.as_bytes().to_vec())), FrameOptions::default());
    let mut out = String::new();
    f.read_to_string(&mut out).unwrap();
    let leaked: &'static str = Box::leak(out.into_boxed_str());
    leaked.lines().map(|l| Record::parse(l.as_bytes()).unwrap()).collect()
}

#[test]
fn node_stack_is_one_record() {
    let ev = events("0|game     | Error: read ECONNRESET\n0|game     |     at exports._errnoException (util.js:1022:11)\n0|game     |     at TCP.onread (net.js:572:26)\n");
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].error.as_deref(), Some("ECONNRESET"));
    assert_eq!(ev[0].line, Some(1));
}

#[test]
fn python_traceback_takes_its_last_error() {
    let text = "2025-11-18 11:21:03,120 INFO sending request\n2025-11-18 11:21:04,500 ERROR request failed\nTraceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    client.messages.create()\n  File \"httpx/_transports.py\", line 9, in handle\n    raise exc\nopenai.APIConnectionError: Connection error.\n\nnext line\n";
    let ev = events(text);
    // logger.exception: the log line and its traceback are one record.
    assert_eq!(ev.len(), 3, "{ev:#?}");
    assert_eq!(ev[1].line, Some(2));
    assert_eq!(ev[1].error.as_deref(), Some("APIConnectionError"));
    assert!(ev[1].message.as_deref().unwrap().ends_with("openai.APIConnectionError: Connection error."));
    assert_eq!(ev[0].time_ns, 1_763_464_863_120_000_000);
    // No timestamp: the time of the record before.
    assert_eq!(ev[2].time_ns, ev[1].time_ns);
    assert!(!ev[2].time_unknown);
}

#[test]
fn chained_tracebacks_and_a_cut_off_page() {
    let text = "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n    g()\nsocket.gaierror: [Errno -2] Name or service not known\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"a.py\", line 9, in h\n    f(timeout=(10, 30))\nhttpx.ConnectError: [Errno -2] Name or service not known\n2025-11-18 11:30:00,000 WARNING completion failed (HTTP 522): <!DOCTYPE html><html><head>\n2025-11-18 11:30:05,000 INFO next\n";
    let ev = events(text);
    assert_eq!(ev.len(), 3, "{ev:#?}");
    assert_eq!(ev[0].error.as_deref(), Some("ENOTFOUND"));
    assert_eq!(ev[1].edge_status, Some(522));
    assert_eq!(ev[2].line, Some(13), "a page cut off in a log line does not swallow the next record");
}

#[test]
fn npm_block_and_wrapped_line() {
    // npm separates the parts of one error block with blank lines: the block goes on at the
    // next `npm ERR!` line and ends at other text after a blank line.
    let text = "npm ERR! argv \"C:\\\\node.exe\" \"C:\\\\\nnode_modules\\\\npm-cli.js\"\nnpm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY\n\nnpm ERR! other\n\nThe command returned a non-zero code: 1\n";
    let ev = events(text);
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].error.as_deref(), Some("UNABLE_TO_GET_ISSUER_CERT_LOCALLY"));
    assert_eq!(ev[1].line, Some(7));
    assert!(ev[0].time_unknown);
}

#[test]
fn html_page_in_an_api_error() {
    let text = "  ⎿  API Error (520 <!DOCTYPE html>\n<head>\n\n<title>api.example.com | 520: Web server is returning an unknown error</title>\n</head></html>\nafter\n";
    let ev = events(text);
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].edge_status, Some(520));
    assert_eq!(ev[0].host.as_deref(), Some("api.example.com"));
    assert!(ev[0].body.as_deref().unwrap().starts_with("<!DOCTYPE html>"));
}

#[test]
fn json_array_is_one_record_per_element() {
    let text = r#"[{"error":"Error: 500 {\"type\":\"error\",\"request_id\":\"req_011ABC\"}","timestamp":"2026-06-23T14:16:08.129Z"},{"error":"Error: 502 x","timestamp":"2026-06-23T14:17:15.531Z"},{"error":"Error: 500 {\"request_id\":\"req_0"#;
    let ev = events(text);
    assert_eq!(ev.len(), 3);
    assert_eq!(ev[0].edge_status, Some(500));
    assert_eq!(ev[0].request_id.as_deref(), Some("req_011ABC"));
    assert_eq!(ev[1].edge_status, Some(502));
    assert!(ev.iter().all(|e| e.line == Some(1)));
}

#[test]
fn inspected_error_object_and_secrets() {
    let text = "{ [Error: socket hang up] code: 'ECONNRESET' }\ncurl -H 'Authorization: Bearer sk-ant-api03-SECRETSECRETSECRET' https://api.example.com/v1?token=abcdef\n";
    let ev = events(text);
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].error.as_deref(), Some("ECONNRESET"));
    let m = ev[1].message.as_deref().unwrap();
    assert!(!m.contains("SECRETSECRET"), "{m}");
    assert_eq!(ev[1].path.as_deref(), Some("/v1?token=[REDACTED]"));
}

#[test]
fn npm_script_banners_are_not_a_curl_trace() {
    let text = "> myapp@1.0.0 start\n> node index.js\n\n2025-11-18T11:30:00Z Error: read ECONNRESET\n2025-11-18T11:31:00Z getaddrinfo ENOTFOUND api.example.com\n";
    let ev = events(text);
    assert_eq!(ev.iter().map(|e| e.line.unwrap()).collect::<Vec<_>>(), vec![1, 2, 4, 5]);
    assert_eq!(ev[2].error.as_deref(), Some("ECONNRESET"));
    assert_eq!(ev[3].error.as_deref(), Some("ENOTFOUND"));
}

#[test]
fn json_records_keep_their_keys_and_drop_secret_ones() {
    let text = r#"[{"api_key":"0123456789abcdef0123","error":"Error: 500 boom","request_id":"req_011ABC"}]"#;
    let ev = events(text);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].request_id.as_deref(), Some("req_011ABC"));
    assert!(!ev[0].message.as_deref().unwrap_or_default().contains("0123456789abcdef"));
}

#[test]
fn sniffing() {
    assert!(ClientLog.sniff_text(b"Error: socket hang up\n"));
    assert!(!ClientLog.sniff_text(b"hello world\n"));
    assert!(!ClientLog.sniff_text(b"\x00\x01ECONNRESET"));
}

#[test]
fn npm_retries_are_attempts_of_their_own() {
    let text = "npm ERR! fetch failed https://registry.npmjs.org/a.tgz\nnpm WARN retry will retry, error on last attempt: Error: unable to get local issuer certificate\nnpm ERR! fetch failed https://registry.npmjs.org/a.tgz\nnpm WARN retry will retry, error on last attempt: Error: unable to get local issuer certificate\nnpm ERR! fetch failed https://registry.npmjs.org/a.tgz\nnpm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY\nnpm WARN deprecated left-pad@1.0.0\n";
    let ev = events(text);
    let lines: Vec<_> = ev.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(1), Some(3), Some(5), Some(7)], "{ev:#?}");
    assert!(ev.iter().take(3).all(|e| e.error.as_deref().is_some_and(|x| x.to_ascii_lowercase().contains("issuer"))));
}

#[test]
fn a_page_copied_by_a_text_browser_is_one_record() {
    // Its subtitle, boxes, city and host on lines of their own, its explanation, and a footer
    // that repeats the page's Ray ID.
    let text = "Error 522 Ray ID: 3044bd1a06490f87 • 2016-11-19 15:37:06 UTC\n\nConnection timed out\n\n   You\n\nBrowser\n\n   Working\n   Frankfurt\n\nCloudFlare\n\n   Working\n   example.com\n\nHost\n\n   Error\n\nWhat happened?\n\n   The initial connection between CloudFlare's network and the origin web\n   server timed out.\n\nIf you're a visitor of this website:\n\n   Please try again in a few minutes.\n\n   CloudFlare Ray ID: 3044bd1a06490f87 • Your IP: 192.0.2.1\n   Performance & security by CloudFlare\n\nReferences\n\n   1. http://example.com/\n\nThanks for looking.\n";
    let ev = events(text);
    assert_eq!(ev.len(), 2, "{ev:#?}");
    assert_eq!((ev[0].edge_status, ev[0].pop.as_deref()), (Some(522), Some("FRA")));
    assert_eq!(ev[1].line, Some(37));
    // A second page with another Ray ID is a record of its own.
    let two = "Error 522 Ray ID: 2b06db3818810da9 • 2016-06-09 10:00:00 UTC\nError 522 Ray ID: 2b06de40df221ed1 • 2016-06-09 10:01:00 UTC\n";
    assert_eq!(events(two).len(), 2);
}

#[test]
fn statuses_in_the_words_of_dotnet_git_and_the_browser_console() {
    for (text, want) in [
        ("Error: Response status code does not indicate success: 503 (Service Unavailable).\n", 503),
        ("fatal: unable to access 'https://example.com/x/': The requested URL returned error: 500\n", 500),
        (
            "[Error] Failed to load resource: the server responded with a status of 520 () (styles.min.css, line 0)\n",
            520,
        ),
    ] {
        assert_eq!(events(text)[0].edge_status, Some(want), "{text}");
    }
}

#[test]
fn a_buildkit_step_prefix_is_set_aside_and_a_traceback_stays_whole() {
    let text = "#10 18.23     raise ReadTimeoutError(self._pool, None, \"Read timed out.\")\n#10 18.23 pip._vendor.urllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool(host='files.example.org', port=443): Read timed out.\n";
    let ev = events(text);
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert_eq!(ev[0].error.as_deref(), Some("timeout"));
}

#[test]
fn an_announced_response_takes_its_page_and_a_page_its_text_lines() {
    let text = "PHP Fatal error:  Uncaught ServerException: `PUT https://api.example.com/x` resulted in a `502 Bad Gateway` response:\n<html>\n<head><title>502 Bad Gateway</title></head>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>clou (truncated...)\n in /var/www/x.php:113\n";
    let ev = events(text);
    assert_eq!(ev.len(), 1, "{ev:#?}");
    // Cloudflare's plain page, its footer cut: the edge built it.
    assert!(ev[0].error.as_deref().is_some_and(|e| e.starts_with("cdn_page:cloudflare:") && e.contains(":edge:")));
    assert_eq!(ev[0].edge_status, Some(502));
    let page = "<!DOCTYPE html>\n<html>\n<title>example.ai | 524: A timeout occurred</title>\nVisit <a href=\"https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_524\">cloudflare.com</a> for more information.\n<div class=\"mt-3\">2025-12-02 09:03:31 UTC</div>\n";
    assert_eq!(events(page).len(), 1);
}

#[test]
fn another_cdns_page_copied_as_text_is_one_record_and_its_body() {
    let text = "I am getting these errors:\n\n502 ERROR\nThe request could not be satisfied.\nCloudFront wasn't able to connect to the origin.\nGenerated by cloudfront (CloudFront)\nRequest ID: dUYLtFHRYW14scXUloFkR\n";
    let ev = events(text);
    assert_eq!(ev.len(), 2, "{ev:#?}");
    assert_eq!((ev[1].line, ev[1].edge_status), (Some(3), Some(502)));
    assert!(ev[1].body.as_deref().is_some_and(|b| b.contains("Generated by cloudfront")));
    // A retry whose response was a 504 keeps its status beside the tool's words for it.
    let cargo = "warning: spurious network error (1 tries remaining): failed to get 200 response from `https://crates.example/x`, got 504\n";
    assert_eq!(events(cargo)[0].edge_status, Some(504));
}

#[test]
fn fences_causes_and_wrapped_lists_frame_like_the_text() {
    // A Markdown fence ends the record before it, and one closing a line ends that record.
    let ev = events("prose before\n```502 ERROR\nThe request could not be satisfied.\nGenerated by cloudfront (CloudFront)```\n\nA spam of these\n```\n");
    assert_eq!(ev.iter().map(|e| e.line).collect::<Vec<_>>(), vec![Some(1), Some(2), Some(6)], "{ev:#?}");
    assert_eq!(ev[1].edge_status, Some(502));
    // Java's cause chain and .NET's inner exception stay with their exception.
    let java = "Exception in thread \"main\" javax.net.ssl.SSLHandshakeException: PKIX path building failed\n\tat a.B.c(B.java:45)\nCaused by: javax.net.ssl.SSLHandshakeException: PKIX path building failed\n\tat d.E.f(E.java:131)\n";
    assert_eq!(events(java).len(), 1);
    let dotnet = "System.Net.Http.HttpRequestException: No such host is known. (example.org:443)\n ---> System.Net.Sockets.SocketException (11001): No such host is known.\n   at System.Net.Sockets.Socket.Throw()\n   --- End of inner exception stack trace ---\n   at System.Net.Http.Pool.Connect()\n";
    assert_eq!(events(dotnet).len(), 1);
    // A message wrapped inside parentheses, and a report's cause arrow.
    let wrapped = "MaxRetryError: HTTPSConnectionPool(host='a.example', port=443): \n   Max retries exceeded (Caused by NewConnectionError\n   ('<conn>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution'))\nnext\n";
    assert_eq!(events(wrapped).len(), 2);
    let arrow = "Error:   × failed to fetch pkg.conda\n  ╰─▶ HTTP status server error (500 Internal Server Error) for url (https://\n      packages.example.dev/60/601)\n";
    let ev = events(arrow);
    assert_eq!((ev.len(), ev[0].edge_status), (1, Some(500)));
}

#[test]
fn wget_runs_and_bare_responses_are_one_record_each() {
    let wget = "Confirmed:\n\nConnecting to example.com (example.com)|104.31.93.238|:443... connected.\nHTTP request sent, awaiting response... 521 Origin Down\n2018-02-23 08:04:38 ERROR 521: Origin Down.\n";
    let ev = events(wget);
    assert_eq!(ev.len(), 2, "{ev:#?}");
    assert_eq!(ev[1].edge_status, Some(521));
    // A response printed without curl's marks: status line, headers, then past the blank line
    // its body (after a chunk size).
    let response = "HTTP/1.1 530\nCf-Ray: 603288053d603f8b-ORD\nServer: cloudflare\n\n400\n<!DOCTYPE html>\n<title>Argo Tunnel error</title>\n";
    let ev = events(response);
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert_eq!((ev[0].edge_status, ev[0].pop.as_deref()), (Some(530), Some("ORD")));
}

#[test]
fn a_failure_below_a_records_first_line_is_its_error() {
    // Terraform's box: the failure is on the box's fourth line, not its first.
    let text = "╷\n│ Error: Failed to query available provider packages\n│ \n│ Could not retrieve the list: dial tcp [2a04::1]:443: connect: cannot assign requested address\n╵\n";
    let ev = events(text);
    assert_eq!(ev.first().and_then(|e| e.error.as_deref()), Some("cannot assign requested address"), "{ev:#?}");
    // Akamai's page copied as text: its title, then past a blank line its sentence and reference.
    let akamai = "Service Unavailable\n\nThe server is temporarily unable to service your request. Please try again later.\nReference #60.df41424c.4a7d8079.1374894109\n";
    let ev = events(akamai);
    assert_eq!((ev.len(), ev[0].edge_status), (1, Some(503)), "{ev:#?}");
    // A reason phrase is a response, not the client's timeout.
    let ev = events("HTTP/1.1 504 Gateway Timeout\nServer: ExampleCDN\n");
    assert_eq!((ev[0].edge_status, ev[0].error.as_deref()), (Some(504), None));
}

#[test]
fn pasted_documentation_reports_no_failure() {
    let docs = "---\ntitle: Error 522\n---\n\n## Error 522: connection timed out\n\nError 522 occurs when Cloudflare times out contacting the origin web server.\n\n### Common causes\n";
    let ev = events(docs);
    assert!(ev.len() >= 4, "{ev:#?}");
    assert!(ev.iter().all(|e| e.error.is_none() && e.edge_status.is_none() && e.message.is_none()));
    // One explaining sentence is not documentation: the error is read.
    let told = "This error occurs when I run the installer:\ncurl: (7) Failed to connect to example.com port 443: Connection refused\n";
    assert!(events(told).iter().any(|e| e.error.is_some()));
}

#[test]
fn labels_inner_exceptions_and_wrapped_reasons_stay_with_their_record() {
    // cargo's `body:` and the page it got are the record of the 503 above them.
    let cargo = "warning: spurious network error (2 tries remaining): failed to get successful HTTP response from `https://crates.io/x`, got 503\nbody:\n<!DOCTYPE html>\n<html><head><title>Application Error</title></head>\n<body><iframe src=\"//www.herokucdn.com/error-pages/application-error.html\"></iframe></body></html>\n";
    let ev = events(cargo);
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert_eq!(ev[0].edge_status, Some(503));
    // Visual Studio's `Inner Exception 1:` block is the cause of the exception above it.
    let vs = "System.AggregateException\n  Message=One or more errors occurred. (No connection could be made because the target machine actively refused it)\n\nInner Exception 1:\nHttpRequestException: No connection could be made because the target machine actively refused it\n";
    let ev = events(vs);
    assert_eq!(ev.iter().filter(|e| e.error.is_some()).count(), 1, "{ev:#?}");
    assert!(ev.last().is_some_and(|e| e.error.is_none() && e.message.is_none() && e.line == Some(4)));
    // Envoy's message wrapped before its reason is one record.
    let envoy = " 503 upstream connect error or disconnect/reset before headers. \n     reset reason: remote connection failure, transport failure \n     reason: delayed connect error: Connection refused\n";
    assert_eq!(events(envoy).len(), 1);
}

#[test]
fn a_registrys_pull_limit_is_its_429_and_a_ruby_backtrace_is_one_record() {
    let ev = events("docker: Error response from daemon: toomanyrequests: You have reached your pull rate limit.\n");
    assert_eq!(ev[0].edge_status, Some(429));
    let ruby = "/usr/lib/ruby/net/http.rb:904:in initialize\n/usr/lib/ruby/timeout.rb:103:in timeout\n...\nCaused by Net::OpenTimeout: execution expired\n";
    assert_eq!(events(ruby).len(), 1);
}

#[test]
fn a_tools_error_keeps_the_lines_indented_under_it_and_a_raise_its_exception() {
    let wrangler = "  ✘ [ERROR] Received a malformed response from the API\n    upstream request timeout\n    GET /accounts/x/workers/services/y -> 504 Gateway Timeout\n";
    let ev = events(wrangler);
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert_eq!(ev[0].edge_status, Some(504));
    assert_eq!(ev[0].error.as_deref(), Some("upstream request timeout"));
    let raised = "raise ChunkedEncodingError(e)\nrequests.exceptions.ChunkedEncodingError: ('Connection broken: IncompleteRead(0 bytes read)')\n";
    assert_eq!(events(raised).len(), 1);
    // A JSON body opened at the end of a log line, and a status in Russian words.
    let firebase = "[2018-05-22T18:18:28.504Z] <<< HTTP RESPONSE BODY {\n  \"error\": {\n    \"code\": 503,\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n";
    let ev = events(firebase);
    assert!(ev[0].body.as_deref().is_some_and(|b| b.starts_with('{')), "{ev:#?}");
    assert_eq!(events("Получен ответ с неудачным HTTP-кодом 522.\n")[0].edge_status, Some(522));
    let aiohttp = "Error requesting data: 429, message='', url=URL('https://api.example.dev/v1/')\n";
    assert_eq!(events(aiohttp)[0].edge_status, Some(429));
    // urllib's, an app's and a bot's words for a status; IIS's page sentence is not urllib's.
    let urllib = "  raise HTTPError(req.full_url, code, msg, hdrs, fp)\nurllib.error.HTTPError: HTTP Error 429: Too Many Requests\n";
    let ev = events(urllib);
    assert_eq!((ev.len(), ev[0].edge_status), (1, Some(429)), "{ev:#?}");
    assert_eq!(events("ChatGPT error 524: <!DOCTYPE html>\n")[0].edge_status, Some(524));
    assert_eq!(events("2023-07-15 11:35:18,522 - ERROR - Request returns 429 error!\n")[0].edge_status, Some(429));
    assert_eq!(events("HTTP Error 503. The service is unavailable.\n")[0].edge_status, None);
}
