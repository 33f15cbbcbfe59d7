package org.pyexec4j.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Option values with units: seconds (fractions allowed) and byte sizes ({@code 64M}). */
public final class Converters {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);
    /** Longest limit accepted, about 31 years: beyond it {@link Duration} arithmetic gets silly. */
    static final double MAX_SECONDS = 1e9;

    private Converters() {}

    /** Seconds as a {@link Duration}: {@code 2}, {@code 0.5}, {@code 1e3}. */
    static Duration seconds(String text) {
        double s;
        try {
            s = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a number of seconds (e.g. 30 or 0.5)");
        }
        if (!Double.isFinite(s) || s < 0 || s > MAX_SECONDS) {
            throw new CommandLine.TypeConversionException(
                    "'" + text + "' is not a number of seconds between 0 and " + (long) MAX_SECONDS);
        }
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    /** Bytes: {@code 1048576}, {@code 64K}, {@code 64M}, {@code 1G}, {@code 64MiB}, {@code 64MB} (binary units). */
    static long bytes(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException(
                    "'" + text + "' is not a size in bytes (e.g. 1048576, 512K, 64M or 1G)");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is too large a size");
        }
    }

    public static final class Seconds implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return seconds(value);
        }
    }

    static final class Bytes implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return bytes(value);
        }
    }
}
