package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.herald.server.ServerConfig;
import io.herald.server.testing.TestCertificate;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Debian's headless Chromium driven by Playwright for Java, and the Herald it talks to, for browser
 * tests. Register it with
 * {@code @RegisterExtension static final BrowserFixture browser = new BrowserFixture(cfg -> ...);}:
 * one Playwright, one browser and one {@link TestServer} (configured by the constructor's argument,
 * started after the browser, closed after the class's tests) per test class, a fresh context and
 * page per test (so
 * {@code sessionStorage} starts empty), a screenshot of the page after each test under
 * {@code target/screenshots/}, and the page's console errors and uncaught exceptions collected and
 * asserted empty after each test (see {@link #allowConsoleError}).
 *
 * <p>Without {@code /usr/bin/chromium} the tests are skipped, or fail when the environment variable
 * {@code CI} is set. Playwright never downloads a browser ({@code PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD}).
 * Use from the test's thread only.
 */
public final class BrowserFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    /** Debian's Chromium ({@code apt-get install chromium}). */
    public static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    /** The launch flags. */
    public static final List<String> ARGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run");
    /** Where screenshots go (the module's build directory). */
    public static final Path SCREENSHOTS = Paths.get("target", "screenshots");

    private final Consumer<ServerConfig.Builder> serverConfig;
    private final boolean tls;
    private final java.util.function.Supplier<io.herald.core.broker.Broker> broker;
    private TestServer server;
    private Playwright playwright;
    private Browser browser;
    private BrowserContext context;
    private Page page;
    private final List<BrowserContext> others = new ArrayList<>();
    private final List<String> consoleErrors = Collections.synchronizedList(new ArrayList<>());
    private final List<Pattern> allowed = new ArrayList<>();

    /** A fixture whose test class shares a server configured by {@code serverConfig}. */
    public BrowserFixture(Consumer<ServerConfig.Builder> serverConfig) {
        this(serverConfig, false, io.herald.core.broker.MemoryBroker::new);
    }

    /**
     * A fixture whose server runs on the broker {@code broker} gives when the server starts (before
     * the class's {@code @BeforeAll} methods), e.g. a Redis broker shared with other servers.
     */
    public BrowserFixture(java.util.function.Supplier<io.herald.core.broker.Broker> broker, Consumer<ServerConfig.Builder> serverConfig) {
        this(serverConfig, false, broker);
    }

    private BrowserFixture(Consumer<ServerConfig.Builder> serverConfig, boolean tls,
                           java.util.function.Supplier<io.herald.core.broker.Broker> broker) {
        this.serverConfig = serverConfig;
        this.tls = tls;
        this.broker = broker;
    }

    /**
     * A fixture whose server speaks TLS ({@code https://}, {@code wss://}, HTTP/2 by ALPN) with a
     * self-signed certificate, which Chromium accepts by its flag {@code --ignore-certificate-errors}.
     */
    public static BrowserFixture tls(Consumer<ServerConfig.Builder> serverConfig) {
        return new BrowserFixture(serverConfig, true, io.herald.core.broker.MemoryBroker::new);
    }

    @Override
    public void beforeAll(ExtensionContext ctx) {
        if (!Files.isExecutable(CHROMIUM)) {
            String message = CHROMIUM + " is missing: install it with apt-get install -y chromium (browser tests)";
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(message);
            }
            Assumptions.assumeTrue(false, message + "; skipped");
        }
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        List<String> args = new ArrayList<>(ARGS);
        if (tls) {
            args.add("--ignore-certificate-errors");
        }
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(CHROMIUM).setHeadless(true).setArgs(args));
        if (tls) {
            try {
                server = TestServer.startTls(TestCertificate.create(Files.createTempDirectory("herald-browser-tls")),
                        java.net.http.HttpClient.Version.HTTP_1_1, serverConfig);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            server = TestServer.start(broker.get(), serverConfig);
        }
    }

    @Override
    public void beforeEach(ExtensionContext ctx) {
        consoleErrors.clear();
        allowed.clear();
        // The browser asks every origin for a favicon on its own; the server has none. (HTTP/2 has no reason phrase.)
        allowConsoleError("404 \\((Not Found)?\\) \\(https?://[^/]+/favicon\\.ico");
        context = browser.newContext();
        page = watched(context.newPage());
    }

    private Page watched(Page p) {
        p.onConsoleMessage(m -> {
            if ("error".equals(m.type())) {
                consoleErrors.add(m.text() + " (" + m.location() + ")");
            }
        });
        p.onPageError(e -> consoleErrors.add("uncaught: " + e));
        return p;
    }

    @Override
    public void afterEach(ExtensionContext ctx) throws IOException {
        try {
            Files.createDirectories(SCREENSHOTS);
            String name = ctx.getRequiredTestClass().getSimpleName() + "." + ctx.getRequiredTestMethod().getName()
                    + (ctx.getDisplayName().startsWith("[") ? "-" + ctx.getDisplayName() : "");
            page.screenshot(new Page.ScreenshotOptions().setFullPage(true)
                    .setPath(SCREENSHOTS.resolve(name.replaceAll("[^A-Za-z0-9._-]+", "_") + ".png")));
        } finally {
            context.close();
            others.forEach(BrowserContext::close);
            others.clear();
        }
        List<String> unexpected;
        synchronized (consoleErrors) {
            unexpected = consoleErrors.stream().filter(e -> allowed.stream().noneMatch(p -> p.matcher(e).find())).toList();
        }
        assertThat(unexpected).as("console errors on the page").isEmpty();
    }

    @Override
    public void afterAll(ExtensionContext ctx) {
        try {
            if (browser != null) {
                browser.close();
            }
            if (playwright != null) {
                playwright.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** The server the test class shares. */
    public TestServer server() {
        return server;
    }

    /** The server's origin, {@code http://127.0.0.1:PORT} ({@code https} with TLS). */
    public String origin() {
        return server.server().scheme() + "://127.0.0.1:" + server.port();
    }

    /** This test's page. */
    public Page page() {
        return page;
    }

    /**
     * Another tab of this test's context (the same visitor: the same origin storage, SharedWorkers,
     * Web Locks and BroadcastChannels as {@link #page()}); its console errors are collected with the
     * main page's, and it is closed with the context after the test.
     */
    public Page newTab() {
        return watched(context.newPage());
    }

    /**
     * A page in a context of its own (another visitor: its own storage and connections), for this
     * test only; its console errors are collected with the main page's, and it is closed after the test.
     */
    public Page newVisitor() {
        BrowserContext other = browser.newContext();
        others.add(other);
        return watched(other.newPage());
    }

    /**
     * Allows console errors matching {@code regex} in this test, for what the browser itself logs
     * on purpose-made failures (e.g. a refused WebSocket upgrade).
     */
    public void allowConsoleError(String regex) {
        allowed.add(Pattern.compile(regex));
    }

    /**
     * Opens a test page from {@code src/test/resources/web-test/} with {@code origin}'s origin:
     * navigates to a real document of that origin ({@code /herald.d.ts}, plain text) and replaces
     * its content, so the page's origin and address space are those of the server (or proxy) and
     * same-origin and local-network rules apply as in real use. {@code @KEY@} placeholders are
     * replaced with the given values.
     */
    public void open(String origin, String resource, Map<String, String> replacements) {
        open(page, origin, resource, replacements);
    }

    /** {@link #open(String, String, Map)} in {@code tab} (e.g. one of {@link #newTab()}). */
    public void open(Page tab, String origin, String resource, Map<String, String> replacements) {
        String html = resource(resource);
        for (Map.Entry<String, String> e : replacements.entrySet()) {
            html = html.replace("@" + e.getKey() + "@", e.getValue());
        }
        tab.navigate(origin + "/herald.d.ts");
        tab.setContent(html);
    }

    private static String resource(String name) {
        try (InputStream in = BrowserFixture.class.getResourceAsStream("/web-test/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test page /web-test/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
