package io.herald.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.LocalSubscriber;
import io.herald.core.Publication;
import io.herald.core.SubscriptionListener;
import io.herald.server.testing.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DemoFeedsTest {

    @BeforeEach
    void noFeedThreadLeftByAnEarlierTest() {
        TestServer.await("no " + DemoFeeds.THREAD_NAME + " thread", Duration.ofSeconds(5), () -> !feedThreadExists());
    }

    @Test
    void clockPublishesAboutOnceASecondWithIncreasingTime() {
        try (TestServer t = TestServer.start(cfg -> cfg.demo(true)); Recording clock = record(t, DemoFeeds.CLOCK_CHANNEL)) {
            List<Publication> got = clock.got();
            TestServer.await("4 clock ticks", Duration.ofSeconds(8), () -> got.size() >= 4);
            List<Long> times = new ArrayList<>();
            for (Publication p : got) {
                assertThat(p.event()).isEqualTo("message");
                JsonNode json = TestServer.json(p.data().text());
                long time = json.get("time").asLong();
                assertThat(json.get("iso").asText()).isEqualTo(Instant.ofEpochMilli(time).toString());
                assertThat(Math.abs(time - p.time())).as("payload time vs publication time").isLessThan(1000);
                times.add(time);
            }
            for (int i = 1; i < times.size(); i++) {
                assertThat(times.get(i) - times.get(i - 1)).as("gap between ticks %s", times).isBetween(500L, 1500L);
            }
            // on the second: each tick falls in a different whole second
            assertThat(times.stream().map(ms -> ms / 1000).distinct().count()).isEqualTo(times.size());
        }
    }

    @Test
    void tickerPublishesSeveralTimesASecondWithEverySymbol() {
        try (TestServer t = TestServer.start(cfg -> cfg.demo(true)); Recording ticker = record(t, DemoFeeds.TICKER_CHANNEL)) {
            List<Publication> got = ticker.got();
            TestServer.await("first tick", Duration.ofSeconds(5), () -> !got.isEmpty());
            int before = got.size();
            sleep(2000);
            int inTwoSeconds = got.size() - before;
            assertThat(inTwoSeconds).as("ticks in 2 s at one per %s", DemoFeeds.TICKER_PERIOD).isBetween(6, 12);

            // as a browser reads it: data is the JSON value itself
            JsonNode page = TestServer.json(t.get("/history/" + DemoFeeds.TICKER_CHANNEL + "?limit=1").body());
            JsonNode quotes = page.get("messages").get(0).get("data").get("quotes");
            assertThat(quotes).hasSize(StockTicker.OPENING.size());
            for (int i = 0; i < quotes.size(); i++) {
                assertThat(quotes.get(i).get("symbol").asText()).isEqualTo(StockTicker.OPENING.get(i).symbol());
                assertThat(quotes.get(i).get("price").asDouble()).isPositive();
            }
        }
    }

    @Test
    void theQuotesChannelCarriesEverySymbolOncePerTickKeyedBySymbol() {
        try (TestServer t = TestServer.start(cfg -> cfg.demo(true)); Recording quotes = record(t, DemoFeeds.QUOTES_CHANNEL)) {
            List<Publication> got = quotes.got();
            int symbols = StockTicker.OPENING.size();
            TestServer.await("two ticks of quotes", Duration.ofSeconds(5), () -> got.size() >= 2 * symbols);
            for (int i = 0; i < 2 * symbols; i++) {
                Publication p = got.get(i);
                JsonNode quote = TestServer.json(p.data().text()).get("quotes");
                assertThat(quote).hasSize(1);
                assertThat(p.key()).isEqualTo(quote.get(0).get("symbol").asText());
            }
            assertThat(got.subList(0, symbols)).extracting(Publication::key)
                    .containsExactlyInAnyOrderElementsOf(StockTicker.OPENING.stream().map(StockTicker.Quote::symbol).toList());
        }
    }

    @Test
    void withoutDemoNothingIsPublishedAndNoThreadExists() {
        try (TestServer t = TestServer.start(cfg -> cfg.demo(false))) {
            sleep(1300);
            for (String channel : List.of(DemoFeeds.CLOCK_CHANNEL, DemoFeeds.TICKER_CHANNEL)) {
                assertThat(t.server().node().history(channel, null, 10).join().publications()).as(channel).isEmpty();
            }
            assertThat(feedThreadExists()).isFalse();
        }
    }

    @Test
    void closeStopsTheFeedsAndTheirThread() {
        TestServer t = TestServer.start(cfg -> cfg.demo(true));
        try (Recording ticker = record(t, DemoFeeds.TICKER_CHANNEL)) {
            TestServer.await("first tick", Duration.ofSeconds(5), () -> !ticker.got().isEmpty());
            assertThat(feedThreadExists()).isTrue();
        }
        t.close();
        TestServer.await("feed thread gone", Duration.ofSeconds(5), () -> !feedThreadExists());
    }

    /** An in-process subscriber and what it received; close it to unsubscribe. */
    private record Recording(LocalSubscriber subscriber, List<Publication> got) implements AutoCloseable {
        @Override
        public void close() {
            subscriber.close();
        }
    }

    private static Recording record(TestServer t, String channel) {
        List<Publication> got = new CopyOnWriteArrayList<>();
        LocalSubscriber sub = t.server().subscribe(channel, null, new SubscriptionListener() {
            @Override
            public void onPublication(Publication publication) {
                got.add(publication);
            }
        });
        sub.subscribed().join();
        return new Recording(sub, got);
    }

    private static boolean feedThreadExists() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(th -> th.getName().equals(DemoFeeds.THREAD_NAME));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
