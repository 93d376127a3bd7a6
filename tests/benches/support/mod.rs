//! What the benchmarks share: latency percentiles, a closed-loop load driver, the machine's
//! description, and writing a section of BENCHMARKS.md.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use becta_domain::sea_orm::ConnectionTrait;

use std::process::ExitCode;

use anyhow::{Context, Result};

/// A benchmark's `main`: parse its options (exit 2 when they are wrong), run it on a
/// multi-threaded runtime, and report failure with its cause.
pub fn main<O, F, R, Fut>(options: F, run: R) -> ExitCode
where
    F: FnOnce() -> Result<O>,
    R: FnOnce(O) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("benchmark failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Default)]
pub struct Latencies(pub Vec<f64>);

impl Latencies {
    pub fn pct(&mut self, p: f64) -> f64 {
        self.0.sort_by(f64::total_cmp);
        if self.0.is_empty() {
            return f64::NAN;
        }
        let i = ((p / 100.0) * (self.0.len() - 1) as f64).round() as usize;
        self.0[i]
    }
}

/// `clients` concurrent loops for `secs`; each call returns Ok(()) only for a clean answer.
#[allow(
    dead_code,
    reason = "shared: only the lending bench uses `load` (search uses `load_for`, suite neither)"
)]
pub async fn load<F, Fut>(clients: usize, secs: u64, call: F) -> Result<(Latencies, f64, usize)>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    load_for(clients, Duration::from_secs(secs), call).await
}

/// As [`load`], for any length of time.
pub async fn load_for<F, Fut>(
    clients: usize,
    length: Duration,
    call: F,
) -> Result<(Latencies, f64, usize)>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let call = Arc::new(call);
    let deadline = Instant::now() + length;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut i = c;
            while Instant::now() < deadline {
                let t = Instant::now();
                match call(i).await {
                    Ok(()) => lat.push(t.elapsed().as_secs_f64() * 1000.0),
                    Err(e) => {
                        errors += 1;
                        if errors == 1 {
                            eprintln!("error: {e:#}");
                        }
                    }
                }
                i += clients;
            }
            (lat, errors)
        }));
    }
    let mut all = Latencies::default();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await?;
        all.0.extend(lat);
        errors += e;
    }
    let rps = all.0.len() as f64 / started.elapsed().as_secs_f64();
    Ok((all, rps, errors))
}

/// CPU time this process has used so far (all threads, user and system), in seconds, from
/// `/proc/self/stat` (clock ticks of 1/100 s); `None` where that cannot be read.
#[allow(dead_code, reason = "shared: only the search bench measures CPU time")]
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces): utime and
    // stime are the 12th and 13th of them.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024 / 1024)
        .unwrap_or(0);
    format!("{cpu}, {cores} cores, {mem} GiB")
}

/// Replaces the section `name` of BENCHMARKS.md (between its markers), or appends it.
pub fn write_section(name: &str, section: &str) -> Result<()> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
    let (begin, end) = (
        format!("<!-- bench:{name}:begin -->"),
        format!("<!-- bench:{name}:end -->"),
    );
    let (begin, end) = (begin.as_str(), end.as_str());
    let current = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let block = format!("{begin}\n{section}{end}");
    let updated = match (current.find(begin), current.find(end)) {
        (Some(b), Some(e)) if e > b => {
            format!("{}{block}{}", &current[..b], &current[e + end.len()..])
        }
        _ => format!("{}\n{block}\n", current.trim_end()),
    };
    std::fs::write(&path, updated)?;
    eprintln!("results written to {}", path.display());
    Ok(())
}

/// A new PostgreSQL database for one benchmark run, on `BECTA_BENCH_POSTGRES_URL` (default the
/// local server); dropped by [`ScratchDatabase::drop_it`]. (The search bench does not use it.)
#[allow(
    dead_code,
    reason = "shared: the lending and suite benches use a scratch database, search does not"
)]
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

#[allow(
    dead_code,
    reason = "shared: the lending and suite benches use a scratch database, search does not"
)]
impl ScratchDatabase {
    pub async fn create(prefix: &str) -> Result<ScratchDatabase> {
        let admin_url = std::env::var("BECTA_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let admin = becta_domain::db::connect(&admin_url).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let (server, _) = admin_url
            .rsplit_once('/')
            .context("the PostgreSQL URL needs a database name")?;
        let url = format!("{server}/{name}");
        Ok(ScratchDatabase {
            admin_url,
            name,
            url,
        })
    }

    /// Drops the database, retrying for a few seconds (PostgreSQL may be coming back up).
    pub async fn drop_it(self) -> Result<()> {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let mut last = None;
        for _ in 0..20 {
            match becta_domain::db::connect(&self.admin_url).await {
                Ok(admin) => match admin.execute_unprepared(&sql).await {
                    Ok(_) => return Ok(()),
                    Err(e) => last = Some(anyhow::Error::from(e)),
                },
                Err(e) => last = Some(e.into()),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("could not drop {}", self.name)))
    }
}

/// A minimal HTTP/1.1 client for load generation: one keep-alive connection, requests written
/// as prepared bytes, answers read by their `Content-Length`. The load generator shares the
/// machine's cores with the server, so it should cost as little as it can; a general client
/// (connection pool, request builder, a task per connection) cost about as much per request as
/// parts of the server being measured. (Only the search bench uses it.)
#[allow(
    dead_code,
    reason = "shared: only the search bench uses the raw HTTP client"
)]
pub struct RawHttp {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

#[allow(
    dead_code,
    reason = "shared: only the search bench uses the raw HTTP client"
)]
impl RawHttp {
    pub async fn connect(addr: std::net::SocketAddr) -> Result<RawHttp> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(RawHttp {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    /// `POST path` with a JSON body, as the bytes [`RawHttp::call`] sends.
    pub fn post_json(addr: std::net::SocketAddr, path: &str, body: &[u8]) -> Vec<u8> {
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        req
    }

    /// Sends one prepared request and returns the answer's body; an answer other than
    /// `200 OK` with a `Content-Length` is an error.
    pub async fn call(&mut self, request: &[u8]) -> Result<&[u8]> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.stream.write_all(request).await?;
        self.buf.clear();
        let (head_len, body_len) = loop {
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                anyhow::bail!("the server closed the connection");
            }
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end])?;
                anyhow::ensure!(
                    head.starts_with("HTTP/1.1 200 "),
                    "answer: {}",
                    head.lines().next().unwrap_or_default()
                );
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .context("an answer without content-length")?;
                break (end + 4, len);
            }
        };
        while self.buf.len() < head_len + body_len {
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                anyhow::bail!("the server closed the connection mid-answer");
            }
        }
        Ok(&self.buf[head_len..head_len + body_len])
    }
}
