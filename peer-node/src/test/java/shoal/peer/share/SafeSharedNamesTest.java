package shoal.peer.share;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.NodeContext;

@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Files with odd names on disk are shared under safe names")
class SafeSharedNamesTest {

  @Test
  @DisplayName("each file is listed under its safe name, or its hash when nothing is left, and still read from where it lies")
  void oddNamesAreSharedSafely(Vertx vertx, @TempDir Path share, @TempDir Path state) throws Exception {
    Map<String, String> safeNameByDiskName = Map.of(
        "CON.txt", "_CON.txt",
        "what?.txt", "what_.txt",
        "bell\u0007\u001b[31m.log", "bell[31m.log",
        "trailing dot.", "trailing dot",
        "invoice\u202Efdp.exe", "invoicefdp.exe",
        "plain.txt", "plain.txt");
    for (String diskName : safeNameByDiskName.keySet()) {
      Files.writeString(share.resolve(diskName), "content of " + diskName);
    }
    Files.writeString(share.resolve("\u0001\u0002"), "nothing usable in the name");
    ShareIndex index = new ShareIndex();
    ShareScanner scanner = new ShareScanner(vertx, new NodeContext(vertx), share, index, HashCache.load(state.resolve("hashes.tsv")));
    try {
      scanner.scan().await(30, TimeUnit.SECONDS);
    } finally {
      scanner.stop();
    }

    Map<Path, SharedFile> byPath = index.files().stream().collect(Collectors.toMap(SharedFile::path, Function.identity()));
    assertThat(byPath).hasSize(safeNameByDiskName.size() + 1);
    safeNameByDiskName.forEach((diskName, safeName) -> {
      SharedFile shared = byPath.get(share.resolve(diskName));
      assertThat(shared).as(diskName).isNotNull();
      assertThat(shared.name()).as(diskName).isEqualTo(safeName);
      assertThat(shared.toJson().getString("name")).isEqualTo(safeName);
    });
    SharedFile nameless = byPath.get(share.resolve("\u0001\u0002"));
    assertThat(nameless.name()).isEqualTo(nameless.sha256());
    assertThat(Files.readString(nameless.path())).isEqualTo("nothing usable in the name");
  }
}
