import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * How long one fdatasync takes on the disk of DIR (default java.io.tmpdir): N times (default 1000),
 * overwrite 4 KiB of a preallocated 64 MiB file at the next offset and FileChannel.force(false), as
 * the journal's writer does for one small batch; prints min, median, p90, p99 and max in us.
 *   java bench/FsyncLatency.java [DIR] [N]      (run it under the bench lock)
 */
public class FsyncLatency {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Path f = Files.createTempFile(dir, "fsync", ".bin");
        long[] us = new long[n];
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ByteBuffer zero = ByteBuffer.allocate(1 << 20);
            for (int i = 0; i < 64; i++) { // preallocate, as a journal segment is
                zero.clear();
                ch.write(zero, (long) i << 20);
            }
            ch.force(true);
            ByteBuffer page = ByteBuffer.allocate(4096);
            for (int i = 0; i < n; i++) {
                page.clear();
                page.putLong(0, i);
                ch.write(page, (long) i * 4096 % (64L << 20));
                long t0 = System.nanoTime();
                ch.force(false);
                us[i] = (System.nanoTime() - t0) / 1000;
            }
        } finally {
            Files.deleteIfExists(f);
        }
        Arrays.sort(us);
        System.out.printf("fdatasync of 4 KiB on %s, %d times: min %d us, median %d us, p90 %d us, p99 %d us, max %d us%n",
                dir, n, us[0], us[n / 2], us[n * 9 / 10], us[n * 99 / 100], us[n - 1]);
    }
}
