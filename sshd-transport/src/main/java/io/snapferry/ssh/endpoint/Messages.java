package io.snapferry.ssh.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The JSON messages of the endpoint protocol: encoding, and decoding with validation. Every
 * decoder takes untrusted bytes and either returns validated values (names through
 * {@link DatasetName} and {@link SnapshotName}) or throws {@link ProtocolException}. Stateless and
 * thread-safe.
 */
public final class Messages {
    /** The largest number of names in one list (destroy batches, listed snapshots and datasets). */
    public static final int MAX_LIST = 100_000;
    /** The most snapshots one {@code holdsOf} request names; a client asks in batches of this many. */
    public static final int MAX_HOLDS_OF = 1_000;
    /** The most snapshots a {@code listSnapshotsBelow} stream may carry. */
    public static final int MAX_LISTED_BELOW = 1_000_000;
    /** The longest line of a {@code listSnapshotsBelow} stream: one snapshot's JSON. */
    public static final int MAX_LISTING_LINE = 4096;
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_.:][A-Za-z0-9_.:-]{0,199}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16).maxStringLength(Frames.MAX_MESSAGE).maxNumberLength(32).build());
    }

    private Messages() {
    }

    // ----- parsing helpers -----

    /** Parses a message payload into a JSON object. */
    public static ObjectNode parse(byte[] payload) throws ProtocolException {
        JsonNode node;
        try {
            node = JSON.readTree(payload);
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException("message is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ProtocolException("message is not a JSON object");
        }
        return obj;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    static String text(JsonNode obj, String field) throws ProtocolException {
        JsonNode n = obj.get(field);
        if (n == null || !n.isTextual()) {
            throw new ProtocolException("field '" + field + "' must be a string");
        }
        return n.textValue();
    }

    static Optional<String> optText(JsonNode obj, String field) throws ProtocolException {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw new ProtocolException("field '" + field + "' must be a string");
        }
        return Optional.of(n.textValue());
    }

    static boolean bool(JsonNode obj, String field, boolean dflt) throws ProtocolException {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new ProtocolException("field '" + field + "' must be true or false");
        }
        return n.booleanValue();
    }

    static long number(JsonNode obj, String field) throws ProtocolException {
        JsonNode n = obj.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new ProtocolException("field '" + field + "' must be an integer");
        }
        return n.longValue();
    }

    static ArrayNode array(JsonNode obj, String field) throws ProtocolException {
        JsonNode n = obj.get(field);
        if (!(n instanceof ArrayNode a)) {
            throw new ProtocolException("field '" + field + "' must be an array");
        }
        if (a.size() > MAX_LIST) {
            throw new ProtocolException("field '" + field + "' has more than " + MAX_LIST + " entries");
        }
        return a;
    }

    static DatasetName dataset(JsonNode obj, String field) throws ProtocolException {
        return datasetName(text(obj, field));
    }

    static DatasetName datasetName(String s) throws ProtocolException {
        try {
            return DatasetName.of(s);
        } catch (DatasetException e) {
            throw new ProtocolException(e.getMessage());
        }
    }

    static SnapshotName snapshot(JsonNode obj, String field) throws ProtocolException {
        return snapshotName(text(obj, field));
    }

    static SnapshotName snapshotName(String s) throws ProtocolException {
        try {
            return SnapshotName.parse(s);
        } catch (DatasetException e) {
            throw new ProtocolException(e.getMessage());
        }
    }

    static String tag(JsonNode obj) throws ProtocolException {
        String t = text(obj, "tag");
        if (!TAG.matcher(t).matches()) {
            throw new ProtocolException("invalid hold tag: use 1 to 200 of letters, digits, '_', '.', ':' and '-', not starting with '-'");
        }
        return t;
    }

    static String checkTag(String t) {
        if (t == null || !TAG.matcher(t).matches()) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT,
                    "invalid hold tag: use 1 to 200 of letters, digits, '_', '.', ':' and '-', not starting with '-'");
        }
        return t;
    }

    // ----- requests -----

    /** Decodes and validates a request. */
    public static Request decodeRequest(byte[] payload) throws ProtocolException {
        return decodeRequest(parse(payload));
    }

    static Request decodeRequest(ObjectNode m) throws ProtocolException {
        String op = text(m, "op");
        switch (op) {
            case "hello": {
                ArrayNode vs = array(m, "versions");
                if (vs.isEmpty() || vs.size() > 64) {
                    throw new ProtocolException("hello must offer 1 to 64 protocol versions");
                }
                List<Integer> versions = new ArrayList<>();
                for (JsonNode v : vs) {
                    if (!v.isInt() || v.intValue() < 1) {
                        throw new ProtocolException("protocol versions are positive integers");
                    }
                    versions.add(v.intValue());
                }
                return new Request.Hello(versions, identity(m));
            }
            case "listDatasets": {
                Optional<String> root = optText(m, "root");
                return new Request.ListDatasets(root.isPresent() ? Optional.of(datasetName(root.get())) : Optional.empty());
            }
            case "listSnapshots":
                return new Request.ListSnapshots(dataset(m, "dataset"));
            case "send": {
                SnapshotName snap = snapshot(m, "snapshot");
                Optional<String> base = optText(m, "base");
                Optional<String> token = optText(m, "resumeToken");
                try {
                    return new Request.Send(new SendRequest(snap, base.isPresent() ? Optional.of(snapshotName(base.get())) : Optional.empty(),
                            bool(m, "intermediates", false), bool(m, "properties", false), token), bool(m, "resend", false));
                } catch (DatasetException e) {
                    throw new ProtocolException(e.getMessage());
                }
            }
            case "receive":
                return new Request.Receive(dataset(m, "target"), receiveOptions(m), bool(m, "resend", false));
            case "destroySnapshots": {
                List<SnapshotName> snaps = new ArrayList<>();
                for (JsonNode n : array(m, "snapshots")) {
                    if (!n.isTextual()) {
                        throw new ProtocolException("snapshots must be strings");
                    }
                    snaps.add(snapshotName(n.textValue()));
                }
                return new Request.DestroySnapshots(snaps);
            }
            case "hold":
                return new Request.Hold(snapshot(m, "snapshot"), tag(m));
            case "release":
                return new Request.Release(snapshot(m, "snapshot"), tag(m));
            case "holds":
                return new Request.Holds(snapshot(m, "snapshot"));
            case "resumeToken":
                return new Request.ResumeToken(dataset(m, "dataset"));
            case "abortReceive":
                return new Request.AbortReceive(dataset(m, "dataset"));
            case "hasUnsnapshottedData":
                return new Request.HasUnsnapshottedData(dataset(m, "dataset"));
            case "createParents":
                return new Request.CreateParents(dataset(m, "dataset"));
            case "ownership":
                return new Request.Ownership(dataset(m, "dataset"));
            case "listSnapshotsBelow":
                return new Request.ListSnapshotsBelow(dataset(m, "root"));
            case "holdsOf": {
                ArrayNode a = array(m, "snapshots");
                if (a.size() > MAX_HOLDS_OF) {
                    throw new ProtocolException("holdsOf names at most " + MAX_HOLDS_OF + " snapshots");
                }
                List<SnapshotName> snaps = new ArrayList<>();
                for (JsonNode n : a) {
                    if (!n.isTextual()) {
                        throw new ProtocolException("snapshots must be strings");
                    }
                    snaps.add(snapshotName(n.textValue()));
                }
                return new Request.HoldsOf(snaps);
            }
            case "claim": {
                DatasetName target = dataset(m, "dataset");
                JsonNode owner = m.get("owner");
                if (owner == null || !owner.isObject()) {
                    throw new ProtocolException("field 'owner' must be an object with 'boxId' and 'taskId'");
                }
                return new Request.Claim(target, owner(owner));
            }
            default:
                throw new ProtocolException("unknown operation '" + printable(op) + "'");
        }
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c > 0x7e ? '?' : c);
        }
        return b.toString();
    }

    private static EndpointIdentity identity(JsonNode m) throws ProtocolException {
        try {
            return new EndpointIdentity(text(m, "boxId"), text(m, "software"));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(e.getMessage());
        }
    }

    private static ReceiveOptions receiveOptions(JsonNode m) throws ProtocolException {
        JsonNode o = m.get("options");
        if (o == null || o.isNull()) {
            return ReceiveOptions.defaults();
        }
        if (!o.isObject()) {
            throw new ProtocolException("field 'options' must be an object");
        }
        Map<String, String> override = new LinkedHashMap<>();
        JsonNode ov = o.get("override");
        if (ov != null && !ov.isNull()) {
            if (!ov.isObject() || ov.size() > 256) {
                throw new ProtocolException("'override' must be an object of at most 256 properties");
            }
            Iterator<Map.Entry<String, JsonNode>> it = ov.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new ProtocolException("override values must be strings");
                }
                override.put(e.getKey(), e.getValue().textValue());
            }
        }
        Set<String> exclude = new TreeSet<>();
        JsonNode ex = o.get("exclude");
        if (ex != null && !ex.isNull()) {
            if (!ex.isArray() || ex.size() > 256) {
                throw new ProtocolException("'exclude' must be an array of at most 256 property names");
            }
            for (JsonNode n : ex) {
                if (!n.isTextual()) {
                    throw new ProtocolException("exclude entries must be strings");
                }
                exclude.add(n.textValue());
            }
        }
        try {
            return new ReceiveOptions(bool(o, "rollback", false), bool(o, "resumable", true), override, exclude);
        } catch (DatasetException e) {
            throw new ProtocolException(e.getMessage());
        }
    }

    /** Encodes a request. */
    public static byte[] encode(Request r) {
        ObjectNode m = NODES.objectNode();
        m.put("op", r.op());
        if (r instanceof Request.Hello h) {
            ArrayNode vs = m.putArray("versions");
            h.versions().forEach(vs::add);
            m.put("boxId", h.identity().boxId());
            m.put("software", h.identity().softwareVersion());
        } else if (r instanceof Request.ListDatasets l) {
            l.root().ifPresent(root -> m.put("root", root.value()));
        } else if (r instanceof Request.ListSnapshots l) {
            m.put("dataset", l.dataset().value());
        } else if (r instanceof Request.Send s) {
            SendRequest q = s.request();
            m.put("snapshot", q.snapshot().toString());
            q.base().ifPresent(b -> m.put("base", b.toString()));
            m.put("intermediates", q.intermediates());
            m.put("properties", q.properties());
            q.resumeToken().ifPresent(t -> m.put("resumeToken", t));
            if (s.resend()) {
                m.put("resend", true);
            }
        } else if (r instanceof Request.Receive rc) {
            m.put("target", rc.target().value());
            ObjectNode o = m.putObject("options");
            o.put("rollback", rc.options().rollback());
            o.put("resumable", rc.options().resumable());
            ObjectNode ov = o.putObject("override");
            rc.options().override().forEach(ov::put);
            ArrayNode ex = o.putArray("exclude");
            rc.options().exclude().stream().sorted().forEach(ex::add);
            if (rc.resend()) {
                m.put("resend", true);
            }
        } else if (r instanceof Request.DestroySnapshots d) {
            ArrayNode a = m.putArray("snapshots");
            d.snapshots().forEach(s -> a.add(s.toString()));
        } else if (r instanceof Request.Hold h) {
            m.put("snapshot", h.snapshot().toString());
            m.put("tag", h.tag());
        } else if (r instanceof Request.Release h) {
            m.put("snapshot", h.snapshot().toString());
            m.put("tag", h.tag());
        } else if (r instanceof Request.Holds h) {
            m.put("snapshot", h.snapshot().toString());
        } else if (r instanceof Request.ResumeToken t) {
            m.put("dataset", t.dataset().value());
        } else if (r instanceof Request.AbortReceive a) {
            m.put("dataset", a.dataset().value());
        } else if (r instanceof Request.HasUnsnapshottedData u) {
            m.put("dataset", u.dataset().value());
        } else if (r instanceof Request.CreateParents c) {
            m.put("dataset", c.dataset().value());
        } else if (r instanceof Request.Ownership o) {
            m.put("dataset", o.dataset().value());
        } else if (r instanceof Request.Claim c) {
            m.put("dataset", c.dataset().value());
            m.set("owner", owner(c.owner()));
        } else if (r instanceof Request.ListSnapshotsBelow l) {
            m.put("root", l.root().value());
        } else if (r instanceof Request.HoldsOf h) {
            ArrayNode a = m.putArray("snapshots");
            h.snapshots().forEach(x -> a.add(x.toString()));
        }
        return bytes(m);
    }

    static byte[] bytes(ObjectNode m) {
        try {
            return JSON.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a message", e);
        }
    }

    // ----- responses -----

    static ObjectNode ok() {
        ObjectNode m = NODES.objectNode();
        m.put("ok", true);
        return m;
    }

    /** An error response or abort payload. */
    static byte[] error(ErrorCode code, String message) {
        ObjectNode m = NODES.objectNode();
        m.put("ok", false);
        m.put("code", code.name());
        m.put("message", message == null ? code.name() : message.length() > 4096 ? message.substring(0, 4096) : message);
        return bytes(m);
    }

    /**
     * Checks a response: returns it when {@code ok} is true, throws the {@link DatasetException} it
     * carries when false, {@link ProtocolException} when it is neither.
     */
    static ObjectNode checkResponse(byte[] payload) throws ProtocolException {
        ObjectNode m = parse(payload);
        JsonNode ok = m.get("ok");
        if (ok == null || !ok.isBoolean()) {
            throw new ProtocolException("response without 'ok'");
        }
        if (!ok.booleanValue()) {
            throw remoteError(m);
        }
        return m;
    }

    /** The {@link DatasetException} an error response or abort frame carries. */
    static DatasetException remoteError(ObjectNode m) throws ProtocolException {
        String codeName = text(m, "code");
        ErrorCode code;
        try {
            code = ErrorCode.valueOf(codeName);
        } catch (IllegalArgumentException e) {
            code = ErrorCode.INTERNAL;
        }
        String message = text(m, "message");
        return new DatasetException(code, "remote: " + printableMessage(message));
    }

    private static String printableMessage(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 4096; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    static ObjectNode dataset(Dataset d) {
        ObjectNode n = NODES.objectNode();
        n.put("name", d.name().value());
        n.put("kind", d.kind().name());
        n.put("guid", d.guid());
        n.put("used", d.used());
        n.put("available", d.available());
        d.mountpoint().ifPresent(mp -> n.put("mountpoint", mp));
        n.put("readonly", d.readonly());
        return n;
    }

    static Dataset dataset(JsonNode n) throws ProtocolException {
        Dataset.Kind kind;
        try {
            kind = Dataset.Kind.valueOf(text(n, "kind"));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("unknown dataset kind");
        }
        return new Dataset(dataset(n, "name"), kind, number(n, "guid"), number(n, "used"), number(n, "available"),
                optText(n, "mountpoint"), bool(n, "readonly", false));
    }

    static ObjectNode snapshot(Snapshot s) {
        ObjectNode n = NODES.objectNode();
        n.put("name", s.name().toString());
        n.put("guid", s.guid());
        n.put("createTxg", s.createTxg());
        n.put("createdAt", s.createdAt().toEpochMilli());
        n.put("used", s.used());
        n.put("referenced", s.referenced());
        n.put("holds", s.holds());
        return n;
    }

    static Snapshot snapshot(JsonNode n) throws ProtocolException {
        long holds = number(n, "holds");
        if (holds < 0 || holds > Integer.MAX_VALUE) {
            throw new ProtocolException("holds out of range");
        }
        return new Snapshot(snapshot(n, "name"), number(n, "guid"), number(n, "createTxg"),
                Instant.ofEpochMilli(number(n, "createdAt")), number(n, "used"), number(n, "referenced"), (int) holds);
    }

    static ObjectNode receiveResult(ReceiveResult r) {
        ObjectNode m = ok();
        ArrayNode a = m.putArray("received");
        r.received().forEach(s -> a.add(s.toString()));
        m.put("bytes", r.bytes());
        return m;
    }

    static ReceiveResult receiveResult(ObjectNode m) throws ProtocolException {
        List<SnapshotName> received = new ArrayList<>();
        for (JsonNode n : array(m, "received")) {
            if (!n.isTextual()) {
                throw new ProtocolException("received snapshots must be strings");
            }
            received.add(snapshotName(n.textValue()));
        }
        return new ReceiveResult(received, number(m, "bytes"));
    }

    static ObjectNode destroyResult(DestroyResult r) {
        ObjectNode m = ok();
        ArrayNode a = m.putArray("destroyed");
        r.destroyed().forEach(s -> a.add(s.toString()));
        ObjectNode sk = m.putObject("skipped");
        r.skipped().forEach((k, v) -> sk.put(k.toString(), v));
        return m;
    }

    static DestroyResult destroyResult(ObjectNode m) throws ProtocolException {
        List<SnapshotName> destroyed = new ArrayList<>();
        for (JsonNode n : array(m, "destroyed")) {
            if (!n.isTextual()) {
                throw new ProtocolException("destroyed snapshots must be strings");
            }
            destroyed.add(snapshotName(n.textValue()));
        }
        JsonNode sk = m.get("skipped");
        if (!(sk instanceof ObjectNode skipped)) {
            throw new ProtocolException("field 'skipped' must be an object");
        }
        Map<SnapshotName, String> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = skipped.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new ProtocolException("skip reasons must be strings");
            }
            out.put(snapshotName(e.getKey()), printableMessage(e.getValue().textValue()));
        }
        return new DestroyResult(destroyed, out);
    }

    static ObjectNode owner(TargetOwner owner) {
        ObjectNode n = NODES.objectNode();
        n.put("boxId", owner.boxId());
        n.put("taskId", owner.taskId());
        return n;
    }

    static TargetOwner owner(JsonNode n) throws ProtocolException {
        try {
            return new TargetOwner(text(n, "boxId"), text(n, "taskId"));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(e.getMessage());
        }
    }
}
