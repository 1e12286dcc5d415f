/** The daemon's HTTP face: the REST API under /api/v1, the web UI, metrics. Built on Javalin. */
package io.snapferry.web;
