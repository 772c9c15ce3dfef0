package org.jgolem.tasks;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The task types this node knows: the built-in templates and any others on the class path (Java
 * SPI).
 */
public final class TaskTemplates {
  private final Map<String, TaskTemplate> byType;

  private TaskTemplates(Map<String, TaskTemplate> byType) {
    this.byType = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(byType));
  }

  /** Every template the class path provides; two templates claiming one type is an error. */
  public static TaskTemplates load() {
    return of(
        ServiceLoader.load(TaskTemplate.class).stream().map(ServiceLoader.Provider::get).toList());
  }

  /**
   * Exactly these templates (an embedding application's own set, or a test's); two claiming one
   * type is an error.
   */
  public static TaskTemplates of(java.util.List<TaskTemplate> templates) {
    Map<String, TaskTemplate> m = new TreeMap<>();
    for (TaskTemplate t : templates) {
      TaskTemplate old = m.putIfAbsent(t.type(), t);
      if (old != null) {
        throw new IllegalStateException(
            "task type '"
                + t.type()
                + "' is provided twice: by "
                + old.getClass().getName()
                + " and "
                + t.getClass().getName());
      }
    }
    return new TaskTemplates(m);
  }

  /** The known types, sorted. */
  public java.util.Set<String> types() {
    return byType.keySet();
  }

  public java.util.Optional<TaskTemplate> get(String type) {
    return java.util.Optional.ofNullable(byType.get(type));
  }
}
