package io.snapferry.testbeds.pkg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a systemd unit's {@code [Service]} section that decides how its process starts:
 * {@code Environment=}, {@code EnvironmentFile=}, {@code ExecStart=} and the capability bounding set,
 * interpreted as systemd does (quoting, {@code ${VAR}} and {@code $VAR} expansion), so a test on a
 * machine without a running systemd can start the service's command as systemd would.
 */
final class UnitFile {
    private static final Pattern BRACED = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern WHOLE = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)");

    private final Map<String, List<String>> service;

    private UnitFile(Map<String, List<String>> service) {
        this.service = service;
    }

    static UnitFile parse(String text) {
        Map<String, List<String>> service = new LinkedHashMap<>();
        String section = "";
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line;
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("not KEY=VALUE in the unit: " + line);
            }
            if (section.equals("[Service]")) {
                service.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
            }
        }
        return new UnitFile(service);
    }

    static UnitFile read(Path path) throws IOException {
        return parse(Files.readString(path, StandardCharsets.UTF_8));
    }

    /** Every value of a {@code [Service]} setting, in order. */
    List<String> values(String key) {
        return service.getOrDefault(key, List.of());
    }

    String single(String key) {
        List<String> v = values(key);
        if (v.size() != 1) {
            throw new IllegalArgumentException(key + " is set " + v.size() + " times in the unit");
        }
        return v.get(0);
    }

    /**
     * The environment systemd gives the service: {@code Environment=} assignments, then the files of
     * {@code EnvironmentFile=} (a leading '-' makes a file optional), later ones overriding earlier.
     */
    Map<String, String> environment() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String v : values("Environment")) {
            for (String assignment : words(v)) {
                int eq = assignment.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("Environment= assignment without a name: " + assignment);
                }
                env.put(assignment.substring(0, eq), assignment.substring(eq + 1));
            }
        }
        for (String v : values("EnvironmentFile")) {
            boolean optional = v.startsWith("-");
            Path file = Path.of(optional ? v.substring(1) : v);
            if (!Files.exists(file)) {
                if (optional) {
                    continue;
                }
                throw new IOException("EnvironmentFile " + file + " is missing");
            }
            env.putAll(environmentFile(Files.readString(file, StandardCharsets.UTF_8)));
        }
        return env;
    }

    /** KEY=VALUE lines; comments start with # or ;, values may be quoted. */
    static Map<String, String> environmentFile(String text) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not KEY=VALUE in the environment file: " + line);
            }
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            env.put(line.substring(0, eq).strip(), value);
        }
        return env;
    }

    /**
     * {@code ExecStart=} as the argument vector systemd executes: a word that is exactly
     * {@code $NAME} becomes the value's words (none when empty), {@code ${NAME}} is replaced in place.
     */
    List<String> execStart(Map<String, String> env) {
        String line = single("ExecStart");
        if (!line.isEmpty() && "-@:+!".indexOf(line.charAt(0)) >= 0) {
            throw new IllegalArgumentException("ExecStart prefixes are not interpreted here: " + line);
        }
        List<String> argv = new ArrayList<>();
        for (String w : words(line)) {
            Matcher whole = WHOLE.matcher(w);
            if (whole.matches()) {
                String value = env.getOrDefault(whole.group(1), "").strip();
                if (!value.isEmpty()) {
                    argv.addAll(List.of(value.split("\\s+")));
                }
                continue;
            }
            argv.add(BRACED.matcher(w).replaceAll(m -> Matcher.quoteReplacement(env.getOrDefault(m.group(1), ""))));
        }
        return argv;
    }

    /** {@code CapabilityBoundingSet=} as setpriv's {@code --bounding-set} argument. */
    String boundingSetForSetpriv() {
        StringBuilder b = new StringBuilder("-all");
        for (String v : values("CapabilityBoundingSet")) {
            for (String cap : words(v)) {
                if (!cap.startsWith("CAP_")) {
                    throw new IllegalArgumentException("not a capability in CapabilityBoundingSet: " + cap);
                }
                b.append(",+").append(cap.substring(4).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return b.toString();
    }

    /** Splits at white space outside double or single quotes and drops the quotes. */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (char c : s.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unbalanced quote in: " + s);
        }
        if (inWord) {
            out.add(cur.toString());
        }
        return out;
    }
}
