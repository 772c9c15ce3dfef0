package org.jgolem.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.ipfs.multiformats.Cid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pin journal: what is appended is what a reload finds, it is compacted as it grows, and a torn
 * last line is ignored.
 */
class PinsTest {
  @TempDir Path tmp;

  private static Cid cid(int i) {
    return Cid.raw(("block " + i).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void pinsUnpinsAndUsageSurviveAReload() throws IOException {
    Path file = tmp.resolve("pins");
    Pins p = Pins.load(file);
    p.add(cid(1), Pins.NODE, 100);
    p.add(cid(2), Pins.taskOwner("a"), 200);
    p.add(cid(3), Pins.taskOwner("a"), 300);
    p.add(cid(3), Pins.taskOwner("b"), 300);
    p.add(cid(2), Pins.taskOwner("a"), 250); // the same pin again: its size replaced, counted once
    assertThat(p.remove(cid(1), Pins.NODE)).isTrue();
    assertThat(p.remove(cid(1), Pins.NODE)).isFalse();
    assertThat(p.usage("task:a")).isEqualTo(550);

    Pins q = Pins.load(file);
    assertThat(q.all()).containsExactlyInAnyOrderElementsOf(p.all());
    assertThat(q.usage("task:a")).isEqualTo(550);
    assertThat(q.usage("task:b")).isEqualTo(300);
    assertThat(q.usage(Pins.NODE)).isZero();
    assertThat(q.isPinned(cid(1))).isFalse();
    assertThat(q.isPinned(cid(3))).isTrue();
    assertThat(q.removeOwner("task:a")).isEqualTo(2);
    assertThat(q.isPinned(cid(3))).as("still pinned by task b").isTrue();
    assertThat(q.isPinned(cid(2))).isFalse();
    assertThat(Pins.load(file).roots()).containsExactly(cid(3));
  }

  @Test
  void theJournalIsCompactedAsItGrows() throws IOException {
    Path file = tmp.resolve("pins");
    Pins p = Pins.load(file);
    for (int i = 0; i < 1000; i++) {
      p.add(cid(i), Pins.taskOwner("t" + i), i);
      if (i >= 10) p.remove(cid(i - 10), Pins.taskOwner("t" + (i - 10)));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines.size())
        .as("lines for 10 pins after 1,990 changes")
        .isLessThanOrEqualTo(64 + 1);
    Pins q = Pins.load(file);
    List<Cid> expected = new ArrayList<>();
    for (int i = 990; i < 1000; i++) expected.add(cid(i));
    assertThat(q.roots()).containsExactlyElementsOf(expected);
    assertThat(q.usage("task:t999")).isEqualTo(999);
  }

  @Test
  void aLastLineCutShortByACrashIsIgnoredAndAMalformedLineElsewhereIsAnError() throws IOException {
    Path file = tmp.resolve("pins");
    Pins p = Pins.load(file);
    p.add(cid(1), Pins.NODE, 10);
    p.add(cid(2), Pins.NODE, 20);
    String whole = Files.readString(file);
    Files.writeString(file, whole + cid(3).toString().substring(0, 20)); // the third append, torn
    Pins q = Pins.load(file);
    assertThat(q.roots()).containsExactly(cid(1), cid(2));
    q.add(cid(4), Pins.NODE, 40);
    assertThat(Pins.load(file).roots()).containsExactly(cid(1), cid(2), cid(4));

    Files.writeString(file, "not a pin line\n" + whole);
    assertThatThrownBy(() -> Pins.load(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 1 is malformed");
  }
}
