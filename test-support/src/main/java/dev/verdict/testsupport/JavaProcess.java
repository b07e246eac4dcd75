package dev.verdict.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A main class run in a JVM of its own, on the test's class path, so that a test can kill it for real
 * ({@code kill -9}) and start it again.
 */
public final class JavaProcess implements AutoCloseable {

    private final String mainClass;
    private final List<String> jvmOptions;
    private final List<String> arguments;
    private final Path log;
    private Process process;

    private JavaProcess(String mainClass, List<String> jvmOptions, List<String> arguments, Path log) {
        this.mainClass = mainClass;
        this.jvmOptions = jvmOptions;
        this.arguments = arguments;
        this.log = log;
    }

    public static JavaProcess start(String mainClass, Path log, String... arguments) {
        return start(mainClass, log, List.of(), arguments);
    }

    public static JavaProcess start(String mainClass, Path log, List<String> jvmOptions, String... arguments) {
        JavaProcess process = new JavaProcess(mainClass, jvmOptions, List.of(arguments), log);
        process.start();
        return process;
    }

    private void start() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(arguments);
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + mainClass, e);
        }
    }

    /** Waits until {@code url} answers 200, failing early if the process dies. */
    public JavaProcess awaitHttp(String url) {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(mainClass + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200;
            } catch (IOException notYet) {
                return false;
            }
        });
        return this;
    }

    /** SIGKILL: the process gets no chance to flush, close or shut down. */
    public void kill9() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the same main class with the same arguments again, after a kill. */
    public JavaProcess restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(mainClass + " is still running");
        }
        start();
        return this;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill9();
        }
    }
}
