//! Content types of the market payloads and their one-line rendering.
//!
//! A protobuf payload is labelled `application/x-protobuf; type=<full message name>`, as the
//! Java examples do (`application/x-protobuf; type=tidegate.market.v1.QuoteTick`).

use prost::Message as _;

use crate::decimal::display_proto as d;
use crate::proto::market;

pub const QUOTE_TICK: &str = "tidegate.market.v1.QuoteTick";
pub const TRADE_TICK: &str = "tidegate.market.v1.TradeTick";
pub const SUBMIT_ORDER: &str = "tidegate.market.v1.SubmitOrder";
pub const CANCEL_ORDER: &str = "tidegate.market.v1.CancelOrder";
pub const ORDER_ACCEPTED: &str = "tidegate.market.v1.OrderAccepted";
pub const ORDER_REJECTED: &str = "tidegate.market.v1.OrderRejected";
pub const ORDER_FILLED: &str = "tidegate.market.v1.OrderFilled";
pub const ORDER_CANCELED: &str = "tidegate.market.v1.OrderCanceled";

/// `application/x-protobuf; type=<type_name>`
pub fn content_type(type_name: &str) -> String {
    format!("application/x-protobuf; type={type_name}")
}

/// The message type named by a content type, if it is a protobuf one.
pub fn type_name(content_type: &str) -> Option<&str> {
    let mut parts = content_type.split(';').map(str::trim);
    let media = parts.next()?;
    if !media.eq_ignore_ascii_case("application/x-protobuf")
        && !media.eq_ignore_ascii_case("application/protobuf")
    {
        return None;
    }
    parts.find_map(|p| p.strip_prefix("type=").map(|t| t.trim_matches('"')))
}

/// How [`render`] shows a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeMode {
    /// By content type; unknown types are shown as size (or text when the type is textual)
    Auto,
    /// Every payload as a QuoteTick
    Quote,
    /// Every payload as a TradeTick
    Trade,
    /// Never decode
    None,
}

fn side(v: i32) -> &'static str {
    match market::OrderSide::try_from(v) {
        Ok(market::OrderSide::Buy) => "BUY",
        Ok(market::OrderSide::Sell) => "SELL",
        _ => "?",
    }
}

pub fn render_quote(q: &market::QuoteTick) -> String {
    format!(
        "QuoteTick {} bid {} x {} ask {} x {} ts_event={}",
        q.instrument_id,
        d(q.bid_price.as_ref()),
        d(q.bid_size.as_ref()),
        d(q.ask_price.as_ref()),
        d(q.ask_size.as_ref()),
        q.ts_event
    )
}

pub fn render_trade(t: &market::TradeTick) -> String {
    let aggressor = match market::AggressorSide::try_from(t.aggressor_side) {
        Ok(market::AggressorSide::Buyer) => "BUYER",
        Ok(market::AggressorSide::Seller) => "SELLER",
        _ => "?",
    };
    format!(
        "TradeTick {} {} @ {} aggressor={} trade_id={} ts_event={}",
        t.instrument_id,
        d(t.size.as_ref()),
        d(t.price.as_ref()),
        aggressor,
        t.trade_id,
        t.ts_event
    )
}

