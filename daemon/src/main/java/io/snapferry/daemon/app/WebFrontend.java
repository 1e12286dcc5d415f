package io.snapferry.daemon.app;

import io.snapferry.daemon.lifecycle.Service;
import java.util.Optional;

/**
 * The daemon's HTTP face (REST API, web UI, metrics), found with {@link java.util.ServiceLoader}
 * through {@link Factory}, so that the web module depends on the daemon and not the reverse.
 */
public interface WebFrontend extends Service {
    /** The URL clients reach the API at, once running. */
    String url();

    /** SHA-256 fingerprint of the TLS certificate, when serving HTTPS. */
    Optional<String> certificateFingerprint();

    interface Factory {
        WebFrontend create(Appliance appliance);
    }
}
