//! Fill simulation against the last quote: pure logic, no I/O.
//!
//! Rules (also in the README):
//! - MARKET buys fill at the ask, sells at the bid, as TAKER, for the whole quantity (quote
//!   sizes are not consumed: this is a simulator, not a matching engine).
//! - LIMIT orders that are marketable (buy limit >= ask, sell limit <= bid) fill at once at the
//!   ask/bid, as TAKER. Otherwise IOC/FOK orders are accepted then canceled; GTC (or
//!   unspecified) orders are accepted and rest until a later quote crosses them, when they fill
//!   at their limit price as MAKER, or until a CancelOrder.
//! - Commission = quantity x price x fee rate, rounded half-even to `commission_scale`.
//! - Outcomes are remembered per client_order_id, so a redelivered command yields exactly the
//!   same events (same message ids, same payloads) and the gateway's dedup drops them.

use std::collections::{HashMap, VecDeque};

use prost::Message as _;

use tidegate::decimal::{Dec, DecimalError};
use tidegate::payload;
use tidegate::proto::market::{
    self, CancelOrder, LiquiditySide, OrderAccepted, OrderCanceled, OrderFilled, OrderRejected,
    OrderSide, OrderType, QuoteTick, SubmitOrder, TimeInForce,
};
use tidegate::topic::InstrumentId;

/// Quote currencies recognised at the end of a symbol, longest first.
const QUOTE_CURRENCIES: [&str; 9] = [
    "FDUSD", "USDT", "USDC", "BUSD", "USD", "EUR", "BTC", "ETH", "BNB",
];

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub venue: String,
    pub taker_fee: Dec,
    pub maker_fee: Dec,
    pub commission_scale: u32,
    /// Used when the symbol does not end in a known quote currency.
    pub default_commission_currency: String,
    /// Outcomes remembered for idempotence (oldest forgotten first).
    pub history_capacity: usize,
}

impl SimConfig {
    pub fn new(venue: impl Into<String>) -> Self {
        SimConfig {
            venue: venue.into(),
            taker_fee: Dec::new(1, 3).unwrap_or(Dec::ZERO), // 0.001 = 0.1%
            maker_fee: Dec::new(2, 4).unwrap_or(Dec::ZERO), // 0.0002 = 0.02%
            commission_scale: 8,
            default_commission_currency: "USDT".into(),
            history_capacity: 100_000,
        }
    }
}

/// One order event, ready to publish.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderEvent {
    Accepted(OrderAccepted),
    Filled(OrderFilled),
    Rejected(OrderRejected),
    Canceled(OrderCanceled),
}

impl OrderEvent {
    pub fn client_order_id(&self) -> &str {
        match self {
            OrderEvent::Accepted(e) => &e.client_order_id,
            OrderEvent::Filled(e) => &e.client_order_id,
            OrderEvent::Rejected(e) => &e.client_order_id,
            OrderEvent::Canceled(e) => &e.client_order_id,
        }
    }

    /// Last segment of the event's message id.
    pub fn kind(&self) -> &'static str {
        match self {
            OrderEvent::Accepted(_) => "accepted",
            OrderEvent::Filled(_) => "filled",
            OrderEvent::Rejected(_) => "rejected",
            OrderEvent::Canceled(_) => "canceled",
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            OrderEvent::Accepted(_) => payload::ORDER_ACCEPTED,
            OrderEvent::Filled(_) => payload::ORDER_FILLED,
            OrderEvent::Rejected(_) => payload::ORDER_REJECTED,
            OrderEvent::Canceled(_) => payload::ORDER_CANCELED,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        match self {
            OrderEvent::Accepted(e) => e.encode_to_vec(),
            OrderEvent::Filled(e) => e.encode_to_vec(),
            OrderEvent::Rejected(e) => e.encode_to_vec(),
            OrderEvent::Canceled(e) => e.encode_to_vec(),
        }
    }