fn decode_as(type_name: &str, payload: &[u8]) -> Option<Result<String, prost::DecodeError>> {
    Some(match type_name {
        QUOTE_TICK => market::QuoteTick::decode(payload).map(|q| render_quote(&q)),
        TRADE_TICK => market::TradeTick::decode(payload).map(|t| render_trade(&t)),
        SUBMIT_ORDER => market::SubmitOrder::decode(payload).map(|o| {
            let kind = match market::OrderType::try_from(o.order_type) {
                Ok(market::OrderType::Market) => "MARKET",
                Ok(market::OrderType::Limit) => "LIMIT",
                _ => "?",
            };
            format!(
                "SubmitOrder {} {} {} {} {} @ {} strategy={}",
                o.client_order_id,
                o.instrument_id,
                side(o.side),
                kind,
                d(o.quantity.as_ref()),
                d(o.price.as_ref()),
                o.strategy_id
            )
        }),
        CANCEL_ORDER => market::CancelOrder::decode(payload).map(|c| {
            format!(
                "CancelOrder {} {} venue_order_id={}",
                c.client_order_id, c.instrument_id, c.venue_order_id
            )
        }),
        ORDER_ACCEPTED => market::OrderAccepted::decode(payload).map(|a| {
            format!(
                "OrderAccepted {} {} venue_order_id={}",
                a.client_order_id, a.instrument_id, a.venue_order_id
            )
        }),
        ORDER_REJECTED => market::OrderRejected::decode(payload).map(|r| {
            format!(
                "OrderRejected {} {} reason={:?}",
                r.client_order_id, r.instrument_id, r.reason
            )
        }),
        ORDER_FILLED => market::OrderFilled::decode(payload).map(|f| {
            format!(
                "OrderFilled {} {} {} {} @ {} commission {} {} trade_id={}",
                f.client_order_id,
                f.instrument_id,
                side(f.side),
                d(f.last_qty.as_ref()),
                d(f.last_px.as_ref()),
                d(f.commission.as_ref()),
                f.commission_currency,
                f.trade_id
            )
        }),
        ORDER_CANCELED => market::OrderCanceled::decode(payload).map(|c| {
            format!(
                "OrderCanceled {} {} venue_order_id={}",
                c.client_order_id, c.instrument_id, c.venue_order_id
            )
        }),
        _ => return None,
    })
}

/// Renders a payload for one output line.
pub fn render(mode: DecodeMode, content_type: &str, payload: &[u8]) -> String {
    let forced = match mode {
        DecodeMode::Quote => Some(QUOTE_TICK),
        DecodeMode::Trade => Some(TRADE_TICK),
        DecodeMode::Auto => type_name(content_type),
        DecodeMode::None => None,
    };
    match forced.and_then(|t| decode_as(t, payload)) {
        Some(Ok(text)) => text,
        Some(Err(e)) => format!("<{} bytes, undecodable: {e}>", payload.len()),
        None if mode == DecodeMode::Auto && is_textual(content_type) => {
            format!("{:?}", String::from_utf8_lossy(payload))
        }
        None => format!("<{} bytes>", payload.len()),
    }
}

fn is_textual(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.starts_with("text/") || ct.starts_with("application/json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::parse_proto;

    #[test]
    fn content_types_round_trip() {
        let ct = content_type(QUOTE_TICK);
        assert_eq!(type_name(&ct), Some(QUOTE_TICK));
        assert_eq!(
            type_name("application/x-protobuf;type=tidegate.market.v1.TradeTick"),
            Some(TRADE_TICK)
        );
        assert_eq!(type_name("application/json"), None);
        assert_eq!(type_name(""), None);
    }

    #[test]
    fn renders_known_payloads() {
        let q = market::QuoteTick {
            instrument_id: "BTCUSDT.BINANCE".into(),
            bid_price: parse_proto("100.50").ok(),
            ask_price: parse_proto("100.60").ok(),
            bid_size: parse_proto("1.5").ok(),
            ask_size: parse_proto("2").ok(),
            ..Default::default()
        };
        let line = render(
            DecodeMode::Auto,
            &content_type(QUOTE_TICK),
            &q.encode_to_vec(),
        );
        assert!(line.contains("bid 100.50 x 1.5 ask 100.60 x 2"), "{line}");
        let forced = render(DecodeMode::Quote, "", &q.encode_to_vec());
        assert_eq!(line, forced);
        assert_eq!(
            render(DecodeMode::Auto, "text/plain", b"hi"),
            "\"hi\"".to_string()
        );
        assert_eq!(render(DecodeMode::Auto, "", b"hi"), "<2 bytes>");
        assert!(render(DecodeMode::Trade, "", &[0xff, 0xff]).contains("undecodable"));
    }
}
