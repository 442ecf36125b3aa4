//! The Alpaca client against a mock HTTP server on 127.0.0.1 that answers scripted
//! responses: golden JSON files in `tests/fixtures/alpaca_client/` (modelled on the
//! documented response shapes), and pages built from real market data in
//! `../shared/data` (tests that need it print a message and pass when it is absent).
//! Time is a `SimulatedClock` moved by a recording sleeper: nothing sleeps for real, and
//! nothing leaves the machine.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use thetalab_core::{Clock, OptionRight, SimulatedClock, Timestamp};
use thetalab_data::DataError;
use thetalab_data::alpaca::{
    AlpacaClient, BarsRequest, BreakerState, ChainRequest, ClientConfig, Credentials, Event,
    FailureKind, OptionFeed, RecordingSleeper, SourceFailure, StockFeed, Timeframe,
};

/// Test credentials, written into a fixture too (the 401 body echoes them).
const KEY: &str = "PKFAKEKEY00TEST12345";
const SECRET: &str = "fakeSecretKeyForTests0123456789abcdefXYZ";

// ---------------------------------------------------------------------------------------
// The mock server
// ---------------------------------------------------------------------------------------

/// One scripted answer.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    /// Accept, read the request, never answer (the connection is held open).
    hang: bool,
}

fn reply(status: u16, body: String) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body,
        hang: false,
    }
}

fn ok(body: String) -> Reply {
    reply(200, body)
}

fn hang() -> Reply {
    Reply {
        status: 0,
        headers: Vec::new(),
        body: String::new(),
        hang: true,
    }
}

fn fixture(name: &str) -> String {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/alpaca_client"
    ))
    .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    /// `GET /path?query HTTP/1.1`
    line: String,
    /// Header names lower-cased.
    headers: BTreeMap<String, String>,
}

impl Seen {
    fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("")
    }
    fn query(&self) -> BTreeMap<String, String> {
        self.target()
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

/// A server on 127.0.0.1 answering one scripted reply per connection, in order. It stops
/// by itself when the script is done (after holding hung connections for `hold`) or
/// after 20 s, whichever comes first.
struct MockServer {
    base: String,
    handle: JoinHandle<Vec<Seen>>,
}

impl MockServer {
    fn start(script: Vec<Reply>) -> MockServer {
        Self::start_holding(script, Duration::ZERO)
    }

    fn start_holding(script: Vec<Reply>, hold: Duration) -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut seen = Vec::new();
            let mut held: Vec<TcpStream> = Vec::new();
            let mut script = script.into_iter().peekable();
            while script.peek().is_some() && Instant::now() < deadline {
                let mut stream = match listener.accept() {
                    Ok((s, _)) => s,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(1));
                        continue;
                    }
                    Err(e) => panic!("accept: {e}"),
                };
                let Some(reply) = script.next() else { break };
                stream.set_nonblocking(false).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                seen.push(read_request(&mut stream));
                if reply.hang {
                    held.push(stream);
                    continue;
                }
                let mut head = format!(
                    "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                    reply.status,
                    reason(reply.status),
                    reply.body.len()
                );
                for (k, v) in &reply.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                // The client may already have given up on this connection.
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(reply.body.as_bytes());
                let _ = stream.flush();
            }
            if !held.is_empty() {
                std::thread::sleep(hold);
            }
            seen
        });
        MockServer { base, handle }
    }

    /// Waits for the server to stop; the requests it saw.
    fn finish(self) -> Vec<Seen> {
        self.handle.join().unwrap()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn read_request(stream: &mut TcpStream) -> Seen {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let mut lines = text.split("\r\n");
    let line = lines.next().unwrap_or("").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Seen { line, headers }
}

/// A port on which nothing listens (connections are refused).
fn dead_base() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    base
}

// ---------------------------------------------------------------------------------------
// The client under test
// ---------------------------------------------------------------------------------------

