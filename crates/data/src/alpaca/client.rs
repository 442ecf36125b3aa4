//! The client: requests, retries, circuit breakers, fallbacks and pagination.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use thetalab_core::{Clock, OccSymbol, SystemClock};

use super::backoff::{FullJitter, parse_retry_after};
use super::breaker::{Admission, BreakerState, CircuitBreaker};
use super::config::{BarsRequest, ChainRequest, ClientConfig};
use super::credentials::{Credentials, KEY_ID_HEADER, SECRET_KEY_HEADER};
use super::event::{Event, FailureKind, SourceFailure};
use super::pacing::{RateLimiter, Sleeper, ThreadSleeper};
use super::query::path_and_query;
use super::wire::{self, WireError};
use crate::ingest::alpaca_json;
use crate::{Bar, BarSeries, ChainRows, DataError, OptionQuote};

/// Longest server message kept in an error or event.
const MAX_MESSAGE_CHARS: usize = 300;

/// An option chain as fetched: the quoted contracts, and those Alpaca listed without a
/// quote or a trade (they have no time to be stamped with, so they are not rows; they
/// are listed here rather than silently dropped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OptionChain {
    /// Quoted contracts, sorted by expiry, strike, right (calls first).
    pub rows: ChainRows,
    /// Contracts with neither a latest quote nor a latest trade, sorted.
    pub unquoted: Vec<OccSymbol>,
}

/// The hook that receives [`Event`]s.
type EventHook = Box<dyn Fn(&Event) + Send + Sync>;

/// State shared by all requests of one client (one Alpaca account).
#[derive(Debug)]
struct Shared {
    limiter: RateLimiter,
    breakers: Vec<CircuitBreaker>,
    jitter: FullJitter,
}

/// A blocking client for Alpaca's historical market data.
///
/// One client stands for one account: its rate limiter spends the account's
/// per-minute budget across every request, retry and source, so share one client
/// (`&AlpacaClient` or `Arc<AlpacaClient>`; it is `Send + Sync`) rather than making
/// several.
///
/// For each HTTP request it goes through `config.sources` in order. On a source it
/// waits for the rate limiter, sends, and
/// - on 2xx, returns the body;
/// - on 429, 5xx, a timeout or a connection failure, waits (`Retry-After` when the
///   server sent one, else exponential backoff with full jitter) and retries, up to
///   `max_retries` times;
/// - on any other status (401, 403, 404, 422, 3xx …), fails at once with
///   [`DataError::AlpacaRejected`]: the answer would not change.
///
/// Failures other than 429 count towards the source's [`CircuitBreaker`]; when it opens,
/// or the retries run out, the next source is tried, and when every source has failed
/// the error is [`DataError::AlpacaUnavailable`] with what happened on each. A source
/// whose circuit is open is skipped without a request until its cooldown ends.
///
/// Time comes from the injected [`Clock`] and waits go through the injected
/// [`Sleeper`], so tests run on a simulated clock without sleeping.
///
/// ```no_run
/// use thetalab_core::Timestamp;
/// use thetalab_data::alpaca::{AlpacaClient, BarsRequest, ClientConfig, Timeframe};
///
/// let client = AlpacaClient::from_env(ClientConfig::default())?;
/// let start = Timestamp::parse_rfc3339("2024-01-19T14:30:00Z")?;
/// let end = Timestamp::parse_rfc3339("2024-01-19T20:59:00Z")?;
/// let series = client.stock_bars(&BarsRequest::new("SPY", Timeframe::MINUTE, start, Some(end)))?;
/// println!("{} bars", series.bars.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AlpacaClient {
    credentials: Credentials,
    sources: Vec<String>,
    config: ClientConfig,
    agent: ureq::Agent,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    shared: Mutex<Shared>,
    hook: Option<EventHook>,
}

impl fmt::Debug for AlpacaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlpacaClient")
            .field("credentials", &self.credentials)
            .field("sources", &self.sources)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// How one attempt ended.
enum Outcome {
    /// A 2xx body.
    Body(String),
    /// Not worth retrying anywhere.
    Fatal(DataError),
    /// Worth retrying.
    Retry {
        failure: FailureKind,
        retry_after: Option<Duration>,
        /// Whether it counts against the source's health (everything but 429).
        trips_breaker: bool,
    },
}

