/**
 * When tasks run: {@link io.snapferry.schedule.Schedule}, a Unix cron expression or preset with an
 * optional time-of-day {@link io.snapferry.schedule.TimeWindow}, its next run times, a description
 * for people, and the single catch-up run after downtime.
 *
 * <p>Pure domain code: no I/O and no clock (callers pass the time); imports only {@code java.*} and
 * cron-utils. Immutable and thread-safe. Bad expressions are refused with
 * {@link io.snapferry.schedule.InvalidScheduleException} naming the field. Daylight-saving
 * behaviour is described in {@code DESIGN.md} beside these sources.
 */
package io.snapferry.schedule;