    pub fn ts_event(&self) -> i64 {
        match self {
            OrderEvent::Accepted(e) => e.ts_event,
            OrderEvent::Filled(e) => e.ts_event,
            OrderEvent::Rejected(e) => e.ts_event,
            OrderEvent::Canceled(e) => e.ts_event,
        }
    }
}

/// Events for the strategy that owns them.
#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    pub strategy: String,
    pub event: OrderEvent,
}

#[derive(Debug, Clone)]
struct Book {
    bid: Dec,
    ask: Dec,
}

#[derive(Debug, Clone)]
struct Resting {
    strategy: String,
    order: SubmitOrder,
    side: OrderSide,
    quantity: Dec,
    limit: Dec,
}

/// A reason to reject a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Reject(pub String);

fn reject<T>(reason: impl Into<String>) -> Result<T, Reject> {
    Err(Reject(reason.into()))
}

impl From<DecimalError> for Reject {
    fn from(e: DecimalError) -> Self {
        Reject(e.to_string())
    }
}

pub struct Simulator {
    config: SimConfig,
    books: HashMap<String, Book>,
    resting: HashMap<String, Resting>,
    history: HashMap<String, Vec<OrderEvent>>,
    history_order: VecDeque<String>,
}

impl Simulator {
    pub fn new(config: SimConfig) -> Self {
        Simulator {
            config,
            books: HashMap::new(),
            resting: HashMap::new(),
            history: HashMap::new(),
            history_order: VecDeque::new(),
        }
    }

    pub fn venue(&self) -> &str {
        &self.config.venue
    }

    pub fn has_quote(&self, instrument_id: &str) -> bool {
        self.books.contains_key(instrument_id)
    }

    pub fn resting_orders(&self) -> usize {
        self.resting.len()
    }

    fn remember(&mut self, key: String, events: &[OrderEvent]) {
        if self.history.insert(key.clone(), events.to_vec()).is_none() {
            self.history_order.push_back(key);
        }
        while self.history_order.len() > self.config.history_capacity {
            if let Some(old) = self.history_order.pop_front() {
                self.history.remove(&old);
            }
        }
    }

    /// Updates the book and fills resting orders the new quote crosses.
    pub fn on_quote(&mut self, quote: &QuoteTick, now: i64) -> Result<Vec<Routed>, Reject> {
        let bid = required(quote.bid_price.as_ref(), "bid_price")?;
        let ask = required(quote.ask_price.as_ref(), "ask_price")?;
        if quote.instrument_id.is_empty() {
            return reject("quote has no instrument_id");
        }
        self.books
            .insert(quote.instrument_id.clone(), Book { bid, ask });
        let crossed: Vec<String> = self
            .resting
            .iter()
            .filter(|(_, r)| r.order.instrument_id == quote.instrument_id)
            .filter(|(_, r)| match r.side {
                OrderSide::Buy => ask.is_positive() && ask <= r.limit,
                OrderSide::Sell => bid.is_positive() && bid >= r.limit,
                OrderSide::Unspecified => false,
            })
            .map(|(id, _)| id.clone())
            .collect();
        let mut out = Vec::new();
        for id in crossed {
            let Some(r) = self.resting.remove(&id) else {
                continue;
            };
            let fill = self.fill(
                &r.order,
                r.side,
                r.quantity,
                r.limit,
                LiquiditySide::Maker,
                now,
            )?;
            let event = OrderEvent::Filled(fill);
            self.remember(format!("fill:{id}"), std::slice::from_ref(&event));
            out.push(Routed {
                strategy: r.strategy,
                event,
            });
        }
        Ok(out)
    }

