package io.herald.bench;

import java.util.Arrays;
import java.util.List;

/**
 * The resume part of a load report ({@code herald-bench --resume}): how the subscribers came back
 * after the server ended their connections, typically the reconnect herd after a Redis restart
 * (docs/benchmarks.md, "issue 11"). Times are wall-clock epoch milliseconds, so a script can
 * subtract when it restarted Redis: per subscriber, when its last reset arrived (it was resubscribed
 * on the new epoch) and when its first publication after that reset did (it receives the new epoch).
 *
 * @param subscribersReset     subscribers that received at least one reset
 * @param resets               reset signals received, over all subscribers
 * @param resumes              reconnects that the server accepted
 * @param skippedByReset       accepted publications subscribers did not receive because a reset skipped
 *                             them (between the last one seen before the reset and the first after it);
 *                             not counted as lost
 * @param resetAtMs            min, p50, p99, max over the reset subscribers of when their last reset
 *                             arrived (epoch ms); empty when none
 * @param recovered            reset subscribers that received a publication after their last reset
 * @param firstAfterResetAtMs  min, p50, p99, max over the recovered subscribers of when that first
 *                             publication arrived (epoch ms); empty when none
 */
public record ResumeReport(long subscribersReset, long resets, long resumes, long skippedByReset, List<Long> resetAtMs,
                           long recovered, List<Long> firstAfterResetAtMs) {

    /** Copies the lists. */
    public ResumeReport {
        resetAtMs = List.copyOf(resetAtMs);
        firstAfterResetAtMs = List.copyOf(firstAfterResetAtMs);
    }

    /** The report of {@code states} (read after their event loops stopped), with the skipped count. */
    static ResumeReport of(List<SubscriberState> states, long skippedByReset) {
        long[] resetAt = new long[states.size()];
        long[] firstAfter = new long[states.size()];
        int reset = 0;
        int recovered = 0;
        long resets = 0;
        long resumes = 0;
        for (SubscriberState s : states) {
            resets += s.resets();
            resumes += s.resumes();
            if (s.lastResetMillis() != 0) {
                resetAt[reset++] = s.lastResetMillis();
                if (s.firstAfterResetMillis() != 0) {
                    firstAfter[recovered++] = s.firstAfterResetMillis();
                }
            }
        }
        return new ResumeReport(reset, resets, resumes, skippedByReset, summary(resetAt, reset), recovered,
                summary(firstAfter, recovered));
    }

    /** Min, p50, p99, max (nearest rank) of the first {@code n} values; empty when {@code n == 0}. */
    static List<Long> summary(long[] values, int n) {
        if (n == 0) {
            return List.of();
        }
        long[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        return List.of(sorted[0], rank(sorted, 50), rank(sorted, 99), sorted[n - 1]);
    }

    private static long rank(long[] sorted, double percentile) {
        int index = (int) Math.ceil(percentile / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