struct Rig {
    client: AlpacaClient,
    clock: Arc<SimulatedClock>,
    sleeper: Arc<RecordingSleeper>,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Rig {
    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    /// Neither credential appears in any event.
    fn assert_events_clean(&self) {
        for e in self.events() {
            let text = format!("{e:?}");
            assert!(!text.contains(KEY) && !text.contains(SECRET), "{text}");
        }
    }
}

fn t0() -> Timestamp {
    Timestamp::parse_rfc3339("2024-01-19T16:00:00Z").unwrap()
}

fn rig(sources: &[&str], tweak: impl FnOnce(&mut ClientConfig)) -> Rig {
    let mut config = ClientConfig::with_sources(sources.iter().copied());
    config.timeout = Duration::from_secs(5);
    tweak(&mut config);
    let clock = Arc::new(SimulatedClock::new(t0()));
    let sleeper = Arc::new(RecordingSleeper::advancing(clock.clone()));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let client = AlpacaClient::with_runtime(
        Credentials::new(KEY, SECRET).unwrap(),
        config,
        clock.clone(),
        sleeper.clone(),
    )
    .unwrap()
    .on_event(move |e| sink.lock().unwrap().push(e.clone()));
    Rig {
        client,
        clock,
        sleeper,
        events,
    }
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn spy_request() -> BarsRequest {
    BarsRequest::new(
        "SPY",
        Timeframe::MINUTE,
        ts("2024-01-19T14:30:00Z"),
        Some(ts("2024-01-19T20:59:00Z")),
    )
}

fn last_bars_page() -> String {
    fixture("bars_spy_page3.json")
}

// ---------------------------------------------------------------------------------------
// Pagination and request shape
// ---------------------------------------------------------------------------------------

#[test]
fn bars_follow_next_page_token_over_three_pages() {
    let server = MockServer::start(vec![
        ok(fixture("bars_spy_page1.json")),
        ok(fixture("bars_spy_page2.json")),
        ok(fixture("bars_spy_page3.json")),
    ]);
    let r = rig(&[&server.base], |_| {});
    let series = r.client.stock_bars(&spy_request()).unwrap();
    let seen = server.finish();

    assert_eq!(series.symbol, "SPY");
    assert_eq!(series.bars.len(), 9);
    let stamps: Vec<String> = series.bars.iter().map(|b| b.ts.to_string()).collect();
    assert_eq!(stamps[0], "2024-01-19T14:30:00Z");
    assert_eq!(stamps[3], "2024-01-19T14:33:00Z");
    assert_eq!(stamps[8], "2024-01-19T14:38:00.500Z");
    let b = series.bars[1];
    assert_eq!(
        (b.open, b.high, b.low, b.close, b.volume),
        (477.86, 478.05, 477.72, 477.98, 402_113.0)
    );
    assert_eq!((b.vwap, b.trade_count), (Some(477.902155), Some(4180)));
    assert_eq!(
        (
            series.bars[8].vwap,
            series.bars[8].trade_count,
            series.bars[8].volume
        ),
        (None, None, 0.0)
    );

    assert_eq!(seen.len(), 3);
    for s in &seen {
        assert!(s.target().starts_with("/v2/stocks/SPY/bars?"), "{}", s.line);
        assert_eq!(
            s.headers.get("apca-api-key-id").map(String::as_str),
            Some(KEY)
        );
        assert_eq!(
            s.headers.get("apca-api-secret-key").map(String::as_str),
            Some(SECRET)
        );
        // Keys travel in headers only.
        assert!(!s.target().contains(KEY) && !s.target().contains(SECRET));
        let q = s.query();
        assert_eq!(q["timeframe"], "1Min");
        assert_eq!(q["start"], "2024-01-19T14%3A30%3A00Z");
        assert_eq!(q["end"], "2024-01-19T20%3A59%3A00Z");
        assert_eq!(q["limit"], "10000");
        assert_eq!(q["adjustment"], "raw");
        assert_eq!(q["feed"], "sip");
    }
    assert!(!seen[0].query().contains_key("page_token"));
    assert_eq!(
        seen[1].query()["page_token"],
        "U1BZfE18MjAyNC0wMS0xOVQxNDozMzowMC4wMDAwMDAwMDBa"
    );
    // `+`, `/` and `=` of a base64 token are percent-encoded.
    assert_eq!(
        seen[2].query()["page_token"],
        "U1BZfE18MjAyNC0wMS0xOVQxNDozNjowMC4wMDAwMDAwMDBa%2B%2F%3D"
    );

    let pages: Vec<(usize, usize, bool)> = r
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Page {
                page,
                records,
                more,
                ..
            } => Some((*page, *records, *more)),
            _ => None,
        })
        .collect();
    assert_eq!(pages, [(1, 3, true), (2, 3, true), (3, 3, false)]);
    assert!(
        r.sleeper.slept().is_empty(),
        "no retries, no throttling within the burst"
    );
    r.assert_events_clean();
}

#[test]
fn iex_feed_and_adjustment_reach_the_query() {
    let server = MockServer::start(vec![ok(last_bars_page())]);
    let r = rig(&[&server.base], |_| {});
    let mut req = spy_request();
    req.feed = StockFeed::Iex;
    req.adjustment = thetalab_data::alpaca::Adjustment::All;
    req.limit = 500;
    req.end = None;
    r.client.stock_bars(&req).unwrap();
    let q = server.finish()[0].query();
    assert_eq!(
        (
            q["feed"].as_str(),
            q["adjustment"].as_str(),
            q["limit"].as_str()
        ),
        ("iex", "all", "500")
    );
    assert!(!q.contains_key("end"));
}

