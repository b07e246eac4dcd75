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

import org.awaitility.core.ConditionTimeoutException;

/**
 * A packaged service ({@link PackagedApp}) run in a JVM of its own, exactly as users start it, so that a
 * test can kill it for real ({@code kill -9}) and start it again.
 */
public final class JavaProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final PackagedApp app;
    private final List<String> jvmOptions;
    private final List<String> arguments;
    private final Path log;
    private Process process;

    private JavaProcess(PackagedApp app, List<String> jvmOptions, List<String> arguments, Path log) {
        this.app = app;
        this.jvmOptions = jvmOptions;
        this.arguments = arguments;
        this.log = log;
    }

    public static JavaProcess start(PackagedApp app, Path log, List<String> arguments) {
        return start(app, log, List.of(), arguments);
    }

    /** Starts the app; {@code jvmOptions} come before its launch arguments, {@code arguments} after. */
    public static JavaProcess start(PackagedApp app, Path log, List<String> jvmOptions, List<String> arguments) {
        JavaProcess process = new JavaProcess(app, List.copyOf(jvmOptions), List.copyOf(arguments), log);
        process.start();
        return process;
    }

    private void start() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.addAll(app.launchArguments());
        command.addAll(arguments);
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "$ " + String.join(" ", command) + System.lineSeparator(),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + app.name(), e);
        }
    }

    /** Waits until {@code url} answers 200, failing early if the process dies. */
    public JavaProcess awaitHttp(String url) {
        return awaitHttp(url, Duration.ofSeconds(90));
    }

    /**
     * Waits at most {@code bound} until {@code url} answers 200, failing early if the process dies. A
     * process that does not answer in time leaves a thread dump beside its log.
     */
    public JavaProcess awaitHttp(String url, Duration bound) {
        try {
            await().atMost(bound).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(app.name() + " exited with " + process.exitValue() + "; see " + log);
                }
                return answers200(url);
            });
        } catch (ConditionTimeoutException e) {
            Path dump = threadDump();
            throw new IllegalStateException(app.name() + " did not answer " + url + " within " + bound
                    + "; see " + log + " and the thread dump " + dump, e);
        }
        return this;
    }

    private static boolean answers200(String url) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Writes the threads of the running process next to its log ({@code jcmd Thread.dump_to_file}). */
    public Path threadDump() {
        Path dump = log.resolveSibling(log.getFileName() + ".threads-" + System.currentTimeMillis() + ".txt");
        try {
            new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.dump_to_file", "-format=text", dump.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return dump;
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

    /** SIGTERM, and waits for the process to end: it shuts down in order, as on a normal stop. */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                kill9();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The operating system's handle of the running process, for its CPU time. */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** Starts the same app with the same arguments again, after a kill. */
    public JavaProcess restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(app.name() + " is still running");
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
