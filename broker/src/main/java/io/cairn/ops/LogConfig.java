package io.cairn.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.TimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.cairn.config.BrokerConfig;
import io.cairn.engine.ClientLog;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@code [log]} section to Logback at start-up, on top of the built-in
 * {@code logback.xml}: the root level (unless {@code CAIRN_LOG_LEVEL} is set, which wins), the client
 * activity category on or off, and an optional rolling log file. A user's own Logback configuration
 * ({@code -Dlogback.configurationFile=...}) is left exactly as written: then this does nothing.
 *
 * <p>Threading: call from the main thread before the broker starts (Logback's loggers are
 * thread-safe, but the appender list of the root is changed here).
 */
public final class LogConfig {

    /** The system property by which a user's logback.xml replaces the built-in one. */
    public static final String USER_CONFIGURATION = "logback.configurationFile";
    /** The same layout as the console's (built-in logback.xml): no colour codes, so files and pipes stay clean. */
    static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n";
    static final String FILE_APPENDER = "CAIRN_FILE";

    private LogConfig() {
    }

    /**
     * Applies {@code log}; {@code envLevel} is the value of CAIRN_LOG_LEVEL (null or empty: unset).
     * Returns what undoes it (tests run several configurations in one JVM).
     */
    public static Runnable apply(BrokerConfig.Log log, String envLevel) {
        if (System.getProperty(USER_CONFIGURATION) != null) {
            LoggerFactory.getLogger(LogConfig.class).info("logging configured by {}: the [log] section is not applied",
                    System.getProperty(USER_CONFIGURATION));
            return () -> { };
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger clients = context.getLogger(ClientLog.CATEGORY);
        Level rootBefore = root.getLevel();
        Level clientsBefore = clients.getLevel();
        if (envLevel == null || envLevel.isBlank()) {
            root.setLevel(Level.toLevel(log.level(), Level.INFO));
        }
        // on: written even when the root level is WARN or ERROR; off: never
        clients.setLevel(log.clients() ? Level.INFO : Level.OFF);
        RollingFileAppender<ILoggingEvent> file = log.file() == null ? null : fileAppender(context, log);
        if (file != null && file.isStarted()) {
            root.addAppender(file);
        } else if (file != null) {
            // Logback keeps its reason in its status list, which nobody reads after start-up
            LoggerFactory.getLogger(LogConfig.class).warn("cannot write the log file {}: logging to the console only",
                    log.file());
        }
        return () -> {
            root.setLevel(rootBefore);
            clients.setLevel(clientsBefore);
            if (file != null) {
                root.detachAppender(file);
                file.stop();
            }
        };
    }

    /**
     * The log file, rolled at midnight and whenever it reaches max_file_size: the old files are
     * FILE.yyyy-MM-dd.N beside it, kept for max_history days.
     */
    private static RollingFileAppender<ILoggingEvent> fileAppender(LoggerContext context, BrokerConfig.Log log) {
        String path = log.file().toString();
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName(FILE_APPENDER);
        appender.setFile(path);
        // a daily and size-based roll; Logback checks the size at most every 60 ms by default, so a
        // burst of lines could overrun max_file_size: checking on every line keeps the files at the
        // size the configuration says
        String datePattern = "yyyy-MM-dd";
        String fileNamePattern = path + ".%d{" + datePattern + "}.%i";
        SerialCleaningRollPolicy bySize = new SerialCleaningRollPolicy(fileNamePattern, datePattern);
        bySize.setMaxFileSize(new FileSize(log.maxFileSizeBytes()));
        bySize.setCheckIncrement(ch.qos.logback.core.util.Duration.buildByMilliseconds(0));
        TimeBasedRollingPolicy<ILoggingEvent> policy = new TimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(fileNamePattern);
        policy.setTimeBasedFileNamingAndTriggeringPolicy(bySize);
        policy.setMaxHistory(log.maxHistory());
        policy.start();
        appender.setRollingPolicy(policy);
        appender.setTriggeringPolicy(policy);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
