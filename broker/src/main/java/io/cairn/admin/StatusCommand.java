package io.cairn.admin;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The client side of {@code ./cairn status}: finds the running broker of a data directory through its
 * port file and reads {@code /status} from the loopback admin endpoint.
 *
 * <p>Threading: stateless; called once by the command line.
 */
public final class StatusCommand {

    private StatusCommand() {
    }

    /** The figures as the broker reports them; throws with a message an operator can act on. */
    public static String fetch(Path dataDir) throws IOException, InterruptedException {
        Path portFile = dataDir.resolve(AdminEndpoint.PORT_FILE);
        if (!Files.isRegularFile(portFile)) {
            throw new IOException("no running broker found for data directory " + dataDir.toAbsolutePath().normalize()
                    + " (no " + AdminEndpoint.PORT_FILE + "; is the broker started with this configuration?)");
        }
        int port = Integer.parseInt(Files.readString(portFile).trim());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("the broker's admin endpoint answered " + response.statusCode());
            }
            return response.body();
        } catch (java.net.ConnectException e) {
            throw new IOException("no broker answers on 127.0.0.1:" + port + " (from " + portFile
                    + "): it is not running, or it stopped without removing the file");
        }
    }
}
