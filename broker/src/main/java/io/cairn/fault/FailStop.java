package io.cairn.fault;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;

/**
 * What a thread the broker cannot live without (the engine, the journal writer, the snapshot writer)
 * does when it meets a failure it cannot handle: it calls {@link #fail} instead of dying quietly
 * while the listeners keep accepting. In production that stops the process at once with exit code
 * {@value #EXIT_CODE}, so that a supervisor restarts it and recovery replays the journal: a broker
 * that cannot acknowledge is worse than one that is down. Tests stand in a handler that records.
 *
 * <p>Threading: implementations must be callable from any thread, more than once.
 */
@FunctionalInterface
public interface FailStop {

    /** Exit code of a fail-stop (EX_SOFTWARE). */
    int EXIT_CODE = 70;

    /** Reports that {@code where} failed with {@code cause}; in production this does not return. */
    void fail(String where, Throwable cause);

    /** Logs the failure and halts the JVM with {@link #EXIT_CODE}, without running shutdown hooks. */
    FailStop PROCESS_EXIT = new FailStop() {
        private final Logger log = LoggerFactory.getLogger(FailStop.class);

        @Override
        public void fail(String where, Throwable cause) {
            try {
                log.error("FATAL: {} failed; stopping the broker now (exit {}) so that it restarts and recovers "
                        + "from the journal", where, EXIT_CODE, cause);
                System.err.flush();
                System.out.flush();
                // also straight to the process's stderr, in case logging or System.err is redirected
                // somewhere that a halt does not flush
                PrintStream raw = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
                raw.println("cairn: FATAL: " + where + " failed; exit " + EXIT_CODE);
                cause.printStackTrace(raw);
                raw.flush();
            } finally {
                // halt, not exit: shutdown hooks would wait for the thread that just died
                Runtime.getRuntime().halt(EXIT_CODE);
            }
        }
    };
}
