package io.snapferry.ssh.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.InMemoryDatasetProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random and mutated input to the endpoint server: it must end with a clean protocol error or a
 * clean end, never another exception, never allocate beyond the frame limits, never hang.
 */
class DecoderFuzzTest {

    private static final byte[] VALID = new Conversations().hello(2)
            .message("{\"op\":\"listDatasets\"}")
            .message("{\"op\":\"listSnapshots\",\"dataset\":\"pool/data\"}")
            .message("{\"op\":\"receive\",\"target\":\"pool/fromA/x\",\"options\":{\"rollback\":false,\"override\":{\"compression\":\"lz4\"},\"exclude\":[\"mountpoint\"]}}")
            .data(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})
            .end()
            .message("{\"op\":\"destroySnapshots\",\"snapshots\":[\"pool/fromA/x@a\",\"pool/fromA/x@b\"]}")
            .message("{\"op\":\"hold\",\"snapshot\":\"pool/data@s\",\"tag\":\"keep\"}")
            .message("{\"op\":\"hasUnsnapshottedData\",\"dataset\":\"pool/fromA/x\"}")
            .message("{\"op\":\"createParents\",\"dataset\":\"pool/fromA/x/y/z\"}")
            .message("{\"op\":\"claim\",\"dataset\":\"pool/fromA/x\",\"owner\":{\"boxId\":\"box-a\",\"taskId\":\"nightly\"}}")
            .message("{\"op\":\"ownership\",\"dataset\":\"pool/fromA/x\"}")
            .message("{\"op\":\"resumeToken\",\"dataset\":\"pool/fromA/x\"}")
            .message("{\"op\":\"abortReceive\",\"dataset\":\"pool/fromA/x\"}")
            .message("{\"op\":\"send\",\"snapshot\":\"pool/data@s\",\"base\":\"pool/data@r\",\"intermediates\":true}")
            .bytes();

    /** Serves {@code input}; fails the property on anything but a clean end or a protocol error. */
    private static void serve(byte[] input) {
        EndpointServer server = new EndpointServer(EndpointServerTest.provider(), EndpointServerTest.PEER,
                new EndpointIdentity("box-b", "0.1.0"));
        long[] written = {0};
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) {
                written[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                written[0] += len;
            }
        };
        try {
            server.serve(new ByteArrayInputStream(input), sink);
        } catch (ProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("unclean failure on input of " + input.length + " bytes: " + e, e);
        }
        assertThat(written[0]).isLessThan(16L << 20);
    }

    @Property(tries = 400)
    void randomBytes(@ForAll @Size(max = 2048) byte[] input) {
        serve(input);
    }

    @Property(tries = 200)
    void randomBytesAfterHello(@ForAll @Size(max = 2048) byte[] tail) {
        byte[] hello = new Conversations().hello().bytes();
        byte[] input = Arrays.copyOf(hello, hello.length + tail.length);
        System.arraycopy(tail, 0, input, hello.length, tail.length);
        serve(input);
    }

    @Property(tries = 600)
    void mutatedConversations(@ForAll("mutations") byte[] input) {
        serve(input);
    }

    @Provide
    Arbitrary<byte[]> mutations() {
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            byte[] b = VALID.clone();
            switch (r.nextInt(4)) {
                case 0 -> {
                    for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                }
                case 1 -> b = Arrays.copyOf(b, r.nextInt(b.length));
                case 2 -> {
                    int at = r.nextInt(b.length);
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
                default -> {
                    int at = r.nextInt(b.length - 4);
                    int len = r.nextInt(Integer.MAX_VALUE);
                    b[at] = (byte) (len >>> 24);
                    b[at + 1] = (byte) (len >>> 16);
                    b[at + 2] = (byte) (len >>> 8);
                    b[at + 3] = (byte) len;
                }
            }
            return b;
        });
    }

    @Property(tries = 300)
    void mutatedJsonMessagesAreValidated(@ForAll("jsonMutations") String json) {
        serve(new Conversations().hello(2).message(json).bytes());
    }

    @Provide
    Arbitrary<String> jsonMutations() {
        String[] templates = {
            "{\"op\":\"listSnapshots\",\"dataset\":\"pool/data\"}",
            "{\"op\":\"send\",\"snapshot\":\"pool/data@s\",\"base\":\"pool/data@r\",\"resumeToken\":\"abc\"}",
            "{\"op\":\"destroySnapshots\",\"snapshots\":[\"pool/fromA@a\"]}",
            "{\"op\":\"hold\",\"snapshot\":\"pool/data@s\",\"tag\":\"keep\"}",
            "{\"op\":\"hello\",\"versions\":[1],\"boxId\":\"b\",\"software\":\"1\"}",
            "{\"op\":\"hasUnsnapshottedData\",\"dataset\":\"pool/fromA/x\"}",
            "{\"op\":\"createParents\",\"dataset\":\"pool/fromA/x/y\"}",
            "{\"op\":\"claim\",\"dataset\":\"pool/fromA/x\",\"owner\":{\"boxId\":\"box-a\",\"taskId\":\"t\"}}",
            "{\"op\":\"ownership\",\"dataset\":\"pool/fromA/x\"}",
            "{\"op\":\"abortReceive\",\"dataset\":\"pool/fromA/x\"}",
        };
        String alphabet = "{}[]\":,@/.-_ 0123456789aAzZ\\\u0000\u00e9nulltrue";
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            StringBuilder s = new StringBuilder(templates[r.nextInt(templates.length)]);
            for (int i = 0, n = 1 + r.nextInt(5); i < n; i++) {
                int at = r.nextInt(s.length());
                char c = alphabet.charAt(r.nextInt(alphabet.length()));
                switch (r.nextInt(3)) {
                    case 0 -> s.setCharAt(at, c);
                    case 1 -> s.insert(at, c);
                    default -> s.deleteCharAt(at);
                }
            }
            return s.toString();
        });
    }

    @Property(tries = 50)
    void deeplyNestedJsonIsRefused(@ForAll @net.jqwik.api.constraints.IntRange(min = 17, max = 5000) int depth) {
        serve(new Conversations().hello().message("[".repeat(depth) + "]".repeat(depth)).bytes());
    }

    static {
        // make sure the provider class is loaded once: the properties create many
        new InMemoryDatasetProvider(java.time.Clock.systemUTC(), "pool");
    }
}
