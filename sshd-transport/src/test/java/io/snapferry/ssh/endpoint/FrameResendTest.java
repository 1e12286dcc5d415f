package io.snapferry.ssh.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ForwardingDatasetProvider;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.ssh.TwoBoxes;
import io.snapferry.stream.FrameDamagingInputStream;
import io.snapferry.stream.FrameReplayInputStream;
import io.snapferry.stream.FrameResendChannel;
import io.snapferry.stream.FramedDatasetProvider;
import io.snapferry.stream.KeyResolver;
import io.snapferry.stream.StreamOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Protocol 4: a frame damaged between the wire and the verifying receive is asked for again with a
 * RESEND frame, over real SSH and frame by frame; older peers go on as before.
 */
class FrameResendTest {
    @TempDir
    Path tmp;
    TwoBoxes boxes;
    final List<FramedDatasetProvider.VerificationReport> reports = Collections.synchronizedList(new ArrayList<>());
    /** What B's server does to a pushed stream between the wire and its verifier. */
    final AtomicReference<UnaryOperator<InputStream>> link = new AtomicReference<>(UnaryOperator.identity());
    FramedDatasetProvider sender;

    @BeforeEach
    void start() throws IOException {
        boxes = new TwoBoxes(tmp, b -> damagedOnTheWayIn(new FramedDatasetProvider(b, "box-b", StreamOptions.defaults(),
                KeyResolver.NONE, reports::add)), OwnershipStore.inMemory());
        sender = new FramedDatasetProvider(boxes.a, "box-a", StreamOptions.defaults().withFrameSize(StreamOptions.MIN_FRAME_SIZE),
                KeyResolver.NONE, r -> { });
    }

    @AfterEach
    void stop() throws IOException {
        boxes.close();
    }

    /** {@code framed}, whose receives read what {@link #link} makes of the wire, the back channel kept. */
    private ProviderWithLink damagedOnTheWayIn(FramedDatasetProvider framed) {
        return new ProviderWithLink(framed);
    }

    private final class ProviderWithLink extends ForwardingDatasetProvider {
        private final DatasetProvider framed;

        ProviderWithLink(DatasetProvider framed) {
            this.framed = framed;
        }

        @Override
        protected DatasetProvider delegate() {
            return framed;
        }

