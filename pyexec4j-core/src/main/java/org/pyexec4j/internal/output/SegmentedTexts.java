package org.pyexec4j.internal.output;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.UTF8JsonGenerator;
import java.io.IOException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * A run's output texts as the recorder kept them: segments of packed writes and of plain
 * texts, one after the other, never copied into one list. Immutable; a text of a packed
 * segment is made when asked for.
 */
public final class SegmentedTexts extends AbstractList<String> implements RandomAccess {
    private final List<List<String>> segments;
    /** Index of each segment's first text. */
    private final int[] firsts;
    private final int size;

    SegmentedTexts(List<List<String>> segments) {
        // no empty segment: each first is then a segment's own, found by a binary search
        this.segments = segments.stream().filter(segment -> !segment.isEmpty()).toList();
        this.firsts = new int[this.segments.size()];
        int n = 0;
        for (int i = 0; i < firsts.length; i++) {
            firsts[i] = n;
            n += this.segments.get(i).size();
        }
        this.size = n;
    }

    /** The same texts and one more at the end. */
    public SegmentedTexts with(String last) {
        List<List<String>> more = new ArrayList<>(segments);
        more.add(List.of(last));
        return new SegmentedTexts(more);
    }

    @Override
    public String get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + ", size " + size);
        }
        int found = Arrays.binarySearch(firsts, index);
        int segment = found >= 0 ? found : -found - 2;
        return segments.get(segment).get(index - firsts[segment]);
    }

    @Override
    public int size() {
        return size;
    }

    /**
     * Writes each text as a JSON string; packed writes go from their bytes when the
     * generator writes UTF-8 (a generator on a Writer takes them as text).
     */
    public void writeJson(JsonGenerator g) throws IOException {
        boolean bytes = g instanceof UTF8JsonGenerator;
        for (List<String> segment : segments) {
            if (bytes && segment instanceof PackedTexts packed) {
                packed.writeJson(g);
            } else {
                for (String text : segment) {
                    g.writeString(text);
                }
            }
        }
    }
}
