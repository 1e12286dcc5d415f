/**
 * The REST API under /api/v1: resources are plural nouns, bodies are JSON, errors are
 * {@code {"error","code","field"}} ({@link io.snapferry.web.api.ApiError}). Every route is
 * registered through {@link io.snapferry.web.api.Routes}, which tags it for the access filter and
 * records it; every route has a row in docs/api.md.
 */
package io.snapferry.web.api;