#[test]
fn a_repeated_page_token_is_an_error_not_a_loop() {
    let looping = fixture("bars_spy_page2.json").replace(
        "U1BZfE18MjAyNC0wMS0xOVQxNDozNjowMC4wMDAwMDAwMDBa+/=",
        "U1BZfE18MjAyNC0wMS0xOVQxNDozMzowMC4wMDAwMDAwMDBa",
    );
    let server = MockServer::start(vec![ok(fixture("bars_spy_page1.json")), ok(looping)]);
    let r = rig(&[&server.base], |_| {});
    let err = r.client.stock_bars(&spy_request()).unwrap_err();
    assert_eq!(server.finish().len(), 2);
    match &err {
        DataError::AlpacaPagination { page, reason, .. } => {
            assert_eq!(*page, 2);
            assert!(reason.contains("already followed"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bars_out_of_order_across_pages_or_out_of_range_are_errors() {
    // Page 2 served again after page 1 of a different shape: its first bar is not after
    // the last bar of page 3.
    let server = MockServer::start(vec![
        ok(fixture("bars_spy_page3.json")
            .replace("\"next_page_token\": null", "\"next_page_token\": \"x\"")),
        ok(fixture("bars_spy_page2.json")),
    ]);
    let r = rig(&[&server.base], |_| {});
    let err = r.client.stock_bars(&spy_request()).unwrap_err();
    server.finish();
    match &err {
        DataError::AlpacaResponse {
            page,
            field,
            reason,
            ..
        } => {
            assert_eq!((*page, field.as_str()), (2, "bars[0].t"));
            assert!(reason.contains("not after"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    let server = MockServer::start(vec![ok(last_bars_page())]);
    let r = rig(&[&server.base], |_| {});
    let mut req = spy_request();
    req.end = Some(ts("2024-01-19T14:37:00Z"));
    let err = r.client.stock_bars(&req).unwrap_err();
    server.finish();
    assert!(
        err.to_string().contains("bars[2].t") && err.to_string().contains("outside"),
        "{err}"
    );
}

#[test]
fn unreadable_bar_fails_the_request_naming_the_field() {
    let body = last_bars_page().replace("\"o\": 478.36", "\"o\": \"478.36\"");
    let server = MockServer::start(vec![ok(body)]);
    let r = rig(&[&server.base], |_| {});
    let err = r.client.stock_bars(&spy_request()).unwrap_err();
    server.finish();
    let text = err.to_string();
    assert!(
        matches!(err, DataError::AlpacaResponse { page: 1, .. }),
        "{err:?}"
    );
    assert!(text.contains("bars.SPY[2].o"), "{text}");

    let server = MockServer::start(vec![ok("<html>maintenance</html>".to_string())]);
    let r = rig(&[&server.base], |_| {});
    let err = r.client.stock_bars(&spy_request()).unwrap_err();
    server.finish();
    assert!(
        err.to_string().contains("not an Alpaca bars response"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Retries, Retry-After, backoff
// ---------------------------------------------------------------------------------------

#[test]
fn rate_limited_then_success_honours_retry_after() {
    let mut limited = reply(429, fixture("error_429.json"));
    limited.headers.push(("Retry-After", "7".to_string()));
    let server = MockServer::start(vec![limited, ok(last_bars_page())]);
    let r = rig(&[&server.base], |_| {});
    let series = r.client.stock_bars(&spy_request()).unwrap();
    assert_eq!(server.finish().len(), 2);
    assert_eq!(series.bars.len(), 3);
    assert_eq!(r.sleeper.slept(), [Duration::from_secs(7)]);
    assert_eq!(
        r.clock.now(),
        t0().checked_add(Duration::from_secs(7)).unwrap()
    );
    let retries: Vec<Event> = r
        .events()
        .into_iter()
        .filter(|e| matches!(e, Event::Retry { .. }))
        .collect();
    assert_eq!(retries.len(), 1);
    match &retries[0] {
        Event::Retry {
            attempt,
            failure,
            delay,
            ..
        } => {
            assert_eq!(*attempt, 1);
            assert_eq!(
                *failure,
                FailureKind::RateLimited {
                    retry_after: Some(Duration::from_secs(7))
                }
            );
            assert_eq!(*delay, Duration::from_secs(7));
        }
        _ => unreachable!(),
    }
    // A 429 is the account's budget, not the source's health.
    assert_eq!(
        r.client.breaker_state(0),
        Some(BreakerState::Closed { failures: 0 })
    );
    r.assert_events_clean();
}

#[test]
fn retry_after_as_http_date_and_without_header_uses_jittered_backoff() {
    let mut dated = reply(429, fixture("error_429.json"));
    // t0 is 2024-01-19T16:00:00Z, a Friday.
    dated
        .headers
        .push(("Retry-After", "Fri, 19 Jan 2024 16:00:30 GMT".to_string()));
    let server = MockServer::start(vec![
        dated,
        reply(429, fixture("error_429.json")),
        reply(503, String::new()),
        reply(500, fixture("error_500.json")),
        ok(last_bars_page()),
    ]);
    let r = rig(&[&server.base], |c| {
        c.base_backoff = Duration::from_millis(400);
        c.max_backoff = Duration::from_secs(1);
    });
    r.client.stock_bars(&spy_request()).unwrap();
    assert_eq!(server.finish().len(), 5);
    let slept = r.sleeper.slept();
    assert_eq!(slept.len(), 4, "{slept:?}");
    assert_eq!(slept[0], Duration::from_secs(30));
    // Full jitter: the n-th retry (0-based) waits at most min(cap, base * 2^n).
    assert!(slept[1] <= Duration::from_millis(800), "{slept:?}");
    assert!(slept[2] <= Duration::from_secs(1), "{slept:?}");
    assert!(slept[3] <= Duration::from_secs(1), "{slept:?}");
    let failures: Vec<FailureKind> = r
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Retry { failure, .. } => Some(failure),
            _ => None,
        })
        .collect();
    assert!(matches!(
        failures[2],
        FailureKind::Server { status: 503, .. }
    ));
    assert_eq!(
        failures[3],
        FailureKind::Server {
            status: 500,
            message: "internal server error occurred".to_string()
        }
    );
    // Two 5xx in a row, then a success: closed again.
    assert_eq!(
        r.client.breaker_state(0),
        Some(BreakerState::Closed { failures: 0 })
    );
}

#[test]
fn retry_after_beyond_the_allowed_wait_gives_up_on_the_source() {
    let mut limited = reply(429, fixture("error_429.json"));
    limited.headers.push(("Retry-After", "3600".to_string()));
    let server = MockServer::start(vec![limited]);
    let r = rig(&[&server.base], |_| {});
    let err = r.client.stock_bars(&spy_request()).unwrap_err();
    server.finish();
    assert!(r.sleeper.slept().is_empty());
    match err {
        DataError::AlpacaUnavailable { tried, .. } => {
            assert_eq!(tried.len(), 1);
            assert_eq!(
                tried[0].last,
                FailureKind::RateLimited {
                    retry_after: Some(Duration::from_secs(3600))
                }
            );
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Circuit breaker and fallback
// ---------------------------------------------------------------------------------------

#[test]
fn server_errors_open_the_breaker_and_the_fallback_serves() {
    let primary = MockServer::start(vec![
        reply(500, fixture("error_500.json")),
        reply(500, fixture("error_500.json")),
        reply(500, fixture("error_500.json")),
        // The half-open trial after the cooldown.
        ok(last_bars_page()),
    ]);
    let fallback = MockServer::start(vec![ok(last_bars_page()), ok(last_bars_page())]);
    let r = rig(&[&primary.base, &fallback.base], |c| {
        c.breaker_threshold = 3;
        c.max_retries = 10;
        c.breaker_cooldown = Duration::from_secs(60);
    });

    // 1: three 500s open the primary's circuit; the fallback answers.
    let series = r.client.stock_bars(&spy_request()).unwrap();
    assert_eq!(series.bars.len(), 3);
    assert!(matches!(
        r.client.breaker_state(0),
        Some(BreakerState::Open { .. })
    ));
    let events = r.events();
    assert!(
        events.iter().any(
            |e| matches!(e, Event::CircuitOpened { base_url, .. } if *base_url == primary.base)
        )
    );
    assert!(events.iter().any(|e| matches!(e,
        Event::Fallback { from, to, failure: FailureKind::Server { status: 500, .. } }
            if *from == primary.base && *to == fallback.base)));
    assert_eq!(
        r.sleeper.slept().len(),
        2,
        "backoff between the three 500s only"
    );

    // 2: the circuit is open: the primary is skipped without a request.
    let before = r.events().len();
    r.client.stock_bars(&spy_request()).unwrap();
    let events = r.events()[before..].to_vec();
    assert!(events.iter().any(|e| matches!(e,
        Event::Fallback { from, failure: FailureKind::CircuitOpen { .. }, .. } if *from == primary.base)));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Request { base_url, .. } if *base_url == primary.base))
    );

    // 3: after the cooldown one trial goes to the primary, succeeds, and closes it.
    r.clock.advance(Duration::from_secs(61)).unwrap();
    let before = r.events().len();
    r.client.stock_bars(&spy_request()).unwrap();
    let events = r.events()[before..].to_vec();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::CircuitTrial { .. }))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::CircuitClosed { .. }))
    );
    assert_eq!(
        r.client.breaker_state(0),
        Some(BreakerState::Closed { failures: 0 })
    );

    assert_eq!(primary.finish().len(), 4);
    assert_eq!(fallback.finish().len(), 2);
    r.assert_events_clean();
}

#[test]
fn every_source_failing_names_each_source_tried() {
    let dead = dead_base();
    let primary = MockServer::start(vec![
        reply(503, String::new()),
        reply(503, String::new()),
        reply(503, String::new()),
    ]);
    let r = rig(&[&primary.base, &dead], |c| {
        c.max_retries = 2;
        c.breaker_threshold = 10;
    });
    let err = r.client.stock_bars(&spy_request()).unwrap_err();
    let primary_base = primary.base.clone();
    primary.finish();
    let primary = MockServer {
        base: primary_base,
        handle: std::thread::spawn(Vec::new),
    };
    let DataError::AlpacaUnavailable { request, tried } = &err else {
        panic!("{err:?}")
    };
    assert!(request.starts_with("GET /v2/stocks/SPY/bars?"), "{request}");
    assert_eq!(tried.len(), 2);
    assert_eq!(
        (tried[0].base_url.as_str(), tried[0].attempts),
        (primary.base.as_str(), 3)
    );
    assert!(matches!(
        tried[0].last,
        FailureKind::Server { status: 503, .. }
    ));
    assert_eq!(
        (tried[1].base_url.as_str(), tried[1].attempts),
        (dead.as_str(), 3)
    );
    assert!(
        matches!(tried[1].last, FailureKind::Connection { .. }),
        "{:?}",
        tried[1]
    );
    let text = err.to_string();
    assert!(
        text.contains(&primary.base) && text.contains(&dead) && text.contains("HTTP 503"),
        "{text}"
    );
    assert!(!text.contains(KEY) && !text.contains(SECRET));
}

// ---------------------------------------------------------------------------------------
// Non-retryable statuses, and keeping the keys secret
// ---------------------------------------------------------------------------------------

#[test]
fn unauthorized_fails_at_once_with_the_keys_redacted() {
    let primary = MockServer::start(vec![reply(401, fixture("error_401.json"))]);
    // A fallback that must not be asked (it would answer, so a request would show).
    let fallback = MockServer::start(vec![]);
    let r = rig(&[&primary.base, &fallback.base], |_| {});
    let err = r.client.stock_bars(&spy_request()).unwrap_err();
    let primary_base = primary.base.clone();
    assert_eq!(primary.finish().len(), 1);
    assert!(fallback.finish().is_empty());
    assert!(r.sleeper.slept().is_empty());
    match &err {
        DataError::AlpacaRejected {
            base_url,
            status,
            message,
            request,
        } => {
            assert_eq!(*status, 401);
            assert_eq!(*base_url, primary_base);
            assert!(request.starts_with("GET /v2/stocks/SPY/bars?"));
            assert!(
                message.starts_with("request is not authorized"),
                "{message}"
            );
            assert!(message.contains("[REDACTED]"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    for text in [
        err.to_string(),
        format!("{err:?}"),
        format!("{err:#?}"),
        format!("{:?}", r.client),
    ] {
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }
    r.assert_events_clean();
}

#[test]
fn other_client_errors_are_not_retried() {
    for status in [400u16, 403, 404, 422] {
        let server = MockServer::start(vec![reply(
            status,
            "{\"message\":\"invalid symbol\"}".to_string(),
        )]);
        let r = rig(&[&server.base], |_| {});
        let err = r.client.stock_bars(&spy_request()).unwrap_err();
        assert_eq!(server.finish().len(), 1);
        assert!(
            matches!(err, DataError::AlpacaRejected { status: s, .. } if s == status),
            "{err:?}"
        );
        assert!(err.to_string().contains("invalid symbol"));
    }
}

// ---------------------------------------------------------------------------------------
// Timeouts
// ---------------------------------------------------------------------------------------

#[test]
fn a_server_that_never_answers_times_out_is_retried_then_fails() {
    let timeout = Duration::from_millis(150);
    let server =
        MockServer::start_holding(vec![hang(), hang(), hang()], Duration::from_millis(600));
    let r = rig(&[&server.base], |c| {
        c.timeout = timeout;
        c.max_retries = 2;
    });
    let started = Instant::now();
    let err = r.client.stock_bars(&spy_request()).unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(server.finish().len(), 3);
    assert!(elapsed >= 3 * timeout, "{elapsed:?}");
    match &err {
        DataError::AlpacaUnavailable { tried, .. } => {
            assert_eq!(
                tried.as_slice(),
                [SourceFailure {
                    base_url: r.client.sources()[0].clone(),
                    attempts: 3,
                    last: FailureKind::Timeout
                }]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("timed out after 3 attempt(s)"),
        "{err}"
    );
    // Two backoffs between three attempts, recorded, not slept.
    assert_eq!(r.sleeper.slept().len(), 2);
}

// ---------------------------------------------------------------------------------------
// Rate limiting
// ---------------------------------------------------------------------------------------

#[test]
fn two_hundred_fifty_requests_keep_within_200_a_minute() {
    const N: usize = 250;
    let start = ts("2024-01-19T14:30:00Z");
    let script = (0..N)
        .map(|i| {
            let t = start.checked_add(Duration::from_secs(60 * i as u64)).unwrap();
            let next = if i + 1 < N { format!("\"p{}\"", i + 1) } else { "null".to_string() };
            ok(format!(
                r#"{{"bars":[{{"t":"{t}","o":1,"h":1,"l":1,"c":1,"v":1}}],"symbol":"SPY","next_page_token":{next}}}"#
            ))
        })
        .collect();
    let server = MockServer::start(script);
    let r = rig(&[&server.base], |_| {});
    let series = r
        .client
        .stock_bars(&BarsRequest::new("SPY", Timeframe::MINUTE, start, None))
        .unwrap();
    assert_eq!(server.finish().len(), N);
    assert_eq!(series.bars.len(), N);

    let sent: Vec<i64> = r
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Request { at, .. } => Some(at.as_nanos()),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), N);
    let t0 = t0().as_nanos();
    // The burst of 10 goes at once, then one every ceil(60 s / 190) ns.
    let interval = 315_789_474;
    assert!(sent[..10].iter().all(|&t| t == t0));
    for (k, &t) in sent[10..].iter().enumerate() {
        assert_eq!(t - t0, (k as i64 + 1) * interval, "request {}", k + 10);
    }
    let minute = 60_000_000_000;
    let busiest = (0..N)
        .map(|i| {
            sent[i..]
                .iter()
                .take_while(|&&u| u < sent[i] + minute)
                .count()
        })
        .max();
    // Never more than 200 in a minute (199 here: 190 intervals overrun 60 s by 60 ns).
    assert_eq!(busiest, Some(199));
    // 240 throttled requests, the waits recorded rather than slept.
    assert_eq!(
        r.events()
            .iter()
            .filter(|e| matches!(e, Event::Throttled { .. }))
            .count(),
        240
    );
    assert_eq!(r.sleeper.total().as_nanos(), 240 * interval as u128);
}

// ---------------------------------------------------------------------------------------
// Option chains
// ---------------------------------------------------------------------------------------

#[test]
fn option_chain_over_two_pages() {
    let server = MockServer::start(vec![
        ok(fixture("chain_spx_page1.json")),
        ok(fixture("chain_spx_page2.json")),
    ]);
    let r = rig(&[&server.base], |_| {});
    let mut req = ChainRequest::new("SPX");
    req.feed = OptionFeed::Opra;
    req.root_symbol = Some("SPXW".into());
    let chain = r.client.option_chain(&req).unwrap();
    let seen = server.finish();

    assert_eq!(seen.len(), 2);
    assert!(
        seen[0]
            .target()
            .starts_with("/v1beta1/options/snapshots/SPX?"),
        "{}",
        seen[0].line
    );
    let q = seen[0].query();
    assert_eq!(
        (
            q["feed"].as_str(),
            q["limit"].as_str(),
            q["root_symbol"].as_str()
        ),
        ("opra", "1000", "SPXW")
    );
    assert_eq!(
        seen[1].query()["page_token"],
        "U1BYV3wyNDAxMTlDMDQ4MDAwMDA%3D"
    );

    let rows = &chain.rows;
    assert_eq!(rows.underlying, "SPX");
    assert_eq!(rows.root.as_deref(), Some("SPXW"));
    let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    let keys: Vec<(NaiveDate, f64, OptionRight)> = rows
        .rows
        .iter()
        .map(|q| (q.expiry, q.strike, q.right))
        .collect();
    assert_eq!(
        keys,
        [
            (d(1, 19), 4700.0, OptionRight::Put),
            (d(1, 19), 4800.0, OptionRight::Call),
            (d(1, 19), 4900.0, OptionRight::Call),
            (d(1, 26), 4800.0, OptionRight::Call),
        ]
    );
    let p4700 = &rows.rows[0];
    assert_eq!(p4700.ts.to_string(), "2024-01-19T15:30:00.123456789Z");
    assert_eq!(
        (p4700.bid, p4700.ask, p4700.bid_size, p4700.ask_size),
        (Some(0.1), Some(0.15), Some(305), Some(412))
    );
    assert_eq!(
        (p4700.last, p4700.volume, p4700.open_interest),
        (Some(0.1), 18_233, None)
    );
    assert_eq!(
        (p4700.iv, p4700.delta, p4700.theta),
        (Some(0.1842), Some(-0.0112), Some(-0.4512))
    );
    assert_eq!(p4700.underlying_price, None);
    // An empty bid (0 with size 0) is None, not 0.
    let c4900 = &rows.rows[2];
    assert_eq!(
        (c4900.bid, c4900.ask, c4900.bid_size),
        (None, Some(0.05), Some(0))
    );
    assert_eq!((c4900.last, c4900.volume, c4900.iv), (None, 0, None));
    // Snake-case keys read too.
    let c4800w = &rows.rows[3];
    assert_eq!(
        (c4800w.bid, c4800w.last, c4800w.iv),
        (Some(21.9), Some(20.75), Some(0.1288))
    );
    // Listed without quote or trade: reported, not dropped.
    let unquoted: Vec<String> = chain.unquoted.iter().map(|s| s.to_compact()).collect();
    assert_eq!(unquoted, ["SPXW240216P03000000"]);
    r.assert_events_clean();
}

#[test]
fn option_chain_contract_listed_twice_is_an_error() {
    let page2 =
        fixture("chain_spx_page2.json").replace("SPXW240119C04900000", "SPXW240119C04800000");
    let server = MockServer::start(vec![ok(fixture("chain_spx_page1.json")), ok(page2)]);
    let r = rig(&[&server.base], |_| {});
    let err = r
        .client
        .option_chain(&ChainRequest::new("SPX"))
        .unwrap_err();
    server.finish();
    assert!(
        matches!(&err, DataError::AlpacaResponse { page: 2, field, .. } if field == "snapshots.SPXW240119C04800000"),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Real market data through the client
// ---------------------------------------------------------------------------------------

fn real_file(rel: &str) -> Option<String> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if !dir.is_dir() {
        println!("skipped: real market data not found at {}", dir.display());
        return None;
    }
    match std::fs::read_to_string(dir.join(rel)) {
        Ok(t) => Some(t),
        Err(e) => {
            println!("skipped: {rel}: {e}");
            None
        }
    }
}

/// Time, open, high, low, close, volume.
type Ohlcv = (Timestamp, f64, f64, f64, f64, f64);

/// S&P 500 index minute bars, 2019-11-05..08 (mplfinance, BSD-style; columns
/// `Date,Open,Close,High,Low,Volume`, naive New York time), served as Alpaca pages of
/// 500: every bar comes back with its exact UTC time and values.
#[test]
fn real_minute_bars_round_trip_through_paginated_responses() {
    let Some(text) = real_file("spx-spy-intraday/sp500_index_1min_2019-11-05_08_mplfinance.csv")
    else {
        return;
    };
    let mut expected = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let local = NaiveDateTime::parse_from_str(f[0], "%Y-%m-%d %H:%M:%S").unwrap();
        let t = Timestamp::from_ny_local(local).unwrap();
        let num = |i: usize| f[i].parse::<f64>().unwrap();
        // (ts, open, high, low, close, volume) from Open,Close,High,Low order.
        expected.push((t, num(1), num(3), num(4), num(2), num(5)));
    }
    assert_eq!(expected.len(), 1563);
    let pages: Vec<&[Ohlcv]> = expected.chunks(500).collect();
    let script = pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let bars: Vec<String> = page
                .iter()
                .map(|(t, o, h, l, c, v)| {
                    format!(r#"{{"t":"{t}","o":{o},"h":{h},"l":{l},"c":{c},"v":{v}}}"#)
                })
                .collect();
            let next = if i + 1 < pages.len() {
                format!("\"page{}\"", i + 1)
            } else {
                "null".into()
            };
            ok(format!(
                r#"{{"bars":[{}],"symbol":"SPX","next_page_token":{next}}}"#,
                bars.join(",")
            ))
        })
        .collect();
    let server = MockServer::start(script);
    let r = rig(&[&server.base], |_| {});
    let first = expected[0].0;
    let last = expected[expected.len() - 1].0;
    let series = r
        .client
        .stock_bars(&BarsRequest::new(
            "SPX",
            Timeframe::MINUTE,
            first,
            Some(last),
        ))
        .unwrap();
    assert_eq!(server.finish().len(), 4);
    assert_eq!(series.bars.len(), expected.len());
    for (b, (t, o, h, l, c, v)) in series.bars.iter().zip(&expected) {
        assert_eq!(
            (b.ts, b.open, b.high, b.low, b.close, b.volume),
            (*t, *o, *h, *l, *c, *v)
        );
    }
    // 2019-11-05 is after the end of daylight saving: 09:30 New York is 14:30 UTC.
    assert_eq!(series.bars[0].ts.to_string(), "2019-11-05T14:30:00Z");
}

/// The Agilent (A) chain of 2016-01-05 (optopsy sample, HistoricalOptionData layout),
/// served as Alpaca snapshots, 100 contracts a page: each contract's expiry, strike and
/// right come back from its OCC symbol and agree with the vendor's own columns, and its
/// quote fields are carried unchanged (empty sides as `None`).
#[test]
fn real_chain_round_trips_through_snapshot_pages() {
    let Some(text) = real_file("optopsy-samples/agilent_A_eod_2016-01-05.csv") else {
        return;
    };
    let mut header = Vec::new();
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<String> = line.split(',').map(|s| s.trim().to_string()).collect();
        if i == 0 {
            header = f;
        } else if f.len() == header.len() {
            records.push(f);
        }
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (sym, typ, exp, strike, last, bid, ask, vol, iv, delta) = (
        col("OptionSymbol"),
        col("Type"),
        col("Expiration"),
        col("Strike"),
        col("Last"),
        col("Bid"),
        col("Ask"),
        col("Volume"),
        col("IVMean"),
        col("Delta"),
    );
    // The README counts 207; the file holds 208 contract rows, each symbol once.
    assert_eq!(records.len(), 208);
    let symbols: std::collections::BTreeSet<&str> =
        records.iter().map(|f| f[sym].as_str()).collect();
    assert_eq!(symbols.len(), records.len());
    let quote_time =
        Timestamp::from_ny_hms(NaiveDate::from_ymd_opt(2016, 1, 5).unwrap(), "16:00").unwrap();
    let pages: Vec<&[Vec<String>]> = records.chunks(100).collect();
    let script = pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let snaps: Vec<String> = page
                .iter()
                .map(|f| {
                    format!(
                        r#""{}":{{"latestQuote":{{"t":"{quote_time}","bp":{},"bs":10,"ap":{},"as":10}},"latestTrade":{{"t":"{quote_time}","p":{},"s":1}},"greeks":{{"delta":{}}},"impliedVolatility":{},"dailyBar":{{"t":"{quote_time}","o":1,"h":1,"l":1,"c":1,"v":{}}}}}"#,
                        f[sym], f[bid], f[ask], f[last], f[delta], f[iv], f[vol]
                    )
                })
                .collect();
            let next = if i + 1 < pages.len() { format!("\"c{}\"", i + 1) } else { "null".into() };
            ok(format!(r#"{{"snapshots":{{{}}},"next_page_token":{next}}}"#, snaps.join(",")))
        })
        .collect();
    let server = MockServer::start(script);
    let r = rig(&[&server.base], |_| {});
    let chain = r.client.option_chain(&ChainRequest::new("A")).unwrap();
    assert_eq!(server.finish().len(), 3);
    assert!(chain.unquoted.is_empty());
    assert_eq!(chain.rows.rows.len(), records.len());
    assert_eq!(chain.rows.root.as_deref(), Some("A"));
    for f in &records {
        let expiry = NaiveDate::parse_from_str(&f[exp], "%m/%d/%Y").unwrap();
        let right: OptionRight = f[typ].parse().unwrap();
        let k: f64 = f[strike].parse().unwrap();
        let q = chain
            .rows
            .rows
            .iter()
            .find(|q| q.expiry == expiry && q.right == right && q.strike == k)
            .unwrap_or_else(|| panic!("{} missing", f[sym]));
        let price = |i: usize| Some(f[i].parse::<f64>().unwrap()).filter(|&x| x > 0.0);
        assert_eq!((q.bid, q.ask), (price(bid), price(ask)), "{}", f[sym]);
        assert_eq!(q.last, Some(f[last].parse().unwrap()));
        assert_eq!(q.volume, f[vol].parse::<u64>().unwrap());
        assert_eq!(
            (q.iv, q.delta),
            (
                Some(f[iv].parse().unwrap()),
                Some(f[delta].parse().unwrap())
            )
        );
        assert_eq!(q.ts, quote_time);
    }
    // Sorted by expiry, strike, right.
    assert!(
        chain
            .rows
            .rows
            .windows(2)
            .all(|w| (w[0].expiry, w[0].strike) <= (w[1].expiry, w[1].strike))
    );
}

#[test]
fn one_client_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<AlpacaClient>();
    let bad = AlpacaClient::new(
        Credentials::new(KEY, SECRET).unwrap(),
        ClientConfig::with_sources(["ftp://example.invalid"]),
    );
    let err = bad.unwrap_err().to_string();
    assert!(err.contains("sources") && !err.contains(KEY), "{err}");
}
