package dev.verdict.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A service as the build ships it, so that process tests run what users run: the layout the build
 * extracted into {@code <module>/target/<name>/} ({@code <name>.jar} beside {@code lib/}) with the start-up
 * cache it trained, an AOT cache ({@code .aot}, JDK 25 and newer) or a CDS archive ({@code .jsa}).
 */
public record PackagedApp(String name, Path directory) {

    public static PackagedApp coordinator() {
        return of("coordinator", "verdict-coordinator");
    }

    public static PackagedApp bank() {
        return of("samples/bank", "verdict-bank");
    }

    private static PackagedApp of(String module, String name) {
        Path root = Path.of(System.getProperty("verdict.root", "..")).toAbsolutePath().normalize();
        Path directory = root.resolve(module).resolve("target").resolve(name);
        if (!Files.isRegularFile(directory.resolve(name + ".jar"))) {
            throw new IllegalStateException(directory.resolve(name + ".jar") + " is missing: package the "
                    + module + " module first (./mvnw -DskipTests package)");
        }
        return new PackagedApp(name, directory);
    }

    /** The java arguments that start it: its start-up cache, if the build made one, and its jar. */
    List<String> launchArguments() {
        List<String> arguments = new ArrayList<>();
        Path aot = directory.resolve(name + ".aot");
        Path cds = directory.resolve(name + ".jsa");
        if (Files.isRegularFile(aot)) {
            arguments.add("-XX:AOTCache=" + aot);
        } else if (Files.isRegularFile(cds)) {
            arguments.add("-XX:SharedArchiveFile=" + cds);
        }
        arguments.add("-jar");
        arguments.add(directory.resolve(name + ".jar").toString());
        return arguments;
    }
}