    /// Handles a SubmitOrder from `strategy` (the command topic's last segment).
    pub fn submit(&mut self, strategy: &str, order: &SubmitOrder, now: i64) -> Vec<OrderEvent> {
        if order.client_order_id.is_empty() {
            return vec![rejected(order, "client_order_id is empty", now)];
        }
        let key = format!("submit:{}", order.client_order_id);
        if let Some(events) = self.history.get(&key) {
            return events.clone(); // redelivered command: the same events, deduplicated upstream
        }
        let events = match self.try_submit(strategy, order, now) {
            Ok(events) => events,
            Err(Reject(reason)) => vec![rejected(order, &reason, now)],
        };
        self.remember(key, &events);
        events
    }

    fn try_submit(
        &mut self,
        strategy: &str,
        order: &SubmitOrder,
        now: i64,
    ) -> Result<Vec<OrderEvent>, Reject> {
        if !order.strategy_id.is_empty() && order.strategy_id != strategy {
            return reject(format!(
                "strategy_id {:?} does not match the command topic's strategy {:?}",
                order.strategy_id, strategy
            ));
        }
        let instrument = InstrumentId::parse(&order.instrument_id).map_err(|_| {
            Reject(format!(
                "instrument id {:?} is not SYMBOL.VENUE",
                order.instrument_id
            ))
        })?;
        if instrument.venue != self.config.venue {
            return reject(format!(
                "instrument {} is not on venue {}",
                order.instrument_id, self.config.venue
            ));
        }
        let side = match OrderSide::try_from(order.side) {
            Ok(s @ (OrderSide::Buy | OrderSide::Sell)) => s,
            _ => return reject("side must be BUY or SELL"),
        };
        let quantity = required(order.quantity.as_ref(), "quantity")?;
        if !quantity.is_positive() {
            return reject(format!("quantity must be positive, got {quantity}"));
        }
        let kind = OrderType::try_from(order.order_type).unwrap_or(OrderType::Unspecified);
        let limit = match kind {
            OrderType::Market => None,
            OrderType::Limit => {
                let price = required(order.price.as_ref(), "price")?;
                if !price.is_positive() {
                    return reject(format!("limit price must be positive, got {price}"));
                }
                Some(price)
            }
            OrderType::Unspecified => return reject("order_type must be MARKET or LIMIT"),
        };
        let Some(book) = self.books.get(&order.instrument_id).cloned() else {
            return reject(format!("no quote for {} yet", order.instrument_id));
        };
        let touch = match side {
            OrderSide::Buy => book.ask,
            _ => book.bid,
        };
        let marketable = match (limit, side) {
            (None, _) => true,
            (Some(l), OrderSide::Buy) => touch <= l,
            (Some(l), _) => touch >= l,
        };
        if marketable && !touch.is_positive() {
            return reject(format!(
                "no {} in the last quote for {}",
                if side == OrderSide::Buy { "ask" } else { "bid" },
                order.instrument_id
            ));
        }
        let accepted = OrderEvent::Accepted(OrderAccepted {
            client_order_id: order.client_order_id.clone(),
            venue_order_id: self.venue_order_id(order),
            instrument_id: order.instrument_id.clone(),
            ts_event: now,
            ts_init: now,
        });
        if marketable {
            let fill = self.fill(order, side, quantity, touch, LiquiditySide::Taker, now)?;
            return Ok(vec![accepted, OrderEvent::Filled(fill)]);
        }
        let tif = TimeInForce::try_from(order.time_in_force).unwrap_or(TimeInForce::Unspecified);
        if matches!(tif, TimeInForce::Ioc | TimeInForce::Fok) {
            let canceled = OrderEvent::Canceled(OrderCanceled {
                client_order_id: order.client_order_id.clone(),
                venue_order_id: self.venue_order_id(order),
                instrument_id: order.instrument_id.clone(),
                ts_event: now,
                ts_init: now,
            });
            return Ok(vec![accepted, canceled]);
        }
        let limit = limit.unwrap_or(Dec::ZERO);
        self.resting.insert(
            order.client_order_id.clone(),
            Resting {
                strategy: strategy.to_string(),
                order: order.clone(),
                side,
                quantity,
                limit,
            },
        );
        Ok(vec![accepted])
    }

