package io.snapferry.naming;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strftime-style naming schema for periodic snapshots, such as {@code auto-%Y-%m-%d_%H-%M}.
 *
 * <p>Conversions: {@code %Y} (4-digit year), {@code %m}, {@code %d}, {@code %H}, {@code %M}
 * (required, 2 digits each), {@code %S} (optional seconds), {@code %z} (optional UTC offset,
 * {@code +HHMM} or {@code -HHMM}), or {@code %s} (seconds since 1970) as the only time conversion.
 * Everything else is literal text and must be valid in a snapshot name: letters, digits,
 * {@code _ . : + -}. {@code %%} is refused because {@code %} is not allowed in snapshot names.
 *
 * <p>The creation time of a snapshot is read from its name, never from metadata. Without
 * {@code %z} the wall-clock time in the name is interpreted in a zone the caller gives; a
 * wall-clock time that occurs twice (the repeated hour when daylight saving ends) maps to the
 * earlier of the two instants, one inside a gap to the instant after the gap. See
 * {@link #nameFor} for how duplicate names are avoided and {@code DESIGN.md} beside this class.
 *
 * <p>Instances are immutable and thread-safe; equality is by schema text.
 */
public final class NamingSchema {
    /** The schema TrueNAS proposes by default. */
    public static final String DEFAULT_TEXT = "auto-%Y-%m-%d_%H-%M";
    static final int MAX_NAME_LENGTH = 200;
    private static final String VALID_LITERALS = "letters, digits, '_', '.', ':', '+' and '-'";

    /** A time conversion. */
    enum Field {
        YEAR('Y', 4), MONTH('m', 2), DAY('d', 2), HOUR('H', 2), MINUTE('M', 2), SECOND('S', 2),
        OFFSET('z', 5), EPOCH('s', 19);

        final char letter;
        final int maxWidth;

        Field(char letter, int maxWidth) {
            this.letter = letter;
            this.maxWidth = maxWidth;
        }

        static Field of(char c) {
            for (Field f : values()) {
                if (f.letter == c) {
                    return f;
                }
            }
            return null;
        }

        String spec() {
            return "%" + letter;
        }
    }

    /** One piece of a schema: literal text or a conversion. */
    sealed interface Token permits Literal, Conversion {
    }

    record Literal(String text) implements Token {
    }

    record Conversion(Field field) implements Token {
    }

    private final String text;
    private final List<Token> tokens;
    private final Pattern pattern;
    private final Map<Field, Integer> groups;

    private NamingSchema(String text, List<Token> tokens) {
        this.text = text;
        this.tokens = List.copyOf(tokens);
        StringBuilder re = new StringBuilder();
        Map<Field, Integer> g = new EnumMap<>(Field.class);
        int group = 0;
        for (Token t : tokens) {
            if (t instanceof Literal l) {
                re.append(Pattern.quote(l.text()));
            } else {
                Field f = ((Conversion) t).field();
                g.put(f, ++group);
                re.append(switch (f) {
                    case YEAR -> "([0-9]{4})";
                    case OFFSET -> "([+-][0-9]{4})";
                    case EPOCH -> "([0-9]{1,19})";
                    default -> "([0-9]{2})";
                });
            }
        }
        this.pattern = Pattern.compile(re.toString());
        this.groups = Collections.unmodifiableMap(g);
    }

    /**
     * Parses and validates a schema.
     *
     * @throws InvalidSchemaException saying exactly what is missing or wrong
     */
    public static NamingSchema parse(String schema) {
        if (schema == null || schema.isEmpty()) {
            throw new InvalidSchemaException("the naming schema is empty; example: " + DEFAULT_TEXT);
        }
        String quoted = "naming schema '" + printable(schema) + "'";
        List<Token> tokens = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        Set<Field> seen = java.util.EnumSet.noneOf(Field.class);
        for (int i = 0; i < schema.length(); i++) {
            char c = schema.charAt(i);
            if (c == '%') {
                if (i + 1 == schema.length()) {
                    throw new InvalidSchemaException(quoted + " ends with a lone '%'");
                }
                char n = schema.charAt(++i);
                if (n == '%') {
                    throw new InvalidSchemaException(quoted + ": '%%' would put a '%' into snapshot names, which allow only "
                            + VALID_LITERALS);
                }
                Field f = Field.of(n);
                if (f == null) {
                    throw new InvalidSchemaException("unknown conversion %" + printable(String.valueOf(n)) + " in " + quoted
                            + "; supported: %Y %m %d %H %M %S %z, or %s alone");
                }
                if (!seen.add(f)) {
                    throw new InvalidSchemaException(quoted + " uses " + f.spec() + " more than once");
                }
                if (literal.length() > 0) {
                    tokens.add(new Literal(literal.toString()));
                    literal.setLength(0);
                }
                tokens.add(new Conversion(f));
            } else if (validLiteral(c)) {
                literal.append(c);
            } else {
                throw new InvalidSchemaException(quoted + " contains '" + printable(String.valueOf(c)) + "' at position "
                        + (i + 1) + ", which is not allowed in snapshot names: use only " + VALID_LITERALS);
            }
        }
        if (literal.length() > 0) {
            tokens.add(new Literal(literal.toString()));
        }
        if (seen.contains(Field.EPOCH)) {
            List<String> others = new ArrayList<>();
            for (Field f : seen) {
                if (f != Field.EPOCH) {
                    others.add(f.spec());
                }
            }
            if (!others.isEmpty()) {
                throw new InvalidSchemaException(quoted + " mixes %s with " + joinAnd(others)
                        + ": %s (seconds since 1970) must be the only time conversion");
            }
        } else {
            List<String> missing = new ArrayList<>();
            for (Field f : List.of(Field.YEAR, Field.MONTH, Field.DAY, Field.HOUR, Field.MINUTE)) {
                if (!seen.contains(f)) {
                    missing.add(f.spec());
                }
            }
            if (!missing.isEmpty()) {
                throw new InvalidSchemaException(quoted + " lacks " + joinAnd(missing)
                        + " (a schema needs %Y, %m, %d, %H and %M, or %s alone)");
            }
        }
        Token first = tokens.get(0);
        if (first instanceof Conversion cv && cv.field() == Field.OFFSET) {
            throw new InvalidSchemaException(quoted + " starts with %z: west of UTC the name would start with '-', "
                    + "which snapshot names cannot; put text or another conversion first");
        }
        if (first instanceof Literal l && l.text().startsWith("-")) {
            throw new InvalidSchemaException(quoted + " starts with '-', which snapshot names cannot");
        }
        int max = 0;
        for (Token t : tokens) {
            max += t instanceof Literal l ? l.text().length() : ((Conversion) t).field().maxWidth;
        }
        if (max > MAX_NAME_LENGTH) {
            throw new InvalidSchemaException(quoted + " makes names of up to " + max + " characters; the limit is "
                    + MAX_NAME_LENGTH);
        }
        return new NamingSchema(schema, tokens);
    }

    /** The schema as written. */
    public String text() {
        return text;
    }

    /** True when names carry their UTC offset ({@code %z}), so they stay unique when daylight saving ends. */
    public boolean hasOffset() {
        return groups.containsKey(Field.OFFSET);
    }

    /** True when the schema is {@code %s} based (epoch seconds: no zone involved). */
    public boolean isEpoch() {
        return groups.containsKey(Field.EPOCH);
    }

    /** True when names resolve to the second ({@code %S} or {@code %s}); otherwise to the minute. */
    public boolean hasSeconds() {
        return groups.containsKey(Field.SECOND) || isEpoch();
    }

    Pattern pattern() {
        return pattern;
    }

    List<Token> tokens() {
        return tokens;
    }

    /**
     * The snapshot name (the part after {@code @}) for a time, using its wall-clock fields and its
     * offset. Seconds are dropped unless the schema has {@code %S}.
     *
     * @throws IllegalArgumentException for a year outside 0..9999, or a time before 1970 with {@code %s}
     */
    public String format(ZonedDateTime time) {
        Objects.requireNonNull(time, "time");
        StringBuilder b = new StringBuilder();
        for (Token t : tokens) {
            if (t instanceof Literal l) {
                b.append(l.text());
                continue;
            }
            switch (((Conversion) t).field()) {
                case YEAR -> {
                    int y = time.getYear();
                    if (y < 0 || y > 9999) {
                        throw new IllegalArgumentException("cannot write year " + y + " with %Y (4 digits)");
                    }
                    b.append(String.format(Locale.ROOT, "%04d", y));
                }
                case MONTH -> two(b, time.getMonthValue());
                case DAY -> two(b, time.getDayOfMonth());
                case HOUR -> two(b, time.getHour());
                case MINUTE -> two(b, time.getMinute());
                case SECOND -> two(b, time.getSecond());
                case OFFSET -> {
                    int total = time.getOffset().getTotalSeconds();
                    b.append(total < 0 ? '-' : '+');
                    int abs = Math.abs(total);
                    two(b, abs / 3600);
                    two(b, abs / 60 % 60);
                }
                case EPOCH -> {
                    long s = time.toEpochSecond();
                    if (s < 0) {
                        throw new IllegalArgumentException("cannot write a time before 1970 with %s");
                    }
                    b.append(s);
                }
            }
        }
        return b.toString();
    }

    /**
     * The creation time written in {@code name}, or empty when the name does not follow this schema
     * (other text, or fields that are no valid date such as month 13).
     *
     * @param zone interprets names without {@code %z}: a repeated wall-clock time maps to the earlier
     *             instant (the earlier offset), a time in a gap to the same time shifted forward by the
     *             gap's length; ignored for {@code %z} and {@code %s} schemas
     */
    public Optional<Instant> parse(String name, ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        if (name == null) {
            return Optional.empty();
        }
        Matcher m = pattern.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            Integer epochGroup = groups.get(Field.EPOCH);
            if (epochGroup != null) {
                return Optional.of(Instant.ofEpochSecond(Long.parseLong(m.group(epochGroup))));
            }
            LocalDateTime local = LocalDateTime.of(num(m, Field.YEAR), num(m, Field.MONTH), num(m, Field.DAY),
                    num(m, Field.HOUR), num(m, Field.MINUTE), groups.containsKey(Field.SECOND) ? num(m, Field.SECOND) : 0);
            Integer offsetGroup = groups.get(Field.OFFSET);
            if (offsetGroup != null) {
                String z = m.group(offsetGroup);
                int hh = Integer.parseInt(z.substring(1, 3));
                int mm = Integer.parseInt(z.substring(3, 5));
                if (mm > 59) {
                    return Optional.empty();
                }
                ZoneOffset off = ZoneOffset.ofHoursMinutes(z.charAt(0) == '-' ? -hh : hh, z.charAt(0) == '-' ? -mm : mm);
                return Optional.of(local.toInstant(off));
            }
            return Optional.of(ZonedDateTime.ofLocal(local, zone, null).toInstant());
        } catch (DateTimeException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** True when {@code name} follows this schema and its fields form a valid date and time. */
    public boolean matches(String name) {
        return parse(name, ZoneOffset.UTC).isPresent();
    }

    /**
     * Chooses the name for a snapshot taken at {@code time}, never one that exists already.
     *
     * <p>The name is {@link #format} of the time in {@code zone}. When {@code existing} already holds
     * it, the answer is {@link NameChoice.Taken}: the caller takes no snapshot and records the reason.
     * With a schema without {@code %z} this happens in the repeated hour when daylight saving ends
     * (the second 02:15 gets the same name as the first); with a schema resolving to minutes it also
     * happens for two runs in one minute. A {@code %z} schema never collides across a DST change.
     *
     * @param existing the short names of the snapshots the dataset has now
     */
    public NameChoice nameFor(Instant time, ZoneId zone, Set<String> existing) {
        ZonedDateTime at = time.atZone(zone);
        String name = format(at);
        if (!existing.contains(name)) {
            return new NameChoice.Fresh(name);
        }
        if (!hasOffset() && !isEpoch() && inLaterOffsetOfOverlap(at)) {
            return new NameChoice.Taken(name, "the wall-clock time " + at.toLocalDateTime() + " occurs twice in " + zone
                    + " as daylight saving time ends, and naming schema '" + text + "' has no %z: snapshot '" + name
                    + "' from the first pass already exists, so this run takes no snapshot (add %z to the schema to keep both)");
        }
        return new NameChoice.Taken(name, "a snapshot named '" + name + "' already exists (naming schema '" + text
                + "' resolves to the " + (hasSeconds() ? "second" : "minute") + "), so this run takes no snapshot");
    }

    /** True when {@code at} is the second occurrence of a repeated wall-clock time. */
    static boolean inLaterOffsetOfOverlap(ZonedDateTime at) {
        ZoneRules rules = at.getZone().getRules();
        List<ZoneOffset> valid = rules.getValidOffsets(at.toLocalDateTime());
        if (valid.size() < 2) {
            return false;
        }
        ZoneOffsetTransition tr = rules.getTransition(at.toLocalDateTime());
        return tr != null && at.getOffset().equals(tr.getOffsetAfter());
    }

    /**
     * True when some name could be parsed by both schemas, so two tasks on one dataset with these
     * schemas would claim each other's snapshots (refused). Exact up to cross-field date validity
     * (it treats day 31 as possible in every month), so it may refuse a pair that could only share
     * impossible dates, and never misses a real collision. See {@link #collisionExample}.
     */
    public static boolean couldCollide(NamingSchema a, NamingSchema b) {
        return collisionExample(a, b).isPresent();
    }

    /**
     * A shortest name both schemas accept (character by character), for an error message, or empty
     * when no such name exists. Built by a product walk of the two schemas' automata.
     */
    public static Optional<String> collisionExample(NamingSchema a, NamingSchema b) {
        return SchemaAutomaton.of(a).intersectionWitness(SchemaAutomaton.of(b));
    }

    private int num(Matcher m, Field f) {
        return Integer.parseInt(m.group(groups.get(f)));
    }

    private static void two(StringBuilder b, int v) {
        if (v < 10) {
            b.append('0');
        }
        b.append(v);
    }

    static boolean validLiteral(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '.' || c == ':' || c == '+' || c == '-';
    }

    private static String joinAnd(List<String> items) {
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamingSchema other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
