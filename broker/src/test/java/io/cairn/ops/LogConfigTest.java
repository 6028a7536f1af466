package io.cairn.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import io.cairn.config.BrokerConfig;
import io.cairn.engine.ClientLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The [log] section as Logback applies it: root level, CAIRN_LOG_LEVEL, the activity switch, a rolling file. */
class LogConfigTest {

    @TempDir
    Path dir;

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger clients = context.getLogger(ClientLog.CATEGORY);

    private static BrokerConfig.Log level(String level) {
        BrokerConfig.Log d = BrokerConfig.Log.defaults();
        return new BrokerConfig.Log(level, d.clients(), d.file(), d.maxFileSizeBytes(), d.maxHistory());
    }

    @Test
    void theLevelSetsTheRootAndTheActivityLinesStayOnBelowIt() {
        Runnable undo = LogConfig.apply(level("WARN"), null);
        try {
            assertThat(root.getLevel()).isEqualTo(Level.WARN);
            assertThat(clients.isInfoEnabled()).as("clients = true: written even at root level WARN").isTrue();
            assertThat(context.getLogger("io.cairn.Broker").isInfoEnabled()).isFalse();
        } finally {
            undo.run();
        }
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void cairnLogLevelWinsOverTheLevelKey() {
        Level before = root.getLevel();
        Runnable undo = LogConfig.apply(level("ERROR"), "DEBUG");
        try {
            assertThat(root.getLevel()).as("left as logback.xml set it from CAIRN_LOG_LEVEL").isEqualTo(before);
        } finally {
            undo.run();
        }
    }

    @Test
    void clientsFalseTurnsTheCategoryOff() {
        Runnable undo = LogConfig.apply(BrokerConfig.Log.defaults().withClients(false), null);
        try {
            assertThat(clients.isErrorEnabled()).isFalse();
            assertThat(context.getLogger("io.cairn.Broker").isInfoEnabled()).isTrue();
        } finally {
            undo.run();
        }
    }

    @Test
    void aUsersOwnLogbackConfigurationIsLeftAlone() {
        System.setProperty(LogConfig.USER_CONFIGURATION, dir.resolve("logback.xml").toString());
        try {
            LogConfig.apply(level("ERROR").withClients(false).withFile(dir.resolve("x.log"), 1024, 1), null).run();
            assertThat(root.getLevel()).isEqualTo(Level.INFO);
            assertThat(clients.getLevel()).isNull();
            assertThat(root.getAppender(LogConfig.FILE_APPENDER)).isNull();
            assertThat(dir.resolve("x.log")).doesNotExist();
        } finally {
            System.clearProperty(LogConfig.USER_CONFIGURATION);
        }
    }

    @Test
    void theLogFileGetsEveryLineAndRollsAtItsMaximumSize() throws Exception {
        Path file = dir.resolve("cairn.log");
        Runnable undo = LogConfig.apply(BrokerConfig.Log.defaults().withFile(file, 2048, 3), null);
        org.slf4j.Logger log = LoggerFactory.getLogger("io.cairn.test.Rolling");
        try {
            for (int i = 0; i < 100; i++) {
                log.info("line {} {}", i, "x".repeat(80));
            }
        } finally {
            undo.run();
        }
        List<Path> rolled;
        try (Stream<Path> files = Files.list(dir)) {
            rolled = files.filter(p -> p.getFileName().toString().matches("cairn\\.log\\.\\d{4}-\\d{2}-\\d{2}\\.\\d+"))
                    .toList();
        }
        assertThat(rolled).as("about 14 KB written in 2 KB files").hasSizeGreaterThanOrEqualTo(4);
        StringBuilder all = new StringBuilder(Files.readString(file));
        for (Path p : rolled) {
            assertThat(Files.size(p)).isLessThan(2048 + 200);
            all.append(Files.readString(p));
        }
        for (int i = 0; i < 100; i++) {
            assertThat(all).contains("INFO  [main] Rolling - line " + i + " x");
        }
        assertThat(all.toString()).doesNotContain("\u001b");
    }

    @Test
    void theConsoleLayoutHasNoColourCodes() {
        ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>) root.getAppender("STDOUT");
        assertThat(console).as("the built-in logback.xml's console appender").isNotNull();
        assertThat(console.isWithJansi()).isFalse();
        PatternLayoutEncoder encoder = (PatternLayoutEncoder) console.getEncoder();
        assertThat(encoder.getPattern()).isEqualTo(LogConfig.PATTERN)
                .doesNotContain("%highlight", "%black", "%red", "%green", "%yellow", "%blue", "%magenta", "%cyan",
                        "%white", "%gray", "%bold");
        LoggingEvent e = new LoggingEvent("x", root, Level.ERROR, "failed", null, null);
        String line = new String(encoder.encode(e), StandardCharsets.UTF_8);
        assertThat(line).contains("ERROR").doesNotContain("\u001b");
    }
}
