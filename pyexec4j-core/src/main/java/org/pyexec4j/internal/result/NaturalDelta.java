package org.pyexec4j.internal.result;

import java.util.Locale;

/**
 * A port of {@code humanize.naturaldelta(seconds)} (Debian python3-humanize 4.4.0) with its
 * default arguments ({@code months=True, minimum_unit="seconds"}), so durations read exactly as
 * the Python side of AIDE phrases them: {@code "a moment"}, {@code "2 minutes"},
 * {@code "1 year, 3 months"}, {@code "2,739,726 years"}.
 *
 * <p>The golden table {@code src/test/resources/naturaldelta.tsv} is generated from the real
 * library; see {@code naturaldelta_table.py} next to it.
 */
public final class NaturalDelta {

    private static final long SECONDS_PER_DAY = 86_400L;

    /**
     * Python's {@code datetime.timedelta} cannot hold 10^9 days, so humanize raises
     * {@code OverflowError} from this many (truncated) seconds on. Comparing the untruncated
     * double against it is equivalent because the bound is an integer.
     */
    private static final double FIRST_OVERFLOW_SECONDS = 1_000_000_000L * SECONDS_PER_DAY;

    private NaturalDelta() {}

    /**
     * The phrase {@code humanize.naturaldelta(seconds)} returns.
     *
     * @param seconds a duration in seconds, {@code 0 <= seconds < 86_400_000_000_000}
     * @throws IllegalArgumentException if {@code seconds} is NaN, infinite, negative, or too
     *     large for a Python {@code timedelta} (where humanize raises {@code OverflowError})
     */
    public static String of(double seconds) {
        // Python would answer "nan" for NaN and misreport negatives (-5 -> "a day", since
        // timedelta normalises to days=-1, seconds=86395); neither is a duration worth showing.
        if (Double.isNaN(seconds) || Double.isInfinite(seconds) || seconds < 0) {
            throw new IllegalArgumentException(
                    "seconds must be a finite non-negative number, got " + seconds);
        }
        if (seconds >= FIRST_OVERFLOW_SECONDS) {
            throw new IllegalArgumentException(
                    "seconds too large for a Python timedelta (humanize raises OverflowError): "
                            + seconds);
        }

        // humanize does int(value) before building the timedelta, so fractions are truncated
        // toward zero (1.9999 -> "a second"), not rounded to microseconds as
        // timedelta(seconds=float) would. The range check above keeps this cast exact.
        long whole = (long) seconds;
        long totalDays = whole / SECONDS_PER_DAY;
        long secondOfDay = whole % SECONDS_PER_DAY;
        long years = totalDays / 365;
        long days = totalDays % 365;
        // Python's int(days // 30.5); doubling both sides keeps it in exact integer arithmetic.
        long months = (2 * days) / 61;

        if (years == 0 && days == 0) {
            return withinOneDay(secondOfDay);
        }
        // From one day up, humanize ignores the seconds within the day entirely.
        if (years == 0) {
            if (days == 1) {
                return "a day";
            }
            if (months == 0) {
                return days + " days";
            }
            return months == 1 ? "a month" : months + " months";
        }
        if (years == 1) {
            if (months == 0) {
                if (days == 0) {
                    return "a year";
                }
                return days == 1 ? "1 year, 1 day" : "1 year, " + days + " days";
            }
            return months == 1 ? "1 year, 1 month" : "1 year, " + months + " months";
        }
        // intcomma always groups with ',' when no humanize locale is activated; Locale.ROOT
        // keeps the JVM's default locale from substituting '.' or a non-breaking space.
        return String.format(Locale.ROOT, "%,d years", years);
    }

    private static String withinOneDay(long seconds) {
        // humanize's thresholds are 1, 60, 120, 3600 and 7200 seconds; in every plural branch
        // the count is at least 2, so the singular forms only appear as the fixed phrases.
        if (seconds == 0) {
            return "a moment";
        }
        if (seconds == 1) {
            return "a second";
        }
        if (seconds < 60) {
            return seconds + " seconds";
        }
        if (seconds < 120) {
            return "a minute";
        }
        if (seconds < 3600) {
            return seconds / 60 + " minutes";
        }
        if (seconds < 7200) {
            return "an hour";
        }
        return seconds / 3600 + " hours";
    }
}
