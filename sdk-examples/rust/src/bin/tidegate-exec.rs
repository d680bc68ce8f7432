//! Execution adapter: fills order commands for one venue against the last quote.
//!
//! `tidegate-exec --endpoint 127.0.0.1:7400 --venue BINANCE`, and against a secured gateway
//! `--ca ca.pem --token-file binance-adapter.token` (or `--cert`/`--key` for mTLS).

use anyhow::Context;
use clap::Parser;
use tidegate::client::{Client, ClientConfig, Start};
use tidegate::decimal::Dec;
use tidegate::telemetry;
use tidegate_examples::exec::{AdapterConfig, ExecAdapter};

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Tidegate execution adapter: simulated fills against the last quote"
)]
struct Args {
    #[command(flatten)]
    connect: tidegate_examples::connect::ConnectFlags,
    /// Gateway address (host:port or http://host:port)
    #[arg(long, default_value = "127.0.0.1:7400")]
    endpoint: String,
    /// Venue whose commands this adapter executes (`exec.commands.<VENUE>.*`)
    #[arg(long)]
    venue: String,
    /// Consumer group shared by this venue's adapters (default: exec-<venue>)
    #[arg(long)]
    group: Option<String>,
    /// Quote topic patterns (repeatable)
    #[arg(long = "quotes", default_value = "data.quotes.>")]
    quote_patterns: Vec<String>,
    /// Where the quote subscription starts: latest or earliest
    #[arg(long, default_value = "latest", value_parser = ["latest", "earliest"])]
    quote_start: String,
    /// Taker fee rate as a decimal (0.001 = 0.1%)
    #[arg(long, default_value = "0.001")]
    taker_fee: Dec,
    /// Maker fee rate for resting limit orders
    #[arg(long, default_value = "0.0002")]
    maker_fee: Dec,
    /// Commands in flight at once
    #[arg(long, default_value_t = 64)]
    credit: u32,
    /// Export traces over OTLP/gRPC to this endpoint, e.g. http://127.0.0.1:4317 (default:
    /// OTEL_EXPORTER_OTLP_ENDPOINT; no export when neither is set)
    #[arg(long)]
    otlp_endpoint: Option<String>,
    /// service.name of the exported spans (default: OTEL_SERVICE_NAME, else tidegate-exec)
    #[arg(long)]
    service_name: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tidegate_examples::init_logging("info");
    let args = Args::parse();
    tidegate::topic::command_pattern(&args.venue).context("--venue")?;
    let mut config = AdapterConfig::new(&args.venue);
    if let Some(g) = args.group {
        config.group = g;
    }
    config.quote_patterns = args.quote_patterns;
    config.quote_start = if args.quote_start == "earliest" {
        Start::Earliest
    } else {
        Start::Latest
    };
    config.sim.taker_fee = args.taker_fee;
    config.sim.maker_fee = args.maker_fee;
    config.command_credit = args.credit;
    let tracer_provider = if telemetry::otlp_requested(args.otlp_endpoint.as_deref()) {
        let service = args
            .service_name
            .or_else(|| std::env::var("OTEL_SERVICE_NAME").ok())
            .unwrap_or_else(|| "tidegate-exec".into());
        tracing::info!(service = %service, "exporting traces over OTLP");
        Some(
            telemetry::init_otlp(service, args.otlp_endpoint.as_deref())
                .context("--otlp-endpoint")?,
        )
    } else {
        None
    };

    let client_config = args.connect.apply(ClientConfig::new(
        &args.endpoint,
        format!("tidegate-exec-{}", args.venue.to_ascii_lowercase()),
    ))?;
    let client = Client::connect(client_config)
        .await
        .with_context(|| format!("connecting to {}", args.endpoint))?;
    let (adapter, stats) = ExecAdapter::new(client.clone(), config);
    let mut task = tokio::spawn(adapter.run());
    let result = tokio::select! {
        r = &mut task => r.map_err(anyhow::Error::from).and_then(|r| r),
        _ = tokio::signal::ctrl_c() => {
            client.close();
            let s = stats.borrow().clone();
            eprintln!("tidegate-exec: stopping ({} quotes, {} commands, {} events, {} rejected, {} refused by the gateway)",
                s.quotes, s.commands, s.events, s.rejected, s.refused);
            if let Some(last) = s.last_refusal {
                eprintln!("tidegate-exec: last refusal: {last}");
            }
            Ok(())
        }
    };
    if let Some(provider) = tracer_provider {
        telemetry::shutdown(provider).await; // exports the spans still batched
    }
    result
}