        @Override
        public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
            return framed.receive(target, FrameResendChannel.attach(link.get().apply(stream), FrameResendChannel.of(stream)), options);
        }
    }

    private static byte[] random(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private FrameReplayInputStream snapshotToSend(int size, int seed) throws IOException {
        if (!boxes.a.exists(TwoBoxes.DATA)) {
            boxes.a.createDataset(TwoBoxes.DATA);
        }
        boxes.a.write(TwoBoxes.DATA, "f", random(size, seed));
        boxes.a.createSnapshots(List.of(TwoBoxes.DATA.snapshot("s" + seed)));
        return (FrameReplayInputStream) sender.send(SendRequest.full(TwoBoxes.DATA.snapshot("s" + seed)));
    }

    @Test
    void aFrameDamagedOnTheWayIsSentAgainWithinThePush() throws IOException {
        // 300 KB are all sent, END included, before the request can arrive; 6 MiB may still be on their way
        int[] sizes = {300_000, 6 << 20};
        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            assertThat(ep.hello().protocolVersion()).isEqualTo(4);
            for (int i = 0; i < sizes.length; i++) {
                List<FrameDamagingInputStream> damage = new ArrayList<>();
                link.set(s -> {
                    FrameDamagingInputStream d = new FrameDamagingInputStream(s, 20, 100, 1);
                    damage.add(d);
                    return d;
                });
                DatasetName target = TwoBoxes.FROM_A.child("x" + i);
                try (FrameReplayInputStream stream = snapshotToSend(sizes[i], i)) {
                    ReceiveResult r = ep.receive(target, stream, ReceiveOptions.defaults());
                    assertThat(r.received()).containsExactly(target.snapshot("s" + i));
                    assertThat(stream.resends()).as("frame 20 rewound once").isOne();
                }
                assertThat(boxes.b.read(target, "f")).isEqualTo(random(sizes[i], i));
                assertThat(damage.get(0).damaged()).isOne();
                assertThat(damage.get(0).seen()).as("frame 20 came twice").isEqualTo(2);
                FramedDatasetProvider.VerificationReport report = reports.get(reports.size() - 1);
                assertThat(report.ok()).isTrue();
                assertThat(report.resentFrames()).isOne();
            }
            assertThat(ep.listDatasets(Optional.empty())).isNotEmpty();
        }
    }

    @Test
    void aFrameDamagedThreeTimesFailsThePushClearlyAndLeavesNothing() throws IOException {
        link.set(s -> new FrameDamagingInputStream(s, 20, 100, 3));
        DatasetName target = TwoBoxes.FROM_A.child("x");
        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection());
             FrameReplayInputStream stream = snapshotToSend(300_000, 7)) {
            assertThatThrownBy(() -> ep.receive(target, stream, ReceiveOptions.defaults()))
                    .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STREAM))
                    .hasMessageContaining("frame 20 of pool/data@s7 failed verification 3 times")
                    .hasMessageContaining("check the link, memory and disks");
            assertThat(stream.resends()).isEqualTo(2);
            assertThat(boxes.b.exists(target)).isFalse();
            assertThat(ep.isOpen()).as("both sides are back in step").isTrue();
            assertThat(ep.listDatasets(Optional.empty())).isNotEmpty();
        }
        assertThat(reports.get(reports.size() - 1).resentFrames()).isEqualTo(2);
    }

    /** Pulls {@code snapshot} from B into A's {@code target}, damaging frame 20 of the wire {@code copies} times before A's verifier. */
    private ReceiveResult pull(RemoteEndpoint ep, DatasetName target, String snapshot, int copies,
                               List<FramedDatasetProvider.VerificationReport> verified) throws IOException {
        FramedDatasetProvider receiver = new FramedDatasetProvider(boxes.a, "box-a", StreamOptions.defaults(), KeyResolver.NONE,
                verified::add);
        try (InputStream pulled = ep.send(SendRequest.full(TwoBoxes.DATA.snapshot(snapshot)))) {
            assertThat(FrameResendChannel.of(pulled)).as("a version 4 pull can be asked for frames again").isPresent();
            InputStream damaged = FrameResendChannel.attach(new FrameDamagingInputStream(pulled, 20, 100, copies),
                    FrameResendChannel.of(pulled));
            return receiver.receive(target, damaged, ReceiveOptions.defaults());
        }
    }

    private void snapshotOnB(int size, int seed) {
        boxes.b.write(TwoBoxes.DATA, "f", random(size, seed));
        boxes.b.createSnapshots(List.of(TwoBoxes.DATA.snapshot("p" + seed)));
    }

    @Test
    void aFrameDamagedOnTheWayIsSentAgainWithinThePull() throws IOException {
        boxes = restartWithFramesOf(StreamOptions.MIN_FRAME_SIZE);
        int[] sizes = {300_000, 6 << 20};
        List<FramedDatasetProvider.VerificationReport> verified = new ArrayList<>();
        boxes.a.createDataset(DatasetName.of("pool/pulled"));
        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            for (int i = 0; i < sizes.length; i++) {
                snapshotOnB(sizes[i], i);
                DatasetName target = DatasetName.of("pool/pulled/x" + i);
                ReceiveResult r = pull(ep, target, "p" + i, 1, verified);
                assertThat(r.received()).containsExactly(target.snapshot("p" + i));
                assertThat(boxes.a.read(target, "f")).isEqualTo(random(sizes[i], i));
                assertThat(verified.get(i).ok()).isTrue();
                assertThat(verified.get(i).resentFrames()).isOne();
                assertThat(ep.isOpen()).as("both sides are back in step").isTrue();
                assertThat(ep.listDatasets(Optional.empty())).isNotEmpty();
            }
        }
    }

    @Test
    void aFrameDamagedThreeTimesFailsThePullClearlyAndLeavesNothing() throws IOException {
        boxes = restartWithFramesOf(StreamOptions.MIN_FRAME_SIZE);
        snapshotOnB(300_000, 9);
        List<FramedDatasetProvider.VerificationReport> verified = new ArrayList<>();
        boxes.a.createDataset(DatasetName.of("pool/pulled"));
        DatasetName target = DatasetName.of("pool/pulled/x");
        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            assertThatThrownBy(() -> pull(ep, target, "p9", 3, verified))
                    .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STREAM))
                    .hasMessageContaining("frame 20 of pool/data@p9 failed verification 3 times");
        }
        assertThat(boxes.a.exists(target)).isFalse();
        assertThat(verified.get(0).resentFrames()).isEqualTo(2);
    }

    /** B again, framing what it sends in frames of {@code frameSize}. */
    private TwoBoxes restartWithFramesOf(int frameSize) throws IOException {
        boxes.close();
        return new TwoBoxes(tmp.resolve("again"), b -> new FramedDatasetProvider(b, "box-b",
                StreamOptions.defaults().withFrameSize(frameSize), KeyResolver.NONE, reports::add), OwnershipStore.inMemory());
    }

    // frame by frame, against a scripted peer

    private static InMemoryDatasetProvider memory() {
        InMemoryDatasetProvider p = new InMemoryDatasetProvider(Clock.systemUTC(), "pool");
        p.createDataset(EndpointServerTest.DATA);
        p.createDataset(EndpointServerTest.SINK);
        return p;
    }

    /** A framed stream of 40 frames of 4 KiB. */
    private static byte[] framedStream(InMemoryDatasetProvider p) throws IOException {
        return framedStream(p, 40);
    }

    private static byte[] framedStream(InMemoryDatasetProvider p, int frames) throws IOException {
        p.write(EndpointServerTest.DATA, "f", random(frames * StreamOptions.MIN_FRAME_SIZE - 1000, 3));
        p.createSnapshots(List.of(EndpointServerTest.DATA.snapshot("s")));
        FramedDatasetProvider framed = new FramedDatasetProvider(p, "box-a", StreamOptions.defaults()
                .withFrameSize(StreamOptions.MIN_FRAME_SIZE), KeyResolver.NONE, r -> { });
        try (InputStream in = framed.send(SendRequest.full(EndpointServerTest.DATA.snapshot("s")))) {
            return in.readAllBytes();
        }
    }

    private static byte[] resend(long seq) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        new Frames.Writer(b).resend(seq);
        return b.toByteArray();
    }

    private static List<Frames.Frame> serve(InMemoryDatasetProvider p, byte[] input) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FramedDatasetProvider framed = new FramedDatasetProvider(p, "box-b", StreamOptions.defaults(), KeyResolver.NONE, r -> { });
        new EndpointServer(framed, EndpointServerTest.PEER, new EndpointIdentity("box-b", "0.1.0")).serve(new ByteArrayInputStream(input), out);
        return Conversations.frames(out.toByteArray());
    }

    /** Where frame {@code seq} starts on the wire: the header, then frames of one size (all but the last). */
    private static int frameStart(byte[] wire, int seq) {
        int header = 14 + ((wire[10] & 0xff) << 24 | (wire[11] & 0xff) << 16 | (wire[12] & 0xff) << 8 | (wire[13] & 0xff)) + 32;
        return header + seq * (18 + StreamOptions.MIN_FRAME_SIZE + 36);
    }

    @Test
    void theServerAsksAndSkipsWhatWasInFlightUpToTheAnswer() throws IOException {
        InMemoryDatasetProvider p = memory();
        byte[] wire = framedStream(p);
        byte[] damaged = wire.clone();
        damaged[frameStart(wire, 5) + 100] ^= 1;
        int from5 = frameStart(wire, 5);
        byte[] input = new Conversations().hello(4)
                .message("{\"op\":\"receive\",\"target\":\"pool/fromA/x\",\"resend\":true}")
                .data(damaged).end() // all of it in flight, the end too
                .raw(resend(5)).data(java.util.Arrays.copyOfRange(wire, from5, wire.length)).end()
                .bytes();
        List<Frames.Frame> out = serve(p, input);
        assertThat(out).extracting(Frames.Frame::typeName).containsExactly("message", "message", "resend", "message");
        assertThat(Frames.resendSeq(out.get(2))).isEqualTo(5);
        assertThat(Conversations.json(out.get(3)).get("ok").booleanValue()).isTrue();
        assertThat(p.read(DatasetName.of("pool/fromA/x"), "f")).isEqualTo(random(40 * StreamOptions.MIN_FRAME_SIZE - 1000, 3));
    }

    @Test
    void anAnswerToNoRequestIsAProtocolError() throws IOException {
        InMemoryDatasetProvider p = memory();
        byte[] wire = framedStream(p);
        byte[] input = new Conversations().hello(4)
                .message("{\"op\":\"receive\",\"target\":\"pool/fromA/x\",\"resend\":true}")
                .data(java.util.Arrays.copyOf(wire, 1000)).raw(resend(3)).bytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FramedDatasetProvider framed = new FramedDatasetProvider(p, "box-b", StreamOptions.defaults(), KeyResolver.NONE, r -> { });
        assertThatThrownBy(() -> new EndpointServer(framed, EndpointServerTest.PEER, new EndpointIdentity("box-b", "0.1.0"))
                .serve(new ByteArrayInputStream(input), out)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("answered a resend of frame 3, which was not asked for");
        assertThat(p.exists(DatasetName.of("pool/fromA/x"))).isFalse();
    }

    @Test
    void aVersionThreeClientIsNeverAskedAndADamagedStreamFailsAsBefore() throws IOException {
        for (String hello : List.of("3", "4-without-resend")) {
            InMemoryDatasetProvider p = memory();
            byte[] damaged = framedStream(p);
            damaged[frameStart(damaged, 5) + 100] ^= 1;
            Conversations c = hello.equals("3")
                    ? new Conversations().hello(3).message("{\"op\":\"receive\",\"target\":\"pool/fromA/x\",\"resend\":true}")
                    : new Conversations().hello(4).message("{\"op\":\"receive\",\"target\":\"pool/fromA/x\"}");
            List<Frames.Frame> out = serve(p, c.data(damaged).end().bytes());
            assertThat(out).as(hello).extracting(Frames.Frame::typeName).containsExactly("message", "message", "message");
            assertThatThrownBy(() -> Messages.checkResponse(out.get(2).payload())).isInstanceOfSatisfying(DatasetException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STREAM));
            assertThat(p.exists(DatasetName.of("pool/fromA/x"))).isFalse();
        }
    }

    @Test
    void theClientOffersNothingNewToAVersionThreeServer() throws IOException {
        InMemoryDatasetProvider p = memory();
        byte[] wire = framedStream(p);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        Conversations answers = new Conversations()
                .message("{\"ok\":true,\"version\":3,\"boxId\":\"box-old\",\"software\":\"0.0.9\",\"peer\":\"boxa\"}")
                .message("{\"ok\":true}")
                .message("{\"ok\":true,\"received\":[\"pool/fromA/x@s\"],\"bytes\":" + wire.length + "}");
        RemoteEndpoint ep = RemoteEndpoint.open(new ByteArrayInputStream(answers.bytes()), sent, () -> { },
                new EndpointIdentity("box-a", "0.1.0"));
        InputStream replayable = new FrameReplayInputStream(new ByteArrayInputStream(wire));
        assertThat(ep.receive(DatasetName.of("pool/fromA/x"), replayable, ReceiveOptions.defaults()).received()).hasSize(1);
        List<Frames.Frame> frames = Conversations.frames(sent.toByteArray());
        assertThat(Conversations.json(frames.get(1)).has("resend")).as("a version 3 server is not told").isFalse();
        assertThat(frames.get(frames.size() - 1).typeName()).isEqualTo("end");
        assertThat(frames).extracting(Frames.Frame::typeName).doesNotContain("resend");

        ByteArrayOutputStream asked = new ByteArrayOutputStream();
        RemoteEndpoint pulling = RemoteEndpoint.open(new ByteArrayInputStream(new Conversations()
                .message("{\"ok\":true,\"version\":3,\"boxId\":\"box-old\",\"software\":\"0.0.9\",\"peer\":\"boxa\"}")
                .message("{\"ok\":true}").data(wire).end().bytes()), asked, () -> { }, new EndpointIdentity("box-a", "0.1.0"));
        try (InputStream pulled = pulling.send(SendRequest.full(EndpointServerTest.DATA.snapshot("s")))) {
            assertThat(FrameResendChannel.of(pulled)).as("a version 3 pull cannot be asked for frames again").isEmpty();
            assertThat(pulled.readAllBytes()).isEqualTo(wire);
        }
        assertThat(Conversations.json(Conversations.frames(asked.toByteArray()).get(1)).has("resend")).isFalse();
    }

    @Test
    void aPullWhoseStreamCannotBeSentAgainSaysSoAndEndsAsBefore() throws IOException {
        InMemoryDatasetProvider p = memory(); // unframed: its streams cannot be re-sent by frame
        p.write(EndpointServerTest.DATA, "f", random(1000, 4));
        p.createSnapshots(List.of(EndpointServerTest.DATA.snapshot("s")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] input = new Conversations().hello(4)
                .message("{\"op\":\"send\",\"snapshot\":\"pool/data@s\",\"resend\":true}")
                .message("{\"op\":\"listDatasets\"}").bytes();
        new EndpointServer(p, EndpointServerTest.PEER, new EndpointIdentity("box-b", "0.1.0")).serve(new ByteArrayInputStream(input), out);
        List<Frames.Frame> frames = Conversations.frames(out.toByteArray());
        assertThat(Conversations.json(frames.get(1)).has("resend")).isFalse();
        assertThat(frames).extracting(Frames.Frame::typeName).containsSubsequence("message", "message", "data", "end", "message");
        assertThat(Conversations.json(frames.get(frames.size() - 1)).has("datasets")).as("the next request is served at once").isTrue();
    }

    @Test
    void theClientRewindsWhileSendingAndAnswersTheRequest() throws IOException {
        InMemoryDatasetProvider p = memory();
        byte[] wire = framedStream(p, 100); // more than one 256 KiB chunk, so the client looks for an early answer
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        Conversations answers = new Conversations()
                .message("{\"ok\":true,\"version\":4,\"boxId\":\"box-b\",\"software\":\"0.1.0\",\"peer\":\"boxa\"}")
                .message("{\"ok\":true}")
                .raw(resend(3));
        byte[] result = new Conversations().message("{\"ok\":true,\"received\":[\"pool/fromA/x@s\"],\"bytes\":1}").bytes();
        RemoteEndpoint ep = RemoteEndpoint.open(new Answers(answers.bytes(), result), sent, () -> { },
                new EndpointIdentity("box-a", "0.1.0"));
        FrameReplayInputStream replayable = new FrameReplayInputStream(new ByteArrayInputStream(wire));
        ep.receive(DatasetName.of("pool/fromA/x"), replayable, ReceiveOptions.defaults());
        List<Frames.Frame> frames = Conversations.frames(sent.toByteArray());
        assertThat(Conversations.json(frames.get(1)).get("resend").booleanValue()).isTrue();
        ByteArrayOutputStream before = new ByteArrayOutputStream();
        ByteArrayOutputStream after = new ByteArrayOutputStream();
        int answers3 = 0;
        for (Frames.Frame f : frames.subList(2, frames.size())) {
            if (f.type() == Frames.RESEND) {
                assertThat(Frames.resendSeq(f)).isEqualTo(3);
                answers3++;
            } else if (f.type() == Frames.DATA) {
                (answers3 == 0 ? before : after).writeBytes(f.payload());
            }
        }
        assertThat(answers3).isOne();
        assertThat(frames.get(frames.size() - 1).typeName()).isEqualTo("end");
        assertThat(before.size()).isEqualTo(Frames.CHUNK);
        // the record in progress is finished, then frame 3 and everything after it follow
        int inProgressEnd = frameStart(wire, (Frames.CHUNK - frameStart(wire, 0)) / (18 + StreamOptions.MIN_FRAME_SIZE + 36) + 1);
        assertThat(after.toByteArray()).isEqualTo(concat(
                java.util.Arrays.copyOfRange(wire, Frames.CHUNK, inProgressEnd),
                java.util.Arrays.copyOfRange(wire, frameStart(wire, 3), wire.length)));
        assertThat(replayable.resends()).isOne();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A server's answers: {@code first} at once, {@code last} only when asked for after the stream (as a server answers). */
    private static final class Answers extends InputStream {
        private final ByteArrayInputStream first;
        private final ByteArrayInputStream last;

        Answers(byte[] first, byte[] last) {
            this.first = new ByteArrayInputStream(first);
            this.last = new ByteArrayInputStream(last);
        }

        @Override
        public int available() {
            return first.available();
        }

        @Override
        public int read() {
            return first.available() > 0 ? first.read() : last.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return first.available() > 0 ? first.read(b, off, len) : last.read(b, off, len);
        }
    }
}
