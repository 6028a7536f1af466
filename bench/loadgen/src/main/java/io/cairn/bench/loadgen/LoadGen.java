package io.cairn.bench.loadgen;

/**
 * Entry point: {@code java -jar cairn-loadgen.jar pubsub|conn [options]} (see {@link Config#USAGE}).
 * Prints a human summary (lines starting with '#') and one machine-readable {@code RESULT} line of
 * key=value pairs. Exit status 0 when the run completed without loss (QoS 1/2), duplicates or errors.
 *
 * <p>Threading: main thread only; the work runs on the Netty event loops of {@link Net}.
 */
public final class LoadGen {
    private LoadGen() {}

    public static void main(String[] args) throws Exception {
        Config cfg;
        try {
            if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-help"))) {
                System.out.println(Config.USAGE);
                return;
            }
            cfg = Config.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Config.USAGE);
            System.exit(2);
            return;
        }
        if (!cfg.quiet) {
            String why = Net.whyNotEpoll();
            System.out.println("# transport: " + Net.TRANSPORT + (why == null ? "" : " (epoll unavailable: " + why + ")"));
        }
        int rc = cfg.mode == Config.Mode.PUBSUB ? new LoadRun(cfg).run() : new IdleConnections(cfg).run();
        System.out.flush();
        System.exit(rc);
    }
}
