package io.snapferry.ssh.endpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds raw protocol bytes and reads answers, for tests that talk to the server frame by frame. */
final class Conversations {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Frames.Writer writer = new Frames.Writer(bytes);

    Conversations message(String json) {
        try {
            writer.message(json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Conversations hello() {
        return hello(1);
    }

    /** A hello offering protocol versions 1 to {@code upTo}. */
    Conversations hello(int upTo) {
        StringBuilder versions = new StringBuilder("1");
        for (int v = 2; v <= upTo; v++) {
            versions.append(',').append(v);
        }
        return message("{\"op\":\"hello\",\"versions\":[" + versions + "],\"boxId\":\"box-a\",\"software\":\"0.1.0\"}");
    }

    Conversations data(byte[] b) {
        try {
            writer.data(b, 0, b.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Conversations end() {
        try {
            writer.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Conversations raw(byte[] b) {
        bytes.writeBytes(b);
        return this;
    }

    byte[] bytes() {
        return bytes.toByteArray();
    }

    /** The frames in {@code out}, decoded as far as they go. */
    static List<Frames.Frame> frames(byte[] out) throws IOException {
        Frames.Reader r = new Frames.Reader(new ByteArrayInputStream(out));
        List<Frames.Frame> frames = new ArrayList<>();
        for (Frames.Frame f = r.next(); f != null; f = r.next()) {
            frames.add(f);
        }
        return frames;
    }

    static ObjectNode json(Frames.Frame f) throws ProtocolException {
        return Messages.parse(f.payload());
    }
}
