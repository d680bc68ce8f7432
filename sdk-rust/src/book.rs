//! An order book kept on the subscriber's side from the `OrderBookDeltas` adapters publish on
//! `data.books.<VENUE>.<SYMBOL>` (`tidegate.market.v1`), for a strategy that wants every level
//! change rather than asking the gateway ([`Client::get_book`](crate::client::Client::get_book)).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::collections::HashMap;
//! use prost::Message as _;
//! use tidegate::book::OrderBook;
//! use tidegate::client::{Client, ClientConfig, SubscribeOptions};
//! use tidegate::proto::market::OrderBookDeltas;
//!
//! let client = Client::connect(ClientConfig::new("127.0.0.1:7400", "books")).await?;
//! let mut sub = client.subscribe(SubscribeOptions::broadcast(["data.books.>"])).await?;
//! let mut books: HashMap<String, OrderBook> = HashMap::new();
//! while let Some(d) = sub.recv().await {
//!     let m = d.message.unwrap_or_default();
//!     let book = books.entry(m.topic.clone()).or_default();
//!     if book.apply(&OrderBookDeltas::decode(m.payload.as_slice())?) {
//!         println!("{} {:?} {:?}", m.topic, book.best_bid()?, book.best_ask()?);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The rules match the gateway's books: a snapshot replaces the book; an update whose sequence
//! is not after the book's, the adapter's reset (a lone `BOOK_ACTION_CLEAR`) or a delta that
//! cannot be applied leave the book [`BookState::Resyncing`] until the next snapshot, and updates
//! meanwhile are ignored. Reading a book that is not live is a [`BookNotLive`] error, so a lost
//! book is never used by mistake. Prices and sizes are exact ([`Dec`]); the levels held are those
//! the adapter sends. One book belongs to one task (`&mut self` to apply).

use std::collections::BTreeMap;
use std::fmt;

use crate::decimal::{Dec, DecimalError};
use crate::proto::market::{
    BookAction, BookResetReason, OrderBookDelta, OrderBookDeltas, OrderSide,
};
use crate::proto::v1::BookLevel;

/// Whether an [`OrderBook`] can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookState {
    /// No snapshot yet.
    AwaitingSnapshot,
    /// Kept from a snapshot and the updates after it.
    Live,
    /// Lost (see [`OrderBook::why`]); back with the next snapshot.
    Resyncing,
}

impl fmt::Display for BookState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BookState::AwaitingSnapshot => "awaiting snapshot",
            BookState::Live => "live",
            BookState::Resyncing => "resyncing",
        })
    }
}

/// The book cannot be read: no snapshot yet, or lost (`why` says how) until the next one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the book is {state}: {why}")]
pub struct BookNotLive {
    pub state: BookState,
    pub why: String,
}

/// One price level: exact price and size. Equal when the numbers are (`100.0` equals `100`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub price: Dec,
    pub size: Dec,
}

impl Level {
    /// A level of the gateway's book (`GetBookResponse.bids` / `asks`).
    pub fn from_proto(level: &BookLevel) -> Result<Level, DecimalError> {
        Ok(Level {
            price: Dec::from_proto(&level.price.unwrap_or_default())?,
            size: Dec::from_proto(&level.size.unwrap_or_default())?,
        })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} x {}", self.price, self.size)
    }
}

/// One instrument's levels from its `OrderBookDeltas`; see the module's documentation.
#[derive(Debug, Clone)]
pub struct OrderBook {
    bids: BTreeMap<Dec, Dec>,
    asks: BTreeMap<Dec, Dec>,
    state: BookState,
    why: String,
    sequence: u64,
    ts_event: i64,
    losses: u64,
}

impl Default for OrderBook {
    fn default() -> Self {
        OrderBook::new()
    }
}

impl OrderBook {
    pub fn new() -> Self {
        OrderBook {
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            state: BookState::AwaitingSnapshot,
            why: "no snapshot yet".into(),
            sequence: 0,
            ts_event: 0,
            losses: 0,
        }
    }

