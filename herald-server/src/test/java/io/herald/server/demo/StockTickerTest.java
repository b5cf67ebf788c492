package io.herald.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StockTickerTest {

    @Test
    void payloadCarriesEverySymbolWithPriceOpenAndChange() {
        StockTicker ticker = new StockTicker(new Random(7));
        JsonNode json = TestServer.json(ticker.tick(1_732_190_000_000L));
        assertThat(json.get("time").asLong()).isEqualTo(1_732_190_000_000L);
        JsonNode quotes = json.get("quotes");
        assertThat(quotes).hasSize(StockTicker.OPENING.size());
        for (int i = 0; i < quotes.size(); i++) {
            JsonNode q = quotes.get(i);
            StockTicker.Quote opening = StockTicker.OPENING.get(i);
            assertThat(q.get("symbol").asText()).isEqualTo(opening.symbol());
            assertThat(q.get("open").asDouble()).isEqualTo(opening.price());
            assertThat(q.get("change").asDouble()).isCloseTo(q.get("price").asDouble() - opening.price(),
                    org.assertj.core.data.Offset.offset(0.006));
            assertThat(q.get("changePercent").asDouble()).isCloseTo(
                    (q.get("price").asDouble() - opening.price()) / opening.price() * 100,
                    org.assertj.core.data.Offset.offset(0.006));
        }
    }

    @Test
    void aQuoteIsOneSymbolOfTheLastTickInTheSameShape() {
        StockTicker ticker = new StockTicker(new Random(7));
        JsonNode tick = TestServer.json(ticker.tick(1_732_190_000_000L));
        for (int i = 0; i < StockTicker.OPENING.size(); i++) {
            JsonNode quote = TestServer.json(ticker.quote(i, 1_732_190_000_000L));
            assertThat(quote.get("time").asLong()).isEqualTo(1_732_190_000_000L);
            assertThat(quote.get("quotes")).hasSize(1);
            assertThat(quote.get("quotes").get(0)).isEqualTo(tick.get("quotes").get(i));
        }
    }

    @Test
    void aLongWalkMovesButStaysInAPlausibleRange() {
        StockTicker ticker = new StockTicker(new Random(42));
        double first = StockTicker.OPENING.get(0).price();
        boolean moved = false;
        for (int step = 0; step < 20_000; step++) { // over an hour at 5 ticks a second
            ticker.tick(step);
            for (int i = 0; i < StockTicker.OPENING.size(); i++) {
                double open = StockTicker.OPENING.get(i).price();
                if (ticker.price(i) < open / 2 || ticker.price(i) > open * 2) {
                    throw new AssertionError("step " + step + " symbol " + i + ": " + ticker.price(i) + " (open " + open + ")");
                }
            }
            moved |= ticker.price(0) != first;
        }
        assertThat(moved).isTrue();
    }

    @Test
    void decimalsHaveTwoDigits() {
        assertThat(StockTicker.decimal(1.5)).isEqualTo("1.50");
        assertThat(StockTicker.decimal(-0.004)).isEqualTo("0.00");
        assertThat(StockTicker.decimal(-0.05)).isEqualTo("-0.05");
        assertThat(StockTicker.decimal(310)).isEqualTo("310.00");
        assertThat(StockTicker.decimal(12.346)).isEqualTo("12.35");
    }

    @Test
    void noNegativeZero() {
        StockTicker ticker = new StockTicker(new Random(1));
        for (int step = 0; step < 2_000; step++) {
            String json = ticker.tick(step);
            if (json.contains("-0.00")) {
                throw new AssertionError(json);
            }
        }
    }
}
