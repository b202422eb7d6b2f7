package shoal.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.Sha256;

@Timeout(60)
@DisplayName("Saving a verified download")
class TargetFolderTest {

  @Test
  @DisplayName("A 300-character name with a right-to-left mark is saved under a safe name of at most 255 bytes")
  void oddNameIsMadeSafe(@TempDir Path dir) throws Exception {
    Path verified = verified(dir, "content");
    String odd = "invoice\u202Efdp" + "x".repeat(290) + ".exe";

    Path saved = TargetFolder.place(verified, dir.resolve("share"), odd, Sha256.ofFile(verified), 7);

    String name = saved.getFileName().toString();
    assertThat(name.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
    assertThat(name).doesNotContain("\u202E").startsWith("invoicefdp").endsWith(".exe");
    assertThat(saved.getParent()).isEqualTo(dir.resolve("share"));
    assertThat(Files.readString(saved)).isEqualTo("content");
  }

  @Test
  @DisplayName("A name with folders or a Windows device name never leaves the target folder nor names a device")
  void pathsAndDevicesStayPlainFiles(@TempDir Path dir) throws Exception {
    Path share = dir.resolve("share");
    Path first = verified(dir, "one");
    Path second = verified(dir, "two");

    Path escaped = TargetFolder.place(first, share, "../../etc/passwd", Sha256.ofFile(first), 3);
    Path device = TargetFolder.place(second, share, "CON.txt", Sha256.ofFile(second), 3);

    assertThat(escaped).isEqualTo(share.resolve("passwd"));
    assertThat(device.getParent()).isEqualTo(share);
    assertThat(device.getFileName().toString()).isNotEqualToIgnoringCase("CON.txt").endsWith(".txt");
  }

  @Test
  @DisplayName("Taken names get ' (1)', ' (2)' before the extension; the files already there are left as they were")
  void takenNamesAreNumbered(@TempDir Path dir) throws Exception {
    Path share = Files.createDirectories(dir.resolve("share"));
    Files.writeString(share.resolve("notes.txt"), "mine");
    Path first = verified(dir, "first download");
    Path second = verified(dir, "second download");

    Path one = TargetFolder.place(first, share, "notes.txt", Sha256.ofFile(first), 14);
    Path two = TargetFolder.place(second, share, "notes.txt", Sha256.ofFile(second), 15);

    assertThat(one).isEqualTo(share.resolve("notes (1).txt"));
    assertThat(two).isEqualTo(share.resolve("notes (2).txt"));
    assertThat(Files.readString(share.resolve("notes.txt"))).isEqualTo("mine");
  }

  @Test
  @DisplayName("The same content already saved under the name is kept, and no copy is made")
  void sameContentIsNotCopied(@TempDir Path dir) throws Exception {
    Path share = Files.createDirectories(dir.resolve("share"));
    Files.writeString(share.resolve("notes.txt"), "same");
    Path verified = verified(dir, "same");

    Path saved = TargetFolder.place(verified, share, "notes.txt", Sha256.ofFile(verified), 4);

    assertThat(saved).isEqualTo(share.resolve("notes.txt"));
    assertThat(verified).doesNotExist();
    try (var files = Files.list(share)) {
      assertThat(files).hasSize(1);
    }
  }

  private static Path verified(Path dir, String content) throws Exception {
    return Files.writeString(Files.createTempFile(dir, "partial", ".part"), content);
  }
}
