package io.cairn.tls;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Collects the lines one broker class logs during a test, to assert what an operator would read.
 *
 * <p>Threading: the appender is synchronised by logback; {@link #lines} copies under its lock.
 */
final class LogLines implements AutoCloseable {

    private final Logger logger;
    private final Level previous;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogLines(String of, Level level) {
        logger = (Logger) LoggerFactory.getLogger(of);
        previous = logger.getLevel();
        logger.setLevel(level);
        appender.start();
        logger.addAppender(appender);
    }

    /** Lines of {@code of} at INFO and above. */
    static LogLines of(Class<?> of) {
        return of(of.getName());
    }

    /** Lines of the logger named {@code of} (a package-private class's) at INFO and above. */
    static LogLines of(String of) {
        return new LogLines(of, Level.INFO);
    }

    /** Lines of {@code of} at DEBUG and above. */
    static LogLines debugOf(Class<?> of) {
        return new LogLines(of.getName(), Level.DEBUG);
    }

    List<String> lines() {
        synchronized (appender) {
            return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
    }
}
