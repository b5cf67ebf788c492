package io.herald.server.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The edge's pure rules, table by table: origins, address ranges, forwarded clients, token buckets, per-address state. */
class EdgeRulesTest {

    @Test
    void originsMatchExactlyAfterParsing() {
        Origins o = Origins.of(List.of("https://App.Example", "http://localhost:8080", "https://*.tenant.example", "null"));
        assertThat(o.allows("https://app.example")).isTrue();
        assertThat(o.allows("https://APP.EXAMPLE:443")).isTrue();
        assertThat(o.allows("http://localhost:8080")).isTrue();
        assertThat(o.allows("https://a.tenant.example")).isTrue();
        assertThat(o.allows("null")).isTrue();
        for (String no : List.of("http://app.example", "https://app.example:8443", "https://app.example.evil",
                "https://evilapp.example", "https://\u0430pp.example", "https://tenant.example", "https://a.b.tenant.example",
                "https://app.example/", "https://app.example?x", "https://u@app.example", "http://localhost", "localhost:8080",
                "https://app.example:0", "https://app.example:99999", "", " https://app.example", "https://")) {
            assertThat(o.allows(no)).as(no).isFalse();
        }
        assertThat(Origins.of(List.of("https://a.example")).allows("null")).as("null only when listed").isFalse();
        assertThat(Origins.of(List.of()).isEmpty()).isTrue();
        assertThat(o.sources()).containsExactly("https://app.example", "http://localhost:8080", "https://*.tenant.example");
        for (String bad : List.of("app.example", "https://a.example/path", "https://*.com", "https://a.*.example",
                "*", "https://*", "https://a.example:port")) {
            assertThatThrownBy(() -> Origins.of(List.of(bad))).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("\"" + bad + "\" is not an origin");
        }
        assertThat(Origins.sameOrigin("http://127.0.0.1:8080", "127.0.0.1:8080", "http")).isTrue();
        assertThat(Origins.sameOrigin("http://h.example", "H.example:80", "http")).isTrue();
        assertThat(Origins.sameOrigin("https://127.0.0.1:8080", "127.0.0.1:8080", "http")).isFalse();
        assertThat(Origins.sameOrigin("http://127.0.0.1:8081", "127.0.0.1:8080", "http")).isFalse();
        assertThat(Origins.sameOrigin("http://127.0.0.1:8080", null, "http")).isFalse();
    }

    @Test
    void addressRangesAndForwardedClients() throws Exception {
        AddressRanges r = AddressRanges.of(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8", "172.16.0.0/12"));
        assertThat(r.contains(InetAddress.getByName("10.200.3.4"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(r.contains(InetAddress.getByName("192.168.1.7"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("192.168.1.8"))).isFalse();
        assertThat(r.contains(InetAddress.getByName("172.31.255.255"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("172.32.0.0"))).isFalse();
        assertThat(r.contains(InetAddress.getByName("fd12::1"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("::ffff:10.1.1.1"))).isTrue();
        for (String bad : List.of("proxy.local", "10.0.0.0/33", "10.0.0.0/x", "fd00::/129", "")) {
            assertThatThrownBy(() -> AddressRanges.of(List.of(bad))).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not an IP address or CIDR");
        }
        InetAddress proxy = InetAddress.getByName("10.0.0.2");
        assertThat(forwarded(r, proxy, "203.0.113.9")).isEqualTo("203.0.113.9");
        assertThat(forwarded(r, proxy, "1.1.1.1, 203.0.113.9, 10.0.0.3")).as("rightmost untrusted").isEqualTo("203.0.113.9");
        assertThat(forwarded(r, proxy, "10.0.0.9, 10.0.0.3")).as("all trusted: the leftmost").isEqualTo("10.0.0.9");
        assertThat(forwarded(r, proxy, "garbage, 10.0.0.3")).as("unknown: the last trusted hop").isEqualTo("10.0.0.3");
        assertThat(forwarded(r, proxy, "[2001:db8::1]:4711")).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(forwarded(r, proxy, "198.51.100.1:80")).isEqualTo("198.51.100.1");
        assertThat(forwarded(r, proxy, null)).as("no header: the proxy").isEqualTo("10.0.0.2");
        InetAddress stranger = InetAddress.getByName("198.51.100.77");
        assertThat(forwarded(r, stranger, "203.0.113.9")).as("an untrusted peer's header is ignored").isEqualTo("198.51.100.77");
    }

    private static String forwarded(AddressRanges trusted, InetAddress peer, String header) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (header != null) {
            h.add("X-Forwarded-For", header);
        }
        return ClientAddress.resolve(peer, h, trusted).getHostAddress();
    }

    @Test
    void aTokenBucketGivesItsBurstThenItsRate() {
        long t0 = 1_000_000_000L;
        TokenBucket b = new TokenBucket(10, 5, t0);
        for (int i = 0; i < 5; i++) {
            assertThat(b.tryTake(t0)).isTrue();
        }
        assertThat(b.tryTake(t0)).isFalse();
        assertThat(b.nanosUntilToken(t0)).isEqualTo(100_000_000L);
        assertThat(b.tryTake(t0 + 99_000_000L)).isFalse();
        assertThat(b.tryTake(t0 + 100_000_000L)).isTrue();
        assertThat(b.full(t0 + 600_000_000L)).isTrue();
        int taken = 0;
        for (long t = t0 + 600_000_000L; t < t0 + 1_600_000_000L; t += 1_000_000L) {
            taken += b.tryTake(t) ? 1 : 0;
        }
        assertThat(taken).as("burst 5 + 10 a second for 1 s").isBetween(14, 15);
        assertThatThrownBy(() -> new TokenBucket(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void perAddressStateIsCountedReleasedAndForgotten() throws Exception {
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        PerIpLimits limits = new PerIpLimits(2, 0, 1, 2);
        long now = System.nanoTime();
        assertThat(limits.admit(a, now).admitted()).isTrue();
        assertThat(limits.admit(a, now).admitted()).isTrue();
        PerIpLimits.Admission third = limits.admit(a, now);
        assertThat(third.admitted()).isFalse();
        assertThat(third.retryAfterSeconds()).isEqualTo(1);
        assertThat(limits.admit(b, now).tracked()).isTrue();
        assertThat(limits.admit(InetAddress.getByName("192.0.2.3"), now).tracked()).as("over the tracked bound").isFalse();
        limits.release(a);
        limits.release(a);
        limits.release(b);
        assertThat(limits.trackedAddresses()).as("forgotten when idle").isZero();
        PerIpLimits rate = new PerIpLimits(0, 1, 1, 10);
        assertThat(rate.admit(a, now).admitted()).isTrue();
        rate.release(a);
        assertThat(rate.trackedAddresses()).as("kept while its bucket refills").isEqualTo(1);
        PerIpLimits.Admission again = rate.admit(a, now);
        assertThat(again.admitted()).isFalse();
        assertThat(again.retryAfterSeconds()).isEqualTo(1);
        assertThat(rate.admit(a, now + 1_000_000_000L).admitted()).isTrue();
    }
}
