package org.jgolem.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class MemoryFolderTest {
  static final long MIB = 1 << 20;

  @Test
  void holdsFilesUpToItsCapAndRefusesMore() throws Exception {
    try (MemoryFolder m = MemoryFolder.create(MIB).orElseThrow()) {
      Files.write(m.root().resolve("half"), new byte[(int) (MIB / 2)]);
      assertThat(Files.size(m.root().resolve("half"))).isEqualTo(MIB / 2);
      assertThatThrownBy(() -> Files.write(m.root().resolve("more"), new byte[(int) MIB]))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void foldersOpenTogetherStayWithinTheBudgetAndCloseGivesTheRoomBack() throws Exception {
    long before = MemoryFolder.reserved();
    long budget = before + 3 * MIB;
    MemoryFolder a = MemoryFolder.create(2 * MIB, budget).orElseThrow();
    assertThat(MemoryFolder.create(2 * MIB, budget)).as("2 + 2 MiB over a 3 MiB budget").isEmpty();
    MemoryFolder b = MemoryFolder.create(MIB, budget).orElseThrow();
    assertThat(MemoryFolder.reserved()).isEqualTo(before + 3 * MIB);
    a.close();
    a.close(); // twice: the room is given back once
    assertThat(MemoryFolder.reserved()).isEqualTo(before + MIB);
    MemoryFolder c = MemoryFolder.create(2 * MIB, budget).orElseThrow();
    b.close();
    c.close();
    assertThat(MemoryFolder.reserved()).isEqualTo(before);
    assertThatThrownBy(() -> Files.list(c.root())).isInstanceOf(ClosedFileSystemException.class);
  }
}
