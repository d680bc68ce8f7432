//! Subscribe by instrument against the real gateway jar: venue listings on
//! `data.instruments.<VENUE>` decide which quote topics a subscription by canonical key gets.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::Gateway;
use prost::Message as _;
use tidegate::client::{Client, ClientConfig, ClientError, DataKind, SubscribeOptions};
use tidegate::proto::market::InstrumentDefinition;
use tidegate::proto::v1::instruments_service_client::InstrumentsServiceClient;
use tidegate::proto::v1::{EquivalentsRequest, Message};

const WAIT: Duration = Duration::from_secs(20);

fn listing(venue: &str, native_id: &str, key: &str) -> Message {
    let definition = InstrumentDefinition {
        venue: venue.into(),
        segment: "linear".into(),
        raw_symbol: native_id.into(),
        canonical_key: key.into(),
        ..Default::default()
    };
    Message {
        topic: format!("data.instruments.{venue}"),
        ordering_key: native_id.into(),
        payload: definition.encode_to_vec(),
        ..Default::default()
    }
}

fn quote(venue: &str, native_id: &str, text: &str) -> Message {
    Message {
        topic: format!("data.quotes.{venue}.{native_id}"),
        payload: text.as_bytes().to_vec(),
        ..Default::default()
    }
}

/// The venues the gateway's registry lists `key` on, asked through the Instruments service.
async fn listed_venues(endpoint: &str, key: &str) -> BTreeSet<String> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{endpoint}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("channel to the gateway");
    let answer = InstrumentsServiceClient::new(channel)
        .equivalents(EquivalentsRequest { key: key.into() })
        .await
        .expect("Equivalents")
        .into_inner();
    answer.markets.into_iter().map(|m| m.venue).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_by_instrument_gets_its_quotes_on_every_listing_venue_and_no_other() {
    let gw = Gateway::start();
    let publisher = Client::connect(ClientConfig::new(&gw.endpoint, "rs-pub"))
        .await
        .expect("publisher");
    let strategy = Client::connect(ClientConfig::new(&gw.endpoint, "rs-strategy"))
        .await
        .expect("strategy");
    let key = "BTC/USDT:USDT";

    // subscribed before either venue lists it: listings that come later widen the subscription
    let mut sub = strategy
        .subscribe(SubscribeOptions::instruments(DataKind::Quotes, [key]))
        .await
        .expect("subscribe by instrument");

    for m in [
        listing("BYBIT", "BTCUSDT", key),
        listing("OKX", "BTC-USDT-SWAP", key),
        listing("OKX", "ETH-USDT-SWAP", "ETH/USDT:USDT"),
    ] {
        publisher.publish_one(m).await.expect("listing stored");
    }
    let wanted: BTreeSet<String> = ["BYBIT".to_string(), "OKX".to_string()].into();
    let deadline = Instant::now() + WAIT;
    // the registry reads listings off the publish path: wait until it knows both venues
    loop {
        let seen = listed_venues(&gw.endpoint, key).await;
        if seen == wanted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "listed venues {seen:?}\n{}",
            gw.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    for m in [
        quote("OKX", "ETH-USDT-SWAP", "eth"),
        quote("BYBIT", "BTCUSDT", "bybit"),
        quote("OKX", "BTC-USDT-SWAP", "okx"),
    ] {
        publisher.publish_one(m).await.expect("quote stored");
    }
    let mut got = BTreeSet::new();
    while got.len() < 2 {
        let d = tokio::time::timeout(WAIT, sub.recv())
            .await
            .expect("a quote within the timeout")
            .expect("subscription open");
        let m = d.message.expect("message");
        got.insert(format!(
            "{} {}",
            m.topic,
            String::from_utf8_lossy(&m.payload)
        ));
    }
    // the other instrument's quote was published first: had it been delivered it would be here
    let expected: BTreeSet<String> = [
        "data.quotes.BYBIT.BTCUSDT bybit".to_string(),
        "data.quotes.OKX.BTC-USDT-SWAP okx".to_string(),
    ]
    .into();
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instrument_subscriptions_that_cannot_work_are_refused() {
    let gw = Gateway::start();
    let client = Client::connect(ClientConfig::new(&gw.endpoint, "rs-bad"))
        .await
        .expect("client");

    let refused = match client
        .subscribe(SubscribeOptions::instruments(
            DataKind::Quotes,
            ["not a key"],
        ))
        .await
    {
        Err(e) => e,
        Ok(s) => panic!("a key not in the canonical form was accepted by {}", s.id()),
    };
    assert_eq!(
        refused.code(),
        Some(tonic::Code::InvalidArgument),
        "{refused}"
    );

    let no_kind = SubscribeOptions {
        instruments: vec!["BTC/USDT".into()],
        ..SubscribeOptions::broadcast(Vec::<String>::new())
    };
    let group =
        SubscribeOptions::group("g", ["x.y"]).with_instruments(DataKind::Trades, ["BTC/USDT"]);
    for (options, says) in [(no_kind, "data kind"), (group, "BROADCAST")] {
        match client.subscribe(options).await {
            Err(ClientError::InvalidOptions(why)) => assert!(why.contains(says), "{why}"),
            other => panic!(
                "expected InvalidOptions about {says}, got {:?}",
                other.map(|s| s.id().to_string())
            ),
        }
    }
    // data kind without instruments
    let mut kind_only = SubscribeOptions::broadcast(["x.y"]);
    kind_only.data_kind = Some(DataKind::Books);
    match client.subscribe(kind_only).await {
        Err(ClientError::InvalidOptions(why)) => {
            assert!(why.contains("goes with instruments"), "{why}")
        }
        other => panic!(
            "expected InvalidOptions, got {:?}",
            other.map(|s| s.id().to_string())
        ),
    }
    // the stream survived the refused subscription
    client.ping().await.expect("pong");
}
