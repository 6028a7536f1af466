package io.cairn.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.engine.ClientLog;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;

/**
 * Collects the client activity lines ({@link ClientLog#CATEGORY}) during a test, as an operator
 * would read them (level, then the message).
 *
 * <p>Threading: the appender is synchronised by Logback; {@link #lines} copies under its lock.
 */
final class ActivityLines implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger(ClientLog.CATEGORY);
    private final Level previous = logger.getLevel();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    ActivityLines() {
        appender.start();
        logger.addAppender(appender);
    }

    List<String> lines() {
        synchronized (appender) {
            return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
        }
    }

    /** Waits (up to 10 s) for a line matching {@code regex} in full, and returns it. */
    String await(String regex) {
        Pattern p = Pattern.compile(regex);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lines().stream().anyMatch(l -> p.matcher(l).matches()));
        return lines().stream().filter(l -> p.matcher(l).matches()).findFirst().orElseThrow();
    }

    /** The lines that mention client {@code id}. */
    List<String> of(String id) {
        return lines().stream().filter(l -> l.contains("id=" + id + " ")).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
    }
}
