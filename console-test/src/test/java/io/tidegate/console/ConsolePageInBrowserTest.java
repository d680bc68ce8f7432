package io.tidegate.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscriptionMode;
import io.tidegate.sdk.Subscription;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServerExtension;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console page in a real browser: Debian's headless chromium (through chromium-driver) opens
 * {@code /} of a real gateway that shares one real Redis with a second replica, while a Java SDK
 * publisher and subscriber put load on it and a raw client grants credit and never reads. The page
 * loads and goes live, its numbers move between two reads, the stopped second replica shows as
 * gone, the stalled reader shows as stalled, the consumer group is listed, and the built-in
 * {@code SubscriberStalled} alert appears and is acknowledged with its Ack button. A screenshot is kept in
 * {@code gateway/target/console-screenshot.png}.
 */
class ConsolePageInBrowserTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final String TOPIC = "data.quotes.BINANCE.BTCUSDT";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private final AtomicBoolean loading = new AtomicBoolean(true);
    private WebDriver browser;

    @AfterEach
    void closeBrowser() {
        loading.set(false);
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void thePageShowsLiveTrafficAGoneReplicaAndAStalledSubscriber(@TempDir Path spool) throws Exception {
        try (EmbeddedGateway alpha = EmbeddedGateway.start(config("alpha", spool.resolve("a")));
             EmbeddedGateway beta = EmbeddedGateway.start(config("beta", spool.resolve("b")));
             TidegateClient publisher = client(alpha, "quote-feed");
             TidegateClient reader = client(alpha, "strategy")) {
            AtomicLong received = new AtomicLong();
            Subscription quotes = reader.subscribe(SubscriptionOptions.broadcast("data.quotes.>"), m -> received.incrementAndGet());
            Subscription risk = reader.subscribe(SubscriptionOptions.group("risk", "data.quotes.>"), m -> { });
            ManagedChannel stalledChannel = ManagedChannelBuilder.forTarget(alpha.target()).usePlaintext().build();
            try {
                openStalledReader(stalledChannel);
                Thread load = startLoad(publisher);

                browser = chromium();
                browser.get("http://127.0.0.1:" + alpha.httpPort() + "/");
                WebDriverWait wait = new WebDriverWait(browser, WAIT);
                assertThat(browser.getTitle()).isEqualTo("Tidegate console");
                wait.until(d -> "live".equals(text("#link")));

                String inTotal = "tr[data-topic='" + TOPIC + "'] td[data-field='inTotal']";
                wait.until(d -> text(inTotal) != null);
                long before = number(text(inTotal));
                wait.until(d -> number(text(inTotal)) != before);
                assertThat(number(text(inTotal))).as("messages in on %s, read twice", TOPIC).isGreaterThan(before);

                wait.until(d -> present("tr[data-replica='beta'][data-state='up']"));
                beta.stop();
                wait.until(d -> present("tr[data-replica='beta'][data-state='gone']"));
                assertThat(present("tr[data-replica='alpha'][data-state='up']")).as("this replica stays up").isTrue();

                wait.until(d -> present("tr[data-client='stalled-reader'][data-state='stalled']"));
                assertThat(present("tr[data-client='strategy'][data-state='stalled']")).as("the SDK subscriber reads").isFalse();
                assertThat(number(text("tr[data-client='quote-feed'] td[data-field='published']"))).isPositive();
                By ackStalled = By.xpath("//*[@id='alerts']//tr[contains(., 'SubscriberStalled')]//button[@data-ack]");
                // the panel is re-rendered every poll, so a found button may be replaced before the click
                wait.ignoring(StaleElementReferenceException.class).until(d -> {
                    d.findElement(ackStalled).click();
                    return true;
                });
                wait.until(d -> String.valueOf(alertRow("SubscriberStalled")).contains("acknowledged by admin"));
                assertThat(received.get()).as("the SDK subscriber received quotes").isPositive();
                wait.until(d -> present("tr[data-group='risk'] td[data-field='lag']"));

                saveScreenshot();
                loading.set(false);
                load.join(10_000);
                quotes.close();
                risk.close();
            } finally {
                stalledChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** The text of the first element matching {@code css}, read in one step (the page re-renders often), or null. */
    private String text(String css) {
        return (String) ((JavascriptExecutor) browser).executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
    }

    /** The text of the alerts panel's row naming {@code alert}, or null. */
    private String alertRow(String alert) {
        return (String) ((JavascriptExecutor) browser).executeScript(
                "const r = [...document.querySelectorAll('#alerts tbody tr')].find(t => t.textContent.includes(arguments[0]));"
                        + " return r ? r.textContent : null;", alert);
    }

    private boolean present(String css) {
        return text(css) != null;
    }

    private static long number(String shown) {
        return shown == null ? -1 : Long.parseLong(shown.replace(",", ""));
    }

    private static GatewayConfig config(String id, Path spool) {
        return GatewayConfig.defaultsWith("gateway-id=" + id, "grpc.host=127.0.0.1", "grpc.port=0",
                "http.host=127.0.0.1", "http.port=0", "backend.type=redis", "backend.redis.uri=" + REDIS.uri(),
                "resilience.spool.dir=" + spool, "console.push-interval=250ms", "console.announce-interval=250ms",
                "console.stall-limit=1s", "otel.metrics.consumer-lag-interval=500ms",
                "ops.alerts.subscriber-stall-after=2s", "ops.alerts.evaluation-interval=250ms", "ops.alerts.lease-time=1s",
                // the page must show the stalled reader as stalled; remediation would close it after idle-after
                "remediation.close-idle-subscriber.enabled=false");
    }

    private static TidegateClient client(EmbeddedGateway gateway, String name) {
        return TidegateClient.builder().endpoints(gateway.target()).clientName(name).build();
    }

    /** Publishes 4 KiB quotes until the test ends: enough to fill a stream that never reads. */
    private Thread startLoad(TidegateClient publisher) {
        ByteString payload = ByteString.copyFrom(new byte[4096]);
        Thread t = new Thread(() -> {
            long i = 0;
            while (loading.get()) {
                publisher.publish(Message.newBuilder().setTopic(TOPIC).setId("q-" + i++).setPayload(payload).build());
                if (i % 50 == 0) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "console-test-load");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A client stream that says Hello, grants credit for 100000 quotes and never reads a frame. */
    private static void openStalledReader(ManagedChannel channel) {
        var requests = GatewayServiceGrpc.newStub(channel).connect(new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ConnectRequest> requests) {
                requests.disableAutoRequestWithInitial(0);
            }

            @Override
            public void onNext(ConnectResponse value) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(ConnectRequest.newBuilder().setFrameId(1)
                .setHello(Hello.newBuilder().setClientName("stalled-reader").setLanguage("java")).build());
        requests.onNext(ConnectRequest.newBuilder().setFrameId(2).setSubscribe(Subscribe.newBuilder()
                .setSubscriptionId("stalled").setMode(SubscriptionMode.SUBSCRIPTION_MODE_BROADCAST)
                .addPatterns("data.quotes.>").setInitialCredit(100_000)).build());
    }

    private static WebDriver chromium() {
        assertThat(new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute())
                .as("Debian's chromium and chromium-driver are installed (apt-get install chromium chromium-driver; "
                        + "scripts/test-all.sh installs them)").isTrue();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1440,1400");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private void saveScreenshot() throws Exception {
        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("..", "gateway", "target", "console-screenshot.png");
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}
