package io.herald.server.testing;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The leak check of every herald-server test, registered for all of them through JUnit's extension
 * auto-detection ({@code junit-platform.properties} and
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension}); no test calls it. After each
 * test, and after each test class for what its {@code @BeforeAll} started, it fails the test when:
 * <ul>
 *   <li>a {@link TestServer} the test (or class) started is still open: it closes it and reports
 *       where it was started;</li>
 *   <li>a server the class shares between its tests still has a session, subscription or
 *       connection after a test that passed ({@link TestServer#awaitQuiet()});</li>
 *   <li>Netty's leak detector reports a buffer that was never released ({@link NettyLeaks}).</li>
 * </ul>
 * {@link TestServer#close()} itself checks that nothing is left on the server it stops, so servers a
 * test closes are covered too. Tests run one at a time (surefire's single fork, no parallel
 * execution), which is what lets "started by this test" mean "opened between {@code beforeEach} and
 * {@code afterEach}"; the registry of open servers is global because tests run on a thread of
 * their own (the timeout's {@code SEPARATE_THREAD} mode).
 */
public final class LeakCheckExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LeakCheckExtension.class);

    static {
        NettyLeaks.install();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NAMESPACE).put("class", TestServer.open());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put("test", TestServer.open());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check(serversBefore(context, "test"), context.getExecutionException().isEmpty(), "this test");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check(serversBefore(context, "class"), false, "this test class (in @BeforeAll)");
    }

    /**
     * The check itself: servers open now and not in {@code before} were started by {@code who} and
     * left open (closed here, and reported); those in {@code before} are shared by the test class
     * and must be quiet when {@code checkShared} (a passing test); then Netty's leaks.
     *
     * @throws AssertionError for the first problem found, the others suppressed in it
     */
    static void check(List<TestServer> before, boolean checkShared, String who) {
        List<AssertionError> problems = new ArrayList<>();
        for (TestServer server : TestServer.open()) {
            if (!before.contains(server)) {
                closeForgotten(server, who, problems);
            } else if (checkShared) {
                try {
                    server.awaitQuiet();
                } catch (AssertionError e) {
                    problems.add(new AssertionError("the server the test class shares, after this test: " + e.getMessage(), e));
                }
            }
        }
        List<String> leaks = NettyLeaks.collect();
        if (!leaks.isEmpty()) {
            problems.add(new AssertionError(leaks.size() + " Netty resource leak(s) reported after " + who
                    + " (a buffer garbage-collected without being released: allocated by " + who
                    + ", or by the one before if that kept it reachable until its end):\n" + String.join("\n", leaks)));
        }
        if (!problems.isEmpty()) {
            AssertionError first = problems.get(0);
            problems.subList(1, problems.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<TestServer> serversBefore(ExtensionContext context, String key) {
        List<TestServer> servers = (List<TestServer>) context.getStore(NAMESPACE).get(key, List.class);
        return servers == null ? List.of() : servers;
    }

    private static void closeForgotten(TestServer server, String who, List<AssertionError> problems) {
        AssertionError forgotten = new AssertionError("a TestServer started by " + who + " was not closed"
                + " (close it, e.g. with try-with-resources); it was started where the cause shows", server.startedAt());
        problems.add(forgotten);
        try {
            server.close();
        } catch (AssertionError e) {
            forgotten.addSuppressed(e);
        }
    }
}