impl AlpacaClient {
    /// A client on the system clock that really sleeps.
    ///
    /// Errors with [`DataError::AlpacaParameter`] for an invalid `config`.
    pub fn new(credentials: Credentials, config: ClientConfig) -> Result<AlpacaClient, DataError> {
        Self::with_runtime(
            credentials,
            config,
            Arc::new(SystemClock),
            Arc::new(ThreadSleeper),
        )
    }

    /// A client with keys from `APCA_API_KEY_ID` and `APCA_API_SECRET_KEY`.
    pub fn from_env(config: ClientConfig) -> Result<AlpacaClient, DataError> {
        Self::new(Credentials::from_env()?, config)
    }

    /// A client reading time from `clock` and waiting through `sleeper` (for tests:
    /// a [`SimulatedClock`](thetalab_core::SimulatedClock) and a
    /// [`RecordingSleeper`](super::RecordingSleeper) advancing it).
    pub fn with_runtime(
        credentials: Credentials,
        config: ClientConfig,
        clock: Arc<dyn Clock>,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<AlpacaClient, DataError> {
        let sources = config.validated_sources()?;
        let limiter = RateLimiter::new(config.requests_per_minute, config.burst)?;
        let breakers = sources
            .iter()
            .map(|_| CircuitBreaker::new(config.breaker_threshold, config.breaker_cooldown))
            .collect();
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                // Statuses are data here, not errors.
                .http_status_as_error(false)
                .timeout_global(Some(config.timeout))
                // A redirect would carry the key headers to wherever it points: refuse.
                .max_redirects(0)
                .user_agent(concat!("thetalab-data/", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        Ok(AlpacaClient {
            credentials,
            sources,
            shared: Mutex::new(Shared {
                limiter,
                breakers,
                jitter: FullJitter::new(
                    config.base_backoff,
                    config.max_backoff,
                    config.jitter_seed,
                ),
            }),
            config,
            agent,
            clock,
            sleeper,
            hook: None,
        })
    }

    /// Sets the hook that receives every [`Event`] (replacing any previous one).
    #[must_use]
    pub fn on_event(mut self, hook: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The sources, normalised (no trailing slash), in the order tried.
    #[must_use]
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The circuit state of source `index`, if there is such a source.
    #[must_use]
    pub fn breaker_state(&self, index: usize) -> Option<BreakerState> {
        self.lock().breakers.get(index).map(CircuitBreaker::state)
    }

    /// Every bar of `request`, following `next_page_token` to the end.
    ///
    /// Each page is read by [`crate::ingest::alpaca_json`] (the same reader as saved
    /// response files), which puts a page's bars in time order. A bar it cannot read
    /// fails the whole request with a [`DataError::AlpacaResponse`] naming the page and
    /// field; so does a bar that is not strictly after the one before it (across pages
    /// too) or that lies outside `[start, end]`: never a silent drop.
    pub fn stock_bars(&self, request: &BarsRequest) -> Result<BarSeries, DataError> {
        let (path, params) = request.to_query()?;
        let mut bars: Vec<Bar> = Vec::new();
        self.paginate(&path, &params, |body, page, request_text| {
            let at_fault = |field: String, reason: String| DataError::AlpacaResponse {
                request: request_text.to_string(),
                page,
                field,
                reason,
            };
            let parsed = alpaca_json::parse_str(body, Path::new(request_text))?;
            if let Some(reject) = parsed.rejects.first() {
                return Err(at_fault(
                    reject.field.clone().unwrap_or_else(|| "bars".to_string()),
                    format!(
                        "{} ({} of {} bars on this page unreadable; first at line {}: {})",
                        reject.reason,
                        parsed.rejects.len(),
                        parsed.rows_read,
                        reject.line,
                        reject.raw
                    ),
                ));
            }
            let mut records = 0;
            for series in parsed.data.series {
                if series.symbol != request.symbol {
                    return Err(at_fault(
                        "symbol".to_string(),
                        format!(
                            "response is for {:?}, not the requested {:?}",
                            series.symbol, request.symbol
                        ),
                    ));
                }
                for (i, b) in series.bars.into_iter().enumerate() {
                    if let Some(prev) = bars.last()
                        && b.ts <= prev.ts
                    {
                        return Err(at_fault(
                            format!("bars[{i}].t"),
                            format!("{} is not after the previous bar's {}", b.ts, prev.ts),
                        ));
                    }
                    if b.ts < request.start || request.end.is_some_and(|end| b.ts > end) {
                        return Err(at_fault(
                            format!("bars[{i}].t"),
                            format!("{} is outside the requested range", b.ts),
                        ));
                    }
                    bars.push(b);
                    records += 1;
                }
            }
            Ok((records, parsed.data.next_page_token))
        })?;
        Ok(BarSeries {
            symbol: request.symbol.clone(),
            bars,
        })
    }

    /// The option chain of `request.underlying`, every page of it.
    ///
    /// Each contract's details (expiry, strike, right) come from its OCC symbol. A row is
    /// stamped with the latest quote's time (or the latest trade's when there is no
    /// quote); `bid`/`ask` of 0 (an empty side) become `None`; `last` is the latest trade
    /// price; `volume` the daily bar's (0 without one); `iv` (decimal) and the Greeks
    /// are kept exactly as Alpaca gives them, in Alpaca's units (rho is not kept: the
    /// schema has no field for it); `underlying_price` and `open_interest` are not in
    /// this endpoint and stay `None`. A contract listed twice is an error.
    pub fn option_chain(&self, request: &ChainRequest) -> Result<OptionChain, DataError> {
        let (path, params) = request.to_query()?;
        let mut seen: HashSet<OccSymbol> = HashSet::new();
        let mut quoted: Vec<(OccSymbol, OptionQuote)> = Vec::new();
        let mut unquoted: Vec<OccSymbol> = Vec::new();
        self.paginate(&path, &params, |body, page, request_text| {
            let wire_error = |e| response_error(request_text, page, e);
            let page_obj = wire::parse_object(body).map_err(wire_error)?;
            let next = wire::next_page_token(&page_obj).map_err(wire_error)?;
            let got = wire::snapshots_page(&page_obj).map_err(wire_error)?;
            let n = got.len();
            for (symbol, quote) in got {
                if !seen.insert(symbol) {
                    return Err(DataError::AlpacaResponse {
                        request: request_text.to_string(),
                        page,
                        field: format!("snapshots.{}", symbol.to_compact()),
                        reason: "contract already listed on an earlier page".to_string(),
                    });
                }
                match quote {
                    Some(q) => quoted.push((symbol, q)),
                    None => unquoted.push(symbol),
                }
            }
            Ok((n, next))
        })?;
        quoted.sort_by(|(sa, a), (sb, b)| {
            a.expiry
                .cmp(&b.expiry)
                .then(sa.strike_milli().cmp(&sb.strike_milli()))
                .then(a.right.cmp(&b.right))
                .then(sa.root().cmp(sb.root()))
        });
        unquoted.sort();
        let root = quoted.first().map(|(s, _)| s.root().to_string());
        let root = root.filter(|r| quoted.iter().all(|(s, _)| s.root() == r));
        Ok(OptionChain {
            rows: ChainRows {
                underlying: request.underlying.clone(),
                root,
                rows: quoted.into_iter().map(|(_, q)| q).collect(),
            },
            unquoted,
        })
    }

    /// Fetches page after page, handing each body to `each` with its 1-based page number
    /// and request text; `each` returns how many records the page held and its
    /// `next_page_token`. Stops when there is no next token.
    fn paginate(
        &self,
        path: &str,
        params: &[(&'static str, String)],
        mut each: impl FnMut(&str, usize, &str) -> Result<(usize, Option<String>), DataError>,
    ) -> Result<(), DataError> {
        let first = format!("GET {}", path_and_query(path, params));
        let mut followed: HashSet<String> = HashSet::new();
        let mut token: Option<String> = None;
        let mut page = 0usize;
        loop {
            page += 1;
            if page > self.config.max_pages {
                return Err(DataError::AlpacaPagination {
                    request: first,
                    page,
                    reason: format!("more than max_pages = {} pages", self.config.max_pages),
                });
            }
            let pq = match &token {
                None => path_and_query(path, params),
                Some(t) => {
                    let mut with_token = params.to_vec();
                    with_token.push(("page_token", t.clone()));
                    path_and_query(path, &with_token)
                }
            };
            let request_text = format!("GET {pq}");
            let body = self.get(&pq).map_err(|e| match e {
                // `send` does not know the page number: fill it in.
                DataError::AlpacaResponse {
                    request,
                    page: 0,
                    field,
                    reason,
                } => DataError::AlpacaResponse {
                    request,
                    page,
                    field,
                    reason,
                },
                other => other,
            })?;
            let (records, next) = each(&body, page, &request_text)?;
            self.emit(|| Event::Page {
                request: first.clone(),
                page,
                records,
                more: next.is_some(),
            });
            match next {
                None => return Ok(()),
                Some(t) => {
                    if !followed.insert(t.clone()) {
                        return Err(DataError::AlpacaPagination {
                            request: first,
                            page,
                            reason: format!(
                                "next_page_token {t:?} was already followed: the server is looping"
                            ),
                        });
                    }
                    token = Some(t);
                }
            }
        }
    }

    /// One GET of `pq` (path and query), through the sources in order.
    fn get(&self, pq: &str) -> Result<String, DataError> {
        let mut tried = Vec::new();
        for (index, base) in self.sources.iter().enumerate() {
            match self.try_source(index, base, pq)? {
                Ok(body) => return Ok(body),
                Err(failure) => {
                    if let Some(next) = self.sources.get(index + 1) {
                        self.emit(|| Event::Fallback {
                            from: base.clone(),
                            to: next.clone(),
                            failure: failure.last.clone(),
                        });
                    }
                    tried.push(failure);
                }
            }
        }
        Err(DataError::AlpacaUnavailable {
            request: format!("GET {pq}"),
            tried,
        })
    }

    /// Attempts on one source: `Ok(Ok(body))`, `Ok(Err(_))` to move on to the next
    /// source, `Err(_)` to stop altogether.
    fn try_source(
        &self,
        index: usize,
        base: &str,
        pq: &str,
    ) -> Result<Result<String, SourceFailure>, DataError> {
        let mut attempts = 0u32;
        let give_up = |attempts: u32, last: FailureKind| {
            Ok(Err(SourceFailure {
                base_url: base.to_string(),
                attempts,
                last,
            }))
        };
        loop {
            let admission = self.with_breaker(index, |b, now| b.admit(now));
            match admission {
                Some(Admission::Rejected { until }) => {
                    return give_up(attempts, FailureKind::CircuitOpen { until });
                }
                Some(Admission::Trial) => self.emit(|| Event::CircuitTrial {
                    base_url: base.to_string(),
                }),
                Some(Admission::Allowed) | None => {}
            }
            let wait = self.lock().limiter.reserve(self.clock.now());
            if !wait.is_zero() {
                self.emit(|| Event::Throttled { wait });
                self.sleeper.sleep(wait);
            }
            attempts += 1;
            self.emit(|| Event::Request {
                at: self.clock.now(),
                base_url: base.to_string(),
                request: format!("GET {pq}"),
                attempt: attempts,
            });
            match self.send(base, pq) {
                Outcome::Body(body) => {
                    self.record_success(index, base, admission);
                    return Ok(Ok(body));
                }
                Outcome::Fatal(e) => {
                    // The server answered: it is up, whatever it thought of the request.
                    self.record_success(index, base, admission);
                    return Err(e);
                }
                Outcome::Retry {
                    failure,
                    retry_after,
                    trips_breaker,
                } => {
                    if trips_breaker {
                        let opened = self
                            .with_breaker(index, |b, now| b.record_failure(now).then(|| b.state()));
                        if let Some(Some(BreakerState::Open { until })) = opened {
                            self.emit(|| Event::CircuitOpened {
                                base_url: base.to_string(),
                                until,
                            });
                            return give_up(attempts, failure);
                        }
                    } else {
                        self.record_success(index, base, admission);
                    }
                    if attempts > self.config.max_retries {
                        return give_up(attempts, failure);
                    }
                    let delay = match retry_after {
                        Some(d) if d > self.config.max_retry_after => {
                            return give_up(attempts, failure);
                        }
                        Some(d) => d,
                        None => self.lock().jitter.delay(attempts - 1),
                    };
                    self.emit(|| Event::Retry {
                        base_url: base.to_string(),
                        attempt: attempts,
                        failure: failure.clone(),
                        delay,
                    });
                    self.sleeper.sleep(delay);
                }
            }
        }
    }

    /// Closes the circuit of source `index`, reporting it when this was a trial.
    fn record_success(&self, index: usize, base: &str, admission: Option<Admission>) {
        self.with_breaker(index, |b, _| b.record_success());
        if admission == Some(Admission::Trial) {
            self.emit(|| Event::CircuitClosed {
                base_url: base.to_string(),
            });
        }
    }

    /// Sends one GET and sorts the outcome.
    fn send(&self, base: &str, pq: &str) -> Outcome {
        let url = format!("{base}{pq}");
        let result = self
            .agent
            .get(&url)
            .header(KEY_ID_HEADER, self.credentials.key_id())
            .header(SECRET_KEY_HEADER, self.credentials.secret_key())
            .header("Accept", "application/json")
            .call();
        let mut response = match result {
            Ok(r) => r,
            Err(e) => return self.transport_failure(base, pq, e),
        };
        let status = response.status().as_u16();
        self.emit(|| Event::Response {
            base_url: base.to_string(),
            status,
        });
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, self.clock.now()));
        let body = response
            .body_mut()
            .with_config()
            .limit(self.config.max_body_bytes)
            .read_to_string();
        match status {
            200..=299 => match body {
                Ok(b) => Outcome::Body(b),
                Err(e) => self.transport_failure(base, pq, e),
            },
            429 => Outcome::Retry {
                failure: FailureKind::RateLimited { retry_after },
                retry_after,
                trips_breaker: false,
            },
            500..=599 => Outcome::Retry {
                failure: FailureKind::Server {
                    status,
                    message: self.server_message(body.as_deref().unwrap_or("")),
                },
                retry_after,
                trips_breaker: true,
            },
            _ => Outcome::Fatal(DataError::AlpacaRejected {
                base_url: base.to_string(),
                request: format!("GET {pq}"),
                status,
                message: self.server_message(body.as_deref().unwrap_or("")),
            }),
        }
    }

    /// Sorts a transport error into a timeout, a connection failure or a fatal error.
    fn transport_failure(&self, base: &str, pq: &str, e: ureq::Error) -> Outcome {
        let retry = |failure| Outcome::Retry {
            failure,
            retry_after: None,
            trips_breaker: true,
        };
        match e {
            ureq::Error::Timeout(_) => retry(FailureKind::Timeout),
            ureq::Error::Io(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                retry(FailureKind::Timeout)
            }
            ureq::Error::BodyExceedsLimit(limit) => Outcome::Fatal(DataError::AlpacaResponse {
                request: format!("GET {pq}"),
                page: 0,
                field: "(body)".to_string(),
                reason: format!("{base} sent more than max_body_bytes = {limit} bytes"),
            }),
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
                Outcome::Fatal(DataError::AlpacaParameter {
                    field: "sources",
                    value: base.to_string(),
                    reason: format!(
                        "cannot build a request: {}",
                        self.credentials.scrub(&e.to_string())
                    ),
                })
            }
            other => retry(FailureKind::Connection {
                reason: self.credentials.scrub(&other.to_string()),
            }),
        }
    }

    /// The server's `message` (Alpaca's error bodies are `{"code": …, "message": …}`),
    /// else the body itself, shortened and scrubbed of credentials.
    fn server_message(&self, body: &str) -> String {
        let message = match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(m)) => match m.get("message") {
                Some(Value::String(s)) => s.clone(),
                _ => body.trim().to_string(),
            },
            _ => body.trim().to_string(),
        };
        // Scrub before shortening, so that a credential cut in half cannot survive.
        let scrubbed = self.credentials.scrub(&message);
        let mut short: String = scrubbed.chars().take(MAX_MESSAGE_CHARS).collect();
        if short.len() < scrubbed.len() {
            short.push('…');
        }
        if short.is_empty() {
            "(no message)".to_string()
        } else {
            short
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // The state stays consistent even if a hook panicked while it was held.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn with_breaker<T>(
        &self,
        index: usize,
        f: impl FnOnce(&mut CircuitBreaker, thetalab_core::Timestamp) -> T,
    ) -> Option<T> {
        let now = self.clock.now();
        self.lock().breakers.get_mut(index).map(|b| f(b, now))
    }

    fn emit(&self, event: impl FnOnce() -> Event) {
        if let Some(hook) = &self.hook {
            hook(&event());
        }
    }
}

fn response_error(request: &str, page: usize, e: WireError) -> DataError {
    DataError::AlpacaResponse {
        request: request.to_string(),
        page,
        field: e.field,
        reason: e.reason,
    }
}
