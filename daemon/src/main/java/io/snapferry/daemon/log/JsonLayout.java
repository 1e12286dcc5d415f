package io.snapferry.daemon.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;

/**
 * One JSON object per line: {@code time, level, component, task, message, error}. The component is
 * the logger's simple class name; the task id comes from the MDC key {@code task}.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"time\":\"").append(Instant.ofEpochMilli(e.getTimeStamp())).append('"');
        b.append(",\"level\":\"").append(e.getLevel()).append('"');
        String logger = e.getLoggerName();
        field(b, "component", logger.substring(logger.lastIndexOf('.') + 1));
        String task = e.getMDCPropertyMap().get("task");
        if (task != null) {
            field(b, "task", task);
        }
        field(b, "message", e.getFormattedMessage());
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            field(b, "error", ThrowableProxyUtil.asString(t));
        }
        return b.append("}\n").toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(",\"").append(name).append("\":\"");
        escape(b, value == null ? "" : value);
        b.append('"');
    }

    static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }
}
