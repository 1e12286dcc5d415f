package io.snapferry.web.auth;

import io.snapferry.daemon.config.AtomicFiles;
import io.snapferry.daemon.config.Json;
import io.snapferry.web.api.ApiError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The UI's accounts, in {@code <datadir>/config/users.json} (mode 0600, written atomically). Today
 * there is one account, the admin, created once by {@link #createAdmin}; after that setup is
 * closed. Thread-safe.
 */
public final class UserStore {
    public static final int MIN_PASSWORD = 10;
    public static final int MAX_PASSWORD = 1024;
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,31}");

    /** One account as stored. */
    public record User(String username, String passwordHash, Instant createdAt) {
    }

    /** The file's content. */
    public record UsersFile(List<User> users) {
    }

    private final Path file;
    private final PasswordHasher hasher;
    private final Clock clock;
    private List<User> users;
    private volatile String dummyHash;

    public UserStore(Path file, PasswordHasher hasher, Clock clock) throws IOException {
        this.file = file;
        this.hasher = hasher;
        this.clock = clock;
        this.users = Files.exists(file) ? List.copyOf(Json.mapper().readValue(file.toFile(), UsersFile.class).users()) : List.of();
    }

    public synchronized boolean setupNeeded() {
        return users.isEmpty();
    }

    /**
     * Creates the admin account. Refused with 403 once any account exists; bad input gives a 400
     * naming the field ({@code username} or {@code password}).
     */
    public synchronized void createAdmin(String username, String password) {
        if (!users.isEmpty()) {
            throw new ApiError(403, "SETUP_DONE", "setup is already done: the admin account exists; log in instead", null);
        }
        checkUsername(username);
        checkPassword("password", password);
        List<User> next = new ArrayList<>(users);
        next.add(new User(username, hasher.hash(password), clock.instant()));
        save(next);
    }

    /**
     * The account name when {@code username} and {@code password} match. An unknown user costs
     * the same hashing work as a known one, so timing does not tell which names exist.
     */
    public Optional<String> authenticate(String username, String password) {
        User user;
        synchronized (this) {
            user = users.stream().filter(u -> u.username().equals(username)).findFirst().orElse(null);
        }
        if (user == null) {
            String dummy = dummyHash;
            if (dummy == null) {
                dummy = hasher.hash("not a password of anyone");
                dummyHash = dummy;
            }
            hasher.verify(password, dummy);
            return Optional.empty();
        }
        return hasher.verify(password, user.passwordHash()) ? Optional.of(user.username()) : Optional.empty();
    }

    /**
     * Changes {@code username}'s password after checking {@code current} against the stored hash;
     * the new one is hashed like the first. A wrong current password gives 403 naming the field
     * {@code current}; a new password outside the length rules, or equal to the current one, a
     * 400 naming {@code new}. Nothing is written on failure.
     */
    public void changePassword(String username, String current, String next) {
        if (current == null || current.isEmpty()) {
            throw ApiError.badRequest("current", "the current password is required");
        }
        if (authenticate(username, current).isEmpty()) {
            throw new ApiError(403, "INVALID_CREDENTIALS", "the current password is wrong", "current");
        }
        checkPassword("new", next);
        if (next.equals(current)) {
            throw ApiError.badRequest("new", "the new password must differ from the current one");
        }
        String hash = hasher.hash(next);
        synchronized (this) {
            List<User> updated = new ArrayList<>();
            boolean found = false;
            for (User u : users) {
                if (u.username().equals(username)) {
                    updated.add(new User(u.username(), hash, u.createdAt()));
                    found = true;
                } else {
                    updated.add(u);
                }
            }
            if (!found) {
                throw new ApiError(404, "NOT_FOUND", "no account named " + username, null);
            }
            save(updated);
        }
    }

    public synchronized List<String> usernames() {
        return users.stream().map(User::username).toList();
    }

    static void checkUsername(String username) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw ApiError.badRequest("username",
                    "the username must be 1 to 32 letters, digits, '_', '.' or '-', starting with a letter");
        }
    }

    static void checkPassword(String field, String password) {
        if (password == null || password.length() < MIN_PASSWORD) {
            throw ApiError.badRequest(field, "the password must have at least " + MIN_PASSWORD + " characters");
        }
        if (password.length() > MAX_PASSWORD) {
            throw ApiError.badRequest(field, "the password must have at most " + MAX_PASSWORD + " characters");
        }
    }

    private void save(List<User> next) {
        try {
            AtomicFiles.write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(new UsersFile(next)),
                    AtomicFiles.OWNER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        users = List.copyOf(next);
    }
}