    /// Handles a CancelOrder: OrderCanceled for a resting order, else OrderRejected.
    pub fn cancel(&mut self, strategy: &str, cancel: &CancelOrder, now: i64) -> Vec<OrderEvent> {
        let key = format!("cancel:{}", cancel.client_order_id);
        if let Some(events) = self.history.get(&key) {
            return events.clone();
        }
        let reject = |reason: String| {
            vec![OrderEvent::Rejected(OrderRejected {
                client_order_id: cancel.client_order_id.clone(),
                instrument_id: cancel.instrument_id.clone(),
                reason,
                ts_event: now,
                ts_init: now,
            })]
        };
        let events = match self.resting.get(&cancel.client_order_id) {
            _ if cancel.client_order_id.is_empty() => reject("client_order_id is empty".into()),
            Some(r) if r.strategy != strategy => reject(format!(
                "order {} belongs to another strategy",
                cancel.client_order_id
            )),
            Some(_) => {
                let r = self.resting.remove(&cancel.client_order_id);
                let order = r.map(|r| r.order).unwrap_or_default();
                vec![OrderEvent::Canceled(OrderCanceled {
                    client_order_id: cancel.client_order_id.clone(),
                    venue_order_id: self.venue_order_id(&order),
                    instrument_id: order.instrument_id.clone(),
                    ts_event: now,
                    ts_init: now,
                })]
            }
            None if self
                .history
                .contains_key(&format!("submit:{}", cancel.client_order_id)) =>
            {
                reject(format!(
                    "order {} is not open (filled, canceled or rejected)",
                    cancel.client_order_id
                ))
            }
            None => reject(format!("unknown order {}", cancel.client_order_id)),
        };
        // A failed cancel is not remembered: a later retry may find the order (e.g. the
        // SubmitOrder was still in flight). A successful one is, so a redelivery repeats it.
        if matches!(events.first(), Some(OrderEvent::Canceled(_))) {
            self.remember(key, &events);
        }
        events
    }

    fn venue_order_id(&self, order: &SubmitOrder) -> String {
        format!("{}-{}", self.config.venue, order.client_order_id)
    }

    fn fill(
        &self,
        order: &SubmitOrder,
        side: OrderSide,
        quantity: Dec,
        price: Dec,
        liquidity: LiquiditySide,
        now: i64,
    ) -> Result<OrderFilled, Reject> {
        let rate = match liquidity {
            LiquiditySide::Maker => self.config.maker_fee,
            _ => self.config.taker_fee,
        };
        let commission = quantity
            .checked_mul(&price)?
            .checked_mul(&rate)?
            .round_to(self.config.commission_scale)?
            .normalized();
        Ok(OrderFilled {
            client_order_id: order.client_order_id.clone(),
            venue_order_id: self.venue_order_id(order),
            trade_id: format!("{}-T-{}", self.config.venue, order.client_order_id),
            instrument_id: order.instrument_id.clone(),
            side: side as i32,
            last_qty: Some(quantity.to_proto()?),
            last_px: Some(price.to_proto()?),
            commission: Some(commission.to_proto()?),
            commission_currency: self.commission_currency(&order.instrument_id),
            liquidity_side: liquidity as i32,
            ts_event: now,
            ts_init: now,
        })
    }

    fn commission_currency(&self, instrument_id: &str) -> String {
        let symbol = instrument_id.split('.').next().unwrap_or_default();
        if let Some((_, quote)) = symbol.rsplit_once('-') {
            return quote.to_string();
        }
        QUOTE_CURRENCIES
            .iter()
            .find(|q| symbol.len() > q.len() && symbol.ends_with(*q))
            .map(|q| q.to_string())
            .unwrap_or_else(|| self.config.default_commission_currency.clone())
    }
}

