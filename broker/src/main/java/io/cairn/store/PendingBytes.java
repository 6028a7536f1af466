package io.cairn.store;

/**
 * The bound on record bytes handed to the journal and not yet durable. When the disk is slower than
 * the clients, the engine waits here before it commits more; its inbox then fills and the protocol
 * layer stops reading from sockets, so a flood waits in the clients and the kernel, not in the heap.
 *
 * <p>Threading: {@link #acquire} on the engine thread, {@link #release} on the journal's thread.
 */
final class PendingBytes {

    private final long bound;
    private long pending;

    PendingBytes(long bound) {
        this.bound = bound;
    }

    /** Waits until the bytes pending are under the bound (one batch may pass it), then adds {@code n}. */
    synchronized void acquire(long n) {
        boolean interrupted = false;
        while (pending > 0 && pending + n > bound) {
            try {
                wait(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        pending += n;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized void release(long n) {
        pending -= n;
        notifyAll();
    }

    synchronized long pending() {
        return pending;
    }
}
