//! Subscriber CLI: prints one line per message received.
//!
//! `tidegate-sub --pattern 'data.quotes.>' --start earliest --count 10`

use std::io::Write;
use std::str::FromStr;

use anyhow::{bail, Context};
use clap::Parser;
use tidegate::client::{Client, ClientConfig, Priority, Start, SubscribeOptions};
use tidegate::payload::{render, DecodeMode};

#[derive(Debug, Clone)]
struct StartArg(Start);

impl FromStr for StartArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "latest" => Ok(StartArg(Start::Latest)),
            "earliest" => Ok(StartArg(Start::Earliest)),
            _ => match s.strip_prefix("timestamp:").map(str::parse::<i64>) {
                Some(Ok(ns)) => Ok(StartArg(Start::Timestamp(ns))),
                _ => Err(format!(
                    "{s:?} is not latest, earliest or timestamp:<unix nanoseconds>"
                )),
            },
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Tidegate subscriber: prints what it receives, one line per message"
)]
struct Args {
    #[command(flatten)]
    connect: tidegate_examples::connect::ConnectFlags,
    /// Gateway address (host:port or http://host:port)
    #[arg(long, default_value = "127.0.0.1:7400")]
    endpoint: String,
    /// Topic pattern (repeatable): `*` one segment, `>` the rest, `?` one character
    #[arg(long = "pattern", required = true)]
    patterns: Vec<String>,
    /// Join this consumer group (acks each message after printing); else broadcast
    #[arg(long)]
    group: Option<String>,
    /// latest | earliest | timestamp:<unix ns>
    #[arg(long, default_value = "latest")]
    start: StartArg,
    /// Exit after this many messages
    #[arg(long)]
    count: Option<u64>,
    /// How to show payloads
    #[arg(long, value_enum, default_value = "auto")]
    decode: DecodeArg,
    /// Subscription credit (0: the gateway's default)
    #[arg(long, default_value_t = 0)]
    credit: u32,
}

/// `--decode`: the CLI's spelling of [`DecodeMode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DecodeArg {
    /// By content type; unknown types are shown as size (or text when the type is textual)
    Auto,
    /// Every payload as a QuoteTick
    Quote,
    /// Every payload as a TradeTick
    Trade,
    /// Never decode
    None,
}

impl From<DecodeArg> for DecodeMode {
    fn from(arg: DecodeArg) -> Self {
        match arg {
            DecodeArg::Auto => DecodeMode::Auto,
            DecodeArg::Quote => DecodeMode::Quote,
            DecodeArg::Trade => DecodeMode::Trade,
            DecodeArg::None => DecodeMode::None,
        }
    }
}

fn priority_name(p: i32) -> &'static str {
    match Priority::try_from(p) {
        Ok(Priority::Critical) => "CRITICAL",
        Ok(Priority::High) => "HIGH",
        Ok(Priority::Low) => "LOW",
        Ok(Priority::Bulk) => "BULK",
        _ => "NORMAL",
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tidegate_examples::init_logging("warn");
    let args = Args::parse();
    if args.count == Some(0) {
        bail!("--count must be at least 1");
    }
    let config = args
        .connect
        .apply(ClientConfig::new(&args.endpoint, "tidegate-sub"))?;
    let client = Client::connect(config)
        .await
        .with_context(|| format!("connecting to {}", args.endpoint))?;
    let options = match &args.group {
        Some(g) => SubscribeOptions::group(g.clone(), args.patterns.clone()),
        None => SubscribeOptions::broadcast(args.patterns.clone()),
    }
    .start(args.start.0.clone())
    .credit(args.credit);
    let mut sub = client.subscribe(options).await.context("subscribing")?;
    let session = client.session();
    eprintln!(
        "tidegate-sub: subscribed to {} on gateway {} ({})",
        args.patterns.join(" "),
        session.gateway_id,
        if args.group.is_some() {
            format!(
                "group {}, consumer {}",
                args.group.as_deref().unwrap_or_default(),
                sub.consumer_name()
            )
        } else {
            "broadcast".to_string()
        }
    );
    let mut seen = 0u64;
    let mut out = std::io::stdout().lock();
    loop {
        let delivery = tokio::select! {
            d = sub.recv() => match d {
                Some(d) => d,
                None => bail!("subscription ended by the gateway"),
            },
            _ = tokio::signal::ctrl_c() => break,
        };
        let (Some(m), Some(p)) = (&delivery.message, &delivery.position) else {
            continue;
        };
        writeln!(
            out,
            "{} pos={} dc={} prio={} id={} {}",
            m.topic,
            p.entry_id,
            delivery.delivery_count,
            priority_name(m.priority),
            if m.id.is_empty() { "-" } else { &m.id },
            render(args.decode.into(), &m.content_type, &m.payload)
        )?;
        out.flush()?;
        if args.group.is_some() {
            sub.ack(vec![p.clone()])?;
        }
        seen += 1;
        if Some(seen) == args.count {
            break;
        }
    }
    // Let the last acks leave before the stream closes.
    if args.group.is_some() {
        let _ = client.ping().await;
    }
    client.close();
    Ok(())
}
