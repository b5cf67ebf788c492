package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcSampleTest {

    @Test
    void readsUtimeAndStimeAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 12345 0 7 0 1500 230 0 0 20 0 31 0 123456 "
                + "5000000000 50000 18446744073709551615 1 1 0 0 0 0 0 4096 17922 0 0 0 17 1 0 0 0 0 0";
        assertThat(ProcSample.parseStat(stat)).containsExactly(1500L, 230L);
    }

    @Test
    void rejectsTextThatIsNotAStatLine() {
        assertThatThrownBy(() -> ProcSample.parseStat("nonsense")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcSample.parseStat("1 (x) S 1 2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsVmRssInBytes() {
        String status = "Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t   51200 kB\nThreads:\t31\n";
        assertThat(ProcSample.parseRssBytes(status)).isEqualTo(51200L * 1024);
        assertThat(ProcSample.parseRssBytes("Name:\tzombie\n")).isEqualTo(-1);
    }

    @Test
    void readsThisProcess() {
        ProcSample before = ProcSample.read("self");
        long spin = 0;
        long end = System.nanoTime() + 50_000_000L;
        while (System.nanoTime() < end) {
            spin++;
        }
        ProcSample after = ProcSample.read("self");
        assertThat(spin).isPositive();
        assertThat(after.rssBytes()).isPositive();
        assertThat(after.userSecondsSince(before) + after.systemSecondsSince(before)).isGreaterThanOrEqualTo(0.0);
        assertThat(ProcSample.clockTicksPerSecond()).isPositive();
    }

    @Test
    void readsTheParentPidAndSumsAProcessTree() throws Exception {
        assertThat(ProcSample.parentPid("4242 (a) b) c) S 17 4242 0")).isEqualTo("17");
        Process child = new ProcessBuilder("sleep", "5").start();
        try {
            String self = Long.toString(ProcessHandle.current().pid());
            assertThat(ProcSample.descendants(self)).contains(Long.toString(child.pid()));
            ProcSample tree = ProcSample.readTree(self);
            assertThat(tree.rssBytes()).isGreaterThan(ProcSample.read("self").rssBytes() / 2);
        } finally {
            child.destroy();
            child.waitFor();
        }
    }

    @Test
    void aMissingProcessIsAClearError() {
        assertThatThrownBy(() -> ProcSample.read("999999999")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/proc/999999999");
    }
}
