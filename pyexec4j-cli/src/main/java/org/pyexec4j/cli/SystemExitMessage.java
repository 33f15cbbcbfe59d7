package org.pyexec4j.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What {@code python3 FILE} prints when the code ends with {@code sys.exit(...)}. */
final class SystemExitMessage {
    // lazy: in (?s) a greedy .* would take the closing newline into the message
    private static final Pattern LAST_LINE = Pattern.compile("(?s).*^SystemExit(?:: (.*?))?\\n?\\z",
            Pattern.MULTILINE);
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");

    private SystemExitMessage() {}

    /**
     * For the traceback of a {@code SystemExit}: the message to print ("" for none, as for
     * {@code sys.exit()} and {@code sys.exit(3)}); {@code null} for any other traceback.
     */
    static String of(String traceback) {
        Matcher m = LAST_LINE.matcher(traceback);
        if (!m.matches()) {
            return null;
        }
        String message = m.group(1);
        if (message == null || NUMBER.matcher(message).matches()) {
            return "";
        }
        return message;
    }
}
