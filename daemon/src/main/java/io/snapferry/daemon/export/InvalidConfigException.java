package io.snapferry.daemon.export;

/** An imported document is wrong: names the section, item and field at fault. Nothing was changed. */
public final class InvalidConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String section;
    private final String item;
    private final String field;

    public InvalidConfigException(String section, String item, String field, String message) {
        super(section + (item == null ? "" : " '" + item + "'") + (field == null ? "" : ", field " + field) + ": " + message);
        this.section = section;
        this.item = item;
        this.field = field;
    }

    public String section() {
        return section;
    }

    /** The item's id, or null when the error concerns the section as a whole. */
    public String item() {
        return item;
    }

    /** The field, or null when unknown. */
    public String field() {
        return field;
    }
}
