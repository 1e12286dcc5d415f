/**
 * The replication planner: a pure function from both sides' snapshot lists (name, GUID, creation
 * order) to a {@link io.snapferry.replication.plan.Plan}. No I/O, no clocks, no threads; it imports
 * only {@code java.*} and {@code io.snapferry.dataset}. The algorithm and the table of cases are in
 * {@code DESIGN.md} beside this file.
 *
 * <p>Entry point: {@link io.snapferry.replication.plan.Planner#plan(PlanRequest)}.
 */
package io.snapferry.replication.plan;