fn required(d: Option<&market::Decimal>, field: &str) -> Result<Dec, Reject> {
    let d = d.ok_or_else(|| Reject(format!("{field} is missing")))?;
    Dec::from_proto(d).map_err(|e| Reject(format!("{field} is invalid: {e}")))
}

fn rejected(order: &SubmitOrder, reason: &str, now: i64) -> OrderEvent {
    OrderEvent::Rejected(OrderRejected {
        client_order_id: order.client_order_id.clone(),
        instrument_id: order.instrument_id.clone(),
        reason: reason.to_string(),
        ts_event: now,
        ts_init: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tidegate::decimal::parse_proto;

    fn dp(s: &str) -> Option<market::Decimal> {
        Some(parse_proto(s).expect("valid decimal"))
    }

    fn sim_with_quote() -> Simulator {
        let mut sim = Simulator::new(SimConfig::new("BINANCE"));
        let q = QuoteTick {
            instrument_id: "BTCUSDT.BINANCE".into(),
            bid_price: dp("100.50"),
            ask_price: dp("100.60"),
            bid_size: dp("1"),
            ask_size: dp("1"),
            ts_event: 1,
            ts_init: 1,
        };
        assert!(sim.on_quote(&q, 1).unwrap().is_empty());
        sim
    }

    fn order(
        id: &str,
        side: OrderSide,
        kind: OrderType,
        qty: &str,
        px: Option<&str>,
    ) -> SubmitOrder {
        SubmitOrder {
            client_order_id: id.into(),
            strategy_id: "s1".into(),
            instrument_id: "BTCUSDT.BINANCE".into(),
            side: side as i32,
            order_type: kind as i32,
            quantity: dp(qty),
            price: px.and_then(dp),
            time_in_force: TimeInForce::Gtc as i32,
            ts_init: 0,
        }
    }

    fn filled(events: &[OrderEvent]) -> &OrderFilled {
        match events {
            [OrderEvent::Accepted(_), OrderEvent::Filled(f)] => f,
            other => panic!("expected accepted + filled, got {other:?}"),
        }
    }

    fn reason(events: &[OrderEvent]) -> String {
        match events {
            [OrderEvent::Rejected(r)] => r.reason.clone(),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    fn dec(d: &Option<market::Decimal>) -> String {
        Dec::from_proto(d.as_ref().unwrap()).unwrap().to_string()
    }

    #[test]
    fn market_buy_fills_at_ask_with_taker_fee() {
        let mut sim = sim_with_quote();
        let ev = sim.submit(
            "s1",
            &order("o1", OrderSide::Buy, OrderType::Market, "0.5", None),
            7,
        );
        let f = filled(&ev);
        assert_eq!(dec(&f.last_px), "100.60");
        assert_eq!(dec(&f.last_qty), "0.5");
        assert_eq!(dec(&f.commission), "0.0503"); // 0.5 * 100.60 * 0.001
        assert_eq!(f.commission_currency, "USDT");
        assert_eq!(f.liquidity_side, LiquiditySide::Taker as i32);
        assert_eq!(f.venue_order_id, "BINANCE-o1");
        assert_eq!(f.ts_event, 7);
    }

    #[test]
    fn market_sell_fills_at_bid() {
        let mut sim = sim_with_quote();
        let ev = sim.submit(
            "s1",
            &order("o2", OrderSide::Sell, OrderType::Market, "2", None),
            1,
        );
        let f = filled(&ev);
        assert_eq!(dec(&f.last_px), "100.50");
        assert_eq!(dec(&f.commission), "0.201"); // 2 * 100.50 * 0.001
        assert_eq!(f.side, OrderSide::Sell as i32);
    }

    #[test]
    fn commission_is_rounded_half_even() {
        let mut cfg = SimConfig::new("BINANCE");
        cfg.commission_scale = 4;
        let mut sim = Simulator::new(cfg);
        sim.on_quote(
            &QuoteTick {
                instrument_id: "BTCUSDT.BINANCE".into(),
                bid_price: dp("1.25"),
                ask_price: dp("1.25"),
                ..Default::default()
            },
            0,
        )
        .unwrap();
        // 0.1 * 1.25 * 0.001 = 0.000125 -> 0.0001 (half to even)
        let ev = sim.submit(
            "s1",
            &order("r", OrderSide::Buy, OrderType::Market, "0.1", None),
            0,
        );
        assert_eq!(dec(&filled(&ev).commission), "0.0001");
    }

    #[test]
    fn marketable_limit_fills_at_touch() {
        let mut sim = sim_with_quote();
        let buy = sim.submit(
            "s1",
            &order("l1", OrderSide::Buy, OrderType::Limit, "1", Some("101")),
            0,
        );
        assert_eq!(dec(&filled(&buy).last_px), "100.60"); // price improvement: the ask
        let sell = sim.submit(
            "s1",
            &order("l2", OrderSide::Sell, OrderType::Limit, "1", Some("100.50")),
            0,
        );
        assert_eq!(dec(&filled(&sell).last_px), "100.50");
    }

    #[test]
    fn passive_limit_rests_then_fills_as_maker_or_cancels() {
        let mut sim = sim_with_quote();
        let ev = sim.submit(
            "s1",
            &order("p1", OrderSide::Buy, OrderType::Limit, "1", Some("100.00")),
            0,
        );
        assert!(matches!(ev.as_slice(), [OrderEvent::Accepted(_)]));
        assert_eq!(sim.resting_orders(), 1);
        // A quote that does not cross leaves it resting.
        let q = |ask: &str| QuoteTick {
            instrument_id: "BTCUSDT.BINANCE".into(),
            bid_price: dp("99.00"),
            ask_price: dp(ask),
            ..Default::default()
        };
        assert!(sim.on_quote(&q("100.10"), 1).unwrap().is_empty());
        let fills = sim.on_quote(&q("99.90"), 2).unwrap();
        assert_eq!(fills.len(), 1);
        assert_eq!(fills[0].strategy, "s1");
        let OrderEvent::Filled(f) = &fills[0].event else {
            panic!("expected a fill");
        };
        assert_eq!(dec(&f.last_px), "100.00");
        assert_eq!(f.liquidity_side, LiquiditySide::Maker as i32);
        assert_eq!(dec(&f.commission), "0.02"); // 1 * 100 * 0.0002
        assert_eq!(sim.resting_orders(), 0);

        // Resting order canceled; then a second cancel is rejected.
        sim.submit(
            "s1",
            &order("p2", OrderSide::Sell, OrderType::Limit, "1", Some("200")),
            0,
        );
        let cancel = CancelOrder {
            client_order_id: "p2".into(),
            ..Default::default()
        };
        let ev = sim.cancel("s1", &cancel, 3);
        assert!(
            matches!(ev.as_slice(), [OrderEvent::Canceled(c)] if c.instrument_id == "BTCUSDT.BINANCE")
        );
        assert_eq!(
            sim.cancel("s1", &cancel, 4),
            ev,
            "redelivered cancel repeats its events"
        );
        let other = CancelOrder {
            client_order_id: "p1".into(),
            ..Default::default()
        };
        assert!(reason(&sim.cancel("s1", &other, 4)).contains("not open"));
        let unknown = CancelOrder {
            client_order_id: "nope".into(),
            ..Default::default()
        };
        assert!(reason(&sim.cancel("s1", &unknown, 4)).contains("unknown order"));
    }

    #[test]
    fn ioc_limit_not_marketable_is_canceled() {
        let mut sim = sim_with_quote();
        let mut o = order("i1", OrderSide::Buy, OrderType::Limit, "1", Some("90"));
        o.time_in_force = TimeInForce::Ioc as i32;
        let ev = sim.submit("s1", &o, 0);
        assert!(matches!(
            ev.as_slice(),
            [OrderEvent::Accepted(_), OrderEvent::Canceled(_)]
        ));
        assert_eq!(sim.resting_orders(), 0);
    }

    #[test]
    fn rejects_bad_commands_with_reasons() {
        let mut sim = sim_with_quote();
        let mut cases: Vec<(SubmitOrder, &str)> = vec![
            (
                order("z", OrderSide::Buy, OrderType::Market, "0", None),
                "quantity must be positive",
            ),
            (
                order("n", OrderSide::Buy, OrderType::Market, "-1", None),
                "quantity must be positive",
            ),
            (
                order("s", OrderSide::Unspecified, OrderType::Market, "1", None),
                "side must be BUY or SELL",
            ),
            (
                order("t", OrderSide::Buy, OrderType::Unspecified, "1", None),
                "order_type must be MARKET or LIMIT",
            ),
            (
                order("p", OrderSide::Buy, OrderType::Limit, "1", None),
                "price is missing",
            ),
            (
                order("q", OrderSide::Buy, OrderType::Limit, "1", Some("0")),
                "limit price must be positive",
            ),
            (
                order("", OrderSide::Buy, OrderType::Market, "1", None),
                "client_order_id is empty",
            ),
        ];
        let mut no_quote = order("e", OrderSide::Buy, OrderType::Market, "1", None);
        no_quote.instrument_id = "ETHUSDT.BINANCE".into();
        cases.push((no_quote, "no quote for ETHUSDT.BINANCE"));
        let mut bad_format = order("f", OrderSide::Buy, OrderType::Market, "1", None);
        bad_format.instrument_id = "BTCUSDT".into();
        cases.push((bad_format, "is not SYMBOL.VENUE"));
        let mut other_venue = order("v", OrderSide::Buy, OrderType::Market, "1", None);
        other_venue.instrument_id = "BTCUSDT.OKX".into();
        cases.push((other_venue, "is not on venue BINANCE"));
        let mut other_strategy = order("w", OrderSide::Buy, OrderType::Market, "1", None);
        other_strategy.strategy_id = "s2".into();
        cases.push((other_strategy, "does not match"));
        let mut no_qty = order("x", OrderSide::Buy, OrderType::Market, "1", None);
        no_qty.quantity = None;
        cases.push((no_qty, "quantity is missing"));
        for (o, want) in cases {
            let got = reason(&sim.submit("s1", &o, 0));
            assert!(
                got.contains(want),
                "{:?}: {got:?} should contain {want:?}",
                o.client_order_id
            );
        }
    }

    #[test]
    fn redelivered_submit_repeats_the_same_events() {
        let mut sim = sim_with_quote();
        let o = order("d1", OrderSide::Buy, OrderType::Market, "1", None);
        let first = sim.submit("s1", &o, 1);
        // The quote moves, but the redelivered command must not produce a new fill.
        sim.on_quote(
            &QuoteTick {
                instrument_id: "BTCUSDT.BINANCE".into(),
                bid_price: dp("200"),
                ask_price: dp("201"),
                ..Default::default()
            },
            2,
        )
        .unwrap();
        assert_eq!(sim.submit("s1", &o, 3), first);
    }

    #[test]
    fn commission_currency_from_symbol() {
        let sim = Simulator::new(SimConfig::new("X"));
        assert_eq!(sim.commission_currency("BTCUSDT.X"), "USDT");
        assert_eq!(sim.commission_currency("BTC-USDC.X"), "USDC");
        assert_eq!(sim.commission_currency("ETHBTC.X"), "BTC");
        assert_eq!(sim.commission_currency("AAPL.X"), "USDT");
    }

    #[test]
    fn quotes_need_prices() {
        let mut sim = Simulator::new(SimConfig::new("X"));
        let q = QuoteTick {
            instrument_id: "A.X".into(),
            ..Default::default()
        };
        assert!(sim.on_quote(&q, 0).is_err());
    }
}
