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
import org.openqa.selenium.By;
import shoal.peer.PeerNode;
import shoal.peer.share.Sha256;
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
    browser.waitFor(Duration.ofSeconds(5), d -> browser.text("#results-empty").contains("No file on the network matches"));
    search(nobodyHasIt);
    browser.waitFor(Duration.ofSeconds(5), d -> !browser.findAll("#results button").isEmpty());
    long clicked = System.nanoTime();
    browser.findAll("#results button").get(0).click();
    browser.waitFor(Duration.ofSeconds(1), d -> browser.text("#notice").equals(NOT_AVAILABLE));

    assertThat(Duration.ofNanos(System.nanoTime() - clicked)).isLessThan(Duration.ofSeconds(1));
    assertThat(browser.text("#downloads-empty")).isNotEmpty();
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
  @DisplayName("Leave asks for confirmation, then the peer leaves the tracker and stops")
  void leaveWithConfirmation() throws Exception {
    TestFiles.text(userShare.resolve("notes.txt"), "leaving soon");
    user = network.peer("user", userShare);
    openPage(user);
    browser.waitFor(Duration.ofSeconds(5), d -> browser.text("#files").contains("notes.txt"));

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

  private void search(String query) {
    var input = browser.driver().findElement(By.id("search-query"));
    input.clear();
    input.sendKeys(query);
    browser.driver().findElement(By.cssSelector("#search button[type=submit]")).click();
  }
}
