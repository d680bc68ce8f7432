//! Topic names and instrument ids used by the execution adapter.
//!
//! Layout (documented in the README):
//! - quotes:   `data.quotes.<VENUE>.<SYMBOL>` carrying `QuoteTick`
//! - commands: `exec.commands.<VENUE>.<STRATEGY>` carrying `SubmitOrder` / `CancelOrder`
//! - events:   `exec.events.<VENUE>.<STRATEGY>` carrying `OrderAccepted` / `OrderFilled` /
//!   `OrderRejected` / `OrderCanceled`
//!
//! Instrument ids are `SYMBOL.VENUE` (`BTCUSDT.BINANCE`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error("{what} {value:?} is not a valid topic segment (letters, digits, '_' and '-')")]
    Segment { what: &'static str, value: String },
    #[error("instrument id {0:?} is not SYMBOL.VENUE")]
    Instrument(String),
    #[error("topic {topic:?} is not {expected}")]
    Topic {
        topic: String,
        expected: &'static str,
    },
}

/// True when `s` is one topic segment as the gateway accepts it.
pub fn is_segment(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn segment(what: &'static str, value: &str) -> Result<(), TopicError> {
    if is_segment(value) {
        Ok(())
    } else {
        Err(TopicError::Segment {
            what,
            value: value.to_string(),
        })
    }
}

/// A parsed `SYMBOL.VENUE` instrument id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstrumentId {
    pub symbol: String,
    pub venue: String,
}

impl InstrumentId {
    pub fn parse(id: &str) -> Result<Self, TopicError> {
        let bad = || TopicError::Instrument(id.to_string());
        let (symbol, venue) = id.split_once('.').ok_or_else(bad)?;
        if !is_segment(symbol) || !is_segment(venue) {
            return Err(bad());
        }
        Ok(InstrumentId {
            symbol: symbol.to_string(),
            venue: venue.to_string(),
        })
    }

    /// `data.quotes.<VENUE>.<SYMBOL>`
    pub fn quote_topic(&self) -> String {
        format!("data.quotes.{}.{}", self.venue, self.symbol)
    }
}

impl fmt::Display for InstrumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.symbol, self.venue)
    }
}

/// `exec.commands.<VENUE>.*`: what the adapter of one venue subscribes to.
pub fn command_pattern(venue: &str) -> Result<String, TopicError> {
    segment("venue", venue)?;
    Ok(format!("exec.commands.{venue}.*"))
}

/// `exec.commands.<VENUE>.<STRATEGY>`
pub fn command_topic(venue: &str, strategy: &str) -> Result<String, TopicError> {
    segment("venue", venue)?;
    segment("strategy", strategy)?;
    Ok(format!("exec.commands.{venue}.{strategy}"))
}

/// `exec.events.<VENUE>.<STRATEGY>`
pub fn event_topic(venue: &str, strategy: &str) -> Result<String, TopicError> {
    segment("venue", venue)?;
    segment("strategy", strategy)?;
    Ok(format!("exec.events.{venue}.{strategy}"))
}

/// The `(venue, strategy)` of a command topic.
pub fn parse_command_topic(topic: &str) -> Result<(String, String), TopicError> {
    let bad = || TopicError::Topic {
        topic: topic.to_string(),
        expected: "exec.commands.<VENUE>.<STRATEGY>",
    };
    let parts: Vec<&str> = topic.split('.').collect();
    match parts.as_slice() {
        ["exec", "commands", venue, strategy] if is_segment(venue) && is_segment(strategy) => {
            Ok((venue.to_string(), strategy.to_string()))
        }
        _ => Err(bad()),
    }
}

/// The consumer group of a venue's execution adapters: `exec-<venue lower-cased>`.
pub fn exec_group(venue: &str) -> String {
    format!("exec-{}", venue.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_instrument_ids() {
        let id = InstrumentId::parse("BTCUSDT.BINANCE").unwrap();
        assert_eq!(id.symbol, "BTCUSDT");
        assert_eq!(id.venue, "BINANCE");
        assert_eq!(id.to_string(), "BTCUSDT.BINANCE");
        assert_eq!(id.quote_topic(), "data.quotes.BINANCE.BTCUSDT");
        assert_eq!(
            InstrumentId::parse("BTC-USDT.OKX").unwrap().symbol,
            "BTC-USDT"
        );
        for bad in [
            "BTCUSDT",
            "",
            ".BINANCE",
            "BTCUSDT.",
            "A.B.C",
            "BTC USDT.X",
            "BTC/USDT.X",
        ] {
            assert!(InstrumentId::parse(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn builds_and_parses_command_topics() {
        assert_eq!(
            command_pattern("BINANCE").unwrap(),
            "exec.commands.BINANCE.*"
        );
        let t = command_topic("BINANCE", "mm-1").unwrap();
        assert_eq!(t, "exec.commands.BINANCE.mm-1");
        assert_eq!(
            parse_command_topic(&t).unwrap(),
            ("BINANCE".to_string(), "mm-1".to_string())
        );
        assert!(parse_command_topic("exec.commands.BINANCE").is_err());
        assert!(parse_command_topic("exec.events.BINANCE.s1").is_err());
        assert!(parse_command_topic("exec.commands.BINANCE.s1.x").is_err());
        assert_eq!(
            event_topic("BINANCE", "s1").unwrap(),
            "exec.events.BINANCE.s1"
        );
        assert!(event_topic("BINANCE", "bad.strategy").is_err());
        assert!(command_pattern("").is_err());
        assert_eq!(exec_group("BINANCE"), "exec-binance");
    }
}
