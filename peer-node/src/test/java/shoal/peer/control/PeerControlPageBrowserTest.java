package shoal.peer.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import java.util.List;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import shoal.peer.PeerNode;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.HeadlessChromium;

/** The peer control page in a real headless Chromium, driving a real peer over its WebSocket. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("The peer control page")
class PeerControlPageBrowserTest {

  private static final String NOT_AVAILABLE = "Sorry, the file you requested is not available. Please try again later.";

  @TempDir
  Path holderShare;
  @TempDir
  Path userShare;
  private PeerNetwork network;
  private PeerNode holder;
  private PeerNode user;
  private HeadlessChromium browser;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    network = PeerNetwork.start(vertx);
    browser = HeadlessChromium.start();
  }

  @AfterEach
  void stop() {
    browser.close();
    network.close();
  }

  @Test
  @DisplayName("search a file held elsewhere, click Download: the bar reaches 100 % and the file is shared, with the right SHA-256")
  void searchAndDownloadFromThePage() throws Exception {
    String sha256 = TestFiles.random(holderShare.resolve("field-recordings.wav"), 8L << 20, 7);
    holder = network.peer("holder", holderShare);
    user = network.peer("user", userShare);
    openPage(user);

    search("field-rec");
    browser.waitFor(Duration.ofSeconds(5), d -> browser.text("#results").contains("field-recordings.wav"));
    browser.driver().findElement(By.cssSelector("#results button[aria-label='Download field-recordings.wav']")).click();

    browser.waitFor(Duration.ofSeconds(30), d -> "100".equals(browser.attribute("#downloads [role=progressbar]", "aria-valuenow")));
    browser.waitFor(Duration.ofSeconds(10), d -> browser.text("#files").contains("field-recordings.wav"));
    browser.waitFor(Duration.ofSeconds(10), d -> browser.text("#downloads").contains("done"));
    assertThat(Sha256.ofFile(userShare.resolve("field-recordings.wav"))).isEqualTo(sha256);
    assertThat(network.holdersOf(sha256)).contains(user.peerId());
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("downloading a file nobody has shows the tracker's not-available sentence within a second")
  void notAvailableIsShownAtOnce() throws Exception {
    user = network.peer("user", userShare);
    openPage(user);
    String nobodyHasIt = "0".repeat(63) + "1";

    search("no-such-file");
    browser.waitFor(Duration.ofSeconds(5), d -> displayed("#results-empty")
        && browser.text("#results-empty").contains("No file on the network matches"));
    assertThat(browser.findAll("#results tr")).as("no result rows").isEmpty();
    search(nobodyHasIt);
    browser.waitFor(Duration.ofSeconds(5), d -> !browser.findAll("#results button").isEmpty());
    assertThat(displayed("#results-empty")).as("the no-match sentence is gone once there is a row").isFalse();
    long clicked = System.nanoTime();
    browser.findAll("#results button").get(0).click();
    browser.waitFor(Duration.ofSeconds(1), d -> displayed("#notice") && browser.text("#notice").equals(NOT_AVAILABLE));

    assertThat(Duration.ofNanos(System.nanoTime() - clicked)).isLessThan(Duration.ofSeconds(1));
    assertThat(browser.findAll("#downloads tr")).as("no download row was added").isEmpty();
    assertThat(displayed("#downloads-empty")).as("the page still says there is no download").isTrue();
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("a running download shows its rate, ETA and source with the source's bytes, rate and pieces, and counts in Downloads; Cancel stops it, removes the partial file and shows it cancelled")
  void showsRateEtaSourcesAndCancels() throws Exception {
    // 16 MiB at 1 MiB/s: about 16 s, so the row is seen running and cancelled long before it could finish.
    String sha256 = TestFiles.random(holderShare.resolve("long-lecture.mp4"), 16L << 20, 11);
    holder = network.peer("holder", holderShare, config -> config.withUploadLimit(1L << 20));
    user = network.peer("user", userShare);
    openPage(user);
    search("long-lecture");
    browser.waitFor(Duration.ofSeconds(5), d -> !browser.findAll("#results button").isEmpty());
    browser.driver().findElement(By.cssSelector("#results button[aria-label='Download long-lecture.mp4']")).click();

    String row = "#downloads tr.running";
    browser.waitFor(Duration.ofSeconds(10), d -> displayed(row)
        && browser.text(row + " td:nth-child(3)").matches("\\d+(\\.\\d)? (KiB|MiB)/s")
        && browser.text(row + " td:nth-child(4)").matches("\\d+ (s|min)"));
    assertThat(browser.text("#status-downloads")).as("the Downloads counter while one runs").isEqualTo("1");
    String source = row + " td:nth-child(5) li[data-peer-id='" + holder.peerId() + "']";
    // The source's line: the start of its peer id, the bytes it sent, its rate now, and its verified pieces.
    browser.waitFor(Duration.ofSeconds(10), d -> displayed(source) && browser.text(source).matches(
        java.util.regex.Pattern.quote(holder.peerId().substring(0, 8))
            + " · \\d+(\\.\\d)? (B|KiB|MiB) · \\d+(\\.\\d)? (KiB|MiB)/s · [1-9]\\d* pieces?"));

    // The row is drawn anew with each progress event, so the button is found and clicked in one step,
    // again if it was replaced in between.
    browser.waitFor(Duration.ofSeconds(5), d -> {
      try {
        WebElement cancel = d.findElement(By.cssSelector(row + " button[aria-label='Cancel long-lecture.mp4']"));
        if (!cancel.isDisplayed()) {
          return false;
        }
        cancel.click();
        return true;
      } catch (StaleElementReferenceException e) {
        return false;
      }
    });

    browser.waitFor(Duration.ofSeconds(10), d -> displayed("#downloads tr.cancelled"));
    assertThat(browser.text("#downloads tr.cancelled td:nth-child(1)")).contains("cancelled");
    assertThat(browser.findAll("#downloads tr.cancelled button")).as("no Cancel button on a finished download").isEmpty();
    assertThat(browser.text("#downloads tr.cancelled td:nth-child(3)")).as("no rate once stopped").isEqualTo("—");
    assertThat(browser.text("#status-downloads")).as("the Downloads counter once it stopped").isEqualTo("0");
    Eventually.within(Duration.ofSeconds(5), () -> {
      try (Stream<Path> left = Files.walk(userShare)) {
        assertThat(left.filter(Files::isRegularFile).filter(path -> !path.endsWith(".shoal/hashes.tsv")))
            .as("the partial file is removed").isEmpty();
      }
    });
    assertThat(network.holdersOf(sha256)).doesNotContain(user.peerId());
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("without the token, or with a wrong one, the page shows nothing but a sentence saying how to open it")
  void withoutTheTokenOnlyASentence() throws Exception {
    user = network.peer("user", userShare);

    String withoutToken = "http://127.0.0.1:" + user.controlPort() + "/";
    for (String url : new String[] {withoutToken, withoutToken + "?token=wrong", user.controlUrl() + "x"}) {
      browser.open(url);
      assertThat(browser.text("body")).isEqualTo(
          "This is the control page of a Shoal peer. Open it with the address the peer printed when it started: it ends with ?token=…");
      assertThat(browser.findAll("button, input, table")).isEmpty();
    }
  }

  @Test
  @DisplayName("Leave asks for confirmation: Stay keeps the peer registered; Leave makes it leave the tracker and stop")
  void leaveWithConfirmation() throws Exception {
    TestFiles.text(userShare.resolve("notes.txt"), "leaving soon");
    user = network.peer("user", userShare);
    openPage(user);
    browser.waitFor(Duration.ofSeconds(5), d -> browser.text("#files").contains("notes.txt"));

    browser.driver().findElement(By.id("leave")).click();
    browser.waitFor(Duration.ofSeconds(2), d -> browser.driver().findElement(By.id("leave-dialog")).isDisplayed());
    // Asking is not leaving: while the dialog is open the peer is still registered, and Stay keeps it so.
    assertThat(network.status("/api/v1/peers/" + user.peerId())).isEqualTo(200);
    browser.driver().findElement(By.cssSelector("#leave-dialog button[value=cancel]")).click();
    browser.waitFor(Duration.ofSeconds(2), d -> !displayed("#leave-dialog"));
    assertThat(network.status("/api/v1/peers/" + user.peerId())).isEqualTo(200);
    assertThat(user.stopped().isComplete()).as("the peer still runs").isFalse();
    assertThat(browser.text("#connection")).isEqualTo("connected");

    browser.driver().findElement(By.id("leave")).click();
    browser.waitFor(Duration.ofSeconds(2), d -> browser.driver().findElement(By.id("leave-dialog")).isDisplayed());
    browser.driver().findElement(By.id("leave-confirm")).click();

    browser.waitFor(Duration.ofSeconds(10), d -> browser.text("body").contains("has left the network"));
    assertThat(network.status("/api/v1/peers/" + user.peerId())).isEqualTo(404);
    assertThat(user.stopped().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS)).isNull();
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("on a phone-width screen the page fits without sideways scrolling")
  void fitsAPhoneScreen() throws Exception {
    TestFiles.text(userShare.resolve("a-rather-long-file-name-for-a-narrow-screen.txt"), "narrow");
    user = network.peer("user", userShare);
    try (HeadlessChromium phone = HeadlessChromium.start(390, 844)) {
      phone.open(user.controlUrl());
      phone.waitFor(Duration.ofSeconds(10), d -> phone.text("#files").contains("a-rather-long-file-name"));
      Object overflow = ((org.openqa.selenium.JavascriptExecutor) phone.driver())
          .executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
      assertThat(((Number) overflow).intValue()).isLessThanOrEqualTo(0);
      assertThat(phone.consoleErrors()).isEmpty();
    }
  }

  private void openPage(PeerNode node) {
    browser.open(node.controlUrl());
    browser.waitFor(Duration.ofSeconds(10), d -> browser.text("#connection").equals("connected"));
    browser.waitFor(Duration.ofSeconds(5), d -> browser.text("#peer-name").equals(node.config().name()));
  }

  /** Whether a person sees the element: it exists and is displayed (not hidden, not display:none). */
  private boolean displayed(String cssSelector) {
    List<WebElement> found = browser.findAll(cssSelector);
    try {
      return !found.isEmpty() && found.get(0).isDisplayed();
    } catch (StaleElementReferenceException e) {
      return false;
    }
  }

  private void search(String query) {
    var input = browser.driver().findElement(By.id("search-query"));
    input.clear();
    input.sendKeys(query);
    browser.driver().findElement(By.cssSelector("#search button[type=submit]")).click();
  }
}
