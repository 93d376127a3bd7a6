//! Structured logs and traces through `tracing`.
//!
//! Logs: text by default, JSON with `BECTA_LOG_FORMAT=json`; the filter comes from `RUST_LOG`
//! (default `info`). Each request's lines carry its id. Logs go to stderr, so commands that
//! print a result (`becta token`, `becta schema`) keep stdout clean.
//!
//! Traces: every request is a span (`request`, with `request_id`), and every database call a
//! span inside it (`sea_orm.*`, from sea-orm's `tracing-spans`, with the statement), so a
//! trace shows where a request spent its time. With `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set they are sent to that OpenTelemetry collector
//! over OTLP/HTTP (protobuf), in batches from a background task (`OTEL_BSP_*` tune the
//! batches); each export has a time limit (`OTEL_EXPORTER_OTLP_TIMEOUT`, 10 s by default),
//! and spans that cannot be sent are dropped, never holding a request up.
//!
//! Policy: the log filter and the trace filter are separate, so `RUST_LOG` quiets the logs of
//! database calls without losing their spans; the exporter's own HTTP calls are never traced.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Level;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::TracingConfig;

/// The trace pipeline, when one is configured: flushed and stopped by [`Telemetry::shutdown`].
#[must_use = "call shutdown() before exit, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still queued and stops the exporter.
    pub fn shutdown(self) {
        if let Some(p) = self.provider
            && let Err(e) = p.shutdown()
        {
            eprintln!("becta: traces not all sent: {e}");
        }
    }
}

fn log_filter() -> EnvFilter {
    EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"))
}

/// What is traced: this program's spans and the database calls, none of the HTTP clients'
/// (the exporter's own requests would trace themselves).
fn trace_filter() -> Targets {
    Targets::new()
        .with_default(Level::INFO)
        .with_target("sea_orm_migration", LevelFilter::OFF)
        .with_target("sqlx", LevelFilter::OFF)
        .with_target("hyper", LevelFilter::OFF)
        .with_target("hyper_util", LevelFilter::OFF)
        .with_target("reqwest", LevelFilter::OFF)
        .with_target("h2", LevelFilter::OFF)
        .with_target("tower", LevelFilter::OFF)
        .with_target("opentelemetry", LevelFilter::OFF)
        .with_target("opentelemetry_sdk", LevelFilter::OFF)
        .with_target("opentelemetry_otlp", LevelFilter::OFF)
        .with_target("opentelemetry_http", LevelFilter::OFF)
}

/// The OTLP pipeline for `endpoint`; must run inside the tokio runtime (its batches are sent
/// from a task of it).
fn provider(endpoint: &str, service_name: &str) -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(endpoint)
        .build()?;
    let batches =
        opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(
            exporter,
            opentelemetry_sdk::runtime::Tokio,
        )
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(batches)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service_name.to_owned())
                .build(),
        )
        .build())
}

/// Logs, and traces when an endpoint is configured. Call inside the tokio runtime.
pub fn init(json: bool, tracing: &TracingConfig) -> anyhow::Result<Telemetry> {
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false);
    let fmt = if json {
        fmt.json().with_filter(log_filter()).boxed()
    } else {
        fmt.with_filter(log_filter()).boxed()
    };
    let provider = match &tracing.otlp_traces_endpoint {
        Some(endpoint) => Some(provider(endpoint, &tracing.service_name)?),
        None => None,
    };
    let otel = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("becta"))
            .with_filter(trace_filter())
    });
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .try_init();
    if let Some(endpoint) = &tracing.otlp_traces_endpoint {
        ::tracing::info!(%endpoint, "sending traces over OTLP");
    }
    Ok(Telemetry { provider })
}

/// For tests: logs go through the test harness's capture (shown only for failing tests).
pub fn init_for_tests() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,becta_api=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}
