package io.tidegate.gateway.market;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import io.tidegate.proto.v1.Message;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on the publish path: each accepted publish on {@code data.quotes.<VENUE>.<SYMBOL>},
 * {@code data.trades.<VENUE>.<SYMBOL>} or {@code data.instruments.<VENUE>} is decoded once and handed to every
 * {@link MarketDataListener}. With no listeners it costs one array-length check per message. A
 * payload that does not decode, or a listener that throws, is counted and logged, never passed
 * back to the publisher: the message itself was accepted. Thread-safe.
 */
public final class MarketDataTap {

    private static final Logger log = LoggerFactory.getLogger(MarketDataTap.class);
    private static final String QUOTES = "data.quotes.";
    private static final String TRADES = "data.trades.";
    private static final String INSTRUMENTS = "data.instruments.";

    private final MarketDataListener[] listeners;
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicLong listenerFailures = new AtomicLong();

    public MarketDataTap(Set<MarketDataListener> listeners) {
        this.listeners = listeners.toArray(MarketDataListener[]::new);
    }

    /** A tap with no listeners. */
    public static MarketDataTap none() {
        return new MarketDataTap(Set.of());
    }

    /** Hands an accepted message to the listeners when it is a quote or trade. */
    public void accepted(Message message, long receivedNanos) {
        if (listeners.length == 0) {
            return;
        }
        String topic = message.getTopic();
        if (topic.startsWith(QUOTES)) {
            quote(topic, message, receivedNanos);
        } else if (topic.startsWith(TRADES)) {
            trade(topic, message, receivedNanos);
        } else if (topic.startsWith(INSTRUMENTS)) {
            instrument(topic, message, receivedNanos);
        }
    }

    /** Payloads on market data topics that were not the expected message. */
    public long undecodable() {
        return undecodable.get();
    }

    /** Listener calls that threw. */
    public long listenerFailures() {
        return listenerFailures.get();
    }

    private void quote(String topic, Message message, long receivedNanos) {
        int dot = venueEnd(topic, QUOTES.length());
        if (dot < 0) {
            return;
        }
        QuoteTick quote;
        try {
            quote = QuoteTick.parseFrom(message.getPayload());
        } catch (InvalidProtocolBufferException e) {
            undecodable(topic);
            return;
        }
        String venue = topic.substring(QUOTES.length(), dot);
        String symbol = topic.substring(dot + 1);
        for (MarketDataListener listener : listeners) {
            try {
                listener.onQuote(venue, symbol, quote, receivedNanos);
            } catch (RuntimeException e) {
                failed(listener, e);
            }
        }
    }

    private void trade(String topic, Message message, long receivedNanos) {
        int dot = venueEnd(topic, TRADES.length());
        if (dot < 0) {
            return;
        }
        TradeTick trade;
        try {
            trade = TradeTick.parseFrom(message.getPayload());
        } catch (InvalidProtocolBufferException e) {
            undecodable(topic);
            return;
        }
        String venue = topic.substring(TRADES.length(), dot);
        String symbol = topic.substring(dot + 1);
        for (MarketDataListener listener : listeners) {
            try {
                listener.onTrade(venue, symbol, trade, receivedNanos);
            } catch (RuntimeException e) {
                failed(listener, e);
            }
        }
    }

    /** A listing on {@code data.instruments.<VENUE>} (one segment after the prefix). */
    private void instrument(String topic, Message message, long receivedNanos) {
        String venue = topic.substring(INSTRUMENTS.length());
        if (venue.isEmpty() || venue.indexOf('.') >= 0) {
            return;
        }
        InstrumentDefinition definition;
        try {
            definition = InstrumentDefinition.parseFrom(message.getPayload());
        } catch (InvalidProtocolBufferException e) {
            undecodable(topic);
            return;
        }
        for (MarketDataListener listener : listeners) {
            try {
                listener.onInstrument(venue, definition, receivedNanos);
            } catch (RuntimeException e) {
                failed(listener, e);
            }
        }
    }

    /** The dot between venue and symbol, or -1 unless the topic is exactly prefix.VENUE.SYMBOL. */
    private static int venueEnd(String topic, int from) {
        int dot = topic.indexOf('.', from);
        return dot > from && dot < topic.length() - 1 && topic.indexOf('.', dot + 1) < 0 ? dot : -1;
    }

    private void undecodable(String topic) {
        // logged on the first and then every 1000th, so a misbehaving publisher cannot flood the log
        if (undecodable.getAndIncrement() % 1000 == 0) {
            log.warn("payload on {} is not a market data message; {} such so far", topic, undecodable.get());
        }
    }

    private void failed(MarketDataListener listener, RuntimeException e) {
        if (listenerFailures.getAndIncrement() % 1000 == 0) {
            log.warn("market data listener {} failed; {} failures so far", listener.getClass().getSimpleName(),
                    listenerFailures.get(), e);
        }
    }
}
