/**
 * The daemon's HTTP face: the REST API under /api/v1 ({@link io.snapferry.web.api}), access
 * control ({@link io.snapferry.web.auth}), and the web UI (static files under {@code /web} on the
 * class path, described in docs/web-ui.md). Built on Javalin; {@link io.snapferry.web.JavalinFrontend}
 * wires it together.
 */
package io.snapferry.web;
