package io.snapferry.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed command line: positional words and {@code --option value} / {@code --flag} pairs.
 * Each command declares the options it takes; anything else is a {@link UsageException} naming it.
 */
public final class Args {
    private final List<String> positional = new ArrayList<>();
    private final Map<String, List<String>> options = new LinkedHashMap<>();

    private Args() {
    }

    /**
     * @param valued options that take a value (may repeat)
     * @param flags  options without a value
     */
    public static Args parse(List<String> words, Set<String> valued, Set<String> flags) {
        Args a = new Args();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("--") && w.length() > 2) {
                String name = w.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq > 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (flags.contains(name)) {
                    if (value != null) {
                        throw new UsageException("--" + name + " takes no value");
                    }
                    a.options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
                } else if (valued.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= words.size()) {
                            throw new UsageException("--" + name + " needs a value");
                        }
                        value = words.get(++i);
                    }
                    a.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                } else {
                    throw new UsageException("unknown option --" + name);
                }
            } else {
                a.positional.add(w);
            }
        }
        return a;
    }

    public List<String> positional() {
        return positional;
    }

    public String positional(int i, String what) {
        if (i >= positional.size()) {
            throw new UsageException("missing " + what);
        }
        return positional.get(i);
    }

    public void expectPositional(int n, String usage) {
        if (positional.size() != n) {
            throw new UsageException((positional.size() < n ? "missing arguments" : "too many arguments: "
                    + positional.subList(n, positional.size())) + "; usage: " + usage);
        }
    }

    public boolean flag(String name) {
        return options.containsKey(name);
    }

    public Optional<String> value(String name) {
        List<String> v = options.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v.size() > 1) {
            throw new UsageException("--" + name + " given more than once");
        }
        return Optional.of(v.get(0));
    }

    public String required(String name) {
        return value(name).orElseThrow(() -> new UsageException("missing --" + name));
    }

    public List<String> values(String name) {
        return options.getOrDefault(name, List.of());
    }

    public int intValue(String name, int dflt, int min, int max) {
        Optional<String> v = value(name);
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n < min || n > max) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ", not " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, not '" + v.get() + "'");
        }
    }
}
