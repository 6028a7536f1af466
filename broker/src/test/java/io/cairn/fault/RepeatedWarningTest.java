package io.cairn.fault;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A warning a client can trigger per message is logged once per interval, with the count it stood for. */
class RepeatedWarningTest {

    @Test
    void aThousandRepeatsInOneIntervalGiveOneLineAndTheNextLineCountsThem() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("repeated-warning-test");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        RepeatedWarning warning = new RepeatedWarning(logger, 200, TimeUnit.MILLISECONDS);
        for (int i = 0; i < 1000; i++) {
            warning.warn("queue full for {}", "sub");
        }
        assertThat(lines.list).hasSize(1);
        Thread.sleep(250);
        warning.warn("queue full for {}", "sub");
        assertThat(lines.list).hasSize(2);
        assertThat(lines.list.get(1).getFormattedMessage())
                .isEqualTo("queue full for sub (and 999 more like it since the last such line)");
    }
}
