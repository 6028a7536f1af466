// The engine-thread pause of a snapshot: copying the state (what the engine does now) against
// serialising it (what it used to do on the engine thread). Run from the project root after a build:
//   java -Xmx4g -cp broker/target/cairn.jar bench/SnapshotPause.java 1000000
import io.cairn.state.*;
import io.cairn.store.StateSnapshot;
import java.util.*;

public class SnapshotPause {
    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]);
        BrokerState s = new BrokerState();
        s.apply(new Command.OpenSession("sub", false, SessionState.NEVER_EXPIRES, null));
        List<Command.Route> routes = List.of(new Command.Route("sub", 1, false, new int[0]));
        for (int i = 1; i <= n; i++) {
            s.apply(new Command.Publish("pub", 0, new Message(i, "t/" + (i % 100), 1, false, new byte[64], MessageProperties.NONE, 0), routes));
        }
        for (int round = 0; round < 7; round++) {
            long t0 = System.nanoTime();
            BrokerState copy = s.copyForSnapshot();
            long t1 = System.nanoTime();
            byte[] bytes = StateSnapshot.write(s);
            long t2 = System.nanoTime();
            System.out.printf("queued %d: copy %.1f ms, serialise %.1f ms (%d bytes)%n", n, (t1 - t0) / 1e6, (t2 - t1) / 1e6, bytes.length);
        }
    }
}
