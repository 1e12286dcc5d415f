package io.snapferry.web.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Hashes passwords with Argon2id (Bouncy Castle) and a random 16-byte salt, in the PHC string
 * format {@code $argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>} (unpadded Base64). {@link #verify}
 * reads the cost from the stored string, so raising {@link Cost#DEFAULT} later keeps old hashes
 * valid. Thread-safe; each hash with the default cost takes 64 MiB and about a second of one
 * core, so at most {@link #CONCURRENT} run at once (others wait): a burst of logins cannot exhaust
 * the heap.
 */
public final class PasswordHasher {
    /** Argon2id cost: memory in KiB, iterations, lanes. */
    public record Cost(int memoryKib, int iterations, int parallelism) {
        /** 64 MiB, 3 passes, 1 lane. */
        public static final Cost DEFAULT = new Cost(64 * 1024, 3, 1);

        /** The system property that overrides {@link #DEFAULT}: {@code memoryKib,iterations,parallelism}. */
        public static final String PROPERTY = "snapferry.argon2";

        public Cost {
            if (memoryKib < 8 * parallelism || memoryKib > 1024 * 1024 || iterations < 1 || parallelism < 1 || parallelism > 16) {
                throw new IllegalArgumentException("invalid Argon2 cost m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism);
            }
        }

        /**
         * {@link #DEFAULT}, or the cost in the {@value #PROPERTY} system property (for boxes with
         * little memory, and for tests). A malformed value is an error, not silently the default.
         */
        public static Cost configured() {
            String v = System.getProperty(PROPERTY);
            if (v == null || v.isBlank()) {
                return DEFAULT;
            }
            String[] p = v.trim().split(",");
            try {
                if (p.length == 3) {
                    return new Cost(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()), Integer.parseInt(p[2].trim()));
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + " is not 'memoryKib,iterations,parallelism' (e.g. 65536,3,1)");
        }
    }

    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /** How many hashes may run at the same time: one per core. */
    public static final int CONCURRENT = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final java.util.concurrent.Semaphore RUNNING = new java.util.concurrent.Semaphore(CONCURRENT, true);

    private final Cost cost;
    private final SecureRandom random = new SecureRandom();

    public PasswordHasher(Cost cost) {
        this.cost = cost;
    }

    public PasswordHasher() {
        this(Cost.DEFAULT);
    }

    /** A new PHC string for {@code password}, with a fresh salt. */
    public String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] h = derive(password, salt, cost, HASH_BYTES);
        return "$argon2id$v=19$m=" + cost.memoryKib() + ",t=" + cost.iterations() + ",p=" + cost.parallelism()
                + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(h);
    }

    /**
     * True when {@code password} matches {@code phc}; false for a wrong password or a stored string
     * that cannot be parsed. The comparison takes the same time wherever the bytes differ.
     */
    public boolean verify(String password, String phc) {
        String[] parts = phc.split("\\$");
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
            return false;
        }
        Cost c;
        byte[] salt;
        byte[] expected;
        try {
            int m = 0;
            int t = 0;
            int p = 0;
            for (String kv : parts[3].split(",")) {
                String[] x = kv.split("=", 2);
                int v = Integer.parseInt(x[1]);
                switch (x[0]) {
                    case "m" -> m = v;
                    case "t" -> t = v;
                    case "p" -> p = v;
                    default -> {
                        return false;
                    }
                }
            }
            c = new Cost(m, t, p);
            salt = B64D.decode(parts[4]);
            expected = B64D.decode(parts[5]);
        } catch (RuntimeException e) {
            return false;
        }
        if (expected.length < 16 || c.memoryKib() > 1024 * 1024) {
            return false;
        }
        return MessageDigest.isEqual(derive(password, salt, c, expected.length), expected);
    }

    private static byte[] derive(String password, byte[] salt, Cost cost, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(cost.memoryKib())
                .withIterations(cost.iterations())
                .withParallelism(cost.parallelism())
                .withSalt(salt)
                .build();
        RUNNING.acquireUninterruptibly();
        try {
            Argon2BytesGenerator gen = new Argon2BytesGenerator();
            gen.init(params);
            byte[] out = new byte[length];
            gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
            return out;
        } finally {
            RUNNING.release();
        }
    }
}
