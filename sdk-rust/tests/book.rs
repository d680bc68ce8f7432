//! `tidegate::book::OrderBook`: known answers for batches as the adapters publish them (the cases
//! of the Python SDK's `test_book.py`), and one kept from a subscription to the real gateway jar
//! agreeing with the gateway's own book (`Client::get_book`).

mod common;

use std::time::{Duration, Instant};

use common::Gateway;
use prost::Message as _;
use tidegate::book::{BookNotLive, BookState, Level, OrderBook};
use tidegate::client::{Client, ClientConfig, SubscribeOptions};
use tidegate::decimal::{parse_proto, Dec};
use tidegate::proto::market::{
    BookAction, BookResetReason, OrderBookDelta, OrderBookDeltas, OrderSide,
};
use tidegate::proto::v1::{GetBookResponse, Message};

const WAIT: Duration = Duration::from_secs(20);
const BID: OrderSide = OrderSide::Buy;
const ASK: OrderSide = OrderSide::Sell;

fn dec(text: &str) -> Dec {
    text.parse().expect("decimal")
}

fn level(price: &str, size: &str) -> Level {
    Level {
        price: dec(price),
        size: dec(size),
    }
}

fn delta(action: BookAction, side: OrderSide, price: &str, size: &str) -> OrderBookDelta {
    OrderBookDelta {
        action: action as i32,
        side: side as i32,
        price: Some(parse_proto(price).expect("price")),
        size: Some(parse_proto(size).expect("size")),
        ..Default::default()
    }
}

fn clear() -> OrderBookDelta {
    OrderBookDelta {
        action: BookAction::Clear as i32,
        ..Default::default()
    }
}

