package io.herald.server.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code logging.format} to Logback when the {@code herald} command starts
 * (docs/configuration.md, "Logs"). {@code text} is Logback's own start-up configuration,
 * {@code logback.xml}; {@code json} replaces it with {@code logback-json.xml}, the same loggers
 * and levels with every event one JSON object (logstash-logback-encoder). An operator's own file
 * ({@code -Dlogback.configurationFile=...}) is left alone whatever the format. Called once, before
 * the server starts; not thread-safe. {@link #stop} flushes the logs at the end of a stop.
 */
final class LogFormat {
    /** The configuration of {@code logging.format: json}, a class-path resource. */
    static final String JSON_CONFIGURATION = "/logback-json.xml";

    private LogFormat() {
    }

    /**
     * Configures Logback for {@code format} ({@code text} or {@code json}, already validated).
     *
     * @return whether the logs are JSON lines now
     * @throws IllegalStateException when the JSON configuration cannot be read (a broken build)
     */
    static boolean apply(String format) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!"json".equals(format) || System.getProperty("logback.configurationFile") != null
                || !(factory instanceof LoggerContext context)) {
            return false;
        }
        URL json = LogFormat.class.getResource(JSON_CONFIGURATION);
        if (json == null) {
            throw new IllegalStateException(JSON_CONFIGURATION + " is not on the class path");
        }
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(json);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot configure JSON logs from " + json + ": " + e.getMessage(), e);
        }
        return true;
    }

    /**
     * Stops Logback, which writes out what its queues hold (the access log's lines): the last step of
     * a stop. Does nothing with another SLF4J binding.
     */
    static void stop() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }
}
