package dev.verdict.coordinator.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;
import dev.verdict.testsupport.TestCredentials;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver, which .ci/run
 * installs): an operator sees an in-doubt transaction, retries it once its participant is back, and
 * aborts an undecided one. Screenshots go to target/screenshots.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "verdict.coordinator.recovery-interval=1h",
        "resilience4j.retry.instances.phase2.wait-duration=10ms"})
class DashboardBrowserIntegrationTests {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) throws Exception {
        TestCoordinator.freshLogAndCredentials(registry, "dashboard-log");
    }

    @LocalServerPort
    int port;

    WebDriver browser;
    Http api;
    ProtocolParticipant alpha;
    ProtocolParticipant beta;

    @BeforeEach
    void start() throws Exception {
        assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium (apt-get install chromium chromium-driver)").exists();
        ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium").addArguments("--headless=new",
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                "--user-data-dir=" + Files.createTempDirectory("chromium").toAbsolutePath());
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(driver, options);
        api = TestCredentials.asClient(new Http("http://localhost:" + port).awaitStatus("/actuator/health/readiness", 200));
        Path databases = Files.createTempDirectory("dashboard-participants");
        alpha = new ProtocolParticipant("alpha", "http://localhost:" + port, "jdbc:h2:file:" + databases.resolve("alpha").toAbsolutePath());
        beta = new ProtocolParticipant("beta", "http://localhost:" + port, "jdbc:h2:file:" + databases.resolve("beta").toAbsolutePath());
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stop() {
        browser.quit();
        for (ProtocolParticipant participant : new ProtocolParticipant[] {alpha, beta}) {
            assertThat(Databases.preparedTransactions(participant.databaseUrl(), "sa", "")).isEmpty();
            participant.close();
        }
    }

    @Test
    void theDashboardAsksForASignInAndShowsWhoIsSignedInUntilTheySignOut() throws Exception {
        browser.get("http://localhost:" + port + "/admin/");
        waitFor(() -> browser.getCurrentUrl().endsWith("/login"));
        signIn(TestCredentials.OPERATOR, "not the password");
        waitFor(() -> browser.getCurrentUrl().endsWith("/login?error"));
        screenshot("sign-in-refused");

        signIn(TestCredentials.OPERATOR, TestCredentials.OPERATOR_PASSWORD);
        waitFor(() -> browser.getCurrentUrl().endsWith("/admin/"));
        waitFor(() -> text(By.id("operator")).contains(TestCredentials.OPERATOR));
        screenshot("signed-in");

        browser.findElement(By.id("sign-out")).click();
        waitFor(() -> browser.getCurrentUrl().endsWith("/login?logout"));
        browser.get("http://localhost:" + port + "/admin/");
        waitFor(() -> browser.getCurrentUrl().endsWith("/login"));
    }

    @Test
    void anOperatorSeesAnInDoubtTransactionAndRetriesItOnceTheParticipantIsBack() throws Exception {
        String id = api.post("/api/v1/transactions", Map.of("name", "stuck-transfer")).text("id");
        alpha.doWork(id);
        beta.behave(Behaviour.UNAVAILABLE).doWork(id);
        assertThat(api.post("/api/v1/transactions/" + id + "/commit").text("status")).isEqualTo("COMMITTING");

        open("#overview");
        waitFor(() -> text(By.cssSelector("#in-doubt-count .value")).equals("1"));
        screenshot("overview-with-one-in-doubt");
        open("#transactions");
        waitFor(() -> !browser.findElements(By.cssSelector("#list tbody tr.in-doubt")).isEmpty());
        assertThat(text(By.cssSelector("#list tbody tr.in-doubt"))).contains(id, "COMMITTING", "stuck-transfer");
        screenshot("list-with-in-doubt-highlighted");

        beta.behave(Behaviour.VOTE_YES);
        click(By.cssSelector("#list tbody tr.in-doubt a"));
        waitFor(() -> text(By.id("tx-state")).equals("COMMITTING"));
        assertThat(text(By.id("tx-summary"))).contains("Next phase-2 attempt");
        browser.findElement(By.id("reason")).sendKeys("beta is back after its restart");
        browser.findElement(By.id("retry")).click();

        waitFor(() -> text(By.id("tx-state")).equals("COMMITTED"));
        waitFor(() -> text(By.id("audit")).contains("retry-phase-2"));
        assertThat(text(By.id("audit"))).contains(TestCredentials.OPERATOR, "beta is back after its restart");
        assertThat(text(By.id("history"))).contains("COMMITTING", "COMMITTED");
        screenshot("retried-and-committed");
        assertThat(alpha.committedRows(id)).isEqualTo(1);
        assertThat(beta.committedRows(id)).isEqualTo(1);
    }

    @Test
    void anOperatorAbortsAnUndecidedTransactionAndTheAuditTrailShowsIt() throws Exception {
        String id = api.post("/api/v1/transactions", Map.of("name", "abandoned")).text("id");
        alpha.doWork(id);

        open("#tx/" + id);
        waitFor(() -> text(By.id("tx-state")).equals("ACTIVE"));
        browser.findElement(By.id("reason")).sendKeys("the client crashed and will not come back");
        browser.findElement(By.id("abort")).click();

        waitFor(() -> text(By.id("tx-state")).equals("ABORTED"));
        waitFor(() -> text(By.id("audit")).contains("decide-abort"));
        assertThat(text(By.id("audit"))).contains(TestCredentials.OPERATOR, "the client crashed and will not come back");
        assertThat(text(By.id("action-result"))).contains("Done");
        screenshot("aborted-with-audit-entry");
        assertThat(alpha.committedRows(id)).isZero();
    }

    /** Opens a page of the dashboard, signing in first if the browser has no session yet. */
    private void open(String page) throws Exception {
        browser.get("http://localhost:" + port + "/admin/" + page);
        // a redirect keeps the page's fragment: /login#overview
        if (browser.getCurrentUrl().contains("/login")) {
            signIn(TestCredentials.OPERATOR, TestCredentials.OPERATOR_PASSWORD);
            waitFor(() -> browser.getCurrentUrl().contains("/admin/"));
            browser.get("http://localhost:" + port + "/admin/" + page);
        }
    }

    private void signIn(String operator, String password) {
        browser.findElement(By.name("username")).clear();
        browser.findElement(By.name("username")).sendKeys(operator);
        browser.findElement(By.name("password")).sendKeys(password);
        browser.findElement(By.cssSelector("button[type=submit]")).click();
    }

    /** Clicks the element, found again if a redraw of the page replaced it in between. */
    private void click(By selector) throws Exception {
        waitFor(() -> {
            try {
                browser.findElement(selector).click();
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException | org.openqa.selenium.NoSuchElementException redrawn) {
                return false;
            }
        });
    }

    /** The element's text; the page redraws itself every 3 s, so an element found may be replaced before it is read. */
    private String text(By selector) {
        for (int attempt = 0; ; attempt++) {
            try {
                var found = browser.findElements(selector);
                return found.isEmpty() ? "" : found.getFirst().getText();
            } catch (org.openqa.selenium.StaleElementReferenceException redrawn) {
                if (attempt == 5) {
                    throw redrawn;
                }
            }
        }
    }

    private void waitFor(java.util.function.BooleanSupplier condition) throws Exception {
        try {
            new WebDriverWait(browser, Duration.ofSeconds(15)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(ignored -> condition.getAsBoolean());
        } catch (org.openqa.selenium.TimeoutException e) {
            screenshot("failed-" + System.currentTimeMillis());
            Files.writeString(SCREENSHOTS.resolve("failed-page.html"), browser.getPageSource());
            throw e;
        }
    }

    private void screenshot(String name) throws Exception {
        File shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
