package io.cairn.bench.loadgen;

import java.util.concurrent.locks.LockSupport;

/**
 * Fixed-rate pacing (-r) on the NIO transport, whose event-loop timers wait in Selector.select(ms)
 * and so fire in bursts (on epoll the publishers use their event loop's timer, which is precise):
 * one thread that waits for each scheduled time with
 * {@link LockSupport#parkNanos} until {@link #SPIN_NANOS} before it, then spins on
 * {@link System#nanoTime} for the rest, and wakes the publishers at that time ({@link Publisher#paceWake},
 * which runs their pump on their event loop). Publisher {@code i}'s message {@code s} is due at
 * {@code start + s * P / rate}; every publisher has the same schedule, so one tick serves all. A tick
 * that comes late wakes each publisher once, and the pump sends every message already due, so the
 * pacer never queues up ticks.
 *
 * <p>Threading: its own daemon thread; reads the run's volatile start and stop flags and the
 * publishers' volatile {@code finished}.
 */
final class Pacer extends Thread {
    /** Park until this long before a scheduled time, then spin: parkNanos may oversleep by the timer slack (50 us). */
    static final long SPIN_NANOS = 50_000;

    private final LoadRun run;
    private final Publisher[] pubs;
    private final double nanosPerMsg;

    Pacer(LoadRun run, Publisher[] pubs, double nanosPerMsg) {
        super("loadgen-pacer");
        setDaemon(true);
        this.run = run;
        this.pubs = pubs;
        this.nanosPerMsg = nanosPerMsg;
    }

    @Override
    public void run() {
        long start = run.startNanos;
        long k = 1; // tick 0 is the publishers' start
        while (!run.stopPublishing) {
            long due = start + (long) (k * nanosPerMsg);
            if (!waitUntil(due)) return;
            boolean any = false;
            for (Publisher p : pubs) {
                if (!p.finished) {
                    p.paceWake();
                    any = true;
                }
            }
            if (!any) return;
            long now = System.nanoTime();
            long behind = (long) ((now - start) / nanosPerMsg); // the last tick already due
            k = Math.max(k + 1, behind + 1);
        }
    }

    /** Waits until {@code due}; false when the run stopped publishing meanwhile. */
    private boolean waitUntil(long due) {
        while (true) {
            if (run.stopPublishing) return false;
            long left = due - System.nanoTime();
            if (left <= 0) return true;
            if (left > SPIN_NANOS) LockSupport.parkNanos(Math.min(left - SPIN_NANOS, 10_000_000L));
            else Thread.onSpinWait();
        }
    }
}
