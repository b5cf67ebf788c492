package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link SyscallCounter}: parsing {@code perf stat -x,} output captured on this project's machine
 * (src/test/resources/perf: perf 6.1, kernel 6.18, the same command line as the counter runs), and
 * a live count of this JVM's own system calls when perf can attach (otherwise the reason).
 */
class SyscallCounterTest {

    static String sample(String name) throws IOException {
        try (InputStream in = SyscallCounterTest.class.getResourceAsStream("/perf/" + name + ".csv")) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesTheCountsOfHeraldUnderWebSocketLoad() throws IOException {
        // 2 s of Herald (one event loop) under 1,000 WebSocket subscribers x 100/s
        Map<String, Long> counts = SyscallCounter.parse(sample("herald-ws-1000x100"));
        assertThat(counts.keySet()).containsExactly("write", "writev", "sendto", "sendmsg", "read", "readv", "recvfrom",
                "recvmsg", "epoll_wait", "epoll_pwait", "epoll_pwait2", "futex");
        assertThat(counts).containsEntry("writev", 14071L).containsEntry("write", 256L).containsEntry("sendto", 256L)
                .containsEntry("recvfrom", 256L).containsEntry("read", 58L).containsEntry("epoll_pwait2", 16L)
                .containsEntry("futex", 801L).containsEntry("sendmsg", 0L);
        SyscallCounts c = SyscallCounts.counted(counts);
        assertThat(c.isCounted()).isTrue();
        assertThat(c.sum(SyscallCounts.WRITES)).isEqualTo(256 + 14071 + 256);
        assertThat(c.sum(SyscallCounts.READS)).isEqualTo(58 + 256);
        assertThat(c.sum(SyscallCounts.EPOLL_WAITS)).isEqualTo(16);
        assertThat(c.sum(SyscallCounts.FUTEX)).isEqualTo(801);
    }

    @Test
    void notCountedIsZeroForAProcessThatNeverRanInTheWindow() throws IOException {
        // perf's "<not counted>": the task (a sleep) never ran while counting was on
        Map<String, Long> counts = SyscallCounter.parse(sample("idle-sleep"));
        assertThat(counts).hasSize(12).allSatisfy((name, n) -> assertThat(n).isZero());
    }

    @Test
    void nginxMasterAndWorkerAreSummedByPerfWithEverySystemCall() throws IOException {
        // 2 s of nginx + Nchan (-p MASTER,WORKER: one line per event for both) under 1,000 WebSocket
        // subscribers x 100/s, with raw_syscalls:sys_enter (every system call) first
        Map<String, Long> counts = SyscallCounter.parse(sample("nchan-ws-1000x100"));
        assertThat(counts).hasSize(13).containsEntry(SyscallCounts.ALL, 14727L).containsEntry("writev", 14711L)
                .containsEntry("recvfrom", 15L).containsEntry("epoll_wait", 1L).containsEntry("futex", 0L);
        SyscallCounts c = SyscallCounts.counted(counts);
        assertThat(c.sum(SyscallCounts.WRITES)).isEqualTo(14711);
        assertThat(c.sum(List.of(SyscallCounts.ALL))).isEqualTo(14727);
    }

    @Test
    void skipsCommentsBlankLinesAndControlMessages() {
        String csv = "# started on Tue Dec  1 03:25:31 2026\n\n75,,syscalls:sys_enter_write,126437162,100.00,,\n"
                + "Events enabled\nEvents disabled\n";
        assertThat(SyscallCounter.parse(csv)).containsExactly(Map.entry("write", 75L));
        assertThat(SyscallCounter.parse("")).isEmpty();
    }

    @Test
    void offAndNoServerAreNotCountedWithTheReason() {
        SyscallCounter off = SyscallCounter.start(SyscallCounter.Mode.OFF, List.of("1"));
        off.enable();
        off.disable();
        assertThat(off.finish().note()).isEqualTo("not counted: --syscalls off");
        SyscallCounter none = SyscallCounter.start(SyscallCounter.Mode.AUTO, List.of());
        assertThat(none.finish()).satisfies(c -> {
            assertThat(c.isCounted()).isFalse();
            assertThat(c.note()).isEqualTo("not counted: no --server-pid");
            assertThat(c.sum(SyscallCounts.WRITES)).isNull();
        });
    }

    @Test
    void countsTheWindowOfARealProcessOrSaysWhyNot() throws Exception {
        String self = Long.toString(ProcessHandle.current().pid());
        SyscallCounter counter = SyscallCounter.start(SyscallCounter.Mode.ON, List.of(self));
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            byte[] buffer = new byte[16];
            counter.enable();
            for (int i = 0; i < 50; i++) {
                client.getOutputStream().write(new byte[] {(byte) i});
                assertThat(accepted.getInputStream().read(buffer)).isPositive();
            }
            counter.disable();
            SyscallCounts counts = counter.finish();
            if (SyscallCounter.onPath("perf") == null) {
                assertThat(counts.note()).startsWith("not counted: perf is not installed");
            } else if (counts.isCounted()) {
                // 50 socket writes and 50 reads in the window, whatever else the JVM did
                assertThat(counts.sum(SyscallCounts.WRITES)).isGreaterThanOrEqualTo(50);
                assertThat(counts.sum(SyscallCounts.READS)).isGreaterThanOrEqualTo(50);
            } else {
                // perf exists but may not attach here (e.g. no tracefs access): the report says why
                assertThat(counts.note()).startsWith("not counted: ").hasSizeGreaterThan("not counted: ".length());
            }
        } finally {
            counter.close();
        }
    }
}
