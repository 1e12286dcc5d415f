/** The REST API under /api/v1: resources are plural nouns, bodies are JSON. */
package io.snapferry.web.api;