fn snapshot(seq: u64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> OrderBookDeltas {
    let mut deltas = vec![clear()];
    deltas.extend(bids.iter().map(|(p, s)| delta(BookAction::Add, BID, p, s)));
    deltas.extend(asks.iter().map(|(p, s)| delta(BookAction::Add, ASK, p, s)));
    OrderBookDeltas {
        is_snapshot: true,
        sequence: seq,
        reset_reason: BookResetReason::Initial as i32,
        deltas,
        ..Default::default()
    }
}

fn update(seq: u64, deltas: Vec<OrderBookDelta>) -> OrderBookDeltas {
    OrderBookDeltas {
        sequence: seq,
        ts_event: seq as i64,
        deltas,
        ..Default::default()
    }
}

fn reset() -> OrderBookDeltas {
    OrderBookDeltas {
        reset_reason: BookResetReason::SequenceGap as i32,
        deltas: vec![clear()],
        ..Default::default()
    }
}

#[test]
fn deltas_applied_give_the_expected_levels_exactly() {
    let mut book = OrderBook::new();
    assert!(book.apply(&snapshot(
        10,
        &[("100.5", "2"), ("100", "1")],
        &[("101", "1.5"), ("101.25", "4")]
    )));
    assert!(!book.apply(&update(
        11,
        vec![
            delta(BookAction::Add, BID, "100.25", "0.125"),
            delta(BookAction::Delete, BID, "100", "0"),
        ]
    )));
    // size 0 deletes
    assert!(book.apply(&update(
        12,
        vec![delta(BookAction::Update, ASK, "101", "0")]
    )));
    assert_eq!(
        book.bids(None).unwrap(),
        [level("100.5", "2"), level("100.25", "0.125")]
    );
    assert_eq!(book.asks(Some(1)).unwrap(), [level("101.25", "4")]);
    assert_eq!(book.best_bid().unwrap(), Some(level("100.5", "2")));
    assert_eq!((book.sequence(), book.ts_event()), (12, 12));
    assert_eq!(book.state(), BookState::Live);
}

#[test]
fn a_gap_flags_the_book_reading_it_fails_and_the_next_snapshot_restores_it() {
    let mut book = OrderBook::new();
    book.apply(&snapshot(5, &[("10", "1")], &[("11", "1")]));
    assert!(!book.apply(&update(5, vec![delta(BookAction::Update, BID, "10", "2")])));
    assert_eq!((book.state(), book.losses()), (BookState::Resyncing, 1));
    let lost = book.best_bid().expect_err("a lost book cannot be read");
    assert!(
        lost.to_string().contains("sequence 5 is not after 5"),
        "{lost}"
    );
    // still lost
    assert!(!book.apply(&update(6, vec![delta(BookAction::Update, BID, "10", "3")])));
    assert!(book.apply(&snapshot(9, &[("9.5", "4")], &[("10.5", "2")])));
    assert_eq!(book.best_bid().unwrap(), Some(level("9.5", "4")));
    book.apply(&reset());
    let lost = book.asks(None).expect_err("reset");
    assert_eq!(lost.state, BookState::Resyncing);
    assert!(
        lost.why.contains("BOOK_RESET_REASON_SEQUENCE_GAP"),
        "{lost}"
    );
    assert_eq!(book.losses(), 2);
}

#[test]
fn exact_decimals_come_back_as_sent() {
    let wire = parse_proto("65000.123456789").unwrap();
    assert_eq!(
        Dec::from_proto(&wire).unwrap().to_string(),
        "65000.123456789"
    );
    assert_eq!(
        Dec::from_proto(&parse_proto("-0.5").unwrap())
            .unwrap()
            .to_string(),
        "-0.5"
    );
}

#[test]
fn updates_before_the_first_snapshot_are_ignored_and_reading_says_so() {
    let mut book = OrderBook::new();
    assert!(!book.apply(&update(1, vec![delta(BookAction::Add, BID, "10", "1")])));
    assert_eq!(
        (book.state(), book.losses()),
        (BookState::AwaitingSnapshot, 0)
    );
    assert_eq!(
        book.bids(None),
        Err(BookNotLive {
            state: BookState::AwaitingSnapshot,
            why: "no snapshot yet".into()
        })
    );
    assert_eq!(
        book.bids(None).unwrap_err().to_string(),
        "the book is awaiting snapshot: no snapshot yet"
    );
}

#[test]
fn a_delta_without_a_side_loses_the_book_and_an_empty_side_reads_as_none() {
    let mut book = OrderBook::new();
    book.apply(&snapshot(1, &[("10", "1")], &[]));
    assert_eq!(book.best_ask().unwrap(), None);
    let sideless = delta(BookAction::Add, OrderSide::Unspecified, "10", "1");
    assert!(!book.apply(&update(2, vec![sideless])));
    assert_eq!(book.state(), BookState::Resyncing);
    assert_eq!(
        book.why(),
        "delta 0 of sequence 2 has no side, a negative size, no action or a scale too large"
    );
    assert_eq!(book.sequence(), 1);
}

#[test]
fn levels_of_different_scales_are_the_same_level() {
    let mut book = OrderBook::new();
    book.apply(&snapshot(1, &[("97000.00", "0.250")], &[]));
    book.apply(&update(
        2,
        vec![delta(BookAction::Update, BID, "97000", "0.5")],
    ));
    assert_eq!(book.bids(None).unwrap(), [level("97000.0", "0.50")]);
    assert!(!book.apply(&update(
        3,
        vec![delta(BookAction::Update, BID, "97000", "0.5000")]
    )));
}

fn book_message(venue: &str, batch: &OrderBookDeltas) -> Message {
    Message {
        topic: format!("data.books.{venue}.BTCUSDT"),
        ordering_key: format!("BTCUSDT.{venue}"),
        payload: batch.encode_to_vec(),
        ..Default::default()
    }
}

fn levels(wire: &[tidegate::proto::v1::BookLevel]) -> Vec<Level> {
    wire.iter()
        .map(|l| Level::from_proto(l).expect("exact level"))
        .collect()
}

/// The gateway keeps its books off the publish path: ask until it has applied `sequence`.
async fn gateway_book_at(client: &Client, venue: &str, sequence: u64) -> GetBookResponse {
    let deadline = Instant::now() + WAIT;
    loop {
        match client.get_book(venue, "BTCUSDT", 0).await {
            Ok(book) if book.sequence == sequence => return book,
            Ok(_) => {}
            Err(e) if e.code() == Some(tonic::Code::NotFound) => {}
            Err(e) => panic!("GetBook: {e}"),
        }
        assert!(
            Instant::now() < deadline,
            "the gateway's book of {venue} did not reach sequence {sequence}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_book_kept_from_a_subscription_agrees_with_the_gateways() {
    let gw = Gateway::start();
    let venue = "RS";
    let publisher = Client::connect(ClientConfig::new(&gw.endpoint, "rs-pub"))
        .await
        .expect("publisher");
    let strategy = Client::connect(ClientConfig::new(&gw.endpoint, "rs-strategy"))
        .await
        .expect("strategy");
    let mut sub = strategy
        .subscribe(SubscribeOptions::broadcast([format!(
            "data.books.{venue}.>"
        )]))
        .await
        .expect("subscribe");
    for batch in [
        snapshot(
            100,
            &[("97000.00", "0.25"), ("96999.5", "1")],
            &[("97500.1", "0.3")],
        ),
        update(101, vec![delta(BookAction::Add, BID, "97500.00", "0.250")]),
        update(102, vec![delta(BookAction::Delete, BID, "96999.5", "0")]),
    ] {
        publisher
            .publish_one(book_message(venue, &batch))
            .await
            .expect("batch stored");
    }
    let mut mine = OrderBook::new();
    while mine.sequence() != 102 {
        let d = tokio::time::timeout(WAIT, sub.recv())
            .await
            .expect("a batch within the timeout")
            .expect("subscription open");
        let payload = d.message.expect("message").payload;
        mine.apply(&OrderBookDeltas::decode(payload.as_slice()).expect("OrderBookDeltas"));
    }

    let theirs = gateway_book_at(&strategy, venue, 102).await;
    assert_eq!(levels(&theirs.bids), mine.bids(None).unwrap());
    assert_eq!(levels(&theirs.asks), mine.asks(None).unwrap());
    assert_eq!(
        mine.bids(None).unwrap(),
        [level("97500", "0.25"), level("97000", "0.25")]
    );
    let top = strategy
        .get_book(venue, "BTCUSDT", 1)
        .await
        .expect("depth 1");
    assert_eq!(levels(&top.bids), [level("97500", "0.25")]);

    let missing = strategy
        .get_book(venue, "ETHUSDT", 0)
        .await
        .expect_err("no batch of ETHUSDT was published");
    assert_eq!(missing.code(), Some(tonic::Code::NotFound), "{missing}");
}
