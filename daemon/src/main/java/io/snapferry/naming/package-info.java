/**
 * Snapshot naming schemas: strftime-style patterns ({@code auto-%Y-%m-%d_%H-%M}) that name periodic
 * snapshots and read their creation time back from the name, so listing thousands of snapshots
 * needs no metadata.
 *
 * <p>Entry point: {@link io.snapferry.naming.NamingSchema#parse}. Pure domain code: no I/O, imports
 * only {@code java.*}; everything here is immutable and thread-safe. Bad schemas are refused with
 * {@link io.snapferry.naming.InvalidSchemaException}. The daylight-saving rules and the collision
 * check are described in {@code DESIGN.md} beside these sources.
 */
package io.snapferry.naming;