    /// Applies one batch; true when the book is live and its best bid or ask moved (or it just
    /// became live).
    pub fn apply(&mut self, batch: &OrderBookDeltas) -> bool {
        let was_live = self.state == BookState::Live;
        let before = was_live.then(|| self.top());
        if batch.is_snapshot {
            self.clear();
            self.state = BookState::Live;
            self.apply_levels(batch);
        } else if batch
            .deltas
            .first()
            .is_some_and(|d| d.action == BookAction::Clear as i32)
        {
            let reason = BookResetReason::try_from(batch.reset_reason)
                .map(|r| r.as_str_name().to_string())
                .unwrap_or_else(|_| batch.reset_reason.to_string());
            self.lose(format!("reset by its adapter ({reason})"));
        } else if !was_live {
            return false; // updates cannot be placed without a snapshot
        } else if batch.sequence <= self.sequence {
            self.lose(format!(
                "update sequence {} is not after {}",
                batch.sequence, self.sequence
            ));
        } else {
            self.apply_levels(batch);
        }
        if self.state != BookState::Live {
            if was_live {
                self.losses += 1;
            }
            return false;
        }
        before != Some(self.top())
    }

    pub fn state(&self) -> BookState {
        self.state
    }

    /// Why the book is not live; empty when it is.
    pub fn why(&self) -> &str {
        if self.state == BookState::Live {
            ""
        } else {
            &self.why
        }
    }

    /// The venue's sequence of the last batch applied.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The venue's time of the last batch applied, Unix nanoseconds.
    pub fn ts_event(&self) -> i64 {
        self.ts_event
    }

    /// Times a live book was lost (reset, sequence gap, a delta that could not be applied).
    pub fn losses(&self) -> u64 {
        self.losses
    }

    /// The highest bid, `None` when there is none.
    pub fn best_bid(&self) -> Result<Option<Level>, BookNotLive> {
        self.require_live()?;
        Ok(self.top().0)
    }

    /// The lowest ask, `None` when there is none.
    pub fn best_ask(&self) -> Result<Option<Level>, BookNotLive> {
        self.require_live()?;
        Ok(self.top().1)
    }

    /// The best `depth` bids (all when `None`), highest first.
    pub fn bids(&self, depth: Option<usize>) -> Result<Vec<Level>, BookNotLive> {
        self.require_live()?;
        Ok(best(self.bids.iter().rev(), depth))
    }

    /// The best `depth` asks (all when `None`), lowest first.
    pub fn asks(&self, depth: Option<usize>) -> Result<Vec<Level>, BookNotLive> {
        self.require_live()?;
        Ok(best(self.asks.iter(), depth))
    }

    fn top(&self) -> (Option<Level>, Option<Level>) {
        let level = |(&price, &size): (&Dec, &Dec)| Level { price, size };
        (
            self.bids.last_key_value().map(level),
            self.asks.first_key_value().map(level),
        )
    }

    fn require_live(&self) -> Result<(), BookNotLive> {
        if self.state == BookState::Live {
            Ok(())
        } else {
            Err(BookNotLive {
                state: self.state,
                why: self.why.clone(),
            })
        }
    }

    fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
    }

    fn lose(&mut self, why: String) {
        self.clear();
        self.state = BookState::Resyncing;
        self.why = why;
    }

    fn apply_levels(&mut self, batch: &OrderBookDeltas) {
        for (i, d) in batch.deltas.iter().enumerate() {
            if !self.apply_level(d) {
                self.lose(format!(
                    "delta {i} of sequence {} has no side, a negative size, no action or a scale \
                     too large",
                    batch.sequence
                ));
                return;
            }
        }
        self.sequence = batch.sequence;
        self.ts_event = batch.ts_event;
    }

    /// One delta; false when it cannot be applied.
    fn apply_level(&mut self, d: &OrderBookDelta) -> bool {
        let action = BookAction::try_from(d.action).unwrap_or(BookAction::Unspecified);
        if action == BookAction::Clear {
            self.clear();
            return true;
        }
        let side = match OrderSide::try_from(d.side) {
            Ok(OrderSide::Buy) => &mut self.bids,
            Ok(OrderSide::Sell) => &mut self.asks,
            _ => return false,
        };
        let (Ok(price), Ok(size)) = (
            Dec::from_proto(&d.price.unwrap_or_default()),
            Dec::from_proto(&d.size.unwrap_or_default()),
        ) else {
            return false;
        };
        if size.units() < 0 {
            return false;
        }
        match action {
            BookAction::Add | BookAction::Update if !size.is_zero() => {
                side.insert(price, size);
            }
            BookAction::Add | BookAction::Update | BookAction::Delete => {
                side.remove(&price);
            }
            _ => return false,
        }
        true
    }
}

fn best<'a>(levels: impl Iterator<Item = (&'a Dec, &'a Dec)>, depth: Option<usize>) -> Vec<Level> {
    levels
        .take(depth.unwrap_or(usize::MAX))
        .map(|(&price, &size)| Level { price, size })
        .collect()
}
