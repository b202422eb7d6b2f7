package shoal.tracker.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium driven through ChromeDriver — Debian's {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs. Nothing is downloaded: the binaries are
 * named explicitly, so Selenium Manager never runs.
 */
public final class HeadlessChromium implements AutoCloseable {

  private static final String CHROMIUM = System.getenv().getOrDefault("SHOAL_CHROMIUM", "/usr/bin/chromium");
  private static final String CHROMEDRIVER = System.getenv().getOrDefault("SHOAL_CHROMEDRIVER", "/usr/bin/chromedriver");

  private final ChromeDriver driver;
  private final Path profile;

  private HeadlessChromium(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** Starts Chromium with a window of the given width (a laptop is 1280, a phone 390). */
  public static HeadlessChromium start(int width, int height) {
    if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
      throw new IllegalStateException("the browser tests need Chromium and ChromeDriver at " + CHROMIUM + " and "
          + CHROMEDRIVER + ": apt-get install chromium chromium-driver (as .ci/run does)");
    }
    try {
      Path profile = Files.createTempDirectory("shoal-chromium");
      LoggingPreferences logs = new LoggingPreferences();
      logs.enable(LogType.BROWSER, Level.ALL);
      ChromeOptions options = new ChromeOptions()
          .setBinary(CHROMIUM)
          .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
      options.setCapability("goog:loggingPrefs", logs);
      ChromeDriverService service = new ChromeDriverService.Builder()
          .usingDriverExecutable(new File(CHROMEDRIVER))
          .usingAnyFreePort()
          .build();
      return new HeadlessChromium(new ChromeDriver(service, options), profile);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static HeadlessChromium start() {
    return start(1280, 1000);
  }

  public WebDriver driver() {
    return driver;
  }

  public void open(String url) {
    driver.get(url);
  }

  /** Waits up to {@code timeout} for {@code condition} to give a non-null, non-false value. */
  public <T> T waitFor(Duration timeout, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, timeout, Duration.ofMillis(50)).until(condition::apply);
  }

  public List<WebElement> findAll(String cssSelector) {
    return driver.findElements(By.cssSelector(cssSelector));
  }

  /**
   * The text of the first element matching, or "" when there is none. Read in one script so that
   * a live page re-rendering the element in between cannot make the read fail.
   */
  public String text(String cssSelector) {
    Object text = driver.executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", cssSelector);
    return String.valueOf(text);
  }

  /** An attribute of the first element matching, or null; read in one script like {@link #text}. */
  public String attribute(String cssSelector, String name) {
    Object value = driver.executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;", cssSelector, name);
    return value == null ? null : String.valueOf(value);
  }

  /** Console messages at SEVERE level since the last call (JavaScript errors, failed loads). */
  public List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }

  public byte[] screenshotPng() {
    return driver.getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
  }

  @Override
  public void close() {
    driver.quit();
    try (var files = Files.walk(profile)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a temporary profile left behind is harmless
    }
  }
}
