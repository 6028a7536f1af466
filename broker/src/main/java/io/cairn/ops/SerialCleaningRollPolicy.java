package io.cairn.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.SizeAndTimeBasedFileNamingAndTriggeringPolicy;
import ch.qos.logback.core.rolling.helper.ArchiveRemover;
import ch.qos.logback.core.rolling.helper.FileNamePattern;
import ch.qos.logback.core.rolling.helper.RollingCalendar;
import ch.qos.logback.core.rolling.helper.SizeAndTimeBasedArchiveRemover;

import java.time.Instant;

/**
 * Logback's size-and-time trigger, with an archive remover that cannot delete the current day's
 * files.
 *
 * <p>Why: every roll-over starts a clean-up of files older than max_history on Logback's thread
 * pool, and Logback 1.5's remover computes each date to delete by mutating one calendar it shares
 * with the trigger. When two roll-overs come close together (a small max_file_size and a burst of
 * lines), two clean-ups run at once, one resets the calendar under the other, and today's date comes
 * out as a date to delete: the day's rolled files vanish (seen in CI, reproduced at 2 in 300 bursts
 * on a loaded machine). Here the remover has a calendar of its own and runs one clean-up at a time.
 *
 * <p>Threading: Logback calls the trigger on the logging thread under the appender's lock; the
 * remover's clean-ups run on Logback's pool and are serialised by the remover's monitor.
 */
final class SerialCleaningRollPolicy extends SizeAndTimeBasedFileNamingAndTriggeringPolicy<ILoggingEvent> {

    private final String fileNamePattern;
    private final String datePattern;

    /** @param fileNamePattern the policy's pattern, e.g. {@code FILE.%d{yyyy-MM-dd}.%i}, whose date is {@code datePattern} */
    SerialCleaningRollPolicy(String fileNamePattern, String datePattern) {
        this.fileNamePattern = fileNamePattern;
        this.datePattern = datePattern;
    }

    @Override
    protected ArchiveRemover createArchiveRemover() {
        return new SerialRemover(new FileNamePattern(fileNamePattern, getContext()), new RollingCalendar(datePattern));
    }

    private static final class SerialRemover extends SizeAndTimeBasedArchiveRemover {
        SerialRemover(FileNamePattern pattern, RollingCalendar calendar) {
            super(pattern, calendar);
        }

        @Override
        public synchronized void clean(Instant now) {
            super.clean(now);
        }
    }
}
