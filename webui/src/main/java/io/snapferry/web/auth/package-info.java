/**
 * Who may use the API and the UI: the admin account ({@link io.snapferry.web.auth.UserStore},
 * passwords hashed with Argon2id by {@link io.snapferry.web.auth.PasswordHasher}), browser
 * sessions with CSRF tokens ({@link io.snapferry.web.auth.SessionStore}), API tokens for scripts
 * ({@link io.snapferry.web.auth.ApiTokenStore}), login throttling
 * ({@link io.snapferry.web.auth.LoginThrottle}), and the one filter that enforces all of it
 * ({@link io.snapferry.web.auth.AccessFilter}) with its allowlist
 * ({@link io.snapferry.web.auth.AccessPolicy}).
 */
package io.snapferry.web.auth;
