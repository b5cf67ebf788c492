package io.herald.server.demo;

import java.util.List;
import java.util.Random;

/**
 * A simulated stock feed for {@value DemoFeeds#TICKER_CHANNEL}: a few invented symbols whose prices
 * follow a geometric random walk, gently pulled back towards their opening price so that a long
 * run stays in a plausible range. Each {@link #tick} moves every price one step and returns the
 * payload
 *
 * <pre>{@code
 * {"time":1732190000000,"quotes":[
 *   {"symbol":"HRLD","price":101.23,"open":100.00,"change":1.23,"changePercent":1.23}, ...]}
 * }</pre>
 *
 * <p>Prices and changes have two decimals; {@code open} is the price when this ticker was created
 * (the "session open"); {@code changePercent} is relative to it. Not thread-safe: one scheduler
 * thread calls {@link #tick}.
 */
public final class StockTicker {
    /** The symbols and their opening prices, in payload order. Invented names, not real listings. */
    public static final List<Quote> OPENING = List.of(
            new Quote("HRLD", 100.00), new Quote("ACME", 42.50), new Quote("GLBX", 230.00),
            new Quote("UMBR", 12.80), new Quote("WNKA", 75.00), new Quote("TYRL", 310.00));

    /** Standard deviation of one step of the log price. */
    static final double VOLATILITY = 0.0015;
    /** Fraction of the log distance from the opening price taken back each step. */
    static final double REVERSION = 0.0005;

    private final Random random;
    private final double[] prices;

    /**
     * A ticker at the opening prices.
     *
     * @param random the source of steps; pass a seeded one for a reproducible walk
     */
    public StockTicker(Random random) {
        this.random = random;
        this.prices = OPENING.stream().mapToDouble(Quote::price).toArray();
    }

    /**
     * Moves every price one step and returns the payload.
     *
     * @param epochMillis the time to stamp the payload with
     * @return the JSON text
     */
    public String tick(long epochMillis) {
        StringBuilder json = new StringBuilder(96 * prices.length);
        json.append("{\"time\":").append(epochMillis).append(",\"quotes\":[");
        for (int i = 0; i < prices.length; i++) {
            double open = OPENING.get(i).price();
            double logDistance = Math.log(prices[i] / open);
            prices[i] *= Math.exp(-REVERSION * logDistance + VOLATILITY * random.nextGaussian());
            if (i > 0) {
                json.append(',');
            }
            appendQuote(json, i);
        }
        return json.append("]}").toString();
    }

    /**
     * The payload of one symbol at its current price (as the last {@link #tick} left it), in the
     * shape of {@link #tick}'s with one quote: {@code {"time":T,"quotes":[{"symbol":...}]}}. What the
     * demo publishes per symbol, with the symbol as the publication's key (docs/protocol.md, "Conflation").
     *
     * @param index       the symbol's index in {@link #OPENING}
     * @param epochMillis the time to stamp the payload with
     */
    public String quote(int index, long epochMillis) {
        StringBuilder json = new StringBuilder(128);
        json.append("{\"time\":").append(epochMillis).append(",\"quotes\":[");
        appendQuote(json, index);
        return json.append("]}").toString();
    }

    private void appendQuote(StringBuilder json, int i) {
        double open = OPENING.get(i).price();
        double price = cents(prices[i]);
        json.append("{\"symbol\":\"").append(OPENING.get(i).symbol())
                .append("\",\"price\":").append(decimal(price))
                .append(",\"open\":").append(decimal(open))
                .append(",\"change\":").append(decimal(price - open))
                .append(",\"changePercent\":").append(decimal((price - open) / open * 100))
                .append('}');
    }

    /** The current unrounded price of the symbol at {@code index} in {@link #OPENING}. */
    double price(int index) {
        return prices[index];
    }

    private static double cents(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** {@code value} with exactly two decimals, e.g. {@code -1.50}; never {@code -0.00}. */
    static String decimal(double value) {
        long cents = Math.round(value * 100);
        long abs = Math.abs(cents);
        long fraction = abs % 100;
        return (cents < 0 ? "-" : "") + abs / 100 + (fraction < 10 ? ".0" : ".") + fraction;
    }

    /**
     * A symbol and a price.
     *
     * @param symbol the ticker symbol
     * @param price  the price
     */
    public record Quote(String symbol, double price) {
    }
}
