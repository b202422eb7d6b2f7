package shoal.peer.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import shoal.peer.PeerNode;
import shoal.peer.share.Sha256;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.HeadlessChromium;

/**
 * The control page's "Download when available", in a real headless Chromium: for a name a search
 * does not find and for a pasted SHA-256 nobody offers, a download that shows as waiting until a
 * peer shares the file, and that can be cancelled while it waits.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Download when available, on the peer control page")
class DownloadWhenAvailableBrowserTest {

  @TempDir
  Path staged;
  @TempDir
  Path holderShare;
  @TempDir
  Path userShare;
  private PeerNetwork network;
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
  @DisplayName("a search that finds nothing offers it; the row shows waiting, counted in Downloads, and reaches done once another peer shares the file")
  void waitsForASearchedNameUntilShared() throws Exception {
    String sha256 = TestFiles.random(staged.resolve("concert.flac"), 3L << 20, 43);
    PeerNode user = network.peer("user", userShare);
    openPage(user);

    search("concert.flac");
    browser.waitFor(Duration.ofSeconds(5), d -> displayed("#results-empty")
        && browser.text("#results-empty").contains("No file on the network matches"));
    browser.driver().findElement(By.cssSelector("#results-empty button[aria-label='Download concert.flac when available']")).click();

    String row = "#downloads tr.waiting";
    browser.waitFor(Duration.ofSeconds(5), d -> displayed(row));
    assertThat(browser.text(row + " td:nth-child(1)")).contains("concert.flac").contains("waiting");
    assertThat(browser.findAll(row + " button[aria-label='Cancel concert.flac']")).hasSize(1);
    assertThat(browser.text("#status-downloads")).as("the Downloads counter counts the waiting row").isEqualTo("1");

    Files.move(staged.resolve("concert.flac"), holderShare.resolve("concert.flac"));
    network.peer("holder", holderShare);

    browser.waitFor(Duration.ofSeconds(20), d -> displayed("#downloads tr.done"));
    assertThat(browser.findAll("#downloads tr")).as("the waiting row became the done row").hasSize(1);
    assertThat(browser.text("#downloads tr.done td:nth-child(1)")).contains("concert.flac");
    browser.waitFor(Duration.ofSeconds(10), d -> browser.text("#files").contains("concert.flac"));
    assertThat(browser.text("#status-downloads")).isEqualTo("0");
    assertThat(Sha256.ofFile(userShare.resolve("concert.flac"))).isEqualTo(sha256);
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("a pasted SHA-256 nobody offers can be waited for; Cancel on the waiting row shows it cancelled and nothing is downloaded")
  void cancelsAWaitingDownload() throws Exception {
    PeerNode user = network.peer("user", userShare);
    openPage(user);
    String nobodyHasIt = "ab".repeat(32);

    search(nobodyHasIt);
    String waitButton = "#results button[aria-label='Download " + nobodyHasIt + " when available']";
    browser.waitFor(Duration.ofSeconds(5), d -> displayed(waitButton));
    browser.driver().findElement(By.cssSelector(waitButton)).click();

    String row = "#downloads tr.waiting";
    browser.waitFor(Duration.ofSeconds(5), d -> displayed(row));
    assertThat(browser.text(row + " td:nth-child(1)")).contains(nobodyHasIt.substring(0, 16)).contains("waiting");
    assertThat(browser.text("#status-downloads")).isEqualTo("1");
    browser.waitFor(Duration.ofSeconds(5), d -> clicked(d.findElements(By.cssSelector(row + " button"))));

    browser.waitFor(Duration.ofSeconds(5), d -> displayed("#downloads tr.cancelled"));
    assertThat(browser.findAll("#downloads tr.waiting")).isEmpty();
    assertThat(browser.findAll("#downloads tr.cancelled button")).as("no Cancel button once cancelled").isEmpty();
    assertThat(browser.text("#status-downloads")).isEqualTo("0");
    assertThat(network.transfersOf(nobodyHasIt)).isEmpty();
    assertThat(browser.consoleErrors()).isEmpty();
  }

  private void openPage(PeerNode node) {
    browser.open(node.controlUrl());
    browser.waitFor(Duration.ofSeconds(10), d -> browser.text("#connection").equals("connected"));
    browser.waitFor(Duration.ofSeconds(5), d -> browser.text("#peer-name").equals(node.config().name()));
  }

  /** Clicks the first of {@code found} that a person sees; false when there is none (or it was redrawn meanwhile). */
  private static boolean clicked(List<WebElement> found) {
    try {
      if (found.isEmpty() || !found.get(0).isDisplayed()) {
        return false;
      }
      found.get(0).click();
      return true;
    } catch (StaleElementReferenceException e) {
      return false;
    }
  }

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
