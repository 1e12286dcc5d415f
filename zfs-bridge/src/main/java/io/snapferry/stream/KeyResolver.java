package io.snapferry.stream;

import java.util.Optional;

/** Finds the key for an encrypted stream by the fingerprint its header names. */
@FunctionalInterface
public interface KeyResolver {
    /** No keys: only plain streams can be read. */
    KeyResolver NONE = fingerprint -> Optional.empty();

    Optional<StreamKey> find(String fingerprint);
}
