package io.tidegate.gateway.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.tidegate.gateway.priority.PriorityLevels;
import io.tidegate.proto.v1.Priority;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Metric attributes {@code topic_class} (a topic's first segment) and {@code priority}, built once
 * per class and priority and found again without allocating. The number of classes is bounded
 * (topics beyond the first {@value #MAX_CLASSES} classes count as {@code other}), so a client
 * cannot blow up the metric cardinality. Thread-safe.
 */
public final class TopicClasses {

    static final int MAX_CLASSES = 32;
    static final Attributes[] BY_PRIORITY = new Attributes[PriorityLevels.LEVELS];

    static {
        for (int i = 0; i < PriorityLevels.LEVELS; i++) {
            BY_PRIORITY[i] = Attributes.builder().put("priority", PriorityLevels.nameOf(i)).build();
        }
    }

    private final AtomicReferenceArray<Entry> classes = new AtomicReferenceArray<>(MAX_CLASSES);
    private final Attributes[] other = forClass("other");

    /** The attributes of a message's topic class and priority. */
    Attributes of(String topic, Priority priority) {
        return row(topic)[PriorityLevels.levelOf(priority)];
    }

    /** The {@code priority} attribute of a priority level (0 = CRITICAL ... 4 = BULK). */
    public static Attributes ofLevel(int level) {
        return BY_PRIORITY[level];
    }

    static Attributes ofPriority(Priority priority) {
        return BY_PRIORITY[PriorityLevels.levelOf(priority)];
    }

    private Attributes[] row(String topic) {
        int dot = topic.indexOf('.');
        int len = dot < 0 ? topic.length() : dot;
        for (int i = 0; i < MAX_CLASSES; i++) {
            Entry e = classes.get(i);
            if (e == null) {
                Entry created = new Entry(topic.substring(0, len), forClass(topic.substring(0, len)));
                if (classes.compareAndSet(i, null, created)) {
                    return created.attributes;
                }
                e = classes.get(i);
            }
            if (e.name.length() == len && topic.regionMatches(0, e.name, 0, len)) {
                return e.attributes;
            }
        }
        return other;
    }

    private static Attributes[] forClass(String name) {
        Attributes[] row = new Attributes[PriorityLevels.LEVELS];
        for (int i = 0; i < row.length; i++) {
            row[i] = Attributes.builder().put("topic_class", name).put("priority", PriorityLevels.nameOf(i)).build();
        }
        return row;
    }

    private record Entry(String name, Attributes[] attributes) {
    }
}
