package io.cairn;

import io.cairn.config.BrokerConfig;
import io.cairn.config.ConfigException;
import io.cairn.config.ConfigLoader;
import io.cairn.config.JvmDefaults;
import io.cairn.store.DataDirLock;
import io.cairn.store.journal.JournalRepair;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import sun.misc.Signal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The command line: {@code cairn [--config FILE]} runs the broker in the foreground;
 * {@code check-config FILE} validates a file; {@code repair DIR} repairs a damaged journal;
 * {@code passwd FILE USER} adds or updates a user in a password file; {@code pub} and {@code sub} are
 * MQTT clients like mosquitto_pub and mosquitto_sub (package io.cairn.cli); the hidden {@code jvm-options}
 * prints the JVM options the launcher adds.
 *
 * <p>Threading: runs on the main thread; a shutdown hook closes the broker on SIGTERM / Ctrl-C;
 * SIGHUP calls {@link Broker#reload} on the JVM's signal thread.
 */
@Command(name = "cairn", mixinStandardHelpOptions = true, versionProvider = Cairn.Version.class,
        description = "An MQTT broker that acknowledges only what is on disk.",
        subcommands = {Cairn.CheckConfig.class, Cairn.Repair.class, Cairn.Passwd.class, Cairn.Status.class,
                Cairn.Backup.class, io.cairn.cli.PubCommand.class, io.cairn.cli.SubCommand.class,
                Cairn.JvmOptions.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly / file valid", "1:configuration invalid (check-config) or repair failed",
                "2:bad configuration or command line at start-up", "3:the broker failed to start (port in use, journal damaged, ...)"})
public final class Cairn implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "TOML configuration file (default: embedded defaults)")
    private Path config;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Cairn()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        BrokerConfig cfg;
        try {
            cfg = config == null ? BrokerConfig.defaults() : ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        // before anything logs much: the [log] section (CAIRN_LOG_LEVEL and a user's logback.xml win)
        io.cairn.ops.LogConfig.apply(cfg.log(), System.getenv("CAIRN_LOG_LEVEL"));
        if (config == null) {
            LoggerFactory.getLogger(Cairn.class).info("no configuration file: embedded defaults, listening on "
                    + "loopback only (as Mosquitto 2 does); a file given with --config opens other interfaces");
        }
        CountDownLatch stopRequested = new CountDownLatch(1);
        // SIGTERM and Ctrl-C are a request to stop, answered with a clean stop and exit 0
        // (a shutdown hook alone would make the JVM exit 143 / 130)
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> stopRequested.countDown());
        }
        Broker broker;
        try {
            broker = Broker.start(cfg);
        } catch (Exception e) {
            System.err.println("cairn: cannot start: " + e.getMessage());
            return 3;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "cairn-shutdown"));
        // SIGHUP: re-read certificates and keys (as Mosquitto does), without dropping connections;
        // Broker.reload logs one line, and one more per listener whose files fail
        Signal.handle(new Signal("HUP"), s -> broker.reload());
        stopRequested.await();
        broker.close();
        return 0;
    }

    @Command(name = "check-config", mixinStandardHelpOptions = true,
            description = "Validates a configuration file: prints FILE: OK, or every error and exits 1.")
    static final class CheckConfig implements Callable<Integer> {
        @Parameters(paramLabel = "FILE")
        private Path file;

        @Spec
        private CommandSpec spec;

        /** Loads the file exactly as start-up does, so it refuses whatever start-up would. */
        @Override
        public Integer call() {
            try {
                ConfigLoader.load(file);
                spec.commandLine().getOut().println(file + ": OK");
                return 0;
            } catch (ConfigException e) {
                spec.commandLine().getErr().println(e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "repair", mixinStandardHelpOptions = true,
            description = "Repairs a journal that start-up refused (a damaged record, a gap, a missing, empty, "
                    + "truncated or headerless segment, records missing after a snapshot): keeps a copy of the "
                    + "journal directory, cuts the journal at the first problem, and reports exactly what it "
                    + "dropped. Refuses to run while a broker uses the directory.")
    static final class Repair implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "the storage directory ([storage] dir)")
        private Path dir;

        @Override
        public Integer call() {
            if (!java.nio.file.Files.isDirectory(dir)) {
                System.err.println("cairn repair: " + dir + " is not a directory");
                return 1;
            }
            try (DataDirLock lock = DataDirLock.acquire(dir)) {
                System.out.println(JournalRepair.repair(dir));
                return 0;
            } catch (IOException e) {
                System.err.println("cairn repair: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Copies the journal of a storage directory DIR into DEST while the broker runs (or not): "
                    + "the newest snapshot and every segment after it, a consistent state (what a crash at the end "
                    + "of the copy would leave). Start a broker with [storage] dir = DEST to restore it.")
    static final class Backup implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "the storage directory ([storage] dir)")
        private Path dir;

        @Parameters(index = "1", paramLabel = "DEST", description = "a new or empty directory")
        private Path dest;

        @Override
        public Integer call() {
            try {
                System.out.println("cairn backup: " + io.cairn.store.journal.JournalBackup.copy(dir, dest));
                return 0;
            } catch (IOException e) {
                System.err.println("cairn backup: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Prints what the running broker of a configuration is doing: connections, sessions "
                    + "online and offline, messages queued, journal size, last fsync latency. Reads them from the "
                    + "broker's admin endpoint on 127.0.0.1 (its port is in DATA_DIR/admin.port).")
    static final class Status implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", description = "the broker's configuration (default: embedded defaults)")
        private Path config;

        @Override
        public Integer call() {
            try {
                BrokerConfig c = config == null ? BrokerConfig.defaults() : ConfigLoader.load(config);
                System.out.print(io.cairn.admin.StatusCommand.fetch(c.storage().dir()));
                return 0;
            } catch (ConfigException e) {
                e.errors().forEach(System.err::println);
                return 2;
            } catch (IOException e) {
                System.err.println("cairn status: " + e.getMessage());
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true,
            description = "Adds USER to the password FILE, or sets a new password for it (Mosquitto's format, "
                    + "$7$ PBKDF2-SHA512, so mosquitto_passwd reads it too). Creates FILE (mode 0600) if absent; "
                    + "other lines and comments are kept. Asks for the password twice, or reads one line from "
                    + "stdin with --password-stdin. The broker reads the file again on SIGHUP.")
    static final class Passwd implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        private Path file;

        @Parameters(index = "1", paramLabel = "USER")
        private String user;

        @Option(names = "--password-stdin", description = "read the password from the first line of stdin")
        private boolean fromStdin;

        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() {
            java.io.PrintWriter err = spec.commandLine().getErr();
            try {
                byte[] password = fromStdin ? fromStdin() : fromConsole();
                if (password == null) {
                    return 1; // the reason is printed already
                }
                io.cairn.security.PasswordFile.setUser(file, user, password);
                java.util.Arrays.fill(password, (byte) 0);
                spec.commandLine().getOut().println(file + ": password of '" + user + "' set");
                return 0;
            } catch (IllegalArgumentException | IOException e) {
                err.println("cairn passwd: " + file + ": " + e.getMessage());
                return 1;
            }
        }

        private byte[] fromStdin() throws IOException {
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null || line.isEmpty()) {
                spec.commandLine().getErr().println("cairn passwd: no password on stdin");
                return null;
            }
            return line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        private byte[] fromConsole() {
            java.io.Console console = System.console();
            java.io.PrintWriter err = spec.commandLine().getErr();
            if (console == null) {
                err.println("cairn passwd: no console to ask for the password; use --password-stdin");
                return null;
            }
            char[] first = console.readPassword("Password: ");
            char[] second = console.readPassword("Reenter password: ");
            if (first == null || second == null || first.length == 0) {
                err.println("cairn passwd: no password given");
                return null;
            }
            if (!java.util.Arrays.equals(first, second)) {
                err.println("cairn passwd: the passwords do not match; nothing changed");
                return null;
            }
            byte[] bytes = new String(first).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.util.Arrays.fill(first, ' ');
            java.util.Arrays.fill(second, ' ');
            return bytes;
        }
    }

    @Command(name = "jvm-options", hidden = true,
            description = "Prints the JVM options ./cairn adds to run the broker on FILE (one line): a heap from "
                    + "the budgets, G1, exit on OutOfMemoryError; each one --user-options sets is left out.")
    static final class JvmOptions implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE")
        private Path config;

        @Option(names = "--user-options", paramLabel = "OPTS", description = "the user's JVM options")
        private String userOptions = "";

        @Spec
        private CommandSpec spec;

        /** Exits 2 on a bad file, printing nothing: the launcher then starts the broker, which says why. */
        @Override
        public Integer call() {
            try {
                BrokerConfig cfg = config == null ? BrokerConfig.defaults() : ConfigLoader.load(config);
                List<String> options = JvmDefaults.options(cfg, JvmDefaults.physicalMemory(), userOptions);
                spec.commandLine().getOut().println(String.join(" ", options));
                return 0;
            } catch (ConfigException e) {
                return 2;
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Cairn.class.getResourceAsStream("/cairn-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"cairn " + p.getProperty("version", "unknown")};
        }
    }
}
