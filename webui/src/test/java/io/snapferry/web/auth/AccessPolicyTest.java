package io.snapferry.web.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.http.HandlerType;
import io.snapferry.web.api.Routes.Endpoint;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
    @Test
    void onlyTheAllowlistIsPublicAndEverythingElseNeedsAuthentication() {
        assertThat(AccessPolicy.roleOf(new Endpoint(HandlerType.POST, "/api/v1/session"))).isEqualTo(AccessPolicy.Access.PUBLIC);
        assertThat(AccessPolicy.roleOf(new Endpoint(HandlerType.POST, "/api/v1/pairing"))).isEqualTo(AccessPolicy.Access.PUBLIC);
        assertThat(AccessPolicy.roleOf(new Endpoint(HandlerType.GET, "/metrics"))).isEqualTo(AccessPolicy.Access.LOOPBACK);
        assertThat(AccessPolicy.roleOf(new Endpoint(HandlerType.DELETE, "/api/v1/session"))).isEqualTo(AccessPolicy.Access.AUTHENTICATED);
        assertThat(AccessPolicy.roleOf(new Endpoint(HandlerType.GET, "/api/v1/pairing"))).isEqualTo(AccessPolicy.Access.AUTHENTICATED);
        assertThat(AccessPolicy.roleOf(new Endpoint(HandlerType.GET, "/api/v1/session/"))).isEqualTo(AccessPolicy.Access.AUTHENTICATED);
        assertThat(AccessPolicy.PUBLIC).allSatisfy(e -> assertThat(e.path()).startsWith("/api/v1/"));
    }

    @Test
    void aRouteWithoutARoleFailsClosed() {
        assertThat(AccessFilter.accessOf(Set.of())).isEqualTo(AccessPolicy.Access.AUTHENTICATED);
        assertThat(AccessFilter.accessOf(Set.of(AccessPolicy.Access.PUBLIC))).isEqualTo(AccessPolicy.Access.PUBLIC);
        assertThat(AccessFilter.accessOf(Set.of(AccessPolicy.Access.LOOPBACK))).isEqualTo(AccessPolicy.Access.LOOPBACK);
    }
}
