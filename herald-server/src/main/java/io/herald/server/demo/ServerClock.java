package io.herald.server.demo;

import java.time.Instant;

/**
 * The payload of the server clock feed on {@value DemoFeeds#CLOCK_CHANNEL}:
 * {@code {"time":1732190000000,"iso":"2024-11-21T12:33:20Z"}}, the server's wall-clock time in
 * milliseconds since the Unix epoch and as an ISO-8601 UTC instant. Stateless and thread-safe.
 */
public final class ServerClock {
    private ServerClock() {
    }

    /**
     * The clock payload for one instant.
     *
     * @param epochMillis milliseconds since the Unix epoch
     * @return the JSON text
     */
    public static String payload(long epochMillis) {
        return "{\"time\":" + epochMillis + ",\"iso\":\"" + Instant.ofEpochMilli(epochMillis) + "\"}";
    }

    /**
     * How long to wait from {@code nowMillis} until the next whole second, so that ticks fall on
     * second boundaries: in {@code 1..1000} milliseconds.
     *
     * @param nowMillis milliseconds since the Unix epoch
     * @return the delay in milliseconds
     */
    public static long millisToNextSecond(long nowMillis) {
        return 1000 - Math.floorMod(nowMillis, 1000L);
    }
}
